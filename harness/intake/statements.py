"""Locate C5: the report's words on each ``LoraConfig`` argument (one list item or line each:
``r``, ``lora_alpha``, ``target_modules``, ``lora_dropout``, ``bias``, ``task_type``), what each
is read to state, and the quote. Every ``states`` is a reading of prose, so every one is marked for
review with the words it rests on.

The quote: the item's label and its sentences up to the one that states the reading, cut after the
stating words when a new clause follows them ("... is alpha/r so we want ..."); a stating sentence
that is not among the first two is quoted after "..." ("task_type: ... In our case, we use ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.intake import text as T
from harness.intake.doc import Row
from harness.intake.found import Found, short

LABELS = {"r": r"r", "lora_alpha": r"lora_alpha|alpha|α", "target_modules": r"target_modules",
          "lora_dropout": r"lora_dropout", "bias": r"bias", "task_type": r"task_type"}
_LABEL = re.compile(rf"^\s*\|?\s*(?P<label>{'|'.join(LABELS.values())})\s*(?:\([^)]*\))?\s*(?::|—|–|\||-(?=\s))\s*", re.I)

# (argument, states, pattern): the first pattern that matches the item's words decides
READINGS = [
    ("r", "rank", r"\brank\b|\brang\b"),
    ("lora_alpha", "lora_alpha / r", r"(?:lora_alpha|alpha|α)\s*/\s*r\b|divid\w* by r\b|divis\w* par r\b"),
    ("lora_alpha", "lora_alpha * r", r"(?:lora_alpha|alpha|α)\s*[·×*]\s*r\b|multipli\w* by r\b"),
    ("lora_alpha", "r / lora_alpha", r"\br\s*/\s*(?:lora_alpha|alpha|α)"),
    ("lora_alpha", "lora_alpha", r"scal\w*|facteur|échelle"),
    ("target_modules", "attention", r"attention|query|key|value|\bq_proj|\bv_proj"),
    ("target_modules", "mlp", r"\bmlp\b|feed[- ]forward|dense"),
    ("lora_dropout", "input", r"(?:\binput|\bentrée)"),
    ("lora_dropout", "adapters", r"matri(?:ces|x)|\bA\b.*\bB\b|adapt|lora"),
    ("bias", "none", r"don'?t use any bias|do not use any bias|no bias|aucun biais|pas de biais|n'utilisons pas de biais|\bnone\b"),
    ("bias", "base_layers", r"base (?:model|layers?)|original|du modèle de base|pre-?trained"),
    ("bias", "adapters", r"matri(?:ces|x)|\bA\b.*\bB\b|adapt"),
    ("task_type", "", r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b"),
]
_CLAUSE = re.compile(r"\s+(?:so|because|since|donc|afin|pour que|car|thus|hence)\b|;\s", re.I)
IDS = {"r": "C5.r", "lora_alpha": "C5.alpha", "target_modules": "C5.target", "lora_dropout": "C5.dropout",
       "bias": "C5.bias", "task_type": "C5.task_type"}


@dataclass(frozen=True)
class Statement:
    id: str  # C5.r, ...
    argument: str
    section: str
    states: Found
    quote: Found


def _items(rows: list[Row]) -> dict[str, tuple[Row, str, str]]:
    """argument -> (row, label as written, the item's words after the label), the first of each."""
    out = {}
    for i, row in enumerate(rows):
        m = _LABEL.match(row.text)
        if not m or row.heading:
            continue
        label = m.group("label")
        arg = next(a for a, p in LABELS.items() if re.fullmatch(p, label, re.I))
        if arg in out:
            continue
        body = row.text[m.end():].strip()
        for nxt in rows[i + 1:]:  # a wrapped item: its lines until a blank, a heading, another item
            if not nxt.text.strip() or nxt.heading or nxt.bullet or _LABEL.match(nxt.text):
                break
            body += " " + nxt.text.strip()
        out[arg] = (row, row.text[:m.end()].strip().lstrip("|").strip(), body)
    return out


def _states(arg: str, body: str, skip: tuple[str, ...] = ()) -> tuple[str, re.Match | None, int]:
    """(states, the match, the sentence index) of the first reading of ``arg`` found in ``body``."""
    sents = [s for _, s in T.sentences(body)]
    for a, states, pattern in READINGS:
        if a != arg or states in skip:
            continue
        for k, s in enumerate(sents):
            m = re.search(pattern, s, 0 if arg == "task_type" else re.I)
            if m:
                return states or m.group(1), m, k
    return "", None, -1


def _quote(label: str, sents: list[str], k: int, m: re.Match) -> str:
    said = sents[k]
    cut = _CLAUSE.search(said, m.end())
    if cut and said[cut.start():].strip(" .") and cut.start() >= m.end():
        said = said[:cut.start()].rstrip()
    head = " ".join(sents[:k] + [said]) if k <= 1 else f"... {said}"
    return T.words(f"{label} {head}")


def locate(rows: list[Row]) -> list[Statement]:
    out = []
    for arg, (row, label, body) in _items(rows).items():
        sents = [s for _, s in T.sentences(body)]
        skip = ("none",) if arg == "bias" else ()
        states, m, k = _states(arg, body, skip)
        only_none = arg == "bias" and m is None and _states(arg, body, ("adapters", "base_layers"))[0] == "none"
        if only_none:
            pass  # the item says only that no bias is used: C5.bias_none below, C5.bias not stated
        elif m is None:
            said = T.words(sents[0] if sents else body)
            review = (f"no reading of {arg} found in these words: recorded as other (judged REFUTED); if they "
                      "state a checkable one, write it")
            quote = Found(T.words(f"{label} {said}"), row.where, short(body))
            out.append(Statement(IDS[arg], arg, row.section, Found(f"other: {said}", row.where, short(said), review),
                                 quote))
        else:
            review = f"a reading of prose (\"{short(m.group(0), 40)}\"): check it"
            out.append(Statement(IDS[arg], arg, row.section, Found(states, row.where, short(sents[k]), review),
                                 Found(_quote(label, sents, k, m), row.where, short(body))))
        if arg == "bias":
            none, m2, k2 = _states(arg, body, ("adapters", "base_layers"))
            if m2 is not None and none == "none":
                s = sents[k2]
                out.append(Statement("C5.bias_none", arg, row.section,
                                     Found("none", row.where, short(s), f"a reading of prose (\"{short(m2.group(0), 40)}\"): check it"),
                                     Found(T.words(s), row.where, short(s))))
    return out
