"""Test tiers: pytest's documented ``--runslow`` recipe, and a bounded hypothesis profile.

``pytest -m "not gpu"`` is the CPU tier (CI). ``pytest -m gpu --runslow`` is the full-scale tier;
without CUDA every GPU test skips with its reason (see ``harness.requires``).
"""

import gc
import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles (`HYPOTHESIS_PROFILE=...`): `ci` (the default) is bounded and derandomized, so two
# runs draw the same examples and a CI failure reproduces; `dev` is a quick random search for the inner
# loop; `thorough` digs deeper.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption(
        "--runslow", action="store_true", default=False, help="run slow (full-scale) tests"
    )


def _xdist_controller(config) -> bool:
    """True in the pytest-xdist controller, which only hands tests to its workers (pytest-xdist's own test)."""
    return (not hasattr(config, "workerinput") and not config.getoption("collectonly")
            and config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None)))


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (tox.ini's addopts): ``$PYTEST_XDIST_AUTO_NUM_WORKERS`` if set; for a run of the GPU
    tests alone (``-m gpu``), one worker per GPU (at least one: without CUDA they skip); with
    ``--benchmark-enable``, none (pytest-benchmark times nothing under xdist, and a benchmark wants the
    cores to itself); else one worker per core this process may use."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").isdigit():
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    if config.getoption("--benchmark-enable", default=False):
        return 0
    expr = config.getoption("markexpr", "") or ""
    if "gpu" in expr and "not gpu" not in expr:
        import torch

        return max(1, torch.cuda.device_count())
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def pytest_configure(config):
    if _xdist_controller(config):
        return  # the workers import torch and set it up; the controller starts them without waiting for it
    # harness.core.env sets the fairseq/torch work-arounds once, before any test imports fairseq.
    import harness.core.env

    harness.core.env.setup()
    # torch's modules (and, after collection, every test module's imports) live as long as the session:
    # frozen out of the cyclic GC, whose full collections would walk them again each time (measured:
    # GC 3.5 s -> 2.9 s of the inner loop, ~1.5 s less CPU). Objects made by the tests are collected as before.
    gc.freeze()


def pytest_collection_finish(session):
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    # Benchmarks (tests/bench) measure, they do not check: they run only when asked for, so the CPU
    # tier never spends minutes timing training steps.
    bench_dir = config.rootpath / "tests" / "bench"
    skip_bench = pytest.mark.skip(reason="benchmark: run with `pytest tests/bench --benchmark-enable`")
    benchmarking = config.getoption("--benchmark-enable", default=False)
    skip_slow = pytest.mark.skip(reason="need --runslow option to run")
    for item in items:
        if "heavy" in item.keywords:  # heavy counts as train: `-m "not gpu and not train"` (the inner loop) leaves it out
            item.add_marker(pytest.mark.train)
        if bench_dir in item.path.parents:
            item.add_marker(pytest.mark.bench)
            if not benchmarking:
                item.add_marker(skip_bench)
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(skip_slow)
