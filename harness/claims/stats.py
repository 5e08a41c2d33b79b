"""Statistics of per-seed accuracies: scipy / statsmodels calls with every convention explicit.

Inputs are samples of per-seed accuracies (any unit; the caller keeps units consistent). Every
function checks its input: fewer than 2 values, a NaN or infinity, or seed sets that differ for
a paired test raise a :class:`ValueError` that names the group and shows its values.

- :func:`summarize`: n, mean and SD with an explicit ``ddof`` (0: population, 1: sample).
- :func:`welch`: Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``).
- :func:`paired`: paired t-test by seed (``scipy.stats.ttest_rel``) on ``{seed: value}`` maps.
- :func:`permutation`: exact permutation test of the mean difference (``scipy.stats.permutation_test``).
- :func:`mann_whitney`: exact Mann-Whitney U (``scipy.stats.mannwhitneyu(method="exact")``).
- :func:`tost`: TOST equivalence of means within ±margin, Welch variances
  (``statsmodels.stats.weightstats.ttost_ind(usevar="unequal")``).
- :func:`hedges_g`: bias-corrected standardized mean difference
  (``statsmodels.stats.meta_analysis.effectsize_smd``; sample SDs, pooled).
- :func:`welch_ci`: the Welch t-based confidence interval of mean(a) - mean(b)
  (``scipy.stats.ttest_ind(equal_var=False).confidence_interval``), two-sided or one-sided.
- :func:`undecidable`: what makes a comparison of per-seed groups impossible (too few seeds,
  non-finite values, no seed-to-seed variation at all), as a sentence; None when it can be made.
- :func:`mcnemar_greater`: the exact one-sided McNemar test on paired per-sentence outcomes
  (``scipy.stats.binomtest`` on the discordant pairs); :func:`holm`: Holm's adjustment (as
  ``statsmodels.stats.multitest.multipletests``).
- :func:`beyond_margin`: one-sided Welch test that |mean(a) - mean(b)| exceeds a margin (the side
  the data fall on): the refutation counterpart of TOST.
- :func:`binomial_above`: one-sided exact binomial test that k of n beats a rate
  (``scipy.stats.binomtest``).

Planning numbers (power, seeds needed, the narrowest margin): ``harness.claims.power``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from harness.claims.moments import moments_checked

ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    sd: float
    ddof: int  # 0: population SD, 1: sample SD


@dataclass(frozen=True)
class Comparison:
    test: str  # e.g. "Welch t", "paired t", "permutation", "Mann-Whitney U"
    statistic: float
    pvalue: float
    alternative: str  # "greater": the first group is larger
    df: float | None = None


@dataclass(frozen=True)
class TostResult:
    margin: float  # equivalence bounds are (-margin, +margin) on mean(a) - mean(b)
    pvalue: float  # max of the two one-sided p-values
    diff: float  # mean(a) - mean(b)
    pvalue_lower: float  # H0: diff <= -margin
    pvalue_upper: float  # H0: diff >= +margin


def sample(values: Sequence[float], name: str = "sample") -> np.ndarray:
    """``values`` as a float array, checked: 1-D, at least 2 values, all finite."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers, got {values!r}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a flat list of per-seed values, got shape {arr.shape}")
    if arr.size < 2:
        raise ValueError(f"{name}: need at least 2 seeds, got {arr.size} ({arr.tolist()})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: values must be finite, got {arr.tolist()}")
    return arr


def _alternative(alternative: str) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    return alternative


