"""Fixtures that train: one session fixture per (profile, framework, init, seed) cell, named
``<profile>_<framework>_<init>_seed<seed>`` (e.g. ``smoke_fairseq_pretrained_seed0``), each a
``RunResult`` from ``harness.runs.get_or_run`` -- cached on disk and file-locked, so a warm rerun
trains nothing and pytest-xdist workers share the runs (one worker trains, the others wait on a lock). No training loop lives here. The first
cell asked for trains the profile's missing cells side by side (``<profile>_cells``, through
``harness.reproduce.compute``, as ``python -m harness reproduce -j`` does).

``smoke_<framework>`` (e.g. ``smoke_fairseq``) collects one framework's cells as
``{init: [RunResult by seed]}``. A framework joins by adding its name to ``FRAMEWORKS``.

The ``lab`` profile's cells (``lab_fairseq_pretrained_seed0``, ..., ``lab_fairseq``, ``lab_hf``) are
built the same way on ``lab_inputs``; only the slow CPU tier (tests/test_lab_cpu.py, ``make lab``)
asks for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.config import load_profile
from harness.core.records import RunSpec

FRAMEWORKS = ("fairseq", "hf")
SMOKE = load_profile("smoke")
LAB = load_profile("lab")


def cell_name(profile: str, framework: str, init: str, seed: int) -> str:
    """A cell's fixture name: its ``RunSpec.name`` with underscores."""
    return RunSpec(profile, framework, init, seed).name.replace("-", "_")


@pytest.fixture(scope="session")
def smoke_inputs():
    """(profile, data dir, checkpoint) of the smoke scale: the embedded sentences and encoder."""
    from harness.inputs import checkpoints
    from harness.inputs import data

    return SMOKE, data.prepare(SMOKE.data), checkpoints.embedded()


@pytest.fixture(scope="session")
def lab_inputs():
    """(profile, data dir, checkpoint) of the lab's recipe on the embedded default (the CPU's slow tier)."""
    from harness.inputs import checkpoints
    from harness.inputs import data

    return LAB, data.prepare(LAB.data), checkpoints.embedded()


def _all_cells_fixture(profile_name: str):
    @pytest.fixture(scope="session")
    def all_cells(request) -> dict:
        from filelock import FileLock

        from harness.runs import local as reproduce
        from harness.runs.cache import cache_root_of

        profile, data_dir, checkpoint = request.getfixturevalue(f"{profile_name}_inputs")
        # Under pytest-xdist every worker asks for the cells; the first one trains the missing cells side
        # by side while the others wait on this lock, then find them all in the cache (never 2 x 2 at once).
        lock = cache_root_of() / f".{profile_name}-cells.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(lock):
            return reproduce.compute(reproduce.specs_of(profile, FRAMEWORKS), profile, data_dir, checkpoint,
                                     jobs=reproduce.default_jobs(profile))

    all_cells.__doc__ = (f"Every {profile_name} cell, ``{{RunSpec: RunResult}}``, trained the first time any "
                         "is asked for, as many at once as the main job would (``reproduce.default_jobs``)")
    return all_cells


def _cell_fixture(profile_name: str, framework: str, init: str, seed: int):
    @pytest.fixture(scope="session")
    def cell(request):
        profile, data_dir, checkpoint = request.getfixturevalue(f"{profile_name}_inputs")
        spec = RunSpec(profile.name, framework, init, seed)
        return request.getfixturevalue(f"{profile_name}_cells")[spec]

    cell.__doc__ = f"{framework} fine-tune, {init} init, seed {seed}, at the {profile_name} scale"
    return cell


def _framework_fixture(profile, framework: str):
    @pytest.fixture(scope="session")
    def cells(request) -> dict:
        return {
            init: [request.getfixturevalue(cell_name(profile.name, framework, init, s)) for s in profile.seeds]
            for init in profile.inits_for(framework)
        }

    cells.__doc__ = f"{{init: [RunResult for each seed]}} of {framework} at the {profile.name} scale"
    return cells


