"""Speed (reported, never asserted): ``python -m harness audit`` on a class of 30 claims files, in a
fresh process as a teaching assistant runs it (the issue's goal: <= 30 s on 2 cores). Run with
``pytest tests/bench/test_bench_audit.py --benchmark-enable``; ``tests/bench/cli_times.py`` times
the same command beside the CLI's other answers."""

import csv
import io
import subprocess
import sys

from harness.core.paths import ROOT
from tests.claims_files import write_class
from tests.faults import child_env


def test_bench_audit_of_30_claims_files(benchmark, tmp_path):
    folder = write_class(tmp_path / "class", 30)

    def audit():
        return subprocess.run([sys.executable, "-m", "harness", "audit", str(folder), "--format", "csv"], cwd=ROOT,
                              env=child_env(tmp_path / "cache"), capture_output=True, text=True, timeout=600)

    proc = benchmark.pedantic(audit, rounds=1, iterations=1)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 30 and sum(bool(r["error"]) for r in rows) == 2, [r["error"] for r in rows]
