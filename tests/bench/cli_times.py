"""How long the CLI takes to answer, measured in fresh processes (reported, never asserted).

    python tests/bench/cli_times.py                    # this checkout
    python tests/bench/cli_times.py --root /tmp/base --skip-new   # another checkout (before/after)
    python tests/bench/cli_times.py --only audit --repeat 1

Each case is ``python -m harness ...`` run ``--repeat`` times (median wall time) with the checkout
as cwd and on ``PYTHONPATH``, a private ``$LAB_REPRO_CACHE`` (nothing lands in the real cache) and
no terminal (stdout and stderr piped). Cases: ``--help``, ``doctor``, ``ledger --claims`` on one
report, every bad-input row of docs/bad-input.md that a process can show (the read-only ``--out``
row needs another user and is left out), ``audit`` of 30 claims files, and the warm smoke
``reproduce`` -- the last only when the real run cache already holds the smoke cells of this code
(it never trains: without them it says so and skips).

The goals (issue 21): ``--help``, ``doctor`` and every bad-input error <= 1 s; ``ledger --claims``
<= 3 s; warm ``reproduce`` <= 5 s; 30 claims files <= 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
sys.path.insert(0, str(CHECKOUT))  # the fixtures' helpers (tests.*) of this checkout

from tests.claims_files import write_class  # noqa: E402


def _case(name, argv, group, new=False, cwd_rel=False):
    return {"name": name, "argv": argv, "group": group, "new": new}


def _claims_rows(tmp: Path) -> list[dict]:
    from tests.test_claims import BAD, SUITE

    out = []
    for what, (damage, _) in BAD.items():
        path = tmp / "claims" / f"{re.sub(r'[^a-z0-9]+', '-', what)}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(damage(SUITE))
        out.append(_case(f"claims file: {what}", ["ledger", "--claims", str(path)], "bad input"))
    return out


def _results_rows(tmp: Path) -> list[dict]:
    from tests.synthetic import write_results
    from tests.test_bad_input import RESULTS_ROWS

    out = []
    for i, (what, (damage, _)) in enumerate(RESULTS_ROWS.items()):
        root = write_results(tmp / f"results{i}" / "results", "smoke")
        write_results(root, "lab", frameworks=("fairseq",))
        damage(root)
        out.append(_case(f"results dir: {what}", ["ledger", "--results", str(root)], "bad input"))
    good = write_results(tmp / "results-good" / "out" / "results", "smoke")
    out.append(_case("results dir: one level too high", ["ledger", "--results", str(good.parent)], "bad input"))
    return out


def _data_and_checkpoint_rows(tmp: Path) -> list[dict]:
    from tests import faults, tiny
    from tests.test_bad_input import CHECKPOINT_ROWS, DATA_ROWS, _data

    good_data = tiny.make_data(tmp / "good-data")
    ckpt = faults.make_cli_checkpoint(tmp / "good-ckpt")
    profile = str(faults.TINY_PROFILE)

    def argv(d, c):
        return ["reproduce", "--profile", profile, "--data", str(d), "--checkpoint", str(c), "--out", str(tmp / "never")]

    out = []
    for i, (what, (files, _)) in enumerate(DATA_ROWS.items()):
        bad = _data(tmp / f"data{i}", **files)
        out.append(_case(f"user data: {what}", argv(bad, ckpt), "bad input"))
    for i, (what, (damage, _)) in enumerate(CHECKPOINT_ROWS.items()):
        bad = shutil.copytree(ckpt, tmp / f"ckpt{i}")
        damage(bad)
        out.append(_case(f"user checkpoint: {what}", argv(good_data, bad), "bad input"))
    return out


def _command_line_rows(tmp: Path) -> list[dict]:
    (tmp / "a-file").write_text("keep me")
    out = tmp / "never"
    rows = [
        ("--profile smok", ["reproduce", "--profile", "smok", "--out", str(out)]),
        ("--out FILE", ["reproduce", "--out", str(tmp / "a-file")]),
        ("--seeds 5-2", ["reproduce", "--seeds", "5-2", "--out", str(out)]),
        ("--seeds x", ["reproduce", "--seeds", "x", "--out", str(out)]),
        ("--slurm-gpus without slurm", ["reproduce", "--slurm-gpus", "1", "--out", str(out)]),
        ("--slurm-time 0", ["reproduce", "--executor", "slurm", "--slurm-time", "0", "--out", str(out)]),
        ("slurm with -j 2", ["reproduce", "--executor", "slurm", "--slurm-cluster", "local", "-j", "2", "--out", str(out)]),
        ("--executor slurm here", ["reproduce", "--executor", "slurm", "--out", str(out)]),
    ]
    return [_case(f"command line: {what}", argv, "bad input") for what, argv in rows]


def _expected_rows(tmp: Path) -> list[dict]:
    from tests.synthetic import write_results
    from tests.test_gate import regenerated
    from tests.test_gate_inputs import EXPECTED_ROWS

    a = write_results(tmp / "gate" / "A")
    b = write_results(tmp / "gate" / "B", wall=120.0, created="2026-01-02T00:00:00+00:00")
    good = regenerated(tmp / "gate" / "expected", a, b)
    payload = json.loads(good.read_text())
    rows = {}
    for what, damage, _, _ in EXPECTED_ROWS:  # the rows of docs/bad-input.md's expected-file table
        path = tmp / "gate" / re.sub(r"[^a-z0-9]+", "-", what) / good.name
        path.parent.mkdir(parents=True)
        if damage is not None:
            raw = json.loads(json.dumps(payload))
            damage(raw)
            path.write_text(json.dumps(raw))
        rows[what] = path
    return [_case(f"expected file: {what}", ["gate", str(a), "--expected", str(path)], "bad input")
            for what, path in rows.items()]


def _new_rows(tmp: Path) -> list[dict]:
    bad = tmp / "audit-bad"
    bad.mkdir()
    (bad / "broken.toml").write_text("source = [\n")
    return [
        _case("ledger: --claims twice", ["ledger", "--claims", "a.toml", "--claims", "b.toml"], "bad input", new=True),
        _case("ledger: unknown --fail-on verdict", ["ledger", "--fail-on", "WRONG"], "bad input", new=True),
        _case("audit: no file readable", ["audit", str(bad), str(tmp / "missing.toml")], "bad input", new=True),
    ]


def _warm_smoke_cached(python: str, root: Path) -> str | None:
    """None when the real run cache holds 9 smoke entries that are current for this code, else why not."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("LAB_REPRO_CACHE", None)
    proc = subprocess.run([python, "-m", "harness", "cache", "list"], cwd=root, env=env, capture_output=True, text=True)
    ok = [line for line in proc.stdout.splitlines() if line.startswith("smoke-") and "  ok  " in line]
    return None if len(ok) >= 9 else f"the run cache holds {len(ok)} current smoke cells of 9: not measured (never trains)"


