"""The local executor: the cells of a profile through the run cache, ``jobs`` at a time on this machine.

A cell is one (framework, init, seed) of a profile (:func:`specs_of`). :func:`compute` returns
every cell's result, cached ones without starting a process, the rest in spawned worker processes
(one thread each by the profiles' default, two cells side by side on 2 cores) that die with their
parent. :func:`run_all` does that and writes the results directory ``<out>/results/<profile>/<run>.json``
(replaced whole). Progress: plain lines on stdout (the plan: cells from the run cache and cells to
train; then one line per finished cell, ``[k/N]``), which a log file keeps; tqdm bars only where
stderr is a terminal (``disable=None``). The other executor is ``harness.runs.slurm``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from harness.core import atomic, env
from harness.core.records import FRAMEWORKS, RunSpec, save_result
from harness.inputs import checkpoints, data
from harness.inputs.user import CHECKPOINT_ENV
from harness.runs.cache import cached_result, get_or_run
from harness.runs.results import results_path


def resolve_inputs(profile, data_arg=None, checkpoint_arg=None):
    """(data dir, checkpoint) of a run: the user's when given (a flag, else ``$LAB_DATA`` /
    ``$LAB_CHECKPOINT``), else the profile's embedded ones."""
    data_dir = data.prepare(profile.data, data.user_data_dir(data_arg))
    if checkpoint_arg or os.environ.get(CHECKPOINT_ENV):
        return data_dir, checkpoints.from_dir(checkpoint_arg)
    if profile.checkpoint == "embedded":
        return data_dir, checkpoints.embedded()
    return data_dir, checkpoints.from_dir(profile.checkpoint)


def default_jobs(profile) -> int:
    """Cells side by side: the cores this process may use // the threads one cell uses (measured on
    2 cores: two 1-thread cells finish the smoke runs sooner than one 2-thread cell at a time). A
    profile with ``threads = 0`` (torch's default: every core) runs one cell at a time."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // profile.threads) if profile.threads else 1


def specs_of(profile, frameworks=FRAMEWORKS) -> list:
    """Every cell of ``profile``: framework x its inits x the profile's seeds."""
    return [RunSpec(profile.name, fw, init, seed)
            for fw in frameworks for init in profile.inits_for(fw) for seed in profile.seeds]


def _worker_init() -> None:
    """A worker process (spawned: a fresh interpreter): the work-arounds first, and on Linux the
    worker dies with the process that started it (``PR_SET_PDEATHSIG``), so a ``reproduce`` killed
    with SIGKILL leaves no orphan training behind (and, the cache being kill-safe, no entry)."""
    env.setup()
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _cell(spec, profile, data_dir, checkpoint, cache_root):
    """One cell in a worker process."""
    return get_or_run(spec, profile, data_dir, checkpoint, cache_root)


def compute(specs, profile, data_dir, checkpoint, cache_root=None, jobs: int = 1, report=None, plan=None) -> dict:
    """``{spec: RunResult}`` for ``specs``, through the run cache, ``jobs`` cells at a time.

    A cell's result does not depend on ``jobs``: every cell runs with the profile's own thread count
    (``tests/test_reproduce.py`` compares a cell run alone with the same cell run beside others).
    ``report(spec, result, cached)`` is called as each cell finishes (``cached``: it came from the
    run cache, nothing was trained); ``plan(cached, missing)`` once the cache has been looked up
    (``missing``: the specs to train). Progress bars (tqdm) show only on a terminal.
    """
    from tqdm import tqdm

    report = report or (lambda spec, result, cached: None)
    results = {}
    for spec in specs:  # cells already in the cache need no worker (a warm call starts no process)
        if (hit := cached_result(spec, profile, data_dir, checkpoint, cache_root)) is not None:
            results[spec] = hit
            report(spec, hit, True)
    missing = [spec for spec in specs if spec not in results]
    if plan:
        plan(len(results), missing)
    if jobs <= 1 or len(missing) <= 1:
        for spec in missing:
            with tqdm(desc=spec.name, unit="upd", leave=False, mininterval=2, disable=None) as bar:
                results[spec] = get_or_run(spec, profile, data_dir, checkpoint, cache_root, bar=bar)
            report(spec, results[spec], False)
        return {spec: results[spec] for spec in specs}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(min(jobs, len(missing)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init) as pool:
        futures = {pool.submit(_cell, spec, profile, data_dir, checkpoint, cache_root): spec for spec in missing}
        for future in as_completed(futures):
            spec = futures[future]
            results[spec] = future.result()
            report(spec, results[spec], False)
    return {spec: results[spec] for spec in specs}


def run_all(profile, data_dir, checkpoint, results_dir: Path, frameworks=FRAMEWORKS, cache_root=None,
            jobs: int = 1):
    """Every (framework, init, seed) run of ``profile``, cached; the results written as
    ``<results_dir>/<profile>/<run>.json``. That folder is replaced whole: results left there by an
    earlier call (another seed list, a removed cell) do not survive into this one."""
    from tqdm import tqdm

    specs = specs_of(profile, frameworks)
    with tqdm(total=len(specs), desc=f"{profile.name} runs (-j {jobs})", unit="run", position=0,
              disable=None) as overall:
        done = []  # a disabled bar (no terminal) counts nothing: the lines count for themselves

        def report(spec, result, cached):
            took = "(cached)" if cached else f"{result.wall_time_s:.0f} s"
            done.append(spec)
            tqdm.write(
                f"[{len(done)}/{len(specs)}] {spec.name}: test {100 * result.test_accuracy:.2f}% (best epoch "
                f"{result.best_epoch}, valid {[round(100 * v, 1) for v in result.valid_accuracy]}), {took}",
                file=sys.stdout,
            )
            overall.update(1)

        def plan(cached, missing):
            if missing:
                tqdm.write(f"{profile.name}: {cached} of {len(specs)} cells from the run cache; training {len(missing)}, "
                           f"{min(jobs, len(missing))} at a time: {', '.join(s.name for s in missing)}", file=sys.stdout)

        results = compute(specs, profile, data_dir, checkpoint, cache_root, jobs, report, plan)
    return write_results(profile, results, results_dir)


def write_results(profile, results: dict, results_dir: Path) -> list:
    """``{spec: result}`` as ``<results_dir>/<profile>/<run>.json``, the folder replaced whole."""
    with atomic.directory(Path(results_dir) / profile.name) as tmp:
        for spec, result in results.items():
            save_result(tmp / results_path(results_dir, spec).name, result)
    return list(results.values())


