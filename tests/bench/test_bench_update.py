"""Speed (reported, never asserted): one update of the smoke model split into forward, backward and
optimizer, and scoring per sentence, for fairseq and HF (``harness.bench``, the same measurement
``python -m harness doctor --bench`` prints). ``pytest tests/bench --benchmark-enable``; the split
lands in the benchmark's ``extra_info``. State the CPU class (``harness doctor``) with any number."""

from harness.train import bench
from harness.core.config import load_profile
from harness.core import machine

PROFILE = load_profile("smoke")


def test_bench_update_split(benchmark):
    splits = benchmark.pedantic(bench.measure, args=(PROFILE,), rounds=1, iterations=1)
    by_fw = {s.framework: s for s in splits}
    benchmark.extra_info.update(
        cpu_class=machine.cpu_class(), device=machine.device(),
        **{f"{s.framework}_{k}": getattr(s, k) for s in splits
           for k in ("precision", "forward_ms", "backward_ms", "optimizer_ms", "update_ms", "score_ms_per_sentence")},
        hf_over_fairseq_update=round(by_fw["hf"].update_ms / by_fw["fairseq"].update_ms, 3),
    )
    for s in splits:
        print(f"{s.framework}: forward {s.forward_ms} ms, backward {s.backward_ms} ms, optimizer "
              f"{s.optimizer_ms} ms, scoring {s.score_ms_per_sentence} ms/sentence ({s.precision})")
    assert {s.framework for s in splits} == {"fairseq", "hf"}
