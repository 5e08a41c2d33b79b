"""GPU tier, C4 at the lab's scale: the `lab` profile's HF runs (run_glue recipe, 3 seeds) on the
user's data and checkpoint (``$LAB_DATA``: the lab's ``cls.books`` layout; ``$LAB_CHECKPOINT``:
RoBERTa_small_fr as fairseq ships it), against the report's HF numbers (expected/report.toml) and
against fresh fairseq runs of the same profile, through the shared run cache.
"""

import pytest

from harness import checkpoints, data, stats, verdicts
from harness.claims import load_report, load_thresholds
from harness.config import load_profile
from harness.requires import requires
from harness.runs import RunSpec, get_or_run

pytestmark = [pytest.mark.gpu, pytest.mark.slow, pytest.mark.train,
              requires(cuda=True, env=["LAB_DATA", "LAB_CHECKPOINT"])]

PROFILE = load_profile("lab")
REPORT = load_report()
T = load_thresholds()


@pytest.fixture(scope="module")
def lab_runs():
    ckpt = checkpoints.from_dir()
    data_dir = data.prepare(PROFILE.data, data.user_data_dir())
    return {fw: [100 * get_or_run(RunSpec(PROFILE.name, fw, "pretrained", s), PROFILE, data_dir, ckpt).test_accuracy
                 for s in REPORT.hf.seeds]
            for fw in ("hf", "fairseq")}


def test_lab_hf_runs_reproduce_the_reports_hf_numbers(lab_runs):
    """Consistent with the report's HF numbers as the ledger defines it: TOST within ±margin
    (harness.verdicts.equivalence), never a non-significant Welch test."""
    fresh, stated = lab_runs["hf"], list(REPORT.hf.pretrained)
    r = verdicts.equivalence(fresh, stated, T)
    assert r.verdict.startswith("HOLDS WITHIN ±"), (
        f"{r.verdict}: HF lab runs {[round(x, 1) for x in fresh]} vs the report's {stated} (points, seeds "
        f"{list(REPORT.hf.seeds)}, n={len(fresh)}+{len(stated)}): TOST p by margin {r.tost_p}, beyond "
        f"±{T.equivalence.margin:g} p={r.beyond_p:.3f}, alpha {T.significance.alpha}"
    )


def test_lab_hf_runs_equivalent_to_fresh_fairseq_runs(lab_runs):
    hf, fs = lab_runs["hf"], lab_runs["fairseq"]
    r = verdicts.equivalence(hf, fs, T)
    assert r.verdict.startswith("HOLDS WITHIN ±"), (
        f"{r.verdict}: HF {[round(x, 1) for x in hf]} vs fairseq {[round(x, 1) for x in fs]} (lab profile, "
        f"points, n={len(hf)}+{len(fs)}): TOST p by margin {r.tost_p}, beyond ±{T.equivalence.margin:g} "
        f"p={r.beyond_p:.3f}, diff {stats.tost(hf, fs, T.equivalence.margin).diff:+.2f}"
    )
