"""``aggregate`` (C6, "81.1% (± 0.02%)"): the printed mean and spread of a cell's per-seed numbers.

The claims file stores each printed number as the report's characters ("80.0%", "0.003"): their
digits are the printed precision and the % sign after the ± is recorded, never assumed. The relation
searches the conventions a spread can be printed in (``harness.claims.printed.CONVENTIONS``: the SD
with ddof 0 or 1, or the standard error SD/√n, in points or as a fraction) for those that print every
stated aggregate at its stated precision, in exact arithmetic (a tie may round either way).
REPRODUCED when a convention in points does; WRONG AS PRINTED (reading) when only a fraction
convention does (a unit error: the reading that reproduces them is named, and whether the report put
a % sign after the ±); REFUTED when none does. A cell with a non-finite value or one seed cannot be
decided.
"""

from __future__ import annotations

import math

from harness.claims import printed as printing
from harness.claims import stats
from harness.claims.row import REPORT, Row

NAME = "aggregate"


def verdict_of(found: set[tuple[str, int, str]], signs: list[bool] | None = None) -> str:
    """``found``: the (kind, ddof, unit) conventions that reproduce every printed aggregate;
    ``signs``: whether each printed spread has a % sign after it (default: all do)."""
    if not found:
        return "REFUTED"
    if any(unit == "points" for _, _, unit in found):
        return "REPRODUCED"
    reading = printing.name(next(c for c in printing.CONVENTIONS if c in found))
    signs = [True] if signs is None else signs
    how = ("printed with a % sign" if all(signs) else "printed without a unit beside a mean in percent"
           if not any(signs) else f"printed with a % sign on {sum(signs)} of {len(signs)}")
    return f"WRONG AS PRINTED ({reading}, {how})"


def report_rows(claim, ctx) -> list[Row]:
    entries = [(x.cell, *x.numbers()) for x in claim.params.printed]
    says = ", ".join(f'"{mean.text} (± {spread.text})"' for _, mean, spread in entries)
    test = ctx.checked_by(claim)
    values = {cell: list(ctx.report(cell).values()) for cell, _, _ in entries}
    why = next((f"{cell} holds non-finite values {[v for v in vs if not math.isfinite(v)]}" if
                not all(map(math.isfinite, vs)) else f"{cell} has one seed: no spread to print"
                for cell, vs in values.items() if len(vs) < 2 or not all(map(math.isfinite, vs))), None)
    if why:
        return [Row(claim.id, says, "-", "-", f"NOT ESTABLISHED (cannot decide: {why})", test, REPORT)]
    common = set.intersection(*(set(printing.conventions_reproducing(values[cell], mean, spread))
                                for cell, mean, spread in entries))
    tried = ", ".join(printing.name(c) for c in printing.CONVENTIONS)
    found = ", ".join(printing.name(c) for c in printing.CONVENTIONS if c in common) or "none"
    parts = []
    for cell, _, _ in entries:
        pop, smp = stats.summarize(values[cell], 0), stats.summarize(values[cell], 1)
        parts.append(f"{cell} {pop.mean:.2f} ± {pop.sd:.2f} points (population SD, n={pop.n}; sample SD "
                     f"{smp.sd:.2f}; SE {smp.sd / math.sqrt(smp.n):.2f})")
    signs = [spread.percent for _, _, spread in entries]
    verdict = verdict_of(common, signs)
    if verdict.startswith("WRONG AS PRINTED"):
        unit = "with a % sign" if all(signs) else "as printed"
        computed = f"the printed ± values are spreads as fractions {unit}; in points: " + "; ".join(parts)
    elif verdict == "REFUTED":
        computed = "not reproducible from the per-seed table, which gives " + "; ".join(parts)
    else:
        computed = "as printed: " + "; ".join(parts)
    statistic = (f"conventions tried (exact decimal arithmetic, a tie rounded half up or half to even): {tried}; "
                 f"reproduces every printed aggregate: {found}")
    return [Row(claim.id, says, computed, statistic, verdict, test, REPORT)]
