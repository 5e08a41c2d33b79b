"""The GPU tier's two executions of one set of test bodies (tests/gpu/):

- ``gpu-lab``: the lab profile on a CUDA GPU, held to the report's numbers (expected/); marked
  ``gpu`` and ``slow``, so ``pytest -m gpu --runslow`` selects it and, without CUDA, skips it with
  the reason (``harness.requires``).
- ``cpu-tiny``: the same bodies in CI (``pytest -m "not gpu"``), on the tiny profile
  tests/data/tiny-gpu.toml with the device forced to the CPU (``$LAB_REPRO_FORCE_DEVICE``, read by
  ``harness.core.machine.device`` and set only here), held to measured tiny numbers
  (tests/data/tiny-gpu.expected.toml). Seconds per run. What it cannot reach: CUDA itself,
  bitsandbytes, the real weights, and the user-file loaders (``$LAB_DATA``/``$LAB_CHECKPOINT``;
  its "user" inputs are the tiny ones).

A module takes the tier with ``tier = tier_fixture(...)``; a body reads everything scale-specific
from the :class:`Tier` it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.claims import claimsfile
from harness.claims.expected import Band, load_bands, load_lab
from harness.core.config import Profile, build, load_profile, read_toml
from harness.core.records import RunResult, RunSpec
from harness.runs.cache import cache_root_of, get_or_run

FORCE_DEVICE = "LAB_REPRO_FORCE_DEVICE"
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Tier:
    name: str  # gpu-lab | cpu-tiny
    device: str  # what harness.core.machine.device() gives in this tier
    profile: Profile
    stated: dict  # (framework, init) -> {seed: test accuracy in points}: what the runs are held to
    bands: dict  # (framework, init) -> Band
    schedule: tuple[int, int, int]  # (updates per epoch, updates, epochs) the protocol prescribes
    margin: float  # points: "consistent" (HF vs fairseq) and per-seed agreement with ``stated``
    best_epoch: int  # the best epoch the runs are held to (C2b)
    pins: dict  # claim id -> the verdict this tier's data are measured to give, where not the report's
    embedded: Callable  # () -> (data dir, checkpoint): the default inputs
    user: Callable  # () -> (data dir, checkpoint): the user's files (cpu-tiny: the tiny ones)
    cache: Path | None = None  # run cache (None: the harness run cache)

    def claims(self):
        """The report under test's claims file as this tier judges it: its stated cells are the tier's,
        its margins the tier's "consistent" margin, its profile the tier's (the rules are the claims')."""
        import dataclasses

        cf = claimsfile.load()
        cells = {f"{fw}.{init}": claimsfile.Cell("tier", tuple(v), tuple(v.values()))
                 for (fw, init), v in self.stated.items()}
        claims = []
        for c in cf.claims:
            params = c.params
            if hasattr(params, "margin"):
                params = dataclasses.replace(params, margin=self.margin)
            if hasattr(params, "profile"):
                params = dataclasses.replace(params, profile=self.profile.name)
            if c.relation == "best_epoch":
                params = dataclasses.replace(params, epoch=self.best_epoch, updates=self.schedule[0] * self.best_epoch)
            claims.append(dataclasses.replace(c, params=params))
        return dataclasses.replace(cf, cells=cells, claims=tuple(claims))

    def runs(self, framework: str, init: str, inputs: tuple) -> list[RunResult]:
        data_dir, checkpoint = inputs
        return [get_or_run(RunSpec(self.profile.name, framework, init, s), self.profile, data_dir, checkpoint,
                           self.cache) for s in self.profile.seeds]


def lab_tier() -> Tier:
    from harness.inputs import checkpoints
    from harness.inputs import data

    lab, report, facts = load_profile("lab"), claimsfile.load(), load_lab()
    s = facts.schedule
    return Tier(
        "gpu-lab", "cuda", lab,
        stated={tuple(name.split(".")): cell.by_seed() for name, cell in report.cells.items()},
        bands={(fw, i): b for (p, fw, i), b in load_bands().items() if p == lab.name},
        schedule=(s.train_size // s.batch_size, report.claim("C2b").params.updates, s.epochs),
        margin=report.claim("C4").params.margin,
        best_epoch=report.claim("C2b").params.epoch, pins={},
        embedded=lambda: (data.prepare(lab.data), checkpoints.embedded()),
        user=lambda: (data.prepare(lab.data, data.user_data_dir()), checkpoints.from_dir()),
    )


def tiny_tier(root: Path) -> Tier:
    """The cpu-tiny tier: its inputs are built under ``root`` (the session's temporary folder), its runs
    kept in the harness run cache (``<run cache>/tiny-gpu``), whose keys hold the code and the inputs'
    hashes (the tiny data and checkpoint are built the same, byte for byte, every session): a warm
    session trains nothing."""
    from tests import tiny

    profile = load_profile(DATA / "tiny-gpu.toml")
    path = DATA / "tiny-gpu.expected.toml"
    raw = read_toml(path)
    train, _, _ = sizes = tuple(raw["sizes"])
    inputs = (tiny.make_data(root / "data", sizes=sizes), tiny.make_checkpoint(root / "checkpoint", planted=True))
    stated = {tuple(cell.split("_")): dict(zip(profile.seeds, values)) for cell, values in raw["stated"].items()}
    bands = {(fw, i): build(Band, t, f"{path}: [bands.{fw}.{i}]")
             for fw, inits in raw["bands"].items() for i, t in inits.items()}
    per_epoch, epochs = -(-train // profile.fairseq.batch_size), profile.fairseq.max_epochs
    return Tier("cpu-tiny", "cpu", profile, stated, bands, (per_epoch, per_epoch * epochs, epochs),
                float(raw["margin"]), int(raw["best_epoch"]), dict(raw.get("pins", {})), embedded=lambda: inputs, user=lambda: inputs,
                cache=cache_root_of() / "tiny-gpu")


GPU_MARKS = (pytest.mark.gpu, pytest.mark.slow)
_TINY: dict[Path, Tier] = {}


def tier_fixture(*lab_requires, tiny: bool = True):
    """A module fixture parametrized over the two tiers; ``lab_requires``: ``requires(...)`` marks of
    the gpu-lab execution (cpu-tiny needs nothing). ``tiny=False``: a body with no CPU equivalent."""
    params = [pytest.param("gpu-lab", marks=[*GPU_MARKS, *lab_requires], id="gpu-lab")]
    if tiny:
        params.append(pytest.param("cpu-tiny", marks=[pytest.mark.train], id="cpu-tiny"))

    @pytest.fixture(scope="module", params=params)
    def tier(request, tmp_path_factory):
        if request.param == "gpu-lab":
            yield lab_tier()
            return
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(FORCE_DEVICE, "cpu")
            root = tmp_path_factory.getbasetemp() / "tiny-gpu"  # one per session: modules share its runs
            if root not in _TINY:
                _TINY[root] = tiny_tier(root)
            yield _TINY[root]

    return tier
