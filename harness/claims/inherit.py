"""A claim's rule parameters taken from the report under test's claim of the same id: what a
claims file does not write is inherited (and the row names it, ``harness.claims.own``); what it
writes otherwise is its own rule (which marks the verdict)."""

from __future__ import annotations

import dataclasses


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
