"""scipy's precision-loss warning, kept only where it changes a result (issue 25, item 13).

scipy warns "Precision loss occurred in moment calculation due to catastrophic cancellation" whenever
a sample is (nearly) constant, e.g. a random init collapsed to 50.0% on every seed. Its variance is
then exactly 0 in floats, and the test's result is exact: the warning changed nothing. The statistics
of ``harness.claims.stats`` that compute variances are wrapped by :func:`moments_checked`, which drops
the warning when every variance is exact (fractions) and passes it on otherwise (the ledger notes a
warning that is passed on in the row's statistic).
"""

from __future__ import annotations

import functools
import statistics
import warnings
from collections.abc import Mapping
from fractions import Fraction

import numpy as np

PRECISION_LOSS = "Precision loss occurred in moment calculation"  # scipy, on a (nearly) constant sample


def exact_variances(a, b) -> bool:
    """Whether every variance a t-test computes from ``a`` and ``b`` (each group's; the paired
    differences' when both are ``{seed: value}`` maps) is, in floats, its exact value (fractions)."""
    groups = [list(x.values()) if isinstance(x, Mapping) else list(x) for x in (a, b)]
    if isinstance(a, Mapping) and isinstance(b, Mapping) and set(a) == set(b):
        groups.append([a[k] - b[k] for k in sorted(a)])
    try:
        for g in groups:
            if len(g) >= 2:
                exact = float(statistics.variance([Fraction(float(x)) for x in g]))
                if abs(float(np.var(np.asarray(g, dtype=float), ddof=1)) - exact) > 1e-12 * max(1.0, abs(exact)):
                    return False
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def moments_checked(f):
    """scipy warns of precision loss whenever a sample is (nearly) constant. When every variance the
    test computes is exact in floats (a constant group's is exactly 0), the warning changed nothing
    and is dropped; otherwise it is passed on (the ledger notes it in the row)."""
    memo = {}  # (the groups' values, the other arguments) -> (the result, the warnings to pass on)

    @functools.wraps(f)
    def checked(a, b, *args, **kwargs):
        key = _key(a, b, args, kwargs)
        if key is None or key not in memo:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = f(a, b, *args, **kwargs)
            harmless = any(str(w.message).startswith(PRECISION_LOSS) for w in caught) and exact_variances(a, b)
            passed = tuple((w.message, w.category, w.filename, w.lineno) for w in caught
                           if not (harmless and str(w.message).startswith(PRECISION_LOSS)))
            if key is None:
                return _passed_on(out, passed)
            if len(memo) >= 100_000:  # bounded: a session judges a few thousand distinct groups
                memo.clear()
            memo[key] = (out, passed)
        return _passed_on(*memo[key])
    return checked


def _passed_on(out, passed):
    for message, category, filename, lineno in passed:
        warnings.warn_explicit(message, category, filename, lineno)
    return out


def _key(a, b, args, kwargs):
    """A memo key for a statistic of groups ``a``, ``b`` (lists or tuples, or ``{seed: value}`` dicts)
    when every value is a plain int or float and every other argument an int, float or string, else
    None (not memoised). The statistics are pure functions of these (the ledger and the gate judge the
    same runs hundreds of times per session); floats are keyed by their bits (``hex``: -0.0 is not 0.0,
    a NaN is a NaN), a result is immutable and its warnings are passed on again at each call."""
    def exact(v):
        if type(v) in (int, str):
            return v
        if type(v) is float:
            return v.hex()
        raise _Unkeyed

    def group(x):
        if type(x) is dict:
            return "map", tuple((exact(k), exact(v)) for k, v in x.items())
        if type(x) in (list, tuple):
            return "seq", tuple(map(exact, x))
        raise _Unkeyed

    try:
        return group(a), group(b), tuple(map(exact, args)), tuple((k, exact(v)) for k, v in sorted(kwargs.items()))
    except _Unkeyed:
        return None


class _Unkeyed(Exception):
    """A value the memo does not key (not a plain number or string)."""