for _profile in (SMOKE, LAB):
    globals()[f"{_profile.name}_cells"] = _all_cells_fixture(_profile.name)
    for _fw in FRAMEWORKS:
        for _init in _profile.inits_for(_fw):
            for _seed in _profile.seeds:
                globals()[cell_name(_profile.name, _fw, _init, _seed)] = _cell_fixture(
                    _profile.name, _fw, _init, _seed
                )
        globals()[f"{_profile.name}_{_fw}"] = _framework_fixture(_profile, _fw)


def _results_dir_fixture(profile):
    @pytest.fixture(scope="session")
    def results_dir(request, tmp_path_factory) -> Path:
        from harness.core.records import save_result
        from harness.runs.results import results_path

        root = tmp_path_factory.mktemp(f"{profile.name}_results")
        for fw in FRAMEWORKS:
            for results in request.getfixturevalue(f"{profile.name}_{fw}").values():
                for result in results:
                    save_result(results_path(root, result.spec), result)
        return root

    results_dir.__doc__ = (f"Every {profile.name} cell (both frameworks, inits, seeds) written as a results directory "
                           f"(``<dir>/{profile.name}/<run>.json``), as the main job writes it: what the gate and the "
                           "report read")
    return results_dir


smoke_results_dir = _results_dir_fixture(SMOKE)
lab_results_dir = _results_dir_fixture(LAB)


@pytest.fixture(scope="session")
def report_ledger():
    """The ledger of the report under test on its own numbers (no results), built once per session."""
    from harness.claims import claimsfile, ledger

    return ledger.build(claimsfile.load())


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """(profile, data dir, checkpoint) of the unit-test scale (tests/tiny.py): seconds per run."""
    from tests import tiny

    root = tmp_path_factory.mktemp("tiny")
    profile = load_profile(Path(__file__).parent / "data" / "tiny.toml")
    return profile, tiny.make_data(root / "data"), tiny.make_checkpoint(root / "checkpoint")


@pytest.fixture(scope="session")
def tiny_cli(tmp_path_factory):
    """(profile path, data dir, checkpoint dir) of the unit-test scale as the CLI takes them: the
    tiny model as a real user checkpoint directory (tests/faults.py)."""
    from tests import faults, tiny

    root = tmp_path_factory.mktemp("tiny_cli")
    return faults.TINY_PROFILE, tiny.make_data(root / "data"), faults.make_cli_checkpoint(root / "checkpoint")


from tests.tiny_cache import tiny_cache, tiny_cli_cache  # noqa: E402,F401 - the process tests' cells (tests/tiny_cache.py)


def _pin_fixture(profile):
    @pytest.fixture(scope="session")
    def pin(request):
        from harness.core.config import ConfigError
        from harness.core.paths import EXPECTED_DIR
        from harness.gate import expected as gate_expected
        from harness.gate import regime
        from harness.runs.results import load_results

        results_dir = request.getfixturevalue(f"{profile.name}_results_dir")
        try:
            expected, _, _ = regime.resolve(results_dir, EXPECTED_DIR / "results", records=False)  # a verdict, not a gate
        except ConfigError as exc:
            numerics = regime.results_numerics(load_results(results_dir, profile.name), profile.name)
            own = EXPECTED_DIR / "results" / gate_expected.file_name(profile.name, numerics)
            if own.is_file():  # the file is there and broken: an error, never a skip
                raise
            pytest.skip(f"no pin for these runs' numerics ({gate_expected.describe_numerics(numerics)}): "
                        f"{own} does not exist and no other {profile.name} file can be compared with them ({exc})")

        def pinned(claim: str) -> str:
            return expected.metrics[f"ledger.{claim}.verdict"]

        return pinned

    pin.__doc__ = (f"claim id -> the verdict the {profile.name} runs are pinned to in the gate's expected file "
                   "for their numerics (a claim's test is a strict xfail where the pin is not the claim's "
                   "verdict: tests/pins.py)")
    return pin


smoke_pin = _pin_fixture(SMOKE)
lab_pin = _pin_fixture(LAB)
