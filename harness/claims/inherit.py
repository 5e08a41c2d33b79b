"""A claim's rule parameters taken from the report under test's claim of the same id: what a
claims file does not write is inherited (and the row names it, ``harness.claims.own``); what it
writes otherwise is its own rule (which marks the verdict)."""

from __future__ import annotations

import dataclasses
import re

from harness.core.config import ConfigError


def inherit(table: dict, rule: tuple[str, ...], ref) -> tuple[list[str], dict]:
    """Fill ``table`` with the rule parameters it does not give from the report under test's claim
    ``ref`` (an encoder's missing dims one by one): (what was inherited, {key: (this file's, the
    suite's)} for those it gives otherwise)."""
    inherited, differs = [], {}
    if ref is None:
        return inherited, differs
    for key in rule:
        suite_value = getattr(ref.params, key)
        suite_raw = dataclasses.asdict(suite_value) if dataclasses.is_dataclass(suite_value) else suite_value
        if key not in table:
            table[key] = suite_raw
            inherited.append(key)
            continue
        if isinstance(suite_raw, dict) and isinstance(table[key], dict):
            table[key] = {**table[key]}
            for k, v in suite_raw.items():
                if k not in table[key]:
                    table[key][k] = v
                    inherited.append(f"{key}.{k}")
        if _plain(table[key]) != _plain(suite_raw):
            differs[key] = (table[key], suite_raw)
    return inherited, differs


def _plain(value):
    return list(value) if isinstance(value, tuple) else [_plain(v) for v in value] if isinstance(value, list) else value


def inherited_in(exc: ConfigError, inherited: list[str], table: dict, reference) -> ConfigError:
    """``exc`` saying which of the parameters it names the file never wrote: they were inherited
    from the report under test, and the fix is to write this claim's own."""
    named = [k for k in inherited if re.search(rf"\b{k}( =| names)", str(exc))]
    if not named:
        return exc
    given = ", ".join(f"{k} = {_toml(table[k])}" for k in named)
    head = str(exc).split("; fix:")[0]
    return ConfigError(f"{head} ({given}: not written in this [[claim]], inherited from the report under test, "
                       f"{reference.name}); fix: write this claim's own " + " and ".join(named)
                       + ("" if "learned" not in named else " (learned = \"\" for none)"))


def _toml(value) -> str:
    return "[" + ", ".join(map(_toml, value)) + "]" if isinstance(value, (list, tuple)) else \
        f'"{value}"' if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
