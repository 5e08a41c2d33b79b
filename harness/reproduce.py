"""The main job: reproduce the report's claims on the embedded default data and model.

Steps: the data and the pretrained checkpoint (embedded, or ``--data`` /
``--checkpoint`` / ``$LAB_DATA`` / ``$LAB_CHECKPOINT``); every run of the profile (framework x
init x seed) through the run cache, a progress bar per run and one overall; the results written
to ``<out>/results/<profile>/<run>.json``; then the claim ledger (C1-C6, printed) and the
report (``<out>/report/report.md`` + HTML + figures) from that directory.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

from harness.claims import load_report

FRAMEWORKS = ("fairseq", "hf")  # the frameworks the main job runs


def add_arguments(parser) -> None:
    parser.add_argument("--profile", default="smoke", help="training profile name or TOML path")
    parser.add_argument("--out", default="out", help="output directory (default: out/)")
    parser.add_argument("--data", help="data directory in the lab's layout (default: $LAB_DATA, else embedded)")
    parser.add_argument("--checkpoint", help="fairseq model directory (default: $LAB_CHECKPOINT, else the profile's)")
    parser.add_argument("--cache", help="run cache directory (default: the harness cache)")
    parser.add_argument("-j", "--jobs", type=int, default=0,
                        help="cells trained at once (default: cores // the profile's threads per cell)")
    parser.add_argument("--seeds", type=_seeds, metavar="SEEDS",
                        help="seeds to run, in place of the profile's: a list 0,1,5, a range 0-9, or both "
                             "(0-2,7); seeds already trained come from the run cache")
    parser.add_argument("--executor", choices=("local", "slurm"), default="local",
                        help="local: -j cells at once on this machine; slurm: one submitit job per cell "
                             "(the run cache on a shared filesystem: --cache or $LAB_REPRO_CACHE)")
    from harness import executors

    executors.add_arguments(parser)


def _seeds(text: str) -> tuple[int, ...]:
    import argparse

    from harness.plan import parse_seeds

    try:
        return parse_seeds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--seeds: ")) from None


def inputs(profile, data_arg=None, checkpoint_arg=None):
    """(data dir, checkpoint) of a run: the user's when given, else the profile's embedded ones."""
    from harness import checkpoints, data

    data_dir = data.prepare(profile.data, data.user_data_dir(data_arg))
    if checkpoint_arg or os.environ.get(checkpoints.CHECKPOINT_ENV):
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
    from harness.runs import RunSpec

    return [RunSpec(profile.name, fw, init, seed)
            for fw in frameworks for init in profile.inits_for(fw) for seed in profile.seeds]


def _worker_init() -> None:
    """A worker process (spawned: a fresh interpreter): the work-arounds first, and on Linux the
    worker dies with the process that started it (``PR_SET_PDEATHSIG``), so a ``reproduce`` killed
    with SIGKILL leaves no orphan training behind (and, the cache being kill-safe, no entry)."""
    from harness import env

    env.setup()
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _cell(spec, profile, data_dir, checkpoint, cache_root):
    """One cell in a worker process."""
    from harness.runs import get_or_run

    return get_or_run(spec, profile, data_dir, checkpoint, cache_root)


def compute(specs, profile, data_dir, checkpoint, cache_root=None, jobs: int = 1, report=None) -> dict:
    """``{spec: RunResult}`` for ``specs``, through the run cache, ``jobs`` cells at a time.

    A cell's result does not depend on ``jobs``: every cell runs with the profile's own thread count
    (``tests/test_reproduce.py`` compares a cell run alone with the same cell run beside others).
    ``report(spec, result)`` is called as each cell finishes.
    """
    from tqdm import tqdm

    from harness.runs import get_or_run

    report = report or (lambda spec, result: None)
    results = {}
    if jobs <= 1:
        for spec in specs:
            with tqdm(desc=spec.name, unit="upd", leave=False, mininterval=2) as bar:
                results[spec] = get_or_run(spec, profile, data_dir, checkpoint, cache_root, bar=bar)
            report(spec, results[spec])
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from harness.runs import cached_result

    for spec in specs:  # cells already in the cache need no worker (a warm call starts no process)
        if (hit := cached_result(spec, profile, data_dir, checkpoint, cache_root)) is not None:
            results[spec] = hit
            report(spec, hit)
    missing = [spec for spec in specs if spec not in results]
    if not missing:
        return {spec: results[spec] for spec in specs}
    with ProcessPoolExecutor(min(jobs, len(missing)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init) as pool:
        futures = {pool.submit(_cell, spec, profile, data_dir, checkpoint, cache_root): spec for spec in missing}
        for future in as_completed(futures):
            spec = futures[future]
            results[spec] = future.result()
            report(spec, results[spec])
    return {spec: results[spec] for spec in specs}


def run_all(profile, data_dir, checkpoint, results_dir: Path, frameworks=FRAMEWORKS, cache_root=None,
            jobs: int = 1):
    """Every (framework, init, seed) run of ``profile``, cached; the results written as
    ``<results_dir>/<profile>/<run>.json``. That folder is replaced whole: results left there by an
    earlier call (another seed list, a removed cell) do not survive into this one."""
    from tqdm import tqdm

    specs = specs_of(profile, frameworks)
    with tqdm(total=len(specs), desc=f"{profile.name} runs (-j {jobs})", unit="run", position=0) as overall:
        def report(spec, result):
            tqdm.write(
                f"{spec.name}: test {100 * result.test_accuracy:.2f}% (best epoch {result.best_epoch}, "
                f"valid {[round(100 * v, 1) for v in result.valid_accuracy]}), {result.wall_time_s:.0f} s"
            )
            overall.update(1)

        results = compute(specs, profile, data_dir, checkpoint, cache_root, jobs, report)
    return write_results(profile, results, results_dir)


def write_results(profile, results: dict, results_dir: Path) -> list:
    """``{spec: result}`` as ``<results_dir>/<profile>/<run>.json``, the folder replaced whole."""
    from harness import atomic
    from harness.runs import results_path, save_result

    with atomic.directory(Path(results_dir) / profile.name) as tmp:
        for spec, result in results.items():
            save_result(tmp / results_path(results_dir, spec).name, result)
    return list(results.values())


def summary(results) -> list[str]:
    cells = {}
    for r in results:
        cells.setdefault((r.spec.framework, r.spec.init), []).append(100 * r.test_accuracy)
    return [
        f"{fw} {init}: test accuracy {[round(x, 2) for x in accs]} (mean {sum(accs) / len(accs):.2f}%)"
        for (fw, init), accs in cells.items()
    ]


def main(args) -> int:
    from harness import atomic, env, executors
    from harness.config import load_profile

    profile = load_profile(args.profile)
    if args.seeds:  # not part of any run's cache key: a seed trained before is reused
        profile = dataclasses.replace(profile, seeds=args.seeds)
    opts = executors.options(args, profile, args.cache)
    if opts and args.jobs:
        raise ValueError("-j/--jobs: only with --executor local (Slurm runs every job at once)")
    atomic.writable_dir(args.out)  # bad input stops here, before anything is computed or written
    if profile.gpu and env.device() == "cpu" and not opts:
        print(f"warning: profile {profile.name!r} is meant for a GPU; running it on the CPU", file=sys.stderr)
    start = time.perf_counter()
    data_dir, checkpoint = inputs(profile, args.data, args.checkpoint)
    results_dir = Path(args.out) / "results"
    if opts:
        specs = specs_of(profile)
        outcome = executors.submit(specs, profile, data_dir, checkpoint, args.cache, opts)
        print(*outcome.describe(), sep="\n")
        if outcome.failed:
            return 1
        if outcome.waiting:
            return 0
        results = write_results(profile, {s: outcome.results[s] for s in specs}, results_dir)
    else:
        jobs = args.jobs or default_jobs(profile)
        results = run_all(profile, data_dir, checkpoint, results_dir, cache_root=args.cache, jobs=jobs)
    print(*summary(results), sep="\n")
    print(f"{len(results)} runs in {time.perf_counter() - start:.1f} s; results in {results_dir}")
    from harness import ledger
    from harness.report import write_report

    rows = ledger.build_ledger(load_report(), results_dir=results_dir)
    print(ledger.to_markdown(rows))
    path = write_report(results_dir, Path(args.out) / "report", rows)
    print(f"report: {path} (and {path.with_suffix('.html')}, figures beside them)")
    return 0
