"""An audit as files: ``DIR/index.html`` (the report x claim table, each report's full ledger one
click away on the same page), ``DIR/<name>.md`` (each report's own ledger) and the table as
``DIR/index.md``, ``index.csv`` and ``index.json``.

Everything is rendered in memory first and each file is written atomically, so a failure leaves
no half-written file. The page is static (no scripts): the ledgers are rendered by markdown-it-py,
as the report's HTML is.
"""

from __future__ import annotations

import html
from pathlib import Path

from harness.claims.audit import MISSING, Audit, short, summary, to_csv, to_json, to_markdown
from harness.core import atomic
from harness.report.render import STYLE

KINDS = (("REPRODUCED", "ok"), ("HOLDS WITHIN", "ok"), ("NOT ESTABLISHED", "open"), ("REFUTED", "bad"),
         ("WRONG AS PRINTED", "bad"), ("NOT RUN", "none"))
PAGE_STYLE = STYLE + (".ok{background:#e3f4e3}.open{background:#fff4cc}.bad{background:#fbe0e0}"
                      ".none{color:#777}.err{color:#b00}td a{color:inherit}")


def _kind(verdict: str) -> str:
    return next((k for name, k in KINDS if verdict.startswith(name)), "")


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def index_html(a: Audit, title: str = "Audit of the claims files") -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in ["report", *a.claims])
    body = []
    for r in a.reports:
        if r.error:
            cells = "".join(f"<td class='none'>{MISSING}</td>" for _ in a.claims)
            body.append(f"<tr><td><a href='#{e(r.name)}' class='err'>{e(r.name)} (not read)</a></td>{cells}</tr>")
            continue
        cells = []
        for c in a.claims:
            v = r.verdicts.get(c)
            cells.append(f"<td class='none'>{MISSING}</td>" if v is None else
                         f"<td class='{_kind(v)}' title='{e(v, quote=True)}'><a href='#{e(r.name)}'>{e(short(v))}</a></td>")
        body.append(f"<tr><td><a href='#{e(r.name)}'>{e(r.name)}</a></td>{''.join(cells)}</tr>")
    sections = []
    for r in a.reports:
        if r.error:
            sections.append(f"<h2 id='{e(r.name)}'>{e(r.name)}</h2>\n<p><code>{e(r.path)}</code>: not read.</p>"
                            f"\n<p class='err'>{e(r.error)}</p>")
        else:
            sections.append(f"<h2 id='{e(r.name)}'>{e(r.name)}</h2>\n<p><code>{e(r.path)}</code>; this ledger "
                            f"as Markdown: <a href='{e(r.name)}.md'>{e(r.name)}.md</a>; "
                            f"<a href='#top'>back to the table</a></p>\n{_markdown_html(r.markdown)}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<style>{PAGE_STYLE}</style></head><body>\n<h1 id='top'>{e(title)}</h1>\n"
            f"<p>{e(summary(a))}. A cell links to the report's full ledger below (hover: the whole verdict); "
            "the table as <a href='index.md'>Markdown</a>, <a href='index.csv'>CSV</a>, "
            "<a href='index.json'>JSON</a>.</p>\n"
            f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def write(a: Audit, out_dir: str | Path) -> Path:
    """Write the audit's files into ``out_dir``; return the page's path."""
    out_dir = Path(out_dir)
    files = {"index.html": index_html(a), "index.md": to_markdown(a), "index.csv": to_csv(a),
             "index.json": to_json(a)}
    files.update({f"{r.name}.md": r.markdown for r in a.read})
    for name, text in files.items():
        atomic.write_text(out_dir / name, text)
    return out_dir / "index.html"
