"""Auditing a class: many reports' claims files, one table of verdicts (report x claim).

``python -m harness audit CLAIMS...`` (``harness.cli.audit``) reads files, directories (every
``*.toml`` in them) and glob patterns (:func:`expand`), judges every file in one process
(:func:`audit`) and renders the table (:func:`to_markdown`, :func:`to_csv`, :func:`to_json`; the
terminal and HTML views are in ``harness.report``). A file that cannot be read is listed with its
one-line error and never stops the others.

The ledger is reached through ONE function, :func:`rows_for`; the rest of this module knows only
that a row has ``.claim`` and ``.verdict`` and that the ledger renders as Markdown, so a new ledger
(other row ids, other sections) is a change to that function alone.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# The verdicts' names (docs/ledger.md), as ``--fail-on`` takes them: a verdict matches a name it
# starts with ("REFUTED at ±3" matches REFUTED; HOLDS WITHIN ±2 matches "HOLDS WITHIN ±2" too).
VERDICT_NAMES = ("REPRODUCED", "HOLDS WITHIN", "NOT ESTABLISHED", "REFUTED", "WRONG AS PRINTED", "NOT RUN")
RESERVED = {"index"}  # index.html / index.md / ... sit beside the reports' own <name>.md


# --- the adapter: the one place that calls the ledger -----------------------------------------


def rows_for(path: str | Path) -> tuple[list, str]:
    """One claims file's ledger: (the rows of its claims, the whole ledger as Markdown). Each row
    has ``.claim`` and ``.verdict``. Raises ``ConfigError`` (a ValueError, one line naming the file)
    for a malformed or missing file, before anything heavy is imported. The facts only fairseq or
    peft can tell (C1's count, C5's behaviour) are computed once and cached
    (``harness.claims.facts``): every file after the first reuses them."""
    from harness.claims import claimsfile

    claims = claimsfile.load(path)  # the claims file's checks: light, before torch
    from harness.claims import ledger

    led = ledger.build(claims)
    return led.rows, ledger.to_markdown(led)


# --- reading a class ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Audited:
    """One report: its name (unique, a file name), the path given, claim -> verdict, its full ledger
    as Markdown, or the one-line error that kept it from being read."""

    name: str
    path: str
    verdicts: dict[str, str] = field(default_factory=dict)
    markdown: str = ""
    error: str = ""


@dataclass(frozen=True)
class Audit:
    reports: list[Audited]
    claims: list[str]  # the columns: every claim id of any report, in claim order

    @property
    def read(self) -> list[Audited]:
        return [r for r in self.reports if not r.error]

    @property
    def unread(self) -> list[Audited]:
        return [r for r in self.reports if r.error]


def expand(items: list[str]) -> list[tuple[str, str]]:
    """Each command-line item as (path, error): a directory gives its ``*.toml`` files (sorted), a
    glob pattern its matches; a directory without claims files or a pattern that matches nothing is
    one entry with an error. A file named twice is read once."""
    out, seen = [], set()
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.glob("*.toml") if f.is_file())
            if not found:
                out.append((item, f"{item}: a directory with no *.toml claims file in it"))
        elif not p.exists() and glob.has_magic(item):
            found = sorted(f for f in glob.glob(item) if Path(f).is_file())
            if not found:
                out.append((item, f"{item}: no file matches this pattern"))
        else:
            found = [item]
        for f in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                out.append((f, ""))
    return out


def _names(paths: list[str]) -> list[str]:
    """A unique, file-name-safe name per path: its stem; on a clash the parent folder joins it,
    then a number."""
    names, taken = [], set(RESERVED)
    stems = [re.sub(r"[^A-Za-z0-9._-]+", "-", Path(p).stem) or "report" for p in paths]
    for p, stem in zip(paths, stems):
        name = stem
        if name in taken or stems.count(stem) > 1:
            name = f"{re.sub(r'[^A-Za-z0-9._-]+', '-', Path(p).resolve().parent.name)}-{stem}"
        base, i = name, 2
        while name in taken:
            name, i = f"{base}-{i}", i + 1
        taken.add(name)
        names.append(name)
    return names


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, (ValueError, OSError)):
        return text
    return f"{type(exc).__name__}: {text} (an error in the harness, not in the file: please report it)"


def audit(items: list[str], progress=None) -> Audit:
    """Every claims file of ``items`` (:func:`expand`) judged in this process. ``progress(path,
    audited)`` is called after each file."""
    entries = expand(items)
    reports = []
    for (path, error), name in zip(entries, _names([p for p, _ in entries])):
        if not error:
            try:
                rows, markdown = rows_for(path)
            except Exception as exc:  # one file never stops the others; its error is listed
                error = _one_line(exc)
            else:
                verdicts = {}
                for row in rows:
                    verdicts.setdefault(row.claim, row.verdict)  # a claim's first row
                reports.append(Audited(name, path, verdicts, markdown))
        if error:
            reports.append(Audited(name, path, error=error if path in error else f"{path}: {error}"))
        if progress:
            progress(path, reports[-1])
    return Audit(reports, claim_order([list(r.verdicts) for r in reports]))


def claim_order(claim_lists: list[list[str]]) -> list[str]:
    """The union of claim ids, by claim number (C2 < C10), then in the order the ledgers give them
    (C2 before C2b; C5.r before C5.alpha when a ledger lists them so)."""
    first: dict[str, int] = {}
    for claims in claim_lists:
        for c in claims:
            first.setdefault(c, len(first))

    def key(c):
        m = re.match(r"C(\d+)", c)
        return (int(m.group(1)) if m else 10**9, first[c])

    return sorted(first, key=key)


# --- --fail-on ----------------------------------------------------------------------------------


def parse_fail_on(text: str, flag: str = "--fail-on") -> tuple[str, ...]:
    """``REFUTED,WRONG AS PRINTED`` -> ("REFUTED", "WRONG AS PRINTED"): verdict prefixes, each
    starting with one of :data:`VERDICT_NAMES` (any case); anything else is a ``ValueError``."""
    prefixes = tuple(p.strip().upper() for p in text.split(",") if p.strip())
    if not prefixes:
        raise ValueError(f"{flag}: empty; give verdicts, e.g. {flag} 'REFUTED,WRONG AS PRINTED'")
    for p in prefixes:
        if not p.startswith(VERDICT_NAMES):
            raise ValueError(f"{flag}: {p!r} is not a verdict; give one or more of {', '.join(VERDICT_NAMES)} "
                             f"(comma-separated, e.g. {flag} 'REFUTED,WRONG AS PRINTED')")
    return prefixes


def failing(verdicts: dict[str, str] | list, prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(claim, verdict) of every verdict that starts with one of ``prefixes``; ``verdicts`` is a
    claim -> verdict mapping or a list of rows."""
    pairs = verdicts.items() if isinstance(verdicts, dict) else [(r.claim, r.verdict) for r in verdicts]
    return [(c, v) for c, v in pairs if v.upper().startswith(prefixes)]


