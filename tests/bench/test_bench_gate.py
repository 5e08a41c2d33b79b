"""Speed (reported, never asserted): the drift gate and the report on a full synthetic result set
(2 frameworks x 2 inits x 3 seeds). Run with ``pytest tests/bench --benchmark-enable``.
"""

import pytest

from harness.gate import drift as gate
from harness.report.build import write_report
from harness.gate import output as gate_output
from harness.gate import regen as gate_regen
from tests.synthetic import write_results


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    a = write_results(root / "A")
    b = write_results(root / "B", wall=120.0, created="2026-01-02T00:00:00+00:00")
    with pytest.MonkeyPatch.context() as mp:  # regen refuses a dirty tree; this one is synthetic
        mp.setattr(gate_regen, "git_commit", lambda: "0" * 40)
        gate_regen.regenerate(a, b, root)
    return a, root / "smoke.bf16-avx512-bf16.json"  # synthetic bf16 runs: the AVX512-BF16 class


def test_bench_gate_check(benchmark, gated):
    code, text = benchmark.pedantic(gate_output.check, args=gated, rounds=10, iterations=1, warmup_rounds=1)
    assert code == gate.PASS, text


def test_bench_report(benchmark, gated, tmp_path):
    path = benchmark.pedantic(write_report, args=(gated[0], tmp_path / "out"), rounds=3, iterations=1,
                              warmup_rounds=1)
    assert path.is_file()
