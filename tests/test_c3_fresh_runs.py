"""C3 on fresh runs: "As expected, the pretrained models perform much better than the randomly
initialized ones" (report §2.1), at the smoke scale with fairseq over the profile's seeds.

The gate is the one used on the report's own numbers (tests/test_c3_significance.py): Welch's
one-sided t-test at alpha from expected/thresholds.toml, Hedges' g and the per-seed values in
every message. On fresh runs the ledger's rule also needs the random-init arm to have learned:
each random run above its test set's majority-class rate (one-sided exact binomial at alpha),
else the comparison is with a constant classifier (harness.verdicts.random_learned).
"""

import pytest

from harness.claims import ledger
from harness.claims import stats
from harness.claims.expected import load_thresholds

T = load_thresholds()
ALPHA = T.significance.alpha


def _points(smoke_fairseq):
    pre, rnd = ([100 * r.test_accuracy for r in smoke_fairseq[init]] for init in ("pretrained", "random"))
    table = f"smoke fairseq test accuracy (%): pretrained {[round(x, 2) for x in pre]} vs random {[round(x, 2) for x in rnd]}"
    return pre, rnd, table


@pytest.mark.train
def test_fresh_pretrained_beats_random_welch(smoke_fairseq):
    pre, rnd, table = _points(smoke_fairseq)
    r = stats.welch(pre, rnd, "greater")
    g = stats.hedges_g(pre, rnd)
    assert r.pvalue < ALPHA, (
        f"Welch t={r.statistic:.2f}, df={r.df:.2f}, one-sided p={r.pvalue:.4g} >= {ALPHA}; "
        f"Hedges' g={g:.2f}; {table}"
    )


@pytest.mark.train
@pytest.mark.xfail(strict=True, reason=(
    "measured (smoke profile, 1 epoch): random init does not learn on seeds 0 and 1 -- 51.25% and 50.45% "
    "on a balanced test set of 2,000 (binomial one-sided p=0.14 and 0.35 against 50%); seed 2 reaches "
    "57.3% -- so fresh C3 is NOT ESTABLISHED (random init did not learn): pretrained beats an "
    "untrained classifier, not a trained-from-scratch one. Learning rates 2e-4, 3e-4 and 4e-4 did not "
    "make seed 1 learn within one epoch. The lab-scale tier (tests/test_lab_cpu.py) holds the real "
    "comparison. Strict: the day the random arm learns, this passes and must be turned back on"))
def test_fresh_pretrained_clearly_beats_random(smoke_fairseq):
    """The ledger's rule for fresh C3 (harness.ledger.fresh_c3_row): Welch and paired-by-seed
    one-sided p < alpha, a large effect, and every random-init run above the majority-class rate."""
    pre, rnd, table = _points(smoke_fairseq)
    row = ledger.fresh_c3_row(smoke_fairseq["pretrained"] + smoke_fairseq["random"], T, "smoke", "-")
    assert row.verdict == "REPRODUCED", f"{row.verdict}: {row.statistic}; {table}"


@pytest.mark.train
def test_fresh_effect_is_large(smoke_fairseq):
    pre, rnd, table = _points(smoke_fairseq)
    g = stats.hedges_g(pre, rnd)
    diff = sum(pre) / len(pre) - sum(rnd) / len(rnd)
    assert g >= T.effect.large, f"Hedges' g={g:.2f} < {T.effect.large} ('much better'); mean gap {diff:+.2f} points; {table}"
