"""The parameters of every relation, as docs/ledger.md shows them: generated from the schema
(``harness.claims.schema``: each parameter's type, default and comment), so the docs cannot drift
from what the loader accepts (``tests/test_student_path.py`` keeps them equal).

``python -m harness.claims.schema_doc`` rewrites the table in docs/ledger.md, between
:data:`MARKERS`, and touches nothing else of the file.
"""

from __future__ import annotations

import dataclasses
import typing

from harness.claims import claimsfile
from harness.claims.problems import field_docs
from harness.claims.schema import SCHEMAS
from harness.core import atomic
from harness.core.paths import ROOT

MARKERS = ("<!-- params:start -->", "<!-- params:end -->")
DOC = ROOT / "docs" / "ledger.md"
COMMON = {  # every [[claim]] has these (the loader reads them before the relation's own)
    "id": ("string", "required", "the claim's id: C1, C3, C5.r, ...; one of the report under test's ids inherits its rule"),
    "relation": ("string", "required", "which relation decides it (the rows below)"),
    "section": ("string", "required", "where the report says it"),
    "quote": ("string", "required", "the report's words, verbatim"),
    "checked_by": ("string", "optional", "the report under test's file only: the test of the rule"),
    "fresh_checked_by": ("table", "optional", "the report under test's file only: {profile = test id}"),
}


def _type(tp) -> str:
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            inner = "tables" if dataclasses.is_dataclass(args[0]) else _type(args[0]) + "s"
            return f"list of {inner}"
        return f"{len(args)} {_type(args[0])}s"
    if dataclasses.is_dataclass(tp):
        return "table"
    return {int: "integer", float: "number", str: "string", bool: "true/false"}.get(tp, getattr(tp, "__name__", str(tp)))


def _default(value) -> str:
    return f'"{value}"' if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def _rows(cls, prefix: str, when, uses: str = "") -> list[tuple[str, str, str, str]]:
    hints, docs = typing.get_type_hints(cls), field_docs(cls)
    out = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        given = when(f)
        out.append((f"`{prefix}{f.name}`", _type(tp), given, docs.get(f.name, "")))
        inner = tp if dataclasses.is_dataclass(tp) else (typing.get_args(tp) or [None])[0]
        if dataclasses.is_dataclass(inner):
            sub = f"{prefix}{f.name}." if inner is tp else f"{prefix}{f.name}[]."
            out += _rows(inner, sub, lambda g, parent=given: _when(g, parent))
    return out


def _when(f, parent: str = "required") -> str:
    if f.default is not dataclasses.MISSING:
        return f"optional (default {_default(f.default)})"
    return "inherited one by one, as the table" if parent.startswith("inherited") else "required"


def table() -> str:
    """The Markdown table: the keys every claim has, the file's [rules] and [cells], then each
    relation's parameters (which the report under test's claim of the same id gives when they are
    not written, which the id implies, which are required) and the file's rules it is decided at."""
    suite = claimsfile.load()
    lines = ["| relation (the report under test's claims) | key | type | when not given | meaning |",
             "|---|---|---|---|---|"]
    for key, (tp, given, meaning) in COMMON.items():
        lines.append(f"| every `[[claim]]` | `{key}` | {tp} | {given} | {meaning} |")
    for key, tp, given, meaning in _rows(claimsfile.Rules, "",
                                         lambda f: f"the report under test's {_default(f.default)}"):
        lines.append(f"| `[rules]` | {key} | {tp} | {given} | {meaning}; another value marks every verdict it "
                     f"decides (\"own {key.strip('`')} 0.1\") |")
    for key, tp, given, meaning in _rows(claimsfile.Cell, "", _when):
        lines.append(f"| `[cells.\"<framework>.<init>\"]` | {key} | {tp} | {given} | {meaning} |")
    for name, s in SCHEMAS.items():
        ids = ", ".join(c.id for c in suite.claims if c.relation == name)
        head = (f"`{name}` ({ids})" if ids else f"`{name}`") + (f", at [rules] {' and '.join(s.uses)}" if s.uses else "")

        def when(f, s=s):
            if f.name in s.implied:
                return "implied by the id (C5.dropout: lora_dropout), else required"
            if f.name in s.rule:
                return "inherited from the report under test's claim of the same id (the row says so), else required"
            return _when(f)

        for i, (key, tp, given, meaning) in enumerate(_rows(s.params, "", when)):
            rule = " (a rule parameter: another value marks the verdict)" if key.strip("`") in s.marked else ""
            lines.append(f"| {head if i == 0 else ''} | {key} | {tp} | {given} | {meaning}{rule} |")
    return "\n".join(line.replace(" |mean", " \\|mean").replace(")| <", ")\\| <") for line in lines) + "\n"


def write() -> bool:
    """Rewrite the table in docs/ledger.md between the markers; True when it changed."""
    text = DOC.read_text()
    start, end = MARKERS
    if start not in text or end not in text:
        raise SystemExit(f"{DOC}: no {start} ... {end} markers to write the table between")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{table()}{end}{tail}"
    if new != text:
        atomic.write_text(DOC, new)
    return new != text


if __name__ == "__main__":
    print(f"{DOC}: {'table rewritten' if write() else 'table already up to date'}")
