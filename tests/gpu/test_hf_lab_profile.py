"""GPU tier, C4 at the lab's scale: the `lab` profile's HF runs (run_glue recipe, 3 seeds) on the
user's data and checkpoint (``$LAB_DATA``: the lab's ``cls.books`` layout; ``$LAB_CHECKPOINT``:
RoBERTa_small_fr as fairseq ships it), against the report's HF numbers (expected/report.toml) and
against fresh fairseq runs of the same profile, through the shared run cache.

Each body runs twice (tests/gpu_tier.py): ``[gpu-lab]`` as above, ``[cpu-tiny]`` in CI on the tiny
profile with the device forced to the CPU, held to measured tiny numbers.
"""

import pytest

from harness.claims import stats
from harness.claims import verdicts
from harness.claims.expected import load_thresholds
from harness.core.requires import requires
from tests.gpu_tier import tier_fixture

T = load_thresholds()
tier = tier_fixture(requires(cuda=True, env=["LAB_DATA", "LAB_CHECKPOINT"]))


@pytest.fixture(scope="module")
def lab_runs(tier):
    inputs = tier.user()
    return {fw: [100 * r.test_accuracy for r in tier.runs(fw, "pretrained", inputs)] for fw in ("hf", "fairseq")}


def test_lab_hf_runs_reproduce_the_reports_hf_numbers(tier, lab_runs):
    """Consistent with the report's HF numbers as the ledger defines it: TOST within ±margin
    (harness.verdicts.equivalence), never a non-significant Welch test."""
    t = tier.thresholds()
    fresh, stated = lab_runs["hf"], list(tier.stated[("hf", "pretrained")].values())
    r = verdicts.equivalence(fresh, stated, t)
    assert r.verdict.startswith("HOLDS WITHIN ±"), (
        f"{r.verdict} ({tier.name}): HF runs {[round(x, 1) for x in fresh]} vs stated {stated} (points, "
        f"n={len(fresh)}+{len(stated)}): TOST p by margin {r.tost_p}, beyond ±{t.equivalence.margin:g} "
        f"p={r.beyond_p:.3f}, alpha {t.significance.alpha}"
    )


def test_lab_hf_runs_equivalent_to_fresh_fairseq_runs(tier, lab_runs):
    t = tier.thresholds()
    hf, fs = lab_runs["hf"], lab_runs["fairseq"]
    r = verdicts.equivalence(hf, fs, t)
    assert r.verdict.startswith("HOLDS WITHIN ±"), (
        f"{r.verdict} ({tier.name}): HF {[round(x, 1) for x in hf]} vs fairseq {[round(x, 1) for x in fs]} "
        f"(points, n={len(hf)}+{len(fs)}): TOST p by margin {r.tost_p}, beyond ±{t.equivalence.margin:g} "
        f"p={r.beyond_p:.3f}, diff {stats.tost(hf, fs, t.equivalence.margin).diff:+.2f}"
    )
