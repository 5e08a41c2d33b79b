"""Locate the claims that live in sentences: C1's total and dims, C2b's best epoch and updates,
C3's "much better", C4's "consistent", C6's printed "mean ± spread". Pure: rows in, values out,
each a :class:`~harness.intake.found.Found` with where it was and why to review it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.intake import text as T
from harness.intake.doc import Row, prose
from harness.intake.found import Found, short

DIMS = {  # the count's dims: the names a report writes them with (after text.clean; "dmodel": a PDF's subscript)
    "vocab_size": r"[dn]_?\s?vocab|vocab(?:ulary)?[ _]size|\|V\||\bV\b|taille du vocabulaire|vocabulaire|vocabulary",
    "d_model": r"d_?\s?model|d_hidden|hidden[ _](?:size|dim(?:ension)?)|\bd\b(?![_'’])|dimension du mod[eè]le|"
               r"embedding (?:size|dim(?:ension)?)|model dimension",
    "d_ff": r"d_?\s?ff\b|d_FF|ffn[ _]dim(?:ension)?|\bffn\b|feed[- ]forward(?: (?:size|dim(?:ension)?))?",
    "max_positions": r"n_?\s?source_?\s?positions|n_positions|n_pos|max_pos|max_positions|max[ _]positions|"
                     r"max_position_embeddings|\bP\b",
    "layers": r"n_?\s?layers|num_layers|\bL\b|nombre de couches|number of layers|layers|couches",
}
AFTER = {"layers": r"layers|couches|encoder layers", "max_positions": r"positions", "vocab_size": r"tokens|mots"}
_IS = r"(?:\s*(?:=|:|\|)\s*|\s+(?:is\s+|est\s+|of\s+|de\s+|size\s+|dimension\s+)?)"


@dataclass(frozen=True)
class Sentence:
    row: Row
    text: str


def sentences(rows: list[Row]) -> list[Sentence]:
    out = []
    for row in rows:
        if row.heading or not row.text.strip():
            continue
        out.extend(Sentence(row, s) for _, s in T.sentences(row.text))
    return out


def _quote(s: Sentence, review: str = "") -> Found:
    return Found(T.words(s.text), s.row.where, short(s.text), review)


# --- C1 ----------------------------------------------------------------------------------------


def count(rows: list[Row]) -> tuple[Found | None, Found | None, dict[str, Found]]:
    """(total, quote, dims) of the parameter count; total None when the report states none."""
    cands = []
    for s in sentences(rows):
        if not T.PARAMS.search(s.text):
            continue
        big = [n for n in T.numbers(s.text) if n.is_int and n.value >= 100_000 and not n.percent]
        if big:
            cands.append((s, big))
    review = ""
    if not cands:  # "N = V d + ... = 22 807 552" with no word "parameters" beside it
        cands = [(s, big) for s in sentences(rows) if "=" in s.text and T.PARAMS.search(s.row.section + " " + s.text)
                 or "=" in s.text and re.search(r"count|nombre|compt", s.row.section, re.I)
                 for big in [[n for n in T.numbers(s.text) if n.is_int and n.value >= 1_000_000]] if big]
        review = "uncertain: no word 'parameters' beside this number"
    if not cands:
        return None, None, {}
    said = [c for c in cands if re.search(r"yield|total|give|obtain|donne|soit|obtien|=|thus|donc|result", c[0].text, re.I)]
    s, big = (said or cands)[0]
    total = int(max(n.value for n in big))
    others = sorted({int(max(n.value for n in b)) for _, b in cands} - {total})
    review = "; ".join(x for x in (review, f"other totals stated: {', '.join(f'{x:,}' for x in others)}" if others
                                   else "") if x)
    index = rows.index(s.row)
    return Found(total, s.row.where, short(s.text), review), _quote(s), _dims(rows, index)


def _dims(rows: list[Row], index: int) -> dict[str, Found]:
    """Each dim's value: its assignment closest above the total's line (else the first below it in
    the same section)."""
    section = rows[index].section
    scope = [r for r in rows[:index + 1] if r.section == section] or rows[:index + 1]
    below = [r for r in rows[index + 1:] if r.section == section]
    out = {}
    for dim, names in DIMS.items():  # "V x d = 32000 x 512" is read as "V = 32000, d = 512"
        assign = re.compile(rf"(?:{names}){_IS}(?P<n>{T.INT})(?![\d.,]\d)")
        after = re.compile(rf"(?P<n>{T.INT})\s+(?:{AFTER[dim]})\b", re.I) if dim in AFTER else None
        for row in list(reversed(scope)) + below:
            text = _PRODUCT.sub(lambda p: f"{p['a']} = {p['m']}, {p['b']} = {p['n']}", row.text)
            m = assign.search(text) or (after.search(text) if after else None)
            if m:
                value = int(T.parse(m.group("n").strip()))
                out[dim] = Found(value, row.where, short(m.group(0)))
                break
    return out


_PRODUCT = re.compile(r"(?P<a>[\w|]+)\s*[x×·*]\s*(?P<b>[\w|]+)\s*=\s*(?P<m>\d[\d,\u2009\u202f ]*?\d)\s*[x×·*]\s*(?P<n>\d+)")


def formula(dims: dict[str, int]) -> int:
    """The lab's count from the dims: V·d + (P+2)·d + L·(2·d_ff·d + 4·d²)."""
    v, d, ff, p, n = (dims[k] for k in ("vocab_size", "d_model", "d_ff", "max_positions", "layers"))
    return v * d + (p + 2) * d + n * (2 * ff * d + 4 * d * d)


