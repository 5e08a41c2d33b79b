"""Times the test tiers and prints each one's 15 slowest tests. It reports; it never asserts a limit.

    python tests/bench/tiers.py            # the inner loop, then the CPU tier
    python tests/bench/tiers.py --inner    # the inner loop alone
    python tests/bench/tiers.py --slow     # ... and the slow tier (minutes to tens of minutes)
    python tests/bench/tiers.py -- -n 0    # extra pytest arguments, e.g. one process instead of xdist workers

The budgets (tox.ini, README): the inner loop ``pytest -m "not gpu and not train"`` <= 30 s warm; the
CPU tier ``pytest -m "not gpu"`` <= 120 s with the smoke cells cached; the slow tier
``pytest -m "slow and not gpu" --runslow`` <= 40 min cold on 2 native-bf16 cores. The numbers depend on
the machine and its load: the script prints the CPU, its cores and the load average beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIERS = {
    "inner loop": (["-m", "not gpu and not train"], 30),
    "CPU tier": (["-m", "not gpu"], 120),
    "slow tier": (["-m", "slow and not gpu", "--runslow"], 40 * 60),
}
SUMMARY = re.compile(r"^=+ (.*\d+ (passed|failed|error).*) in [\d.]+s", re.M)


def machine() -> str:
    """The CPU's model name, the cores this process may use and the load average."""
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{model}, {cores} cores, load average {load}"


def run(name: str, args: list[str], extra: list[str]) -> tuple[float, int, str]:
    """(seconds, pytest's exit code, its output) of one tier."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=15", *args, *extra]
    print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return time.monotonic() - start, proc.returncode, proc.stdout + proc.stderr


def durations(output: str) -> list[str]:
    """The lines of pytest's "slowest 15 durations" section."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "slowest" in line and "durations" in line), None)
    if start is None:
        return []
    out = []
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("="):
            break
        out.append(line)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inner", action="store_true", help="time the inner loop alone")
    parser.add_argument("--slow", action="store_true", help="also time the slow tier (long)")
    parser.add_argument("extra", nargs="*", help="extra pytest arguments (after --)")
    opts = parser.parse_args(argv)
    names = ["inner loop"] if opts.inner else ["inner loop", "CPU tier"] + (["slow tier"] if opts.slow else [])
    print(f"machine: {machine()}")
    rows = []
    for name in names:
        args, budget = TIERS[name]
        seconds, code, output = run(name, args, opts.extra)
        m = SUMMARY.search(output)
        summary = m.group(1) if m else (output.strip().splitlines() or ["no output"])[-1]
        print(f"{name}: {seconds:.1f} s (budget {budget} s), pytest exit {code}: {summary}")
        print("\n".join(f"    {line}" for line in durations(output)) or "    (no durations printed)")
        rows.append((name, seconds, budget, code))
    print("\n| tier | seconds | budget | pytest exit |\n|---|---|---|---|")
    for name, seconds, budget, code in rows:
        print(f"| {name} | {seconds:.1f} | {budget} | {code} |")
    print(f"(machine: {machine()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
