"""harness.verdicts: the ledger's decision rules, on small made-up numbers.

- C4 / C2 ("consistent"): answered at the suite's margin (expected/thresholds.toml); the ladder
  only adds information. Equivalence comes from TOST only, never from a non-significant
  difference; REFUTED needs the difference to lie beyond the margin, not merely to be detectable.
- C6: a unit error is WRONG AS PRINTED, with the reading that reproduces the printed numbers.
"""

import ast
from pathlib import Path

import pytest

from harness.core.paths import ROOT
from harness.claims import stats
from harness.claims import verdicts
from harness.claims.expected import load_thresholds

T = load_thresholds()
ALPHA, EQ = T.significance.alpha, T.equivalence
M = EQ.margin
WIDEST = max(EQ.ladder)


def _ladder(p_at_margin: float, p_narrower: float = 0.9, p_wider: float = 0.9) -> dict[float, float]:
    return {m: p_narrower if m < M else p_at_margin if m == M else p_wider for m in EQ.ladder}


@pytest.mark.parametrize("tost_p, beyond_p, verdict", [
    (_ladder(0.001, p_narrower=0.01, p_wider=0.0001), 0.9, f"HOLDS WITHIN ±{min(EQ.ladder):g}"),
    (_ladder(0.01, p_wider=0.001), 0.9, f"HOLDS WITHIN ±{M:g}"),
    (_ladder(0.13, p_wider=0.031), 0.4, f"NOT ESTABLISHED at ±{M:g} (holds within ±{WIDEST:g})"),
    (_ladder(0.5), 0.3, f"NOT ESTABLISHED at ±{M:g}"),
    (_ladder(0.9, p_wider=0.01), 0.01, f"REFUTED at ±{M:g} (holds within ±{WIDEST:g})"),
    (_ladder(0.9), 0.001, f"REFUTED at ±{M:g}"),
])
def test_equivalence_is_answered_at_the_suites_margin(tost_p, beyond_p, verdict):
    got = verdicts.equivalence_verdict(tost_p, beyond_p, M, ALPHA)
    assert got == verdict, f"TOST p by margin {tost_p}, beyond ±{M:g} p={beyond_p}: {got!r}, expected {verdict!r}"


def test_a_detectable_difference_inside_the_margin_is_not_refuted():
    """Welch detects a 2.5-point gap (p < alpha), but nothing shows it exceeds ±margin."""
    a, b = [80.0, 81.0, 82.0], [80.0 - 2.5 - 1, 80.0 - 2.5, 80.0 - 2.5 + 1]
    r = verdicts.equivalence(a, b, T)
    assert r.welch_p < ALPHA and r.tost_p[M] >= ALPHA and r.beyond_p >= ALPHA, r
    assert r.verdict.startswith(f"NOT ESTABLISHED at ±{M:g}"), (
        f"{r.verdict}: diff {stats.tost(a, b, M).diff:+.2f}, Welch p={r.welch_p:.3f}, "
        f"TOST ±{M:g} p={r.tost_p[M]:.3f}, beyond ±{M:g} p={r.beyond_p:.3f}"
    )


def test_a_non_significant_difference_is_not_agreement():
    """A wide spread hides any gap from Welch (p near 1): that says nothing about agreement."""
    a, b = [60.0, 80.0, 100.0], [70.0, 80.0, 90.0]
    r = verdicts.equivalence(a, b, T)
    assert r.welch_p > 0.5 and r.verdict.startswith("NOT ESTABLISHED"), r


@pytest.mark.parametrize("found, verdict", [
    ({(0, "fraction")}, "WRONG AS PRINTED (population SD as a fraction, printed with a % sign)"),
    ({(1, "fraction")}, "WRONG AS PRINTED (sample SD as a fraction, printed with a % sign)"),
    ({(0, "points"), (0, "fraction")}, "REPRODUCED"),
    ({(1, "points")}, "REPRODUCED"),
    (set(), "REFUTED"),
])
def test_aggregates_verdict(found, verdict):
    assert verdicts.aggregates_verdict(found) == verdict, found


def _is_strict_xfail(func: ast.FunctionDef) -> bool:
    for d in func.decorator_list:
        if isinstance(d, ast.Call) and ast.unparse(d.func).endswith("xfail"):
            return any(k.arg == "strict" and ast.unparse(k.value) == "True" for k in d.keywords)
    return False


def test_no_test_reads_a_non_significant_welch_test_as_agreement():
    """Item: agreement is shown by TOST only. A passing test must not assert ``p >= alpha`` of a
    difference test (only a strict xfail may: it expects the difference to be detected)."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef) or not func.name.startswith("test_") or _is_strict_xfail(func):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Assert):
                    for cmp in ast.walk(node.test):
                        if not isinstance(cmp, ast.Compare):
                            continue
                        left = ast.unparse(cmp.left).lower()
                        right = " ".join(ast.unparse(c) for c in cmp.comparators).lower()
                        if (any(isinstance(op, (ast.GtE, ast.Gt)) for op in cmp.ops) and "alpha" in right
                                and ("pvalue" in left or left.endswith("welch_p"))):
                            offenders.append(f"{Path(path).relative_to(ROOT)}::{func.name}: {ast.unparse(cmp)}")
    assert not offenders, "non-significance read as agreement:\n" + "\n".join(offenders)