def by_seed(seeds: Sequence[int], values: Sequence[float], name: str = "sample") -> dict[int, float]:
    """``{seed: value}``; seeds must be distinct and as many as the values."""
    if len(seeds) != len(values):
        raise ValueError(f"{name}: {len(values)} values for {len(seeds)} seeds {list(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"{name}: repeated seeds {list(seeds)}")
    return dict(zip(seeds, values))


def summarize(values: Sequence[float], ddof: int, name: str = "sample") -> Summary:
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 (population) or 1 (sample), got {ddof!r}")
    arr = sample(values, name)
    return Summary(n=arr.size, mean=float(np.mean(arr)), sd=float(np.std(arr, ddof=ddof)), ddof=ddof)


def pooled_sd(a: Sequence[float], b: Sequence[float]) -> float:
    """sqrt of the mean of the two groups' sample variances (equal-n pooling, for planning power)."""
    return ((summarize(a, 1, "a").sd ** 2 + summarize(b, 1, "b").sd ** 2) / 2) ** 0.5


@moments_checked
def welch(a, b, alternative: str = "two-sided") -> Comparison:
    x, y = sample(a, "a"), sample(b, "b")
    r = stats.ttest_ind(x, y, equal_var=False, alternative=_alternative(alternative))
    return Comparison("Welch t", float(r.statistic), float(r.pvalue), alternative, float(r.df))


@moments_checked
def paired(a: Mapping[int, float], b: Mapping[int, float], alternative: str = "two-sided") -> Comparison:
    """Paired t-test of ``a[seed] - b[seed]``; both maps must hold the same seeds."""
    if set(a) != set(b):
        raise ValueError(
            f"paired test needs the same seeds in both groups: a has {sorted(a)}, b has {sorted(b)}"
        )
    seeds = sorted(a)
    x = sample([a[s] for s in seeds], "a")
    y = sample([b[s] for s in seeds], "b")
    r = stats.ttest_rel(x, y, alternative=_alternative(alternative))
    return Comparison("paired t", float(r.statistic), float(r.pvalue), alternative, float(r.df))


def _mean_diff(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def permutation(a, b, alternative: str = "two-sided") -> Comparison:
    """Exact permutation test of mean(a) - mean(b) over every split of the pooled values."""
    x, y = sample(a, "a"), sample(b, "b")
    r = stats.permutation_test(
        (x, y), _mean_diff, permutation_type="independent", n_resamples=np.inf,
        alternative=_alternative(alternative), vectorized=True,
    )
    return Comparison("permutation", float(r.statistic), float(r.pvalue), alternative)


def mann_whitney(a, b, alternative: str = "two-sided") -> Comparison:
    x, y = sample(a, "a"), sample(b, "b")
    r = stats.mannwhitneyu(x, y, alternative=_alternative(alternative), method="exact")
    return Comparison("Mann-Whitney U", float(r.statistic), float(r.pvalue), alternative)


@moments_checked
def tost(a, b, margin: float) -> TostResult:
    """Two one-sided Welch t-tests: is |mean(a) - mean(b)| < margin? Small p establishes equivalence."""
    from statsmodels.stats.weightstats import ttost_ind

    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"equivalence margin must be a positive number, got {margin!r}")
    x, y = sample(a, "a"), sample(b, "b")
    p, lower, upper = ttost_ind(x, y, -margin, margin, usevar="unequal")
    return TostResult(
        margin=float(margin), pvalue=float(p), diff=float(np.mean(x) - np.mean(y)),
        pvalue_lower=float(lower[1]), pvalue_upper=float(upper[1]),
    )


@moments_checked
def hedges_g(a, b) -> float:
    """Hedges' g of a over b: (mean(a) - mean(b)) / pooled sample SD, small-sample corrected."""
    from statsmodels.stats.meta_analysis import effectsize_smd

    x, y = sample(a, "a"), sample(b, "b")
    if np.std(x, ddof=1) == 0 and np.std(y, ddof=1) == 0:
        raise ValueError(f"Hedges' g is undefined when both groups are constant: {x.tolist()}, {y.tolist()}")
    g, _var = effectsize_smd(
        np.mean(x), np.std(x, ddof=1), x.size, np.mean(y), np.std(y, ddof=1), y.size
    )
    return float(g)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    confidence: float  # e.g. 0.95
    n: tuple[int, int]  # seeds in each group
    method: str = "Welch t"


@moments_checked
def welch_ci(a, b, confidence: float = 0.95, alternative: str = "two-sided") -> Interval:
    """The Welch t-based CI of mean(a) - mean(b): the differences Welch's test does not reject.
    ``alternative="greater"``: the one-sided bound (low, inf); ``"less"``: (-inf, high)."""
    x, y = sample(a, "a"), sample(b, "b")
    if np.std(x, ddof=1) == 0 and np.std(y, ddof=1) == 0:
        raise ValueError(f"a CI is undefined when both groups are constant: {x.tolist()}, {y.tolist()}")
    test = stats.ttest_ind(x, y, equal_var=False, alternative=_alternative(alternative))
    ci = test.confidence_interval(confidence_level=confidence)
    return Interval(float(ci.low), float(ci.high), confidence, (x.size, y.size))


def undecidable(groups: Mapping[str, Sequence[float]]) -> str | None:
    """Why these per-seed groups cannot be compared by a t-based rule, or None: a group with fewer
    than 2 values (its spread is unknown), a non-finite value, or every group constant (no
    seed-to-seed spread was observed, so no confidence bound exists)."""
    for name, values in groups.items():
        bad = [v for v in values if not math.isfinite(v)]
        if bad:
            return f"{name} holds non-finite values {bad}"
    for name, values in groups.items():
        if len(values) < 2:
            return f"{name} has {len(values)} seed{'s' * (len(values) != 1)}: a spread needs at least 2"
    if all(max(v) == min(v) for v in groups.values()):
        return ("every group is constant over its seeds (" + "; ".join(f"{n} {v[0]:g}" for n, v in groups.items())
                + "): no seed-to-seed spread was observed, so no confidence bound can be computed")
    return None


def mcnemar_greater(first_right: Sequence[bool], second_right: Sequence[bool]) -> Comparison:
    """Exact one-sided McNemar test: is the first classifier right more often than the second, on
    the same items? Only the discordant items count (right/wrong vs wrong/right): a binomial test
    of the first's share of them against 1/2. Statistic: that share (nan without discordant items)."""
    if len(first_right) != len(second_right):
        raise ValueError(f"paired outcomes of different lengths: {len(first_right)} and {len(second_right)}")
    gain = sum(a and not b for a, b in zip(first_right, second_right))
    loss = sum(b and not a for a, b in zip(first_right, second_right))
    if gain + loss == 0:
        return Comparison("exact McNemar", math.nan, 1.0, "greater", 0.0)
    return Comparison("exact McNemar", gain / (gain + loss), mcnemar_counts(gain, loss), "greater", float(gain + loss))


@functools.lru_cache(maxsize=65536)
def mcnemar_counts(gain: int, loss: int) -> float:
    """The exact one-sided McNemar p-value from the discordant counts (first right only: ``gain``;
    second right only: ``loss``): ``scipy.stats.binomtest(gain, gain + loss, 1/2, "greater")``; 1.0
    without discordant items. Cached: C2b's rule and its simulation call it with few distinct counts."""
    gain, loss = int(gain), int(loss)
    if gain < 0 or loss < 0:
        raise ValueError(f"discordant counts must be >= 0, got {gain} and {loss}")
    if gain + loss == 0:
        return 1.0
    return float(stats.binomtest(gain, gain + loss, 0.5, alternative="greater").pvalue)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of a family of p-values (in their order): the i-th smallest times
    (m - i + 1), made monotone, capped at 1 (as ``statsmodels.stats.multitest.multipletests(method=
    "holm")``, which tests/test_stats.py compares it with; that call runs a full garbage collection
    each time, too slow for C2b's simulation)."""
    if len(pvalues) == 0:
        return []
    x = np.asarray(pvalues, dtype=float)
    order = np.argsort(x, kind="stable")
    steps = np.minimum(1.0, np.maximum.accumulate(x[order] * (len(x) - np.arange(len(x)))))
    out = np.empty_like(x)
    out[order] = steps
    return [float(v) for v in out]


def beyond_margin(a, b, margin: float) -> Comparison:
    """Is mean(a) - mean(b) beyond ±margin? One-sided Welch test of diff > margin (or < -margin,
    whichever side the observed difference is on); small p: the difference exceeds the margin.
    At |true diff| = margin it rejects with probability alpha (the two sides exclude each other)."""
    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"equivalence margin must be a positive number, got {margin!r}")
    x, y = sample(a, "a"), sample(b, "b")
    if np.mean(x) >= np.mean(y):
        return welch(x - margin, y, "greater")
    return welch(x + margin, y, "less")


def binomial_above(k: int, n: int, rate: float) -> Comparison:
    """One-sided exact binomial test: are k successes of n above ``rate``?"""
    if not (isinstance(k, (int, np.integer)) and isinstance(n, (int, np.integer)) and 0 <= k <= n and n > 0):
        raise ValueError(f"need integers 0 <= k <= n, n > 0; got k={k!r}, n={n!r}")
    if not 0 < rate < 1:
        raise ValueError(f"rate must be in (0, 1), got {rate!r}")
    r = stats.binomtest(int(k), int(n), rate, alternative="greater")
    return Comparison("exact binomial", float(k / n), float(r.pvalue), "greater")
