"""The main job: reproduce the report's claims on the embedded default data and model.

Steps: the data and the pretrained checkpoint (embedded, or ``--data`` /
``--checkpoint`` / ``$LAB_DATA`` / ``$LAB_CHECKPOINT``); every run of the profile (framework x
init x seed) through the run cache, a progress bar per run and one overall; the results written
to ``<out>/results/<profile>/<run>.json``; then the claim ledger (C1-C6, printed) and the
report (``<out>/report/report.md`` + HTML + figures) from that directory.
"""

from __future__ import annotations

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


def inputs(profile, data_arg=None, checkpoint_arg=None):
    """(data dir, checkpoint) of a run: the user's when given, else the profile's embedded ones."""
    from harness import checkpoints, data

    data_dir = data.prepare(profile.data, data.user_data_dir(data_arg))
    if checkpoint_arg or os.environ.get(checkpoints.CHECKPOINT_ENV):
        return data_dir, checkpoints.from_dir(checkpoint_arg)
    if profile.checkpoint == "embedded":
        return data_dir, checkpoints.embedded()
    return data_dir, checkpoints.from_dir(profile.checkpoint)


def run_all(profile, data_dir, checkpoint, results_dir: Path, frameworks=FRAMEWORKS, cache_root=None):
    """Every (framework, init, seed) run of ``profile``, cached; each result saved under ``results_dir``."""
    from tqdm import tqdm

    from harness.runs import RunSpec, get_or_run, results_path, save_result

    specs = [RunSpec(profile.name, fw, init, seed)
             for fw in frameworks for init in profile.inits_for(fw) for seed in profile.seeds]
    results = []
    with tqdm(total=len(specs), desc=f"{profile.name} runs", unit="run", position=0) as overall:
        for spec in specs:
            with tqdm(desc=spec.name, unit="upd", position=1, leave=False, mininterval=2) as bar:
                result = get_or_run(spec, profile, data_dir, checkpoint, cache_root, bar=bar)
            save_result(results_path(results_dir, spec), result)
            tqdm.write(
                f"{spec.name}: test {100 * result.test_accuracy:.2f}% (best epoch {result.best_epoch}, "
                f"valid {[round(100 * v, 1) for v in result.valid_accuracy]}), {result.wall_time_s:.0f} s"
            )
            results.append(result)
            overall.update(1)
    return results


def summary(results) -> list[str]:
    cells = {}
    for r in results:
        cells.setdefault((r.spec.framework, r.spec.init), []).append(100 * r.test_accuracy)
    return [
        f"{fw} {init}: test accuracy {[round(x, 2) for x in accs]} (mean {sum(accs) / len(accs):.2f}%)"
        for (fw, init), accs in cells.items()
    ]


def main(args) -> int:
    from harness import atomic, env
    from harness.config import load_profile

    profile = load_profile(args.profile)
    atomic.writable_dir(args.out)  # bad input stops here, before anything is computed or written
    if profile.gpu and env.device() == "cpu":
        print(f"warning: profile {profile.name!r} is meant for a GPU; running it on the CPU", file=sys.stderr)
    start = time.perf_counter()
    data_dir, checkpoint = inputs(profile, args.data, args.checkpoint)
    results_dir = Path(args.out) / "results"
    results = run_all(profile, data_dir, checkpoint, results_dir, cache_root=args.cache)
    print(*summary(results), sep="\n")
    print(f"{len(results)} runs in {time.perf_counter() - start:.1f} s; results in {results_dir}")
    from harness import ledger
    from harness.report import write_report

    rows = ledger.build_ledger(load_report(), results_dir=results_dir)
    print(ledger.to_markdown(rows))
    path = write_report(results_dir, Path(args.out) / "report", rows)
    print(f"report: {path} (and {path.with_suffix('.html')}, figures beside them)")
    return 0
