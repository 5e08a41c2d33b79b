"""The report's blocks as Markdown, and that Markdown as one static HTML page (markdown-it-py).

A block is ``("h", level, text)``, ``("p", text)``, ``("md", markdown)``, ``("table", head, rows)``
or ``("img", file, caption)``. The HTML is the Markdown rendered by markdown-it-py (CommonMark
with tables), so the two never say different things.
"""

from __future__ import annotations

import html

STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
         "td,th{border:1px solid #999;padding:2px 8px}img{max-width:100%}")


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list) -> str:
    out = []
    for kind, *rest in blocks:
        if kind == "h":
            out.append("#" * rest[0] + " " + rest[1])
        elif kind in ("p", "md"):
            out.append(rest[0].rstrip())
        elif kind == "table":
            head, rows = rest
            out.append("\n".join("| " + " | ".join(map(_cell, r)) + " |"
                                 for r in [head, ["---"] * len(head), *rows]))
        elif kind == "img":
            out.append(f"![{rest[1]}]({rest[0]})\n\n*{rest[1]}*")
        else:
            raise ValueError(f"unknown report block {kind!r}")
    return "\n\n".join(out) + "\n"


def to_html(blocks: list, title: str = "Reproducibility report") -> str:
    """One static page: the Markdown of ``blocks`` rendered by markdown-it-py."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(to_markdown(blocks))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n")