# --- rendering -----------------------------------------------------------------------------------


def short(verdict: str) -> str:
    """A verdict without its parenthesised reason: "REFUTED (bias: ...)" -> "REFUTED";
    "NOT ESTABLISHED at ±3 (holds within ±5)" -> "NOT ESTABLISHED at ±3"."""
    return verdict.split(" (", 1)[0]


MISSING = "—"


def table(a: Audit, full: bool = False) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the verdict table; ``full``: whole verdicts, else :func:`short` ones."""
    head = ["report", *a.claims]
    rows = []
    for r in a.reports:
        if r.error:
            rows.append([f"{r.name} (not read)", *[MISSING] * len(a.claims)])
        else:
            rows.append([r.name, *[(r.verdicts[c] if full else short(r.verdicts[c])) if c in r.verdicts else MISSING
                                   for c in a.claims]])
    return head, rows


def summary(a: Audit) -> str:
    return f"{len(a.reports)} claims files: {len(a.read)} read, {len(a.unread)} not read"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(a: Audit) -> str:
    head, rows = table(a)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    lines += ["", summary(a) + "."]
    if a.unread:
        lines += ["", "Not read:", ""] + [f"- {_md_cell(r.error)}" for r in a.unread]
    return "\n".join(lines) + "\n"


def to_csv(a: Audit) -> str:
    """One line per report: name, path, every claim's whole verdict, the error (empty when read)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["report", "path", *a.claims, "error"])
    for r in a.reports:
        w.writerow([r.name, r.path, *[r.verdicts.get(c, "") for c in a.claims], r.error])
    return buf.getvalue()


def to_json(a: Audit) -> str:
    payload = {"claims": a.claims,
               "reports": [{"name": r.name, "path": r.path, "verdicts": r.verdicts, "error": r.error or None}
                           for r in a.reports]}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
