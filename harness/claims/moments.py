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
    @functools.wraps(f)
    def checked(a, b, *args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = f(a, b, *args, **kwargs)
        harmless = any(str(w.message).startswith(PRECISION_LOSS) for w in caught) and exact_variances(a, b)
        for w in caught:
            if not (harmless and str(w.message).startswith(PRECISION_LOSS)):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return out
    return checked
