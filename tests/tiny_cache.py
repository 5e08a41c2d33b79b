"""The tiny profile's pretrained cells trained once per session, for the process tests
(tests/test_executors.py, tests/test_cache_processes.py, tests/test_reproduce.py).

``tiny_cache`` (on the ``tiny`` inputs) and ``tiny_cli_cache`` (on ``tiny_cli``'s, a real user
checkpoint directory for the CLI's children) train, in this process, each cell alone, the cells
those tests only need to find in a cache: HF seeds 0 and 1 (and 2 for the CLI) of the tiny profile
with its pretrained cells alone, and (``tiny_cache``) fairseq seed 0. A test copies the entries it needs into its own
cache (:meth:`TinyCache.copy`), so the processes it starts train only the cells its behaviour is
about (one fairseq cell or two), and no child imports transformers to train. Derived profiles
(:func:`derive`) keep the name and the ``[hf]`` table, so the HF entries match.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.core.records import RunSpec

PRETRAINED_ONLY = {'inits = ["pretrained", "random"]': 'inits = ["pretrained"]'}
CELLS = (RunSpec("tiny", "fairseq", "pretrained", 0), RunSpec("tiny", "hf", "pretrained", 0),
         RunSpec("tiny", "hf", "pretrained", 1))
HF = CELLS[1:]
HF_CLI = (*HF, RunSpec("tiny", "hf", "pretrained", 2))  # the CLI's children run up to 3 seeds


def derive(base: Path, out: Path, changes: dict) -> Path:
    """``base`` (a profile TOML) with some text replaced, written to ``out`` (same name: same cells)."""
    text = Path(base).read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    out.write_text(text)
    return out


@dataclass(frozen=True)
class TinyCache:
    profile: Path  # the tiny profile with its pretrained cells alone (tables unchanged: the same keys)
    data: Path
    checkpoint: object  # the inputs' checkpoint (``harness.inputs.checkpoints.Checkpoint`` interface)
    entries: dict = field(default_factory=dict)  # RunSpec -> its entry (a file under the session's cache)
    results: dict = field(default_factory=dict)  # RunSpec -> RunResult

    @property
    def checkpoint_dir(self) -> Path:
        return Path(self.checkpoint.dir)

    def copy(self, root: Path, specs=None) -> dict:
        """The entries of ``specs`` (default: all) copied into the run cache ``root``: ``{name: bytes}``."""
        specs = list(self.entries) if specs is None else specs
        root.mkdir(parents=True, exist_ok=True)
        for spec in specs:
            shutil.copy2(self.entries[spec], root / self.entries[spec].name)
        return {self.entries[s].name: self.entries[s].read_bytes() for s in specs}


def _train(root: Path, data: Path, checkpoint, cells) -> TinyCache:
    """``cells`` trained once, each alone in this process, under a profile whose seeds are its own
    (as ``reproduce --seeds N`` would: the seed list is not part of a key)."""
    from harness.core.config import load_profile
    from harness.runs.cache import get_or_run, locate
    from tests.faults import TINY_PROFILE

    made = TinyCache(derive(TINY_PROFILE, root / "tiny.toml", PRETRAINED_ONLY), data, checkpoint)
    profile = load_profile(made.profile)
    for spec in cells:
        seeded = dataclasses.replace(profile, seeds=(spec.seed,))
        made.results[spec] = get_or_run(spec, seeded, data, checkpoint, root / "runs")
        made.entries[spec] = locate(spec, seeded, data, checkpoint, root / "runs")[0]
        assert made.entries[spec].is_file(), made.entries[spec]
    return made


@pytest.fixture(scope="session")
def tiny_cache(tiny, tmp_path_factory) -> TinyCache:
    """On the in-process tiny inputs (``tiny``: a whitespace-tokenized checkpoint, the cheapest to
    train in a worker or a job): fairseq seed 0, HF seeds 0 and 1."""
    _, data, checkpoint = tiny
    return _train(tmp_path_factory.mktemp("tiny_cache"), data, checkpoint, CELLS)


@pytest.fixture(scope="session")
def tiny_cli_cache(tiny_cli, tmp_path_factory) -> TinyCache:
    """On the CLI's tiny inputs (``tiny_cli``: a real user checkpoint directory): HF seeds 0-2."""
    from harness.inputs import checkpoints

    _, data, checkpoint_dir = tiny_cli
    return _train(tmp_path_factory.mktemp("tiny_cli_cache"), data, checkpoints.from_dir(checkpoint_dir), HF_CLI)
