"""A claims file's own rule, visible in the verdict itself.

A rule parameter a file sets apart from the report under test's (its ``[rules]`` alpha and power,
a claim's delta, margin, profile, learned or epoch, the encoder's dims: ``Claim.differs``) marks
every verdict it decides: "HOLDS WITHIN ±3 (own alpha 0.49)", "REFUTED (the gap is below 40 points;
own delta 40)", "REPRODUCED (own dims, not the lab's: d_ff = 2,048)". The mark is part of the
verdict's text, so the ledger, every audit format and ``--fail-on`` carry it; ``--fail-on`` matches
the verdict's base name ("REPRODUCED (own delta 0.1)" is a REPRODUCED, ``harness.claims.failon``).
A NOT RUN row applied no rule and carries no mark. Parameters inherited from the report under test
are named in the row's ``says`` instead.
"""

from __future__ import annotations

from dataclasses import fields, replace

DIMS = {"vocab_size": "V", "d_model": "d", "d_ff": "d_ff", "max_positions": "P", "layers": "L"}
JUDGED = ("REPRODUCED", "HOLDS WITHIN", "NOT ESTABLISHED", "REFUTED", "WRONG AS PRINTED")  # what a rule decided


def _num(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return " / ".join(map(_num, value))
    return f'"{value}"' if value == "" else str(value)


def _dims(mine: dict, suite: dict) -> list[tuple[str, int, int]]:
    return [(k, mine[k], suite[k]) for k in DIMS if k in mine and k in suite and mine[k] != suite[k]]


def marks(claim) -> list[str]:
    """The marks of the claim's own rule parameters (none for cells: they are what it speaks of)."""
    out = []
    for key, (mine, suite) in (getattr(claim, "differs", None) or {}).items():
        if key == "cells":
            continue
        if key == "encoder":
            dims = _dims(_plain(mine), _plain(suite))
            if dims:
                out.append("own dims, not the lab's: " + ", ".join(f"{DIMS[k]} = {v:,}" for k, v, _ in dims))
            continue
        out.append(f"own {key} {_num(mine)}")
    return out


def note(claim) -> str:
    """"margin 10 (the report under test's: 3)", ... for the row's statistic ("" when none)."""
    parts = []
    for key, (mine, suite) in (getattr(claim, "differs", None) or {}).items():
        if key == "encoder":
            parts += [f"{DIMS[k]} {v:,} (the report under test's: {w:,})" for k, v, w in _dims(_plain(mine), _plain(suite))]
        else:
            parts.append(f"{key} {_num(mine)} (the report under test's: {_num(suite)})")
    return ", ".join(parts)


def inherited(claim, reference: str) -> str:
    """" (encoder, epoch inherited from the report under test, expected/report.toml)" or ""."""
    keys = list(dict.fromkeys(k.split(".")[0] for k in getattr(claim, "inherited", ()) or ()))
    if not keys:
        return ""
    return f" ({', '.join(keys)} inherited from the report under test ({reference}): not written in this file)"


def mark(verdict: str, claim) -> str:
    """``verdict`` with the claim's marks: inside its closing parenthesis when it has one."""
    found = marks(claim)
    if not found or not verdict.startswith(JUDGED):
        return verdict
    text = "; ".join(found)
    if verdict.endswith(")") and " (" in verdict:
        return f"{verdict[:-1]}; {text})"
    return f"{verdict} ({text})"


def with_rules(claim, own: dict, uses: tuple[str, ...]):
    """The claim with the file's own [rules] (``{"alpha": (this file's, the suite's)}``) that its
    relation ``uses`` added to its ``differs``."""
    mine = {k: v for k, v in own.items() if k in uses}
    return replace(claim, differs={**mine, **claim.differs}) if mine else claim


def with_marks(row, claim, reference: str):
    """The row with its verdict marked, its own rule noted in the statistic, and its inherited
    parameters named in what it says."""
    own = note(claim)
    changes = {"verdict": mark(row.verdict, claim), "says": row.says + inherited(claim, reference)}
    if own:
        changes["statistic"] = f"{row.statistic}; this file's own rule: {own}"
    if all(getattr(row, k) == v for k, v in changes.items()):
        return row
    return replace(row, **changes)


def _plain(value) -> dict:
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    return dict(value) if isinstance(value, dict) else {}
