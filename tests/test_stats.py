"""harness.stats: properties (hypothesis), agreement between its tests, and bad input."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.stats import binom as scipy_binom
from scipy.stats import t as scipy_t

from harness.claims import printed, stats
from harness.claims import power as planning

# Per-seed accuracies as the report prints them: points with one decimal.
accuracy = st.integers(0, 1000).map(lambda k: k / 10)
group = st.lists(accuracy, min_size=2, max_size=5)


def _spread(values) -> bool:
    return np.std(values) > 0.05


@given(group, group, st.floats(-50, 50))
def test_shifting_both_groups_leaves_welch_unchanged(a, b, shift):
    assume(_spread(a) and _spread(b))
    before = stats.welch(a, b)
    after = stats.welch([x + shift for x in a], [x + shift for x in b])
    assert after.pvalue == pytest.approx(before.pvalue, rel=1e-6, abs=1e-12), (a, b, shift, before, after)
    assert after.statistic == pytest.approx(before.statistic, rel=1e-6, abs=1e-9)


@given(group, group)
def test_swapping_groups_flips_the_one_sided_test(a, b):
    assume(_spread(a) and _spread(b))
    greater = stats.welch(a, b, "greater").pvalue
    assert stats.welch(b, a, "less").pvalue == pytest.approx(greater)
    assert greater + stats.welch(a, b, "less").pvalue == pytest.approx(1.0)
    assert stats.welch(b, a).pvalue == pytest.approx(stats.welch(a, b).pvalue)


@given(group, group, st.floats(0.1, 20), st.floats(0.1, 20))
def test_tost_p_falls_as_the_margin_grows(a, b, m1, m2):
    assume(_spread(a) and _spread(b))
    narrow, wide = sorted((m1, m2))
    pn, pw = stats.tost(a, b, narrow).pvalue, stats.tost(a, b, wide).pvalue
    assert pw <= pn + 1e-12, (a, b, narrow, pn, wide, pw)


@given(group, group)
def test_the_narrowest_establishable_margin_is_the_90_ci_edge(a, b):
    """TOST at alpha establishes ±m exactly when the Welch (1 - 2 alpha) CI lies inside (-m, m)."""
    assume(_spread(a) and _spread(b))
    ci = stats.welch_ci(a, b, 0.90)
    m = max(abs(ci.low), abs(ci.high))
    assert m > abs(np.mean(a) - np.mean(b))
    assert stats.tost(a, b, m * 1.001).pvalue < 0.05 <= stats.tost(a, b, m * 0.999).pvalue, (a, b, m)


@given(st.lists(st.tuples(accuracy, accuracy), min_size=2, max_size=5, unique_by=lambda t: t))
def test_paired_ignores_seed_order(pairs):
    a = {seed: x for seed, (x, _) in enumerate(pairs)}
    b = {seed: y for seed, (_, y) in enumerate(pairs)}
    assume(np.std([a[s] - b[s] for s in a]) > 0.05)
    forward = stats.paired(a, b)
    backward = stats.paired(dict(reversed(a.items())), dict(reversed(b.items())))
    assert forward == backward


@given(group, group)
def test_exact_permutation_p_is_a_count_over_all_splits(a, b):
    p = stats.permutation(a, b, "greater").pvalue
    splits = math.comb(len(a) + len(b), len(a))
    assert 1 / splits - 1e-12 <= p <= 1
    assert round(p * splits) == pytest.approx(p * splits, abs=1e-6), (p, splits)


@given(group, group)
def test_summaries_and_welch_ci(a, b):
    pop, smp = stats.summarize(a, 0), stats.summarize(a, 1)
    assert pop.mean == smp.mean and pop.sd <= smp.sd and (pop.ddof, smp.ddof) == (0, 1)
    assume(_spread(a) and _spread(b))
    ci = stats.welch_ci(a, b, 0.95)
    diff = smp.mean - stats.summarize(b, 1).mean
    assert ci.low < diff < ci.high and ci.n == (len(a), len(b)) and ci.confidence == 0.95, (a, b, ci)
    # the CI is the set of differences Welch's test does not reject at 1 - confidence
    for edge in (ci.low, ci.high):
        shifted = [x - edge for x in a]
        assert stats.welch(shifted, b).pvalue == pytest.approx(0.05, abs=1e-6), (a, b, ci)


def _simulated_welch_tost(sd_a, sd_b, margin, n, alpha, diff, reps=40_000, seed=0):
    """The share of seeded simulated experiments in which Welch's TOST establishes ±margin."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(diff, sd_a, (reps, n)), rng.normal(0.0, sd_b, (reps, n))
    va, vb = x.var(1, ddof=1) / n, y.var(1, ddof=1) / n
    se, d = np.sqrt(va + vb), x.mean(1) - y.mean(1)
    df = (va + vb) ** 2 / (va ** 2 / (n - 1) + vb ** 2 / (n - 1))
    tc = scipy_t.ppf(1 - alpha, df)
    return float(np.mean((d - tc * se > -margin) & (d + tc * se < margin)))


