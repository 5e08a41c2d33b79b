"""Speed (reported, never asserted): fairseq fine-tuning throughput on the smoke model (the
embedded MiniLM imported to fairseq, the smoke profile's length, batch, precision and threads),
one epoch over the first 200 training sentences (25 updates), pretrained init. ``pytest tests/bench --benchmark-enable``;
training tokens per second land in the benchmark's ``extra_info``.
"""

import dataclasses
import shutil

import pytest

from harness.inputs import checkpoints
from harness.inputs import data
from harness.core.config import load_profile
from harness.core.records import RunSpec
from harness.train import fairseq

SMOKE = load_profile("smoke")
N_TRAIN = 200


@pytest.fixture(scope="module")
def subset(tmp_path_factory):
    """The smoke data with the first N_TRAIN training sentences (valid and test as they are)."""
    full, out = data.prepare(SMOKE.data), tmp_path_factory.mktemp("bench-data")
    for path in full.glob("*.review"):
        shutil.copy(path, out)
        shutil.copy(path.with_suffix(".label"), out)
    for ext in ("review", "label"):
        lines = (full / f"train.{ext}").read_text().splitlines()[:N_TRAIN]
        (out / f"train.{ext}").write_text("\n".join(lines) + "\n")
    return out


@pytest.mark.train
def test_bench_fairseq_finetune_throughput(benchmark, subset, tmp_path):
    profile = dataclasses.replace(SMOKE, fairseq=dataclasses.replace(SMOKE.fairseq, max_epochs=1))
    spec = RunSpec(SMOKE.name, "fairseq", "pretrained", 0)
    ckpt = checkpoints.embedded()
    result = benchmark.pedantic(fairseq.train, args=(spec, profile, subset, ckpt, tmp_path / "w"),
                                rounds=1, iterations=1)
    p = result.provenance
    benchmark.extra_info.update(
        train_tokens_per_s=p["train_tokens_per_s"], train_s=p["train_s"], updates=result.updates,
        peak_rss_mb=p["peak_rss_mb"], threads=p["torch_threads"],
    )
    print(f"{spec.name}: {p['train_tokens_per_s']:.0f} training tokens/s over {result.updates} updates "
          f"({p['train_s']:.1f} s), peak RSS {p['peak_rss_mb']:.0f} MB")
    assert result.updates == -(-N_TRAIN // profile.fairseq.batch_size)
