"""The grading view of an audit, as text: the report x claim table whose cells name their cause,
counts per report and per claim, and the columns no claims file can decide folded into one note;
rendered as Markdown (:func:`to_markdown`), long CSV (:func:`to_csv`: one line per row, UTF-8 with
a BOM) and JSON with the full rows (:func:`to_json`). The terminal and HTML views
(``harness.report``) use the same pieces.

"not stated" (the report makes no such claim) and "needs runs" (only results on the report's own
data can decide it) are kept apart: the first is the student's, the second the suite's.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from collections import Counter
from dataclasses import asdict

from harness.claims.audit import Audit, Audited
from harness.claims.cause import NEEDS_RUNS, NOT_STATED, Graded, own_marks
from harness.claims.failon import NOT_READ

# The kinds a cell can be, in the order counts list them, with their short names.
KINDS = (("REPRODUCED", "reproduced"), ("HOLDS WITHIN", "holds"), ("NOT ESTABLISHED", "not established"),
         ("REFUTED", "refuted"), ("WRONG AS PRINTED", "wrong as printed"), (NOT_STATED, "not stated"),
         (NEEDS_RUNS, "needs runs"), ("HARNESS ERROR", "harness error"))
SHORT = dict(KINDS)
MISSING = "—"
CSV_HEAD = ("report", "path", "claim", "verdict", "cause", "statistic", "quote", "own rule")
BOM = "\ufeff"


def short(verdict: str) -> str:
    """A verdict without its parenthesised reason: "REFUTED (bias: ...)" -> "REFUTED";
    "NOT ESTABLISHED at ±3 (holds within ±5)" -> "NOT ESTABLISHED at ±3"."""
    return verdict.split(" (", 1)[0]


def brief(verdict: str) -> str:
    """:func:`short`, keeping the own-rule marks: "REPRODUCED (own delta 0.1)" -> "REPRODUCED [own delta 0.1]"."""
    marks = own_marks(verdict)
    return short(verdict) + (f" [{'; '.join(marks)}]" if marks else "")


def cell(row: Graded | None) -> str:
    """A table cell: the short verdict and its cause ("REFUTED: digits swapped"); "not stated" and
    "needs runs" alone; :data:`MISSING` when the report has no such claim."""
    if row is None:
        return MISSING
    if row.kind in (NOT_STATED, NEEDS_RUNS):
        return row.kind
    mark = f" [{row.own_rule}]" if row.own_rule else ""
    return f"{short(row.verdict)}{mark}: {row.cause}" if row.cause else f"{short(row.verdict)}{mark}"


def folded(a: Audit) -> list[str]:
    """The claims no claims file can decide: "needs runs" in every report that was read."""
    read = a.read
    return [c for c in a.claims if read and all(
        (r.first_rows.get(c) is not None and r.first_rows[c].kind == NEEDS_RUNS) for r in read)]


def columns(a: Audit) -> list[str]:
    fold = set(folded(a))
    return [c for c in a.claims if c not in fold]


def fold_note(a: Audit) -> str:
    """One sentence for the folded columns, with the commands that would decide them (taken from
    a verdict, its claims file's path written as FILE.toml)."""
    fold = folded(a)
    if not fold:
        return ""
    r = a.read[0]
    commands = []
    for c in fold:
        for cmd in re.findall(r"`([^`]+)`", r.first_rows[c].verdict):
            cmd = cmd.replace(shlex.quote(r.path), "FILE.toml").replace(r.path, "FILE.toml")
            if cmd not in commands:
                commands.append(cmd)
    how = f": {'; then '.join(commands)}" if commands else ""
    return (f"{', '.join(fold)}: needs runs in every report; no claims file can decide "
            f"{'it' if len(fold) == 1 else 'them'} without the report's own data and checkpoint{how}")


def counts(rows) -> Counter:
    """kind -> how many (the claims' first rows, or any rows given)."""
    return Counter(r.kind for r in rows)


def count_text(c: Counter) -> str:
    return ", ".join(f"{c[k]} {name}" for k, name in KINDS if c.get(k))


def report_counts(r: Audited) -> str:
    return NOT_READ if r.error else count_text(counts(r.first_rows.values()))


def claim_counts(a: Audit) -> dict[str, Counter]:
    """claim -> kind -> how many reports (read ones)."""
    return {c: counts([r.first_rows[c] for r in a.read if c in r.first_rows]) for c in a.claims}


def table(a: Audit) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the grading table: report, a cell per (unfolded) claim, the counts."""
    cols = columns(a)
    rows = []
    for r in a.reports:
        if r.error:
            rows.append([r.name, *[MISSING] * len(cols), f"{NOT_READ}: {r.error}"])
        else:
            first = r.first_rows
            rows.append([r.name, *[cell(first.get(c)) for c in cols], report_counts(r)])
    return ["report", *cols, "counts"], rows


def claim_table(a: Audit) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the counts per claim: one row per claim, one column per kind present."""
    per = claim_counts(a)
    kinds = [k for k, _ in KINDS if any(c.get(k) for c in per.values())]
    return ["claim", *[SHORT[k] for k in kinds]], [[c, *[str(per[c].get(k, 0)) for k in kinds]] for c in a.claims]


def summary(a: Audit) -> str:
    return f"{len(a.reports)} claims files: {len(a.read)} read, {len(a.unread)} not read"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(head, rows) -> list[str]:
    return ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * len(head),
            *["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]]


def to_markdown(a: Audit) -> str:
    lines = _md_table(*table(a))
    note = fold_note(a)
    if note:
        lines += ["", note + "."]
    lines += ["", "Per claim (reports):", "", *_md_table(*claim_table(a)), "", summary(a) + "."]
    if a.unread:
        lines += ["", "Not read:", ""] + [f"- {_md_cell(r.error)}" for r in a.unread]
    return "\n".join(lines) + "\n"


def to_csv(a: Audit) -> str:
    """Long: one line per ledger row (report, path, claim, verdict, cause, statistic, quote, own
    rule), a report not read one line with NOT READ; UTF-8 text with a BOM, so a spreadsheet reads
    "±" and "é" right."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEAD)
    for r in a.reports:
        if r.error:
            w.writerow([r.name, r.path, "", NOT_READ, r.error, "", "", ""])
        for row in r.rows:
            w.writerow([r.name, r.path, row.claim, row.verdict, row.cause, row.statistic, row.quote, row.own_rule])
    return BOM + buf.getvalue()


def to_json(a: Audit) -> str:
    """Every report with its full rows (each with its kind and cause), its counts and its verdicts
    by claim; the counts per claim; the folded columns and their note."""
    payload = {
        "claims": a.claims, "folded": folded(a), "note": fold_note(a), "summary": summary(a),
        "per_claim": {c: dict(n) for c, n in claim_counts(a).items()},
        "reports": [{"name": r.name, "path": r.path, "error": r.error or None,
                     "verdict": NOT_READ if r.error else None,
                     "counts": dict(counts(r.first_rows.values())), "verdicts": r.verdicts,
                     "rows": [{**asdict(row), "kind": row.kind} for row in r.rows]} for r in a.reports]}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
