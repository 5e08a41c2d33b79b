"""GPU tier, C4 at the lab's scale: the `lab` profile's HF runs (run_glue recipe, 3 seeds) on the
user's data and checkpoint (``$LAB_DATA``: the lab's ``cls.books`` layout; ``$LAB_CHECKPOINT``:
RoBERTa_small_fr as fairseq ships it), against the report's HF numbers (expected/report.toml) and
against fresh fairseq runs of the same profile, through the shared run cache.

Each body runs twice (tests/gpu_tier.py): ``[gpu-lab]`` as above, ``[cpu-tiny]`` in CI on the tiny
profile with the device forced to the CPU, held to measured tiny numbers.
"""

import pytest

from harness import stats
from harness.claims import load_thresholds
from harness.requires import requires
from tests.gpu_tier import tier_fixture

T = load_thresholds()
tier = tier_fixture(requires(cuda=True, env=["LAB_DATA", "LAB_CHECKPOINT"]))


@pytest.fixture(scope="module")
def lab_runs(tier):
    inputs = tier.user()
    return {fw: [100 * r.test_accuracy for r in tier.runs(fw, "pretrained", inputs)] for fw in ("hf", "fairseq")}


def test_lab_hf_runs_reproduce_the_reports_hf_numbers(tier, lab_runs):
    fresh, stated = lab_runs["hf"], list(tier.stated[("hf", "pretrained")].values())
    r = stats.welch(fresh, stated)
    assert r.pvalue >= T.significance.alpha, (
        f"HF runs {[round(x, 1) for x in fresh]} vs stated {stated} ({tier.name}): "
        f"Welch t={r.statistic:.2f}, p={r.pvalue:.4f} < {T.significance.alpha}"
    )


def test_lab_hf_runs_equivalent_to_fresh_fairseq_runs(tier, lab_runs):
    hf, fs = lab_runs["hf"], lab_runs["fairseq"]
    r = stats.tost(hf, fs, tier.margin)
    assert r.pvalue < T.significance.alpha, (
        f"HF {[round(x, 1) for x in hf]} vs fairseq {[round(x, 1) for x in fs]} ({tier.name}): "
        f"TOST ±{tier.margin:g} p={r.pvalue:.4f} (diff {r.diff:+.2f}), Welch p={stats.welch(hf, fs).pvalue:.3f}"
    )
