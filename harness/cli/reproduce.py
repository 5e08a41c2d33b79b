"""``python -m harness reproduce``: the main job, on the embedded default data and model.

Steps: the data and the pretrained checkpoint (embedded, or ``--data`` / ``--checkpoint`` /
``$LAB_DATA`` / ``$LAB_CHECKPOINT``); every run of the profile (framework x init x seed) through the
run cache (``--executor local``: ``-j`` cells at once; ``slurm``: one job per cell); the results
written to ``<out>/results/<profile>/<run>.json``; then the claim ledger (printed) and the report
(``<out>/report/report.md`` + HTML + figures) from that directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from harness.cli.options import resolve_format


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
    from harness.runs import slurm  # argparse only: submitit is imported when a job is submitted

    slurm.add_arguments(parser)


def _seeds(text: str) -> tuple[int, ...]:
    from harness.runs.seeds import parse_seeds

    try:
        return parse_seeds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--seeds: ")) from None


def summary(results) -> list[str]:
    cells = {}
    for r in results:
        cells.setdefault((r.spec.framework, r.spec.init), []).append(100 * r.test_accuracy)
    return [
        f"{fw} {init}: test accuracy {[round(x, 2) for x in accs]} (mean {sum(accs) / len(accs):.2f}%)"
        for (fw, init), accs in cells.items()
    ]


def main(args) -> int:
    from harness.core import atomic, env, machine
    from harness.core.config import load_profile
    from harness.runs import local, slurm

    profile = load_profile(args.profile)
    if args.seeds:  # not part of any run's cache key: a seed trained before is reused
        profile = dataclasses.replace(profile, seeds=args.seeds)
    opts = slurm.options(args, profile, args.cache)
    if opts and args.jobs:
        raise ValueError("-j/--jobs: only with --executor local (Slurm runs every job at once)")
    atomic.writable_dir(args.out)  # bad input stops here, before anything is computed or written
    start = time.perf_counter()
    # The user's data is checked before torch is imported (bad data answers at once); a user
    # checkpoint's model.pt needs torch to be read (its loader applies env.setup first).
    data_dir, checkpoint = local.resolve_inputs(profile, args.data, args.checkpoint)
    if opts:
        env.setup()
    else:  # torch's switches wait for a cell to train (its runner applies them): warm, none does
        from harness.runs.key import apply_setup_defaults

        apply_setup_defaults()
    if profile.gpu and machine.device() == "cpu" and not opts:
        print(f"warning: profile {profile.name!r} is meant for a GPU; running it on the CPU", file=sys.stderr)
    results_dir = Path(args.out) / "results"
    if opts:
        specs = local.specs_of(profile)
        outcome = slurm.submit(specs, profile, data_dir, checkpoint, args.cache, opts)
        print(*outcome.describe(), sep="\n")
        if outcome.failed:
            return 1
        if outcome.waiting:
            return 0
        results = local.write_results(profile, {s: outcome.results[s] for s in specs}, results_dir)
    else:
        jobs = args.jobs or local.default_jobs(profile)
        results = local.run_all(profile, data_dir, checkpoint, results_dir, cache_root=args.cache, jobs=jobs)
    print(*summary(results), sep="\n")
    print(f"{len(results)} runs in {time.perf_counter() - start:.1f} s; results in {results_dir}")
    from harness.claims import claimsfile, ledger
    from harness.report.build import write_report

    led = ledger.build(claimsfile.load(), results_dir)
    if resolve_format("auto") == "table":  # a terminal: the short table; a log: the Markdown
        from harness.report.terminal import print_ledger

        print_ledger(led.all)
    else:
        print(ledger.to_markdown(led))
    path = write_report(results_dir, Path(args.out) / "report", led)
    print(f"report: {path} (and {path.with_suffix('.html')}, figures beside them)")
    return 0