# --- C2b ---------------------------------------------------------------------------------------

_EPOCH = re.compile(r"(?P<n>\d+)\s*(?:th\s+|e\s+|ème\s+)?(?:epochs?|[ée]poques?)|(?:epochs?|[ée]poques?)\s*(?:n°\s*)?(?P<m>\d+)", re.I)
_UPD = re.compile(rf"(?P<n>{T.INT})\s*(?:training\s+|gradient\s+)?(?:steps|updates|iterations|it[ée]rations|"
                  r"pas(?: d'entra[iî]nement| d’entra[iî]nement)?|mises? à jour)\b", re.I)


def best_epoch(rows: list[Row]) -> tuple[Found, Found, Found] | None:
    """(epoch, updates, quote) of the sentence that says when the best validation accuracy comes."""
    found = []
    for s in sentences(rows):
        if s.row.framework == "hf" or not _EPOCH.search(s.text):
            continue
        best = bool(re.search(r"\bbest\b|meilleur|\bhighest\b|\bmax|\bpeak|culmin|plus [ée]lev", s.text, re.I))
        found.append((not best, s))
    if not found:
        return None
    found.sort(key=lambda x: x[0])
    unsure, s = found[0]
    m = _EPOCH.search(s.text)
    review = "uncertain: the sentence does not say it is the best epoch" if unsure else ""
    epoch = Found(int(m.group("n") or m.group("m")), s.row.where, short(m.group(0)), review)
    u = _UPD.search(s.text)
    updates = Found(int(T.parse(u.group("n").strip())), s.row.where, short(u.group(0))) if u else \
        Found(0, s.row.where, "", "")
    return epoch, updates, _quote(s, review)


# --- C3, C4 ------------------------------------------------------------------------------------


def much_better(rows: list[Row]) -> Found | None:
    return _first([s for s in sentences(rows) if s.row.framework != "hf" and T.BETTER.search(s.text)
                   and (T.RANDOM.search(s.text) or T.PRETRAINED.search(s.text))])


def consistent(rows: list[Row]) -> Found | None:
    return _first([s for s in sentences(rows) if (s.row.framework == "hf" or T.HF.search(s.text))
                   and T.CONSISTENT.search(s.text)])


def _first(found: list[Sentence]) -> Found | None:
    """The first sentence that says it; when several do, a person picks the one the claim is."""
    if not found:
        return None
    others = ", ".join(s.row.where for s in found[1:4])
    return _quote(found[0], f"{len(found)} sentences say so (also {others}): check this is the claim" if others else "")


# --- C6 ----------------------------------------------------------------------------------------

