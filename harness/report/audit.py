"""An audit as files: ``DIR/index.html`` (the grading table: each cell names its verdict's cause
and links to the claim's row in the report's ledger further down the same page; counts per report
and per claim; the columns no claims file decides folded into one note), ``DIR/<name>.md`` (each
report's own ledger) and the view as ``DIR/index.md``, ``index.csv`` and ``index.json``.

Everything is rendered in memory first and each file is written atomically, so a failure leaves
no half-written file. The page is static (no scripts) and its table fits the page: fixed layout,
cells wrap on words. "not stated" (the student's omission) and "needs runs" (the suite's) have
their own colours.
"""

from __future__ import annotations

import html
from pathlib import Path

from harness.claims.audit import Audit, Audited
from harness.claims.audit_table import (MISSING, cell, claim_table, columns, fold_note, report_counts, summary, to_csv,
                                        to_json, to_markdown)
from harness.claims.cause import NEEDS_RUNS, NOT_STATED
from harness.core import atomic
from harness.report.render import STYLE

KINDS = (("REPRODUCED", "ok"), ("HOLDS WITHIN", "ok"), ("NOT ESTABLISHED", "open"), ("REFUTED", "bad"),
         ("WRONG AS PRINTED", "bad"), (NOT_STATED, "omitted"), (NEEDS_RUNS, "runs"), ("HARNESS ERROR", "err"))
PAGE_STYLE = STYLE.replace("max-width:60em", "max-width:80em") + (
    ".grid{table-layout:fixed;width:100%;font-size:0.85em}.grid td,.grid th{overflow-wrap:break-word;"
    "word-break:normal;hyphens:auto;vertical-align:top;padding:2px 4px}.grid th:first-child{width:9em}"
    ".grid th:last-child{width:10em}.ledger{width:100%;font-size:0.85em}.ledger td{overflow-wrap:anywhere;"
    "vertical-align:top}.ok{background:#e3f4e3}.open{background:#fff4cc}.bad{background:#fbe0e0}"
    ".omitted{background:#e8e8f8;font-style:italic}.runs{color:#777}.err{color:#b00}td a{color:inherit}"
    "tr:target{outline:2px solid #36c}")


def _kind(row) -> str:
    return dict(KINDS).get(row.kind, "")


def anchor(r: Audited, claim: str = "") -> str:
    """The id of a report's section, or of its claim's row there."""
    return f"{r.name}--{claim}" if claim else r.name


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def _grid(a: Audit) -> str:
    e = html.escape
    cols = columns(a)
    head = "".join(f"<th>{e(c)}</th>" for c in ["report", *cols, "counts"])
    body = []
    for r in a.reports:
        if r.error:
            cells = "".join(f"<td class='runs'>{MISSING}</td>" for _ in cols)
            body.append(f"<tr><td><a href='#{e(anchor(r))}' class='err'>{e(r.name)}</a></td>{cells}"
                        f"<td class='err'>NOT READ</td></tr>")
            continue
        first = r.first_rows
        cells = []
        for c in cols:
            row = first.get(c)
            cells.append(f"<td class='runs'>{MISSING}</td>" if row is None else
                         f"<td class='{_kind(row)}' title='{e(row.verdict, quote=True)}'>"
                         f"<a href='#{e(anchor(r, c), quote=True)}'>{e(cell(row))}</a></td>")
        body.append(f"<tr><td><a href='#{e(anchor(r))}'>{e(r.name)}</a></td>{''.join(cells)}"
                    f"<td>{e(report_counts(r))}</td></tr>")
    return (f"<table class='grid'><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body)
            + "\n</tbody></table>\n")


def _claims(a: Audit) -> str:
    e = html.escape
    head, rows = claim_table(a)
    return ("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
            + "</tbody></table>\n")


def _ledger(r: Audited) -> str:
    """A report's rows, each claim's first row carrying the id a grid cell links to."""
    e = html.escape
    seen, body = set(), []
    for row in r.rows:
        rid = "" if row.claim in seen else f" id='{e(anchor(r, row.claim), quote=True)}'"
        seen.add(row.claim)
        body.append(f"<tr{rid}><td>{e(row.claim)}</td><td class='{_kind(row)}'>{e(row.verdict)}</td>"
                    f"<td>{e(row.cause)}</td><td>{e(row.says)}</td><td>{e(row.statistic)}</td>"
                    f"<td>{e(row.own_rule)}</td></tr>")
    return ("<table class='ledger'><thead><tr><th>claim</th><th>verdict</th><th>cause</th><th>what the report "
            "says</th><th>statistic</th><th>own rule</th></tr></thead><tbody>\n" + "\n".join(body)
            + "\n</tbody></table>\n")


def index_html(a: Audit, title: str = "Audit of the claims files") -> str:
    e = html.escape
    sections = []
    for r in a.reports:
        if r.error:
            sections.append(f"<h2 id='{e(anchor(r))}'>{e(r.name)}</h2>\n<p><code>{e(r.path)}</code>: NOT READ.</p>"
                            f"\n<p class='err'>{e(r.error)}</p>")
        else:
            sections.append(f"<h2 id='{e(anchor(r))}'>{e(r.name)}</h2>\n<p><code>{e(r.path)}</code>; "
                            f"{e(report_counts(r))}; the full ledger as Markdown: <a href='{e(r.name)}.md'>"
                            f"{e(r.name)}.md</a> (below); <a href='#top'>back to the table</a></p>\n{_ledger(r)}"
                            f"<details><summary>the full ledger</summary>{_markdown_html(r.markdown)}</details>")
    note = fold_note(a)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<style>{PAGE_STYLE}</style></head><body>\n<h1 id='top'>{e(title)}</h1>\n"
            f"<p>{e(summary(a))}. Each cell is the verdict and its cause, and links to the claim's row in the "
            "report's ledger below (hover: the whole verdict); the view as <a href='index.md'>Markdown</a>, "
            "<a href='index.csv'>CSV</a>, <a href='index.json'>JSON</a>.</p>\n" + _grid(a)
            + (f"<p class='runs'>{e(note)}.</p>\n" if note else "")
            + "<h2>Per claim: how many reports</h2>\n" + _claims(a) + "\n".join(sections) + "\n</body></html>\n")


def write(a: Audit, out_dir: str | Path) -> Path:
    """Write the audit's files into ``out_dir``; return the page's path."""
    out_dir = Path(out_dir)
    files = {"index.html": index_html(a), "index.md": to_markdown(a), "index.csv": to_csv(a),
             "index.json": to_json(a)}
    files.update({f"{r.name}.md": r.markdown for r in a.read})
    for name, text in files.items():
        atomic.write_text(out_dir / name, text)
    return out_dir / "index.html"
