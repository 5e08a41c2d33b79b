"""What a person reads in a terminal: short tables (rich) of the claim ledger and of an audit.

The ledger's table is one line per row: the claim, its verdict (coloured by kind) and the first
clause of its statistic, cut to the terminal's width; the full Markdown stays behind ``--format
markdown`` and in the report. The audit's view fits a 100-column terminal, wrapping on words: one
line per report (its counts, then each claim that is not reproduced, with its verdict and cause),
then the counts per claim; the columns no claims file decides are one note below.
``rich`` is imported only here, and only when a table is printed.
"""

from __future__ import annotations

import re
import sys

from harness.claims.audit import Audit
from harness.claims.audit_table import cell, claim_table, fold_note, folded, report_counts, summary

STYLES = (("REPRODUCED", "green"), ("HOLDS WITHIN", "green"), ("NOT ESTABLISHED", "yellow"),
          ("REFUTED", "bold red"), ("WRONG AS PRINTED", "bold red"), ("NOT RUN", "dim"), ("HARNESS ERROR", "bold magenta"))


def style(verdict: str) -> str:
    return next((s for name, s in STYLES if verdict.startswith(name)), "")


def _console(file=None, width: int | None = None):
    from rich.console import Console

    return Console(file=file or sys.stdout, width=width, highlight=False, soft_wrap=False, markup=False)


def claim_label(row) -> str:
    """The claim's id; a row on the suite's fresh runs says so, with its profile."""
    profile = re.search(r"profile '([^']+)'", row.says) if getattr(row, "section", "") == "fresh" else None
    return f"{row.claim} (fresh, {profile.group(1)})" if profile else row.claim


def one_line(text: str) -> str:
    """The first clause of a statistic ("-" when there is none)."""
    head = " ".join(text.split()).split("; ", 1)[0]
    return head or "-"


def ledger_table(rows, title: str = "Claim ledger"):
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, title_justify="left", expand=True)
    t.add_column("claim", no_wrap=True)
    t.add_column("verdict", overflow="fold", ratio=3)
    t.add_column("statistic", no_wrap=True, overflow="ellipsis", ratio=2)
    for row in rows:
        t.add_row(claim_label(row), Text(row.verdict, style=style(row.verdict)), one_line(row.statistic))
    return t


OK = ("REPRODUCED", "HOLDS WITHIN")
LEGEND = "whole verdicts, statistics and quotes: --format csv / json, or --out DIR (HTML)"


def audit_table(a: Audit, title: str = "Audit: what each report gets wrong, and why"):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    fold = set(folded(a))
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
    t.add_column("report", ratio=2, overflow="fold")
    t.add_column("counts", ratio=2, overflow="fold")
    t.add_column("claims not reproduced: verdict: cause", ratio=5, overflow="fold")
    for r in a.reports:
        if r.error:
            t.add_row(Text(r.name, style="red"), Text("NOT READ", style="bold red"), Text(r.error, style="red"))
            continue
        found = Text()
        for claim, row in r.first_rows.items():
            if row.kind in OK and not row.own_rule or claim in fold:
                continue
            if found:
                found.append("\n")
            found.append(f"{claim} ", style="bold")
            found.append(cell(row), style=style(row.verdict) if row.kind not in ("not stated", "needs runs") else "dim")
        t.add_row(r.name, report_counts(r).replace(", ", "\n"), found or Text("every claim reproduced", style="green"))
    return t


def claims_table(a: Audit):
    from rich import box
    from rich.table import Table

    head, rows = claim_table(a)
    t = Table(title="Per claim: how many reports", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for h in head:
        t.add_column(h, justify="left" if h == "claim" else "right", overflow="fold")
    for row in rows:
        t.add_row(*row)
    return t


def print_ledger(rows, file=None, width: int | None = None) -> None:
    console = _console(file, width)
    console.print(ledger_table(rows))
    console.print("Full rows: --format markdown (or --out FILE.md); verdicts: docs/ledger.md", style="dim")


def print_audit(a: Audit, file=None, width: int | None = None) -> None:
    console = _console(file, width)
    console.print(audit_table(a))
    note = fold_note(a)
    if note:
        console.print(note + ".", style="dim")
    console.print(claims_table(a))
    console.print(f"{summary(a)}. {LEGEND}", style="dim")