@pytest.mark.parametrize("sd_a, sd_b, n, diff", [(1.05, 2.05, 3, 0.0), (1.05, 2.05, 6, 0.0), (1.05, 2.05, 7, 0.0),
                                                 (0.5, 0.5, 3, 0.4), (0.3, 1.2, 4, 1.0)])
def test_welch_tost_power_against_a_seeded_simulation(sd_a, sd_b, n, diff):
    """The quadrature over the two sample variances against 40,000 simulated Welch TOST experiments
    (the report's seed SDs 1.05 and 2.05 among them: at 6 seeds the power is 0.78, short of 0.8)."""
    margin, alpha = 3.0 if sd_b > 1 else 1.0, 0.05
    exact = planning.tost_power(sd_a, sd_b, margin, n, alpha, diff)
    simulated = _simulated_welch_tost(sd_a, sd_b, margin, n, alpha, diff)
    # CI-sized Monte Carlo, tolerance stated: 40,000 seeded experiments give a binomial SE <= 0.0025,
    # so abs 0.01 is 4 SEs (a real error of the quadrature, or of Welch's df, is larger)
    assert exact == pytest.approx(simulated, abs=0.01), (exact, simulated)


def test_seeds_needed_is_the_fewest_that_reach_the_power():
    sd_a, sd_b, margin, alpha, target = 1.05, 2.05, 3.0, 0.05, 0.8
    n = planning.seeds_needed(sd_a, sd_b, margin, alpha, target)
    assert planning.tost_power(sd_a, sd_b, margin, n, alpha) >= target > planning.tost_power(sd_a, sd_b, margin, n - 1, alpha)
    assert _simulated_welch_tost(sd_a, sd_b, margin, n, alpha, 0.0) >= target - 0.01, n
    assert planning.seeds_needed(sd_a, sd_b, margin / 2, alpha, target) > n  # a narrower margin needs more
    assert planning.seeds_needed(sd_a / 10, sd_b / 10, margin, alpha, target) == 2  # the fewest a t-test can use


def test_tost_power_is_memoized_on_its_arguments():
    """A pure function: a repeated point is looked up, not integrated again; ints and floats are one key."""
    first = planning.tost_power(1.25, 2.5, 3.0, 5, 0.05)
    hits = planning._tost_power.cache_info().hits
    assert planning.tost_power(1.25, 2.5, 3, 5, 0.05, 0) == first
    assert planning._tost_power.cache_info().hits == hits + 1, planning._tost_power.cache_info()


def test_tost_power_points_are_stored_across_sessions_bit_exact(tmp_path, monkeypatch):
    """The integrated points persist (``<cache>/facts/tost_power-<key>.json``, keyed by power.py's bytes
    and numpy's and scipy's versions): a point read back is the integration's float, bit for bit."""
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path))
    before = dict(planning._stored())
    point = (1.3, 0.4, 2.0, 4, 0.05, 0.0, 128)
    value = planning._integrated(*point)
    planning._stored.cache_clear()
    try:
        planning._stored()[repr(point)] = value
        planning._store()
        assert planning._store_path().parent == tmp_path / "facts"
        planning._stored.cache_clear()
        assert planning._stored()[repr(point)] == value and value.hex() == planning._integrated(*point).hex()
    finally:
        planning._stored.cache_clear()
        planning._stored().update(before)


def test_the_plan_gives_the_seeds_across_the_sds_confidence_interval():
    """3 + 3 seeds with unequal SDs: the variance the plan uses has Welch-Satterthwaite df 2.99 (not
    the 4 of pooling), and the SD's 95% CI at that df spans a factor of about 6."""
    plan = planning.plan([79.9, 79.0, 81.1], [79.9, 80.0, 83.5], 3.0, 0.05, 0.8)
    low, high = planning.sd_factors(plan.df)
    assert plan.df == pytest.approx(2.99, abs=0.005) and low < 1 < high and high / low > 5, (plan.df, low, high)
    assert plan.seeds_low < plan.seeds < plan.seeds_high and plan.power_at_hand < 0.8, plan
    assert "(4 to 72 across the 95% CI of the seed SD, Welch–Satterthwaite df 2.99)" in plan.describe(), plan.describe()
    equal = planning.plan([79.0, 80.0, 81.0], [69.0, 70.0, 71.0], 3.0, 0.05, 0.8)
    assert equal.df == pytest.approx(4.0), equal  # equal SDs and n: Welch's df is the pooled 4