def cases(tmp: Path, python: str, root: Path, skip_new: bool) -> list[dict]:
    claims_dir = write_class(tmp / "class", 30)
    report = str(root / "expected" / "report.toml")
    out = [
        _case("--help", ["--help"], "answers"),
        _case("doctor", ["doctor"], "answers"),
        _case("ledger --claims (one report)", ["ledger", "--claims", report], "ledger"),
    ]
    out += _claims_rows(tmp) + _results_rows(tmp) + _data_and_checkpoint_rows(tmp) + _command_line_rows(tmp)
    out += _expected_rows(tmp) + _new_rows(tmp)
    out.append(_case("audit of 30 claims files", ["audit", str(claims_dir), "--format", "csv"], "audit", new=True))
    why = _warm_smoke_cached(python, root)
    warm = _case("reproduce, warm smoke cache", ["reproduce", "--out", str(tmp / "warm-out")], "reproduce")
    warm["real_cache"], warm["skip"] = True, why
    out.append(warm)
    return [c for c in out if not (skip_new and c["new"])]


def run(case: dict, python: str, root: Path, cache: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root), "LAB_REPRO_CACHE": str(cache)}
    if case.get("real_cache"):
        env.pop("LAB_REPRO_CACHE", None)
        env = {**env, "LAB_REPRO_CACHE": os.environ["LAB_REPRO_CACHE"]} if "LAB_REPRO_CACHE" in os.environ else env
    times, proc = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run([python, "-m", "harness", *case["argv"]], cwd=root, env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    err = [line for line in proc.stderr.splitlines() if line.strip()]
    return {**case, "seconds": statistics.median(times), "all": times, "code": proc.returncode,
            "said": (err[-1] if err else proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(CHECKOUT), help="the checkout to time (default: this one)")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    ap.add_argument("--only", help="only cases whose name contains this text")
    ap.add_argument("--skip-new", action="store_true", help="leave out the cases of verbs and options issue 21 adds")
    ap.add_argument("--json", help="also write every measurement here")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve()
    with tempfile.TemporaryDirectory(prefix="cli-times-") as tmp:
        tmp = Path(tmp)
        todo = [c for c in cases(tmp, args.python, root, args.skip_new) if not args.only or args.only in c["name"]]
        cpu = _cpu()
        print(f"# python -m harness, {root}, {cpu}; median of {args.repeat} (s); load {os.getloadavg()[0]:.1f}")
        print(f"{'case':<52} {'exit':>4} {'s':>6}  last line of stderr (or stdout)")
        done = []
        for case in todo:
            if case.get("skip"):
                print(f"{case['name']:<52} {'-':>4} {'-':>6}  skipped: {case['skip']}")
                continue
            r = run(case, args.python, root, tmp / "cache", 1 if case["group"] == "reproduce" else args.repeat)
            done.append(r)
            print(f"{r['name'][:52]:<52} {r['code']:>4} {r['seconds']:>6.2f}  {r['said'][:110]}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"cpu": cpu, "root": str(root), "cases": done}, indent=1))
    return 0


def _cpu() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    native = "native bf16" if re.search(r"\b(avx512_bf16|amx_bf16)\b", flags) else "no native bf16"
    return f"{len(os.sched_getaffinity(0))} cores, {native}"


if __name__ == "__main__":
    sys.exit(main())
