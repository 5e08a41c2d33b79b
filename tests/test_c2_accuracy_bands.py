"""C2 on fresh runs: "best validation accuracy after 5 epochs ...; test accuracies" (report §2.1).

At the smoke scale (CPU, embedded sentences and encoder) each fairseq fine-tune's test accuracy
at its best-validation epoch must fall in the band of ``expected/bands.toml`` (which says how it
was measured), and the run must follow the protocol: every epoch scored, the test set scored
once at the best one, updates = epochs x ceil(train / batch).
"""

import math

import pytest

from harness.claims.expected import load_bands
from harness.core.config import load_profile
from harness.core.records import RunSpec

SMOKE = load_profile("smoke")
BANDS = load_bands()
CELLS = [(init, seed) for init in SMOKE.inits_for("fairseq") for seed in SMOKE.seeds]


def _fixture(init, seed) -> str:
    """The session fixture of one cell (tests/conftest.py): its RunSpec.name with underscores."""
    return RunSpec(SMOKE.name, "fairseq", init, seed).name.replace("-", "_")


@pytest.mark.train
@pytest.mark.parametrize("init,seed", CELLS)
def test_smoke_fairseq_test_accuracy_in_band(request, init, seed):
    run = request.getfixturevalue(_fixture(init, seed))
    band = BANDS[(SMOKE.name, "fairseq", init)]
    lo, hi = band.test_accuracy
    assert lo <= run.test_accuracy <= hi, (
        f"{run.spec.name}: test accuracy {run.test_accuracy:.4f} (± {run.test_se:.4f} binomial SE, "
        f"n={run.test_size}) outside [{lo}, {hi}]; valid per epoch {run.valid_accuracy}, best epoch "
        f"{run.best_epoch}; band: {band.how}"
    )


@pytest.mark.train
@pytest.mark.parametrize("init,seed", CELLS)
def test_smoke_fairseq_follows_the_protocol(request, init, seed):
    run = request.getfixturevalue(_fixture(init, seed))
    fs, data = SMOKE.fairseq, SMOKE.data
    per_epoch = math.ceil(data.train / fs.batch_size)
    assert (run.updates_per_epoch, run.updates) == (per_epoch, per_epoch * fs.max_epochs), (
        f"{run.spec.name}: {run.updates_per_epoch} updates/epoch, {run.updates} in all; expected "
        f"{per_epoch} and {per_epoch * fs.max_epochs} ({data.train} sentences, batch {fs.batch_size})"
    )
    assert len(run.valid_accuracy) == fs.max_epochs and run.test_size == data.test
    best = max(run.valid_accuracy)
    assert run.valid_accuracy[run.best_epoch - 1] == best, (
        f"{run.spec.name}: best epoch {run.best_epoch} but validation accuracies {run.valid_accuracy}"
    )
