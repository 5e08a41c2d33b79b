"""The slow CPU tier: the lab's recipe (profile ``lab``: batch 8, lr 1e-5, 5 epochs = 1,125
updates, 256 positions) on the embedded default, on the CPU, through the same cached session
fixtures as the smoke cells (tests/conftest.py: ``lab_fairseq``, ``lab_hf``).

Run it with ``pytest -m "slow and not gpu" --runslow`` or ``make lab`` (cold: every lab cell
trains once, about 26 min on 2 cores with native bf16; warm: seconds). Not part of ``make test``.
The claims: accuracies in the bands of expected/bands.toml, the protocol step for step, pretrained
over random (C3) and HF against fairseq (C4) under the ledger's verdict rules, the best epoch
(harness.shape), validation curves with one score per epoch, and the gate against the expected file
of the runs' numerics (expected/results/lab.bf16.json with native bf16, lab.fp32.json on the AVX2
class, each in the exact regime).
"""

import pytest

from harness.claims import ledger
from harness.claims import shape
from harness.claims.expected import load_bands, load_lab, load_report, load_thresholds
from harness.core.config import load_profile
from tests.test_gate import assert_fresh_results_pass

pytestmark = [pytest.mark.slow, pytest.mark.train]

LAB = load_profile("lab")
REPORT, FACTS, T = load_report(), load_lab(), load_thresholds()
FAIRSEQ_CELLS = [(init, seed) for init in LAB.inits_for("fairseq") for seed in LAB.seeds]


@pytest.fixture(scope="module")
def lab(lab_fairseq, lab_hf) -> dict:
    """{framework: {init: [RunResult by seed]}} of every lab cell."""
    return {"fairseq": lab_fairseq, "hf": lab_hf}


def _every_run(lab):
    return [r for cells in lab.values() for runs in cells.values() for r in runs]


@pytest.mark.parametrize("init,seed", FAIRSEQ_CELLS)
def test_lab_fairseq_test_accuracy_in_band(lab_fairseq, init, seed):
    run = next(r for r in lab_fairseq[init] if r.spec.seed == seed)
    band = load_bands()[(LAB.name, "fairseq", init)]
    lo, hi = band.test_accuracy
    tag = " (PROVISIONAL band: replace it with measured numbers)" if band.provisional else ""
    assert lo <= run.test_accuracy <= hi, (
        f"{run.spec.name}: test accuracy {run.test_accuracy:.4f} (± {run.test_se:.4f} binomial SE, "
        f"n={run.test_size}) outside [{lo}, {hi}]{tag}; valid per epoch {run.valid_accuracy}, best epoch "
        f"{run.best_epoch}; band: {band.how}"
    )


def test_lab_protocol_step_for_step(lab):
    s = FACTS.schedule
    want = (s.train_size // s.batch_size, REPORT.fairseq.best_updates, s.epochs)
    off = {r.spec.name: (r.updates_per_epoch, r.updates, len(r.valid_accuracy)) for r in _every_run(lab)}
    off = {name: got for name, got in off.items() if got != want}
    assert not off, f"(updates/epoch, updates, epochs scored) per run {off}; the lab: {want}"


def test_lab_pretrained_clearly_beats_random(lab_fairseq):
    pre, rnd = (ledger.points(lab_fairseq[i], "fairseq", i) for i in ("pretrained", "random"))
    row = ledger.c3_row(pre, rnd, T, "lab profile, CPU", "-")
    assert row.verdict == "REPRODUCED", (
        f"pretrained {pre} vs random {rnd} (points by seed): {row.verdict}; {row.computed}; {row.statistic}"
    )


def test_lab_hf_consistent_with_fairseq(lab):
    hf = ledger.points(lab["hf"]["pretrained"], "hf", "pretrained")
    fs = ledger.points(lab["fairseq"]["pretrained"], "fairseq", "pretrained")
    row = ledger.c4_row(list(hf.values()), list(fs.values()), T, "lab profile, CPU", "-")
    held = row.verdict.startswith("HOLDS WITHIN ±") and float(row.verdict.split("±")[1]) <= T.equivalence.margin
    assert held, (
        f"HF {hf} vs fairseq {fs} (points by seed): {row.verdict}, the suite's margin is "
        f"±{T.equivalence.margin:g}; {row.computed}; {row.statistic}"
    )


def test_lab_best_epoch_as_the_report_states(lab_fairseq):
    """Fails when the curves decide against "best validation accuracy after 5 epochs" (REFUTED);
    the ledger's C2b row says whether they decide for it (REPRODUCED) or cannot (NOT ESTABLISHED)."""
    row = shape.ledger_row(REPORT, {LAB.name: [r for runs in lab_fairseq.values() for r in runs]}, LAB.name)
    assert row["verdict"] in ("REPRODUCED", "NOT ESTABLISHED"), (
        f"{row['says']}: {row['verdict']}; {row['computed']}; rule: {row['statistic']}"
    )


def test_lab_validation_curves_one_score_per_epoch(lab):
    """Figure 2's data: every epoch scored, and the tested checkpoint is the curve's first best epoch."""
    bad = {r.spec.name: (r.valid_accuracy, r.best_epoch) for r in _every_run(lab)
           if len(r.valid_accuracy) != getattr(LAB, r.spec.framework).max_epochs
           or r.best_epoch != shape.best_epoch(r.valid_accuracy)}
    assert not bad, f"(valid per epoch, best epoch) per run {bad}; {FACTS.schedule.epochs} epochs expected"


def test_fresh_lab_results_pass_the_gate(lab_results_dir):
    """The lab cells against expected/results/lab.<precision>.json (a full computation, spot-checked by a
    cold recomputation: docs/gate.md): a second CI job running this tier gates drift at the lab's scale."""
    assert_fresh_results_pass(lab_results_dir, "lab")
