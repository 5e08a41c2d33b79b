"""Every cell of a tiny profile through the run cache, one test per cell. Not collected by default
(no ``test_`` prefix): tests/test_cache_processes.py runs it with ``pytest -n 2`` while a
``python -m harness reproduce`` of the same profile uses the same cache, and counts the trainings.
Inputs come from ``$TINY_CELLS_PROFILE``, ``$TINY_CELLS_DATA`` and ``$TINY_CELLS_CHECKPOINT``."""

import os
from pathlib import Path

import pytest

from harness.inputs import checkpoints
from harness.core.config import load_profile
from harness.core.records import RunSpec
from harness.runs.cache import get_or_run
from tests.faults import TINY_PROFILE

PROFILE = load_profile(os.environ.get("TINY_CELLS_PROFILE", TINY_PROFILE))
CELLS = [RunSpec(PROFILE.name, fw, init, seed)
         for fw in ("fairseq", "hf") for init in PROFILE.inits_for(fw) for seed in PROFILE.seeds]


@pytest.mark.parametrize("spec", CELLS, ids=[s.name for s in CELLS])
def test_cell(spec):
    ckpt = checkpoints.from_dir(os.environ["TINY_CELLS_CHECKPOINT"])
    result = get_or_run(spec, PROFILE, Path(os.environ["TINY_CELLS_DATA"]), ckpt)
    assert result.spec == spec
