"""``aggregate`` (C6, "81.1% (± 0.02%)"): the printed mean and spread of a cell's per-seed numbers.

The relation searches the conventions a spread can be printed in (``harness.claims.stats.CONVENTIONS``:
SD with ddof 0 or 1, in points or as a fraction) for those that print every stated aggregate at its
stated precision. REPRODUCED when a convention in points (what "± x%" states) does; WRONG AS PRINTED
(reading) when only a fraction convention does (a unit error: the reading that reproduces them is
named); REFUTED when none does. A cell with a non-finite value or one seed cannot be decided.
"""

from __future__ import annotations

import math

from harness.claims import stats
from harness.claims.row import REPORT, Row

NAME = "aggregate"
DDOF = {0: "population SD", 1: "sample SD"}


def verdict_of(found: set[tuple[int, str]]) -> str:
    """``found``: the (ddof, unit) conventions that reproduce every printed aggregate."""
    if not found:
        return "REFUTED"
    if any(unit == "points" for _, unit in found):
        return "REPRODUCED"
    return f"WRONG AS PRINTED ({DDOF[min(d for d, _ in found)]} as a fraction, printed with a % sign)"


def report_rows(claim, ctx) -> list[Row]:
    printed = claim.params.printed
    says = ", ".join(f'"{x.mean:g}% (± {x.spread:g}%)"' for x in printed)
    test = ctx.checked_by(claim)
    values = {x.cell: list(ctx.report(x.cell).values()) for x in printed}
    why = next((f"{cell} holds non-finite values {[v for v in vs if not math.isfinite(v)]}" if
                not all(map(math.isfinite, vs)) else f"{cell} has one seed: no spread to print"
                for cell, vs in values.items() if len(vs) < 2 or not all(map(math.isfinite, vs))), None)
    if why:
        return [Row(claim.id, says, "-", "-", f"NOT ESTABLISHED (cannot decide: {why})", test, REPORT)]
    common = set.intersection(*(set(stats.conventions_reproducing(values[x.cell], x.mean, x.spread)) for x in printed))
    tried = ", ".join(f"ddof={d} {u}" for d, u in stats.CONVENTIONS)
    found = ", ".join(f"ddof={d} as {u}" for d, u in sorted(common)) or "none"
    parts = []
    for x in printed:
        pop, smp = stats.summarize(values[x.cell], 0), stats.summarize(values[x.cell], 1)
        parts.append(f"{x.cell} {pop.mean:.1f} ± {pop.sd:.2f} points (population SD, n={pop.n}; sample SD {smp.sd:.2f})")
    verdict = verdict_of(common)
    if verdict.startswith("WRONG AS PRINTED"):
        computed = "the printed ± values are SDs as fractions with a % sign; in points: " + "; ".join(parts)
    elif verdict == "REFUTED":
        computed = "not reproducible from the per-seed table, which gives " + "; ".join(parts)
    else:
        computed = "as printed: " + "; ".join(parts)
    statistic = f"conventions tried: {tried}; reproduces every printed aggregate: {found}"
    return [Row(claim.id, says, computed, statistic, verdict, test, REPORT)]
