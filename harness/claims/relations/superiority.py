"""``superiority`` (C3, "a is much better than b"): the difference of means is at least delta points.

Rule, in the claim's units (points of accuracy), at the claims file's alpha:
- REPRODUCED when the one-sided (1 - alpha) lower confidence bound of the Welch difference
  mean(a) - mean(b) is at least delta: a gap under delta points is never "much better", however
  small the seed SD;
- REFUTED when the one-sided (1 - alpha) upper bound is below delta: the gap is shown to be smaller
  ("the gap is below delta points"); when that bound is below 0, b is shown better than a and the
  verdict says so: "REFUTED (b beats a by x points)", x the difference of means;
- NOT ESTABLISHED otherwise (the bounds straddle delta), or when the data cannot decide (too few
  seeds, a non-finite value, no seed-to-seed spread at all: the row says which).
On fresh runs the cell named ``learned`` (the random init) must also have learned: each of its runs
above its test set's majority-class rate by a one-sided exact binomial test at alpha; otherwise a
REPRODUCED becomes "NOT ESTABLISHED (random init not shown to learn on seeds ...)". Hedges' g and the
paired t are printed as information only.
"""

from __future__ import annotations


import numpy as np

from harness.claims import arms, stats
from harness.claims.row import FRESH, REPORT, Row, not_run, p, pts
from harness.claims.schema import Superiority

NAME = "superiority"


def judge(a: dict[int, float], b: dict[int, float], params: Superiority, alpha: float) -> tuple[str, str, str, dict, tuple | None]:
    """(verdict, computed, statistic, scores, decision) of the rule on per-seed points."""
    na, nb = params.cells
    computed = f"{na} {pts(a.values())} vs {nb} {pts(b.values())} (points, n={len(a)}+{len(b)} seeds)"
    why = stats.undecidable({na: list(a.values()), nb: list(b.values())})
    if why:
        return f"NOT ESTABLISHED (cannot decide: {why})", computed, "-", {}, None
    x, y = list(a.values()), list(b.values())
    diff = float(np.mean(x) - np.mean(y))
    level = 1 - alpha
    low = stats.welch_ci(x, y, level, "greater").low
    high = stats.welch_ci(x, y, level, "less").high
    df = stats.welch(x, y).df
    delta = params.delta
    if low >= delta:
        verdict, decision = "REPRODUCED", ("lower_bound", low, delta)
    elif high < 0:  # the other arm is shown better: say so, and by how much
        verdict, decision = f"REFUTED ({nb} beats {na} by {-diff:.1f} points)", ("upper_bound", high, delta)
    elif high < delta:
        verdict, decision = f"REFUTED (the gap is below {delta:g} points)", ("upper_bound", high, delta)
    else:
        verdict = f"NOT ESTABLISHED (the gap's bounds straddle {delta:g} points)"
        decision = ("lower_bound", low, delta) if delta - low <= high - delta else ("upper_bound", high, delta)
    info = [f"Hedges' g={stats.hedges_g(x, y):.1f}"]
    if set(a) == set(b):
        d = [a[s] - b[s] for s in sorted(a)]
        constant = max(d) - min(d) <= 1e-9 * max(1.0, *map(abs, d))  # rounding noise is no spread
        info.append(f"paired: every seed's difference is {d[0]:+.2f} (no paired t)" if constant
                    else f"paired t({len(d) - 1})={stats.paired(a, b, 'greater').statistic:.2f}")
    statistic = (f"Welch: difference {diff:+.2f} points, one-sided {level:.0%} bounds {low:+.2f} (lower) and "
                 f"{high:+.2f} (upper), df={df:.2f}; delta = {delta:g} points; information: {', '.join(info)}")
    return verdict, computed, statistic, {"difference": diff, "lower_bound": low, "upper_bound": high}, decision


def report_rows(claim, ctx) -> list[Row]:
    params = claim.params
    a, b = (ctx.report(cell) for cell in params.cells)
    verdict, computed, statistic, scores, decision = judge(a, b, params, ctx.alpha)
    says = f"§{claim.section}: {claim.quote!r} ({pts(a.values())} vs {pts(b.values())})"
    test = ctx.checked_by(claim)
    return [Row(claim.id, says, computed, statistic, verdict, test, REPORT, scores, decision)]


def fresh_rows(claim, profile: str, runs: list, ctx) -> list[Row]:
    params = claim.params
    says = f"{claim.id} on {arms.fresh_label(profile, runs)}"
    test = ctx.checked_by(claim, profile)
    a, b = (arms.points(runs, cell) for cell in params.cells)
    lacking = [cell for cell, v in zip(params.cells, (a, b)) if not v]
    if lacking:
        return [Row(claim.id, says, "-", "-", not_run(f"no runs of {', '.join(lacking)}"), test, FRESH)]
    verdict, computed, statistic, scores, decision = judge(a, b, params, ctx.alpha)
    if params.learned:
        checks, missing = arms.learned(arms.cell_runs(runs, params.learned))
        if missing:
            return [Row(claim.id, says, computed, statistic, not_run(missing), test, FRESH, scores, decision)]
        failed = [c for c in checks if c.pvalue >= ctx.alpha]
        rates = sorted({f"{100 * c.majority:.2f}%" for c in checks})
        who = "random init" if params.learned.endswith(".random") else params.learned
        seeds = ", ".join(str(c.seed) for c in failed)
        learning = (f"{who} not shown to learn on seeds {seeds} (p = {', '.join(p(c.pvalue) for c in failed)})"
                    if failed else f"{who} learned on every seed")
        statistic = (f"{learning}; {params.learned} vs its majority-class rate {', '.join(rates)} (one-sided exact "
                     f"binomial, n={checks[0].n} each, alpha {ctx.alpha:g}): " + "; ".join(c.describe() for c in checks)
                     + f"; {statistic}")
        if failed and verdict == "REPRODUCED":  # the verdict names the seeds; their p-values are in the statistic
            verdict = f"NOT ESTABLISHED ({who} not shown to learn on seeds {seeds})"
    return [Row(claim.id, says, computed, statistic, verdict, test, FRESH, scores, decision)]
