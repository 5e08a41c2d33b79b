"""Planning the equivalence test that decides "consistent": its power, and the seeds a margin needs.

The test that decides is Welch's TOST at ±margin (``harness.claims.relations.equivalence``), so the
power is Welch TOST's, not a pooled t's. With n seeds per arm and true seed SDs (s_a, s_b), the
difference of means d is N(diff, (s_a^2 + s_b^2) / n), independent of the two sample variances
(each s^2·chi^2(n - 1)/(n - 1)); given those, Welch's SE, Satterthwaite's df and the critical t are
fixed, and TOST establishes ±m iff -m + t·se < d < m - t·se, a normal probability.
:func:`tost_power` averages it over the two sample variances (equal-probability chi-square bins, a
128 x 128 grid): Welch TOST's exact power up to quadrature (``tests/test_stats.py`` checks it against
a seeded simulation of 40,000 experiments).

The planning SDs are the arms' own seed-to-seed sample SDs, which are themselves uncertain. The plan
uses the unequal-variance sd_a²/n + sd_b²/n, whose uncertainty is that of a chi-square at its
Welch-Satterthwaite df (2.99 on the report's C4 arms, not the 4 of pooling 3 + 3 seeds). :func:`plan`
gives the seeds needed at the measured SDs and across that df's 95% confidence interval of the SD,
e.g. "7 seeds (4 to 72)"; an arm with SD 0 has no interval (its SD is not estimated). No
power is ever computed at the observed difference (post-hoc power says nothing the p-value does not).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy
from scipy import special, stats

from harness.core import atomic, env
from harness.core.config import ConfigError

MAX_SEEDS = 10_000  # beyond this, "more than 10,000 seeds"


def tost_power(sd_a: float, sd_b: float, margin: float, n: int, alpha: float, diff: float = 0.0,
               bins: int = 128) -> float:
    """Probability that Welch's TOST at ``alpha`` establishes ±``margin`` with n seeds per arm, when
    the true difference is ``diff`` and the arms' seed SDs are sd_a and sd_b (one of them may be 0).
    A pure function of its arguments, memoized: a seed plan's search asks for the same points again
    and again (84% of calls in a ledger-heavy session)."""
    return _tost_power(float(sd_a), float(sd_b), float(margin), n, float(alpha), float(diff), bins)


@functools.lru_cache(maxsize=65_536)
def _tost_power(sd_a: float, sd_b: float, margin: float, n: int, alpha: float, diff: float, bins: int) -> float:
    stored, key = _stored(), repr((sd_a, sd_b, margin, n, alpha, diff, bins))
    if key not in stored:
        stored[key] = _integrated(sd_a, sd_b, margin, n, alpha, diff, bins)
        if not _NEW:
            atexit.register(_store)
        _NEW.add(key)
    return stored[key]


_NEW: set[str] = set()  # points integrated by this process, written to the store at exit


@functools.cache
def _stored() -> dict[str, float]:
    """The points integrated before, on disk (``<cache>/facts/tost_power-<key>.json``), keyed by this
    module's bytes and numpy's and scipy's versions: an edit or a new library integrates anew. A
    missing or damaged store is empty (each point is then integrated once more)."""
    try:
        stored = atomic.read_json(_store_path())
    except (ConfigError, OSError):
        return {}
    return {k: v for k, v in stored.items() if type(v) is float} if isinstance(stored, dict) else {}


def _store_path() -> Path:
    code = hashlib.sha256(Path(__file__).read_bytes() + f"{np.__version__} {scipy.__version__}".encode())
    return env.cache_dir() / "facts" / f"tost_power-{code.hexdigest()[:16]}.json"


def _store() -> None:
    try:
        current = atomic.read_json(_store_path()) if _store_path().is_file() else {}
    except (ConfigError, OSError):
        current = {}
    try:  # another process's points are kept (a lost one is integrated again later)
        atomic.write_json(_store_path(), {**(current if isinstance(current, dict) else {}), **_stored()})
    except OSError:
        pass


def _integrated(sd_a: float, sd_b: float, margin: float, n: int, alpha: float, diff: float, bins: int) -> float:
    for name, v in (("sd_a", sd_a), ("sd_b", sd_b)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    if not (sd_a > 0 or sd_b > 0):
        raise ValueError("at least one arm needs a seed SD > 0 to plan with")
    if not (math.isfinite(margin) and margin > 0 and isinstance(n, int) and n >= 2 and 0 < alpha < 0.5):
        raise ValueError(f"need margin > 0, n >= 2 seeds, 0 < alpha < 0.5; got {margin}, {n}, {alpha}")
    k = n - 1
    c = stats.chi2.ppf((np.arange(bins) + 0.5) / bins, k)  # chi^2(k) at equal-probability midpoints
    va, vb = (sd_a * sd_a * c / k / n)[:, None], (sd_b * sd_b * c / k / n)[None, :]  # squared SEs of the means
    v = va + vb
    df = v * v / ((va * va + vb * vb) / k)
    half = margin - special.stdtrit(df, 1 - alpha) * np.sqrt(v)
    tau = math.sqrt((sd_a * sd_a + sd_b * sd_b) / n)
    inside = special.ndtr((half - diff) / tau) - special.ndtr((-half - diff) / tau)
    return float(np.where(half > 0, inside, 0.0).mean())


def seeds_needed(sd_a: float, sd_b: float, margin: float, alpha: float, power: float) -> int | None:
    """The fewest seeds per arm for which Welch TOST reaches ``power`` at no difference (None: more
    than :data:`MAX_SEEDS`). Power grows with n, so a doubling search then bisection finds it."""
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power!r}")

    def enough(n):
        return tost_power(sd_a, sd_b, margin, n, alpha) >= power

    if enough(2):
        return 2
    lo, hi = 2, 4
    while not enough(hi):
        lo, hi = hi, hi * 2
        if hi > MAX_SEEDS:
            return None if not enough(MAX_SEEDS) else _bisect(enough, lo, MAX_SEEDS)
    return _bisect(enough, lo, hi)


def _bisect(enough, lo: int, hi: int) -> int:
    while hi - lo > 1:  # enough(lo) is False, enough(hi) is True
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if enough(mid) else (mid, hi)
    return hi


def sd_factors(df: float, confidence: float = 0.95) -> tuple[float, float]:
    """The factors that take a sample SD with ``df`` degrees of freedom to the ends of the
    ``confidence`` interval of the true SD (chi-square): (low, high)."""
    q = (1 - confidence) / 2
    return math.sqrt(df / stats.chi2.ppf(1 - q, df)), math.sqrt(df / stats.chi2.ppf(q, df))


@dataclass(frozen=True)
class Plan:
    margin: float
    power: float  # the target
    seeds_at_hand: int  # the fewer of the two arms' seeds
    power_at_hand: float  # TOST's power with them, at no difference, at the measured SDs
    seeds: int | None  # seeds per arm for the target power at the measured SDs (None: > MAX_SEEDS)
    seeds_low: int | None  # ... at the low end of the planning SD's 95% CI (None with ``constant``)
    seeds_high: int | None  # ... at its high end
    df: float | None  # Welch-Satterthwaite df of the variance planned with (None with ``constant``)
    constant: str = ""  # an arm whose seeds are all equal: its SD is not estimated, so there is no interval

    def describe(self) -> str:
        def n(x):
            return f"more than {MAX_SEEDS:,}" if x is None else str(x)
        head = (f"TOST ±{self.margin:g} with {self.seeds_at_hand} seeds per arm: power {self.power_at_hand:.2f} at no "
                f"difference; ±{self.margin:g} needs {n(self.seeds)} seeds per arm for power {self.power:g}")
        if self.constant:
            return (head + f" at the measured SDs (no interval: {self.constant}'s seeds are all equal, SD 0, so its "
                           "seed SD is not estimated and how many seeds are needed cannot be bounded)")
        return head + (f" ({n(self.seeds_low)} to {n(self.seeds_high)} across the 95% CI of the seed SD, "
                       f"Welch–Satterthwaite df {self.df:.2f})")


def welch_df(sd_a: float, sd_b: float, n_a: int, n_b: int) -> float:
    """Welch-Satterthwaite df of var(mean a - mean b) = sd_a²/n_a + sd_b²/n_b (the variance TOST uses)."""
    va, vb = sd_a * sd_a / n_a, sd_b * sd_b / n_b
    return (va + vb) ** 2 / (va * va / (n_a - 1) + vb * vb / (n_b - 1))


def plan(a, b, margin: float, alpha: float, power: float, names: tuple[str, str] = ("a", "b")) -> Plan:
    """The power at hand and the seeds needed for "consistent within ±margin", planned on the two
    arms' own seed SDs, scaled together across the 95% CI of the SD of the variance Welch's TOST
    uses (chi-square at its Welch-Satterthwaite df). An arm with SD 0 (``names`` names it) leaves
    that interval undefined: the plan says so instead of claiming a df."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    sd_a, sd_b = float(np.std(x, ddof=1)), float(np.std(y, ddof=1))
    at_hand = min(x.size, y.size)
    head = (margin, power, at_hand, tost_power(sd_a, sd_b, margin, at_hand, alpha),
            seeds_needed(sd_a, sd_b, margin, alpha, power))
    constant = " and ".join(name for name, sd in zip(names, (sd_a, sd_b)) if sd == 0)
    if constant:
        return Plan(*head, None, None, None, constant)
    df = welch_df(sd_a, sd_b, x.size, y.size)
    low, high = sd_factors(df)
    return Plan(*head, seeds_needed(sd_a * low, sd_b * low, margin, alpha, power),
                seeds_needed(sd_a * high, sd_b * high, margin, alpha, power), df)
