"""What a person reads in a terminal: short tables (rich) of the claim ledger and of an audit.

The ledger's table is one line per row: the claim, its verdict (coloured by kind) and the first
clause of its statistic, cut to the terminal's width; the full Markdown stays behind ``--format
markdown`` and in the report. The audit's table is report x claim with the verdicts' short forms.
``rich`` is imported only here, and only when a table is printed.
"""

from __future__ import annotations

import re
import sys

from harness.claims.audit import MISSING, Audit, summary, table

STYLES = (("REPRODUCED", "green"), ("HOLDS WITHIN", "green"), ("NOT ESTABLISHED", "yellow"),
          ("REFUTED", "bold red"), ("WRONG AS PRINTED", "bold red"), ("NOT RUN", "dim"))


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


BRIEF = (("HOLDS WITHIN ", "HOLDS "), ("NOT ESTABLISHED", "NOT EST."), ("REFUTED at ", "REFUTED "))
LEGEND = "NOT EST. = NOT ESTABLISHED; HOLDS ±x = HOLDS WITHIN ±x; whole verdicts: --format csv/json or --out DIR"


def brief(verdict: str) -> str:
    """The audit table's cell in a terminal: the short verdict, a little shorter still."""
    for long, abbrev in BRIEF:
        verdict = verdict.replace(long, abbrev)
    return verdict


def audit_table(a: Audit, title: str = "Audit: report x claim"):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    head, rows = table(a)
    t = Table(title=title, title_justify="left", caption=f"{summary(a)}. {LEGEND}", caption_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False)
    for h in head:  # on a narrow terminal a long word folds (nothing is cut off)
        t.add_column(h, no_wrap=h == "report", overflow="fold")
    for r, row in zip(a.reports, rows):
        name = Text(row[0], style="red" if r.error else "")
        cells = [Text(brief(c), style="dim" if c == MISSING else style(r.verdicts.get(claim, ""))) for claim, c in
                 zip(a.claims, row[1:])]
        t.add_row(name, *cells)
    return t


def print_ledger(rows, file=None, width: int | None = None) -> None:
    console = _console(file, width)
    console.print(ledger_table(rows))
    console.print("Full rows: --format markdown (or --out FILE.md); verdicts: docs/ledger.md", style="dim")


def print_audit(a: Audit, file=None, width: int | None = None) -> None:
    console = _console(file, width)
    console.print(audit_table(a))
    for r in a.unread:
        console.print(f"not read: {r.error}", style="red", soft_wrap=True)

