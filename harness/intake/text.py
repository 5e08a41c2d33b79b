"""Words and numbers of a report's line, in English and French (pure functions, no I/O).

- :func:`clean`: a line as a reader sees it: Markdown emphasis and code marks dropped, LaTeX turned
  into its words (``$d_{\\text{ff}} = 512$`` -> ``d_ff = 512``, ``\\frac{\\alpha}{r}`` -> ``alpha/r``,
  ``\\pm`` -> ``±``), a list's bullet dropped (:func:`bullet` tells whether there was one);
- :func:`numbers`: the numbers of a cleaned line: decimal points or commas (``79,9``), thousands
  separated by spaces, thin spaces or commas (``22 807 552``, ``22,807,552``), "%" with or without a
  space, each with where it is;
- the words of both languages (:data:`PRETRAINED`, :data:`RANDOM`, :data:`SEED`, ...), as patterns;
- :func:`sentences`: a paragraph cut into sentences (a decimal point never cuts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


def _w(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


RANDOM = _w(r"\brandom(?:ly)?\b|al[ée]atoire(?:ment)?|from scratch|\bscratch\b|sans pr[ée]-?entra[iî]nement|"
            r"\bnon[- ]pr[ée]-?entra[iî]n|not pre-?trained|untrained|(?:without|no) pre-?training")
PRETRAINED = _w(r"pre-?trained|pr[ée]-?entra[iî]n[ée]|pr[ée]entra[iî]n[ée]")
SEED = _w(r"\bseeds?\b|\bgraines?\b|\bgermes?\b")
FAIRSEQ = _w(r"fairseq")
HF = _w(r"hugging\s*face|\bHF\b|\btransformers\b")
EPOCH = _w(r"\bepochs?\b|[ée]poques?\b")
UPDATES = _w(r"\b(?:training )?(?:steps?|updates?|iterations?|it[ée]rations?|pas d'entra[iî]nement|pas|"
             r"mises? à jour)\b")
PARAMS = _w(r"\bparam(?:eter|ètre|etre)?s?\b")
BETTER = _w(r"\bbetter\b|outperform|\bsuperior\b|\bbeats?\b|\bmieux\b|\bmeilleure?s?\b|sup[ée]rieure?s?|"
            r"surpass|d[ée]passe|higher than|plus [ée]lev[ée]e?s? que")
CONSISTENT = _w(r"consistent|coh[ée]rente?s?|coherent|\bsimilar\b|comparable|in line with|\bagrees?\b|"
                r"\bproches?\b|semblables?|conformes?|en accord|match(?:es)?\b|close to|on par|in agreement|"
                r"similaires?|du m[êe]me ordre")
MEAN = _w(r"\bmean\b|\baverage\b|\bmoyenne\b|\bavg\b")
ACCURACY = _w(r"accurac(?:y|ies)|pr[ée]cision|exactitude|taux de r[ée]ussite")

_LATEX = [
    (re.compile(r"\\(?:text|mathrm|textrm|mathit|textit|textbf|mathbf|operatorname|texttt)\s*\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\{\\(?:rm|it|bf)\s+([^{}]*)\}"), r"\1"),
    (re.compile(r"\\(?:rm|it|bf)\s+"), ""),
    (re.compile(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\pm\b\s?"), "± "),
    (re.compile(r"\\times\b"), "×"),
    (re.compile(r"\\cdot\b"), "·"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\{,\}"), ","),
    (re.compile(r"\\[,;:!]|~"), "\u2009"),
    (re.compile(r"\\(alpha|beta|gamma|delta|sigma|mu|lambda)\b"), r"\1"),
    (re.compile(r"\\(?:left|right|quad|qquad)\b"), ""),
    (re.compile(r"([_^])\{([^{}]*)\}"), r"\1\2"),
]
_BULLET = re.compile(r"^\s*(?:[-*•–·]|\d{1,2}[.)](?=\s))\s+")
_MARKUP = [
    (re.compile(r"\*\*|__|`"), ""),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"\$\$?"), ""),
    (re.compile(r"^\s*#{1,6}\s+"), ""),
]


def bullet(raw: str) -> bool:
    return bool(_BULLET.match(raw)) and not raw.lstrip().startswith("**") or raw.lstrip().startswith(("- ", "* ", "• "))


LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "−": "-", "’": "'"})


def clean(raw: str, list_item: bool = True) -> str:
    """``list_item``: drop a list item's bullet ("- ", "1. "); False keeps "1." (a numbered heading)."""
    raw = raw.translate(LIGATURES)
    text = _BULLET.sub("", raw) if list_item and bullet(raw) else raw
    for _ in range(3):  # nested LaTeX: \frac{\text{a}}{b}
        before = text
        for pattern, repl in _LATEX:
            text = pattern.sub(repl, text)
        if text == before:
            break
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    text = re.sub(r"(?<=[\w)])\{|\}(?=[\w\s=)])", "", text)
    return text.replace("\\", "").rstrip()


def words(text: str) -> str:
    """A quote's words: one space between them (tabs and runs of spaces folded)."""
    return " ".join(text.split())


_SEP = "[ \u2009\u202f\u00a0,]"
INT = r"(?:[1-9]\d{0,2}(?:(?:,|[ \u2009\u202f\u00a0]{1,2})\d{3})+(?!\d)|\d+)"  # 22 807 552, 1,125, 512
NUMBER = re.compile(
    rf"(?<![\w.,])(?P<num>[-−]?(?:[1-9]\d{{0,2}}(?:{_SEP}\d{{3}})+(?!\d)(?:\.\d+)?|\d+(?:[.,]\d+)?))"
    r"(?P<pct>\s?%)?(?![\w])")


@dataclass(frozen=True)
class Num:
    value: Decimal
    text: str  # as printed
    start: int
    end: int
    percent: bool

    @property
    def is_int(self) -> bool:
        return self.value == self.value.to_integral_value()


def parse(text: str) -> Decimal:
    """``"22 807 552"`` -> 22807552, ``"79,9"`` -> 79.9, ``"0,003"`` -> 0.003, ``"32,000"`` -> 32000."""
    t = text.replace("−", "-")
    if re.fullmatch(rf"-?[1-9]\d{{0,2}}(?:{_SEP}+\d{{3}})+(?:\.\d+)?", t):
        t = re.sub(_SEP, "", t)
    return Decimal(t.replace(",", "."))


def numbers(text: str) -> list[Num]:
    out = []
    for m in NUMBER.finditer(text):
        raw = m.group("num")
        out.append(Num(parse(raw), m.group(0).strip(), m.start(), m.end(), bool(m.group("pct"))))
    return out


_CUT = re.compile(r"(?<=[.!?])[\"»)]?\s+(?=[A-ZÀ-ÝÉ\"«(\[])")


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) of each sentence of ``text``."""
    out, start = [], 0
    for m in _CUT.finditer(text):
        out.append((start, text[start:m.end()].strip()))
        start = m.end()
    out.append((start, text[start:].strip()))
    return [(o, s) for o, s in out if s]
