"""``equivalence`` (C4, "a is consistent with b"): the means lie within ±margin points, by TOST.

Rule, at the claim's one margin m (points, fixed in the claims file: docs/ledger.md says when) and
the claims file's alpha. TOST (two one-sided Welch tests) at alpha establishes |mean(a) - mean(b)| < m
exactly when the Welch (1 - 2 alpha) confidence interval of the difference lies inside (-m, m); so,
from that interval:
- "HOLDS WITHIN ±m": the interval lies inside (-m, m);
- "REFUTED (beyond ±m)": it lies wholly beyond m on one side (the one-sided Welch test that the
  difference exceeds the margin rejects at alpha);
- "NOT ESTABLISHED at ±m" otherwise, or when the data cannot decide (the row says why).
A non-significant difference test is never read as agreement: its p is printed as such. The row
also gives the interval, the narrowest margin the data establish (the larger end of the interval
in absolute value) as a number, and the plan (``harness.claims.power``): TOST's power with the
seeds at hand and the seeds ±m needs, with the interval of that number across the seed SD's 95% CI.
"""

from __future__ import annotations


import numpy as np

from harness.claims import arms, power, stats
from harness.claims import plan as planning
from harness.claims.row import FRESH, REPORT, Row, not_run, p, pts

NAME = "equivalence"


def judge(a: dict[int, float], b: dict[int, float], cells, margin: float, alpha: float, power_target: float,
          with_plan: bool = True):
    """(verdict, computed, statistic, scores, decision, plan or None) of the rule on per-seed points
    (``with_plan=False``: no seed plan, computed only where it is printed; the verdict is the same)."""
    na, nb = cells
    x, y = list(a.values()), list(b.values())
    head = f"{na} - {nb}"
    why = stats.undecidable({na: x, nb: y})
    if why:
        return (f"NOT ESTABLISHED at ±{margin:g} (cannot decide: {why})",
                f"{na} {pts(x)} vs {nb} {pts(y)} (points)", "-", {}, None, None)
    diff = float(np.mean(x) - np.mean(y))
    ci = stats.welch_ci(x, y, 1 - 2 * alpha)
    narrowest = max(abs(ci.low), abs(ci.high))
    if -margin < ci.low and ci.high < margin:
        verdict = f"HOLDS WITHIN ±{margin:g}"
    elif ci.low > margin or ci.high < -margin:
        verdict = f"REFUTED (beyond ±{margin:g})"
    else:
        verdict = f"NOT ESTABLISHED at ±{margin:g}"
    tost = stats.tost(x, y, margin)
    beyond = stats.beyond_margin(x, y, margin)
    sds = f"seed SDs {np.std(x, ddof=1):.2f} / {np.std(y, ddof=1):.2f}"
    computed = f"{head} = {diff:+.2f} points (n={len(x)}+{len(y)} seeds; {sds})"
    plan = power.plan(x, y, margin, alpha, power_target, (na, nb)) if with_plan else None  # 2+ seeds per arm, some spread
    if plan:
        computed += "; " + plan.describe()
    statistic = (f"Welch {1 - 2 * alpha:.0%} CI {ci.low:+.2f} to {ci.high:+.2f} (TOST ±{margin:g} p={p(tost.pvalue)}, "
                 f"alpha {alpha:g}); narrowest establishable margin ±{narrowest:.2f}; beyond ±{margin:g} "
                 f"p={p(beyond.pvalue)} (one-sided Welch); Welch two-sided p={p(stats.welch(x, y).pvalue)} "
                 "(a difference test: not evidence of agreement)")
    scores = {"difference": diff, "narrowest_margin": narrowest}
    return verdict, computed, statistic, scores, ("narrowest_margin", narrowest, margin), plan


def _row(claim, ctx, a, b, says, test, section, decide=None) -> Row:
    params = claim.params
    verdict, computed, statistic, scores, decision, plan = judge(a, b, params.cells, params.margin, ctx.alpha, ctx.power,
                                                                 ctx.plan)
    if decide and plan and verdict.startswith("NOT ESTABLISHED") and plan.seeds and plan.seeds > plan.seeds_at_hand:
        computed += "; " + decide(plan.seeds)
    return Row(claim.id, says, computed, statistic, verdict, test, section, scores, decision)


def report_rows(claim, ctx) -> list[Row]:
    a, b = (ctx.report(cell) for cell in claim.params.cells)
    says = f"§{claim.section}: {claim.quote!r} ({pts(a.values())} vs {pts(b.values())})"
    test = ctx.checked_by(claim)
    lab = [r for r in (ctx.runs or {}).get("lab", []) if arms.not_user_files(r) is None]

    def decide(seeds):  # the report's scale, on its own files: lab runs on the embedded default are not its seeds
        return planning.decide("lab", seeds, lab, prefix=planning.REPORT_FILES).describe()

    return [_row(claim, ctx, a, b, says, test, REPORT, decide)]


def fresh_rows(claim, profile: str, runs: list, ctx) -> list[Row]:
    says = f"{claim.id} on {arms.fresh_label(profile, runs)}"
    test = ctx.checked_by(claim, profile)
    a, b = (arms.points(runs, cell) for cell in claim.params.cells)
    lacking = [cell for cell, v in zip(claim.params.cells, (a, b)) if not v]
    if lacking:
        return [Row(claim.id, says, "-", "-", not_run(f"no runs of {', '.join(lacking)}"), test, FRESH)]

    def decide(seeds):
        return planning.decide(profile, seeds, runs).describe()

    return [_row(claim, ctx, a, b, says, test, FRESH, decide)]