_NUM = T.NUMBER.pattern.replace("(?P<num>", "(?:").replace("(?P<pct>", "(?:")
_PAIR = re.compile(  # "81.1% (± 0.02%)", "81,1 ± 1,7 %", "81.1 +/- 1.7", "mean 81.1%, std 1.7"
    rf"(?P<m>{_NUM})\s*\(?\s*(?:±|\+/-|\+-)\s*(?P<s>{_NUM})\s*\)?|"
    rf"(?:mean|moyenne|average)\s*(?:=|:|of|de)?\s*(?P<m2>{_NUM})[^.;±]{{0,30}}?"
    rf"(?:std|SD|standard deviation|[ée]cart[- ]type)\s*(?:=|:|of|de)?\s*(?P<s2>{_NUM})", re.IGNORECASE)
_FOR = re.compile(r"^[\s)%,]*(?:\(|(?:for|pour|with|avec|of|de|du|on|sur)\b)[^,;.]*?", re.I)


def aggregates(rows: list[Row]) -> tuple[list[dict], Found | None]:
    """The printed "mean (± spread)" pairs of the fairseq cells: [{cell, mean, spread} as Found], and
    the quote: the sentence that prints them, or a table's introduction and "[the table]" when they
    are in a table's rows."""
    ss = [s for s in sentences(rows) if s.row.framework != "hf"]
    for n, s in enumerate(ss):
        if not _PAIR.search(s.text):
            continue
        group = [s]
        if not prose(s.row):  # a table's rows: the pairs of the rows below it too
            for nxt in ss[n + 1:]:
                if prose(nxt.row) or not _PAIR.search(nxt.text):
                    break
                group.append(nxt)
        out = [x for g in group for x in _pairs(g)]
        cells = [x["cell"].value for x in out]
        for x in out:
            if cells.count(x["cell"].value) > 1:
                x["cell"] = x["cell"].needs(f"{cells.count(x['cell'].value)} aggregates read as {x['cell'].value}")
        if len(group) == 1 and prose(s.row):
            return out, _quote(s)
        from harness.intake.cells import intro

        i = intro(rows, rows.index(s.row))
        return out, Found(f"{i.value} [the table]".strip(), i.where, i.words, i.review)
    return [], None


def _pairs(s: Sentence) -> list[dict]:
    pairs = list(_PAIR.finditer(s.text))
    out = []
    for i, p in enumerate(pairs):
        after = s.text[p.end():pairs[i + 1].start() if i + 1 < len(pairs) else len(s.text)]
        before = s.text[pairs[i - 1].end() if i else 0:p.start()]
        init = _init_after(after) or _last_init(before)
        guess = "" if init else "no pretrained / random word beside it: read by its order"
        init = init or ("pretrained", "random")[min(i, 1)]
        mean, spread = T.numbers(p.group("m") or p.group("m2"))[0], T.numbers(p.group("s") or p.group("s2"))[0]
        where, words = s.row.where, short(p.group(0))
        m_value, m_review = printed(mean), ""
        if mean.value <= 1 and not mean.percent:
            places = max(0, -mean.value.as_tuple().exponent - 2)
            m_value, m_review = f"{mean.value * 100:.{places}f}", f"a fraction turned into a percent ({mean.text})"
        out.append({"cell": Found(f"fairseq.{init}", where, short(after.strip() or before.strip()), guess),
                    "mean": Found(m_value, where, words, m_review),
                    "spread": Found(printed(spread), where, words,
                                    f"the ± convention: printed as ±{spread.text}, taken as printed")})
    return out


def printed(n: T.Num) -> str:
    """A printed number as the claims file keeps it: its characters, with a decimal point and the % sign
    it has ("81,1 %" -> "81.1%")."""
    digits = re.sub(r"[\s\u2009\u202f\u00a0%]", "", n.text).replace(",", ".")
    return digits + ("%" if n.percent else "")


def _init_after(after: str) -> str:
    m = _FOR.match(after)
    if not m:
        return ""
    rest = after[:m.end() + 40]
    r, p = T.RANDOM.search(rest), T.PRETRAINED.search(rest)
    hits = sorted([(x.start(), name) for x, name in ((r, "random"), (p, "pretrained")) if x])
    return hits[0][1] if hits else ""


def _last_init(before: str) -> str:
    hits = [(m.start(), "random") for m in T.RANDOM.finditer(before)] + \
           [(m.start(), "pretrained") for m in T.PRETRAINED.finditer(before)]
    return max(hits)[1] if hits else ""
