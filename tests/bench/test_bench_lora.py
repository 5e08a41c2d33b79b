"""Speed (reported, never asserted): counting a 1B-parameter architecture on the meta device.

Run with ``pytest tests/bench --benchmark-enable``; the issue's goal is < 2 s per count.
"""

import pytest

from harness.claims import lora

CASE = next(c for c in lora.load_figures().cases if c.arch == "llama-3.2-1b")


def _analytic():
    return lora.analytic(lora.build_model(CASE.arch), CASE.lora)


def _peft():
    return lora.wrap(lora.build_model(CASE.arch), CASE.lora).get_nb_trainable_parameters()


@pytest.mark.parametrize("how", [_analytic, _peft], ids=["analytic", "peft"])
def test_bench_count_1b_on_meta(benchmark, how):
    result = benchmark.pedantic(how, rounds=5, iterations=1, warmup_rounds=1)
    trainable = result.trainable if how is _analytic else result[0]
    assert trainable == CASE.trainable, f"{CASE.arch}: {trainable:,} != {CASE.trainable:,}"
