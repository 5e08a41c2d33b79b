"""Planning numbers for the equivalence test: its power, the narrowest margin the data establish,
and the seeds a margin needs. Inputs in points; the planning SD is the seed-to-seed SD, never a
binomial SE.

- :func:`tost_power`: power of TOST (pooled-variance t, equal n) at a given true difference.
- :func:`smallest_tost_margin`: the smallest margin TOST establishes at ``alpha`` on these data
  (root of ``tost(margin).pvalue = alpha``, by ``scipy.optimize.brentq``).
- :func:`seeds_needed`: seeds per group for TOST to establish ±margin with a given power
  (``statsmodels.stats.power.TTestIndPower``; see its docstring for the bound used).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from harness.claims.stats import sample, tost


def tost_power(sd: float, margin: float, n: int, alpha: float, diff: float = 0.0) -> float:
    """Probability that TOST (pooled-variance t, n seeds per group, df = 2n - 2) establishes
    ±margin at ``alpha`` when the true difference is ``diff`` and each group has SD ``sd``.

    Exact: given the pooled SD s, TOST rejects iff -margin + t·s·k < d < margin - t·s·k with
    k = sqrt(2/n) and d ~ N(diff, (sd·k)^2); that probability is integrated over s
    (df·s^2/sd^2 ~ chi^2(df)). Planning uses the seed-to-seed SD, never a binomial SE."""
    for name, v in (("sd", sd), ("margin", margin)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if not (isinstance(n, int) and n >= 2 and 0 < alpha < 0.5 and math.isfinite(diff)):
        raise ValueError(f"need n >= 2 seeds, 0 < alpha < 0.5, a finite diff; got n={n!r}, alpha={alpha}, diff={diff}")
    from scipy import integrate

    df, k = 2 * n - 2, math.sqrt(2 / n)
    tc = stats.t.ppf(1 - alpha, df)
    c_max = df * (margin / (tc * sd * k)) ** 2  # beyond it the acceptance region is empty

    def inside(c):
        half = margin - tc * sd * math.sqrt(c / df) * k
        return stats.norm.cdf((half - diff) / (sd * k)) - stats.norm.cdf((-half - diff) / (sd * k))

    value, _ = integrate.quad(lambda c: inside(c) * stats.chi2.pdf(c, df), 0, c_max, limit=200)
    return float(min(1.0, max(0.0, value)))


def smallest_tost_margin(a, b, alpha: float) -> float:
    """The smallest margin m with ``tost(a, b, m).pvalue == alpha``: equivalence within any wider
    margin is established at ``alpha`` on these data, within a narrower one it is not."""
    x, y = sample(a, "a"), sample(b, "b")
    if np.std(x, ddof=1) == 0 and np.std(y, ddof=1) == 0:
        raise ValueError("TOST is undefined when both groups are constant")
    lo = abs(float(np.mean(x) - np.mean(y))) + 1e-12  # at |diff| one side has p >= 0.5 > alpha
    hi = 2 * lo + 1.0
    while tost(x, y, hi).pvalue >= alpha:
        hi *= 2
    return float(optimize.brentq(lambda m: tost(x, y, m).pvalue - alpha, lo, hi, xtol=1e-9))


def seeds_needed(sd: float, margin: float, alpha: float, power: float = 0.8) -> int:
    """Seeds per group for TOST at ``alpha`` to establish ±``margin`` with probability ``power``,
    when the true difference is 0 and both groups have standard deviation ``sd``.

    TOST establishes equivalence when both one-sided tests reject, so by the union bound its power
    is at least ``1 - beta_low - beta_high``; each one-sided t-test (effect ``margin / sd``) is
    therefore sized by ``TTestIndPower`` for power ``1 - (1 - power) / 2``. The answer is a
    conservative (never too small) seed count; ``tests/test_stats.py`` checks it by simulation.
    """
    from statsmodels.stats.power import TTestIndPower

    for name, v in (("sd", sd), ("margin", margin)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if not (0 < alpha < 0.5 and 0 < power < 1):
        raise ValueError(f"need 0 < alpha < 0.5 and 0 < power < 1, got alpha={alpha}, power={power}")
    analysis, effect, target = TTestIndPower(), margin / sd, 1 - (1 - power) / 2
    if analysis.power(effect_size=effect, nobs1=2, alpha=alpha, ratio=1.0, alternative="larger") >= target:
        return 2  # the fewest seeds a t-test can use already suffice (the solver fails below 2)
    n = float(np.squeeze(analysis.solve_power(
        effect_size=effect, alpha=alpha, power=target, ratio=1.0, alternative="larger"
    )))
    if not math.isfinite(n):
        raise ValueError(f"statsmodels found no seed count for margin {margin} at sd {sd} (alpha {alpha}, power {power})")
    return math.ceil(n)