def test_beyond_margin_is_one_sided_welch_on_the_shifted_groups():
    a, b = [90.0, 91.0, 90.5], [80.0, 80.4, 79.8]
    r = stats.beyond_margin(a, b, 3.0)
    assert r.pvalue == pytest.approx(stats.welch([x - 3.0 for x in a], b, "greater").pvalue)
    assert r.pvalue < 0.01, r
    assert stats.beyond_margin(b, a, 3.0).pvalue == pytest.approx(r.pvalue)
    assert stats.beyond_margin(a, b, 20.0).pvalue > 0.5


def test_hedges_g_is_smaller_than_cohens_d():
    a, b = [1.0, 2.0, 3.5], [0.0, 0.4, 0.2]
    pooled = math.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / 2)
    d = (np.mean(a) - np.mean(b)) / pooled
    g = stats.hedges_g(a, b)
    assert 0 < g < d and stats.hedges_g(b, a) == pytest.approx(-g)


def test_mcnemar_counts_the_discordant_pairs_and_holm_adjusts():
    first = [True] * 10 + [False] * 2 + [True] * 50
    second = [False] * 10 + [True] * 2 + [True] * 50
    r = stats.mcnemar_greater(first, second)
    assert r.df == 12 and r.statistic == pytest.approx(10 / 12)
    assert r.pvalue == pytest.approx(scipy_binom.sf(9, 12, 0.5)), r  # P(X >= 10 of 12)
    assert stats.mcnemar_greater(second, second).pvalue == 1.0
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_holm_matches_statsmodels_with_ties_and_caps(monkeypatch):
    import gc

    from statsmodels.stats.multitest import multipletests

    family = [0.2, 0.001, 0.04, 0.04, 1.0, 0.5, 0.0125, 0.3]
    # statsmodels' holm branch ends with gc.collect() (memory housekeeping, no part of its result): a full
    # collection of the session's heap (torch, transformers, ...) took 0.5-0.8 s of the inner loop
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    reference = list(multipletests(family, method="holm")[1])
    monkeypatch.undo()
    assert stats.holm(family) == pytest.approx(reference)
    assert stats.holm([]) == [] and stats.mcnemar_counts(0, 0) == 1.0
    assert stats.mcnemar_counts(10, 2) == pytest.approx(scipy_binom.sf(9, 12, 0.5))


@pytest.mark.parametrize("groups, why", [
    ({"a": [80.0], "b": [70.0, 71.0]}, "a has 1 seed: a spread needs at least 2"),
    ({"a": [80.0, float("nan")], "b": [70.0, 71.0]}, "a holds non-finite values [nan]"),
    ({"a": [80.0, 80.0], "b": [70.0, 70.0]}, "every group is constant over its seeds"),
    ({"a": [80.0, 80.0], "b": [70.0, 71.0]}, None),
])
def test_undecidable_says_what_keeps_a_comparison_from_being_made(groups, why):
    got = stats.undecidable(groups)
    assert (got is None) if why is None else (why in got), got


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: stats.welch([80.0], [70.0, 71.0]), "at least 2 seeds"),
        (lambda: stats.welch([80.0, float("nan")], [70.0, 71.0]), "finite"),
        (lambda: stats.tost([80.0, 81.0], [70.0, float("inf")], 3), "finite"),
        (lambda: stats.summarize([], 1), "at least 2 seeds"),
        (lambda: stats.summarize([1.0, 2.0], 2), "ddof"),
        (lambda: stats.welch([[1.0, 2.0]], [1.0, 2.0]), "flat list"),
        (lambda: stats.welch(["a", "b"], [1.0, 2.0]), "expected numbers"),
        (lambda: stats.welch([1.0, 2.0], [1.0, 3.0], "bigger"), "alternative"),
        (lambda: stats.paired({0: 80.0, 1: 81.0}, {0: 70.0, 2: 71.0}), "same seeds"),
        (lambda: stats.paired({0: 80.0}, {0: 70.0}), "at least 2 seeds"),
        (lambda: stats.by_seed([0, 0, 1], [1.0, 2.0, 3.0]), "repeated seeds"),
        (lambda: stats.by_seed([0, 1], [1.0, 2.0, 3.0]), "3 values for 2 seeds"),
        (lambda: stats.tost([80.0, 81.0], [70.0, 71.0], 0), "margin"),
        (lambda: stats.hedges_g([1.0, 1.0], [2.0, 2.0]), "constant"),
        (lambda: planning.tost_power(0.0, 0.0, 3.0, 3, 0.05), "at least one arm"),
        (lambda: planning.seeds_needed(2.0, 2.0, 3.0, 0.05, power=1.0), "power"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("text, places, percent", [("0.02%", 2, True), ("0.003", 3, False), ("81.1%", 1, True),
                                                    ("80.0%", 1, True), ("80%", 0, True), ("80.10", 2, False)])
def test_a_printed_number_keeps_its_characters(text, places, percent):
    """The digits printed are the precision: "80.0" has one decimal (a TOML float 80.0 would read as 80)."""
    number = printed.parse(text)
    assert (number.places, number.percent, number.text) == (places, percent, text), number
