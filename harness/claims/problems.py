"""Every problem of a claims file at once (a student should not need one round trip per error).

``Problems`` gathers the :class:`ConfigError` of each independent check of a file (a table, a cell,
a claim, a key) and raises them together, one line each, every line naming the file, the claim or
table, what is wrong and the fix. A mistyped key or name is answered with the one meant ("unknown
field 'acuracy' (did you mean 'accuracy'?)"), nested tables included (``encoder``, ``printed``).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import re
import typing
from contextlib import contextmanager

from harness.core.config import ConfigError, build


class Problems:
    """The errors found so far; :meth:`check` records a block's ConfigError and goes on."""

    def __init__(self):
        self.found: list[str] = []
        self.failed = False  # did the last check() block fail

    @contextmanager
    def check(self):
        """Run the block; a ConfigError it raises (one line, or several: a nested file's) is recorded."""
        before = len(self.found)
        try:
            yield
        except ConfigError as exc:
            self.found += [line for line in str(exc).splitlines() if line.strip()]
        self.failed = len(self.found) > before

    def add(self, *messages: str) -> None:
        self.found += list(messages)

    def raise_all(self) -> None:
        """One ConfigError holding every problem, one per line (repeats dropped), if any."""
        if self.found:
            raise ConfigError("\n".join(dict.fromkeys(self.found)))


def suggest(word, choices) -> str:
    """' (did you mean 'x'?)' for the closest of ``choices``, or ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _nested(tp):
    """The dataclass a field holds (itself, or the items of a tuple of it), else None."""
    if dataclasses.is_dataclass(tp):
        return tp, False
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if args and dataclasses.is_dataclass(args[0]):
            return args[0], True
    return None, False


@functools.cache
def _hints(cls) -> dict:
    """A dataclass's field types, resolved once (``typing.get_type_hints`` evaluates every annotation anew)."""
    return typing.get_type_hints(cls)


def unknown_fields(cls, mapping: dict, where: str, fix: str, prefix: str = "") -> list[str]:
    """An error per key of ``mapping`` (and of its nested tables) that ``cls`` has no field for."""
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    out = []
    for key in mapping:
        if key not in names:
            out.append(f"{where}: unknown field '{prefix}{key}'{suggest(key, names)}; fix: {fix} (fields: "
                       f"{', '.join(names)})")
            continue
        inner, many = _nested(hints[key])
        value = mapping[key]
        if inner is not None and many and isinstance(value, (list, tuple)):
            for i, item in enumerate(value, 1):
                if isinstance(item, dict):
                    out += unknown_fields(inner, item, where, fix, f"{prefix}{key}[{i}].")
        elif inner is not None and isinstance(value, dict):
            out += unknown_fields(inner, value, where, fix, f"{prefix}{key}.")
    return out


def missing_fields(cls, mapping: dict, where: str) -> list[str]:
    """An error per required field of ``cls`` that ``mapping`` does not give, with what it means."""
    out, names = [], [f.name for f in dataclasses.fields(cls)]
    typed = [k for k in mapping if k not in names]  # a mistyped key is one error, not two
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if difflib.get_close_matches(f.name, typed, n=1, cutoff=0.6):
            continue
        if f.init and required and f.name not in mapping:
            docs = field_docs(cls)
            meaning = f" ({docs[f.name]})" if docs.get(f.name) else ""
            out.append(f"{where}: {f.name}: missing{meaning}; fix: add {f.name} = ... (docs/ledger.md, the "
                       "parameters of each relation)")
    return out


@functools.cache
def field_docs(cls) -> dict[str, str]:
    """``{field: its comment}`` read from the dataclass's source (``name: type  # comment``, and the
    comment lines right below it)."""
    out, last = {}, None
    for line in inspect.getsource(cls).splitlines():
        m = re.match(r"\s+(\w+): [^#]+#\s*(.*)$", line)
        more = re.match(r"\s+#\s*(.*)$", line)
        if m:
            last = m.group(1)
            out[last] = m.group(2).strip()
        elif more and last:  # a comment line right below continues the field's
            out[last] += " " + more.group(1).strip()
        else:
            last = None
    return out


def built(cls, table: dict, where: str, what: str):
    """``build(cls, table)``, its error with the fix it lacks (``what``, or: the number without quotes)."""
    try:
        return build(cls, table, where)
    except ConfigError as exc:
        quoted = re.search(r"expected (int|float), got '", str(exc))
        fix = "write the number without quotes" if quoted else what
        raise ConfigError(f"{exc}; fix: {fix}") from None
