"""A report's lines, cleaned and placed: each line's words (``text.clean``), whether it is a list
item, the section it is in (the last heading above it) and the framework it speaks about (the
section's, else the last one the text named).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.intake import text as T
from harness.intake.read import Line

HEADING = re.compile(r"^(?:(?:References|Références|Bibliography|Bibliographie|Appendix|Annexe|Conclusion)$|"
                     r"(?:\d+(?:\.\d+)*\.?|[IVX]+\.|(?:Question|Partie|Part|Exercise|Exercice|Section|Task|Tâche) \d+\s*[:.—–-]?)\s+[^\W\d_][^=%|\t]{0,70}$)")


ITEM = re.compile(r"^\s*[`*]*[\w.]+[`*]*\s*(?::|—|–|\s-\s)\s")  # "lora_alpha: ..." starts an item


@dataclass(frozen=True)
class Row:
    line: Line
    text: str  # cleaned (text.clean)
    bullet: bool
    heading: bool
    section: str  # the heading above ("" before the first)
    framework: str  # "fairseq", "hf" or "" (not known)

    @property
    def where(self) -> str:
        return self.line.where


def _is_heading(raw: str, text: str) -> bool:
    if raw.lstrip().startswith("#"):
        return bool(text.strip())
    t = text.strip()
    return bool(HEADING.match(t)) and not t.endswith((".", ":", ",", ";")) and len(t.split()) <= 10


def framework(text: str) -> str:
    fs, hf = T.FAIRSEQ.search(text), T.HF.search(text)
    if fs and hf:
        return "fairseq" if fs.start() > hf.start() else "hf"  # the last one named
    return "fairseq" if fs else "hf" if hf else ""


def _tabular(raw: str) -> bool:
    return "|" in raw or "\t" in raw or bool(re.search(r"\S\s{3,}\S", raw.strip()))


def logical(lines: list[Line]) -> list[tuple[Line, str]]:
    """Physical lines joined where a paragraph was wrapped (a PDF's lines, a hard-wrapped text):
    a line joins the one above when neither is blank, a heading, a table row or a list item's
    start, and the line above does not end a sentence (or this one starts in lower case)."""
    out: list[tuple[Line, str]] = []
    for line in lines:
        raw = line.text.rstrip()
        if (out and raw.strip() and not (T.bullet(raw) and not _is_heading(raw, T.clean(raw, False)))
                and not _tabular(raw) and not ITEM.match(raw)):
            first, above = out[-1]
            text = T.clean(raw)
            ends = above.rstrip().endswith((".", ":", "!", "?", ";"))
            ends = ends or (T.bullet(above) and len(above.split()) < 8)  # a short list item is whole
            if (above.strip() and not _is_heading(above, T.clean(above, False)) and not _tabular(above)
                    and not _is_heading(raw, T.clean(raw, False)) and (not ends or text.lstrip()[:1].islower())
                    and not above.rstrip().endswith(":")):
                out[-1] = (first, _join(above.rstrip(), raw.strip()))
                continue
        out.append((line, raw))
    return out


KEEP_HYPHEN = re.compile(r"(?:^|\W)(?:pre|pré|fine|non|self|low|multi|auto|semi|re)-$", re.IGNORECASE)


def _join(above: str, below: str) -> str:
    """A wrapped line joined back: "param-" + "eters" -> "parameters", "pre-" + "trained" -> "pre-trained"."""
    if above.endswith("-") and below[:1].islower():
        return above + below if KEEP_HYPHEN.search(above) else above[:-1] + below
    return above + " " + below


def build(lines: list[Line]) -> list[Row]:
    rows, section, heading_fw, said_fw = [], "", "", ""
    for line, raw in logical(lines):
        text = T.clean(raw)
        heading = _is_heading(raw, T.clean(raw, list_item=False))
        if heading:
            text = T.clean(raw, list_item=False)
            section = T.words(text)
            heading_fw, said_fw = framework(text), ""
        else:
            said_fw = framework(text) or said_fw
        rows.append(Row(line, text, T.bullet(raw) and not heading, heading, section, heading_fw or said_fw))
    return rows


def prose(row: Row) -> bool:
    """A line of sentences (not a heading, not a table row, not empty)."""
    t = row.text.strip()
    return (bool(t) and not row.heading and not _tabular(t)
            and len(re.findall(r"[^\W\d_]{2,}", t)) >= 4)
