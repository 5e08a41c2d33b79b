"""C3: "As expected, the pretrained models perform much better than the randomly initialized ones"
(report §2.1), on the report's own per-seed table.

The ledger's rule is the ``superiority`` relation at the claim's delta (expected/report.toml): the
one-sided (1 - alpha) lower confidence bound of the Welch difference of means is at least delta
points. A gap under delta is never "much better", however small the seed SD; Hedges' g and the paired
t are information. The exact rank and permutation tests are documented, not used: at 3 vs 3 their
p-value has a floor that is not below alpha.
"""

from harness.claims import claimsfile, ledger, stats
from harness.claims.relations import superiority

REPORT = claimsfile.load()
C3 = REPORT.claim("C3").params
ALPHA = REPORT.rules.alpha
PRE, RND = (REPORT.cells[cell].by_seed() for cell in C3.cells)
TABLE = f"pretrained {list(PRE.values())} vs random {list(RND.values())} (points)"


def test_pretrained_much_better_than_random():
    """C3's row: the lower bound of the difference is at least delta points."""
    row = ledger.report_row("C3")
    assert row.verdict == "REPRODUCED", f"{row.verdict}: {row.computed}; {row.statistic}"
    assert row.decision[0] == "lower_bound" and row.decision[1] >= C3.delta, row.decision


def test_lower_bound_is_welchs_one_sided_bound():
    low = stats.welch_ci(list(PRE.values()), list(RND.values()), 1 - ALPHA, "greater").low
    welch = stats.welch(list(PRE.values()), list(RND.values()), "greater")
    diff = sum(PRE.values()) / 3 - sum(RND.values()) / 3
    # the bound is diff - t(1 - alpha, df) * se, with se = diff / t
    from scipy.stats import t

    assert abs(low - (diff - t.ppf(1 - ALPHA, welch.df) * diff / welch.statistic)) < 1e-9, (low, welch, TABLE)


def test_a_small_gap_is_never_much_better_however_small_the_spread():
    """80.3 / 80.4 / 80.5 against 80.0 / 80.1 / 80.2: Hedges' g is huge, the gap 0.3 points."""
    a, b = {0: 80.3, 1: 80.4, 2: 80.5}, {0: 80.0, 1: 80.1, 2: 80.2}
    verdict, computed, statistic, scores, decision = superiority.judge(a, b, C3, ALPHA)
    assert verdict.startswith("REFUTED") and scores["upper_bound"] < C3.delta, (verdict, statistic)
    assert "paired: every seed's difference is +0.30 (no paired t)" in statistic, statistic


def test_exact_tests_cannot_gate_at_three_seeds():
    """The report's groups do not overlap, so the exact tests are at their floor; at 3 vs 3 that
    floor is not below alpha (Mann-Whitney two-sided 0.10, one-sided and permutation 0.05)."""
    pre, rnd = list(PRE.values()), list(RND.values())
    assert min(pre) > max(rnd), TABLE  # complete separation: the most extreme split
    mw2 = stats.mann_whitney(pre, rnd, "two-sided").pvalue
    mw1 = stats.mann_whitney(pre, rnd, "greater").pvalue
    perm = stats.permutation(pre, rnd, "greater").pvalue
    shifted = [v + 1000 for v in pre]  # further apart: the floor cannot drop
    assert stats.mann_whitney(shifted, rnd, "two-sided").pvalue == mw2
    assert mw2 > ALPHA and mw1 >= ALPHA and perm >= ALPHA, (
        f"Mann-Whitney p two-sided {mw2:.3f}, one-sided {mw1:.3f}; exact permutation {perm:.3f}; alpha {ALPHA}"
    )
