"""C3 on fresh runs: "As expected, the pretrained models perform much better than the randomly
initialized ones" (report §2.1), at the smoke scale with fairseq over the profile's seeds.

The gate is the one used on the report's own numbers (tests/test_c3_significance.py): Welch's
one-sided t-test at alpha from expected/thresholds.toml, Hedges' g and the per-seed values in
every message.
"""

import pytest

from harness import stats
from harness.claims import load_thresholds
from harness.ledger import superiority_verdict

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
def test_fresh_pretrained_clearly_beats_random(smoke_fairseq):
    """The ledger's rule for C3 (as on the report's numbers): Welch and paired-by-seed one-sided
    p < alpha, and a large effect."""
    pre, rnd, table = _points(smoke_fairseq)
    seeds = [r.spec.seed for r in smoke_fairseq["pretrained"]]
    assert seeds == [r.spec.seed for r in smoke_fairseq["random"]], table
    welch, paired = stats.welch(pre, rnd, "greater"), stats.paired(dict(zip(seeds, pre)), dict(zip(seeds, rnd)), "greater")
    g = stats.hedges_g(pre, rnd)
    verdict = superiority_verdict(welch, paired, stats.welch(pre, rnd, "less").pvalue, g, T)
    assert verdict == "REPRODUCED", (
        f"{verdict}: Welch one-sided p={welch.pvalue:.4g}, paired t({paired.df:g})={paired.statistic:.2f} "
        f"p={paired.pvalue:.4g}, Hedges' g={g:.2f}, alpha {ALPHA}; {table}"
    )


@pytest.mark.train
def test_fresh_effect_is_large(smoke_fairseq):
    pre, rnd, table = _points(smoke_fairseq)
    g = stats.hedges_g(pre, rnd)
    diff = sum(pre) / len(pre) - sum(rnd) / len(rnd)
    assert g >= T.effect.large, f"Hedges' g={g:.2f} < {T.effect.large} ('much better'); mean gap {diff:+.2f} points; {table}"
