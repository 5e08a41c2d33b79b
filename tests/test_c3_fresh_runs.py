"""C3 on the suite's fresh runs: "the pretrained models perform much better than the randomly
initialized ones" (report §2.1), at the smoke scale with fairseq over the profile's seeds.

The rule is the claim's own (``superiority`` at its delta, expected/report.toml), and on fresh runs
the random-init arm must also have learned: each of its runs above its test set's majority-class
rate (one-sided exact binomial at alpha), else the comparison is with a constant classifier. The
verdict the smoke runs give is pinned in the gate's expected file: where it is not REPRODUCED the
test is a strict xfail whose reason is computed from the runs (tests/pins.py).
"""

import pytest

from harness.claims import claimsfile, ledger, stats
from tests import pins

REPORT = claimsfile.load()
C3 = REPORT.claim("C3").params


@pytest.fixture(scope="module")
def row(smoke_fairseq):
    return ledger.fresh_row("C3", "smoke", smoke_fairseq["pretrained"] + smoke_fairseq["random"])


@pytest.mark.train
def test_fresh_pretrained_much_better_than_random(request, row, smoke_pin):
    pins.expect(request, row, "REPRODUCED", smoke_pin("C3"), "the smoke expected file")


@pytest.mark.train
def test_fresh_gap_exceeds_delta(row, smoke_fairseq):
    """The gap itself (whatever the random arm's learning): its lower bound is at least delta points."""
    pre, rnd = ([100 * r.test_accuracy for r in smoke_fairseq[i]] for i in ("pretrained", "random"))
    low = stats.welch_ci(pre, rnd, 1 - REPORT.rules.alpha, "greater").low
    assert low >= C3.delta and row.scores["lower_bound"] == pytest.approx(low), (
        f"lower bound {low:+.2f} < delta {C3.delta:g}; pretrained {pre} vs random {rnd}; {row.statistic}")
