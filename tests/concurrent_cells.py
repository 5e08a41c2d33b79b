"""Every cell of a tiny profile through the run cache, one test per cell. Not collected by default
(no ``test_`` prefix): tests/test_cache_processes.py runs it with ``pytest -n 2`` while a
``reproduce`` of the same profile (the CLI's main, in that test's process) uses the same cache, and
counts the trainings.
Inputs come from ``$TINY_CELLS_PROFILE``, ``$TINY_CELLS_DATA`` and ``$TINY_CELLS_CHECKPOINT``.
It needs no fixture (``--noconftest`` runs it): it sets the environment the keys hold as the CLI
does (``key.apply_setup_defaults``) and the cache's runners apply the rest of ``env.setup``."""

import os
from pathlib import Path

import pytest

from harness.inputs import checkpoints
from harness.core.config import load_profile
from harness.core.records import RunSpec
from harness.runs.cache import get_or_run
from harness.runs.key import apply_setup_defaults
from tests.faults import TINY_PROFILE

apply_setup_defaults()

PROFILE = load_profile(os.environ.get("TINY_CELLS_PROFILE", TINY_PROFILE))
CELLS = [RunSpec(PROFILE.name, fw, init, seed)
         for fw in ("fairseq", "hf") for init in PROFILE.inits_for(fw) for seed in PROFILE.seeds]


@pytest.mark.parametrize("spec", CELLS, ids=[s.name for s in CELLS])
def test_cell(spec):
    # unvalidated: a cell found cached needs no weights read (the process imports neither torch nor
    # fairseq); one it trains reads them then
    ckpt = checkpoints.Checkpoint(os.environ["TINY_CELLS_CHECKPOINT"])
    result = get_or_run(spec, PROFILE, Path(os.environ["TINY_CELLS_DATA"]), ckpt)
    assert result.spec == spec
