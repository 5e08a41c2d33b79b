"""Auditing a class: many reports' claims files, one grading view (report x claim).

``python -m harness audit --claims CLAIMS...`` (``harness.cli.audit``) reads files, directories
(every claims file in them) and glob patterns (:func:`expand`), judges every file in one process
(:func:`audit`); ``harness.claims.audit_table`` renders the view (Markdown, CSV, JSON; the terminal
and HTML views are in ``harness.report``). A file that cannot be read, or does not exist, is a
report whose verdict is NOT READ, with its one-line error: it never stops the others, and any
``--fail-on`` fails on it (``harness.claims.failon``).

The ledger is reached through ONE function, :func:`rows_for`; the rest knows only the graded rows
(``harness.claims.cause.Graded``: claim, verdict, cause, ...), so a new ledger is a change to that
function alone. How an input path becomes a claims file is the ``load`` callable :func:`audit` is
given (default: :func:`harness.claims.claimsfile.load`), so another intake (a report drafted into a
claims file) plugs in without touching this module.
"""

from __future__ import annotations

import glob
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from harness.claims.cause import Graded, grade
from harness.claims.failon import NOT_READ, VERDICT_NAMES, failing, parse_fail_on  # noqa: F401 (re-exported)

RESERVED = {"index"}  # index.html / index.md / ... sit beside the reports' own <name>.md
SUFFIXES = [".toml"]  # what a directory given to audit contributes (an intake may add its own)


# --- the adapter: the one place that calls the ledger -----------------------------------------


def rows_for(path: str | Path, load=None) -> tuple[list[Graded], str]:
    """One claims file's ledger: (its graded rows, the whole ledger as Markdown). ``load(path)``
    gives the claims file (default: ``claimsfile.load``); it raises ``ConfigError`` (a ValueError,
    one line naming the file) for a malformed or missing file, before anything heavy is imported.
    The facts only fairseq or peft can tell (C1's count, C5's behaviour) are computed once and
    cached (``harness.claims.facts``): every file after the first reuses them."""
    from harness.claims import claimsfile

    claims = (load or claimsfile.load)(path)  # the claims file's checks: light, before torch
    from harness.claims import ledger

    led = ledger.build(claims)
    return graded(led.rows, claims), ledger.to_markdown(led)


def graded(rows, claims) -> list[Graded]:
    """A ledger's rows graded, each with its claim from ``claims`` (a claims file)."""
    by_id = {c.id: c for c in claims.claims}
    return [grade(row, by_id.get(row.claim)) for row in rows]


# --- reading a class ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Audited:
    """One report: its name (unique, a file name that keeps the stem's letters), the path given, its
    graded rows, its full ledger as Markdown, or the one-line error that kept it from being read."""

    name: str
    path: str
    rows: list[Graded] = field(default_factory=list)
    markdown: str = ""
    error: str = ""

    @property
    def verdicts(self) -> dict[str, str]:
        """claim -> the verdict of its first row (NOT READ: none)."""
        out: dict[str, str] = {}
        for r in self.rows:
            out.setdefault(r.claim, r.verdict)
        return out

    @property
    def first_rows(self) -> dict[str, Graded]:
        out: dict[str, Graded] = {}
        for r in self.rows:
            out.setdefault(r.claim, r)
        return out

    @property
    def verdict_pairs(self) -> list[tuple[str, str]]:
        """(claim, verdict) per claim; an unread report is one pair ("-", "NOT READ (its error)")."""
        if self.error:
            return [("-", f"{NOT_READ} ({self.error})")]
        return list(self.verdicts.items())


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


def expand(items: list[str], suffixes=tuple(SUFFIXES)) -> list[tuple[str, str]]:
    """Each command-line item as (path, error): a directory gives its files with one of ``suffixes``
    (default :data:`SUFFIXES`, claims files; sorted), a glob pattern its matches; a path that does not exist, a directory without claims
    files or a pattern that matches nothing is one entry with an error. A file named twice is read once."""
    out, seen = [], set()
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.iterdir() if f.is_file() and f.suffix.lower() in suffixes)
            if not found:
                out.append((item, f"{item}: a directory with no {' / '.join('*' + s for s in suffixes)} file in it"))
        elif not p.exists() and glob.has_magic(item):
            found = sorted(f for f in glob.glob(item) if Path(f).is_file())
            if not found:
                out.append((item, f"{item}: no file matches this pattern"))
        elif not p.exists():
            found = []
            out.append((item, f"{item}: not found"))
        else:
            found = [item]
        for f in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                out.append((f, ""))
    return out


def slug(text: str) -> str:
    """A file-name-safe name that keeps its letters: "23-zoé-martin" stays, "bob smith" -> "bob-smith"."""
    return re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFC", text)).strip("-") or "report"


def _names(paths: list[str]) -> list[str]:
    """A unique name per path: its stem (letters kept, :func:`slug`); stems that clash (case-blind,
    as on a case-insensitive disk) take their parent folder's name, then a number."""
    names, taken = [], {r.casefold() for r in RESERVED}
    stems = [slug(Path(p).stem) for p in paths]
    folded = [s.casefold() for s in stems]
    for p, stem, key in zip(paths, stems, folded):
        name = stem
        if key in taken or folded.count(key) > 1:
            name = f"{slug(Path(p).resolve().parent.name)}-{stem}"
        base, i = name, 2
        while name.casefold() in taken:
            name, i = f"{base}-{i}", i + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, (ValueError, OSError)):
        return text
    return f"{type(exc).__name__}: {text} (an error in the harness, not in the file: please report it)"


def audit(items: list[str], progress=None, load=None, suffixes=tuple(SUFFIXES)) -> Audit:
    """Every claims file of ``items`` (:func:`expand`, a directory contributing its files with one of
    ``suffixes``) judged in this process. ``load(path)`` turns an input path into a claims file
    (default: ``claimsfile.load``); ``progress(path, audited)`` is called after each file."""
    entries = expand(items, suffixes)
    reports = []
    for (path, error), name in zip(entries, _names([p for p, _ in entries])):
        if not error:
            try:
                rows, markdown = rows_for(path, load) if load else rows_for(path)
            except Exception as exc:  # one file never stops the others; its error is listed
                error = _one_line(exc)
            else:
                rows = [r if isinstance(r, Graded) else grade(r) for r in rows]  # another ledger's rows too
                reports.append(Audited(name, path, rows, markdown))
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
