"""Speed (reported, never asserted): HF vs fairseq fine-tuning throughput, same model, same batch.

One training step = forward with each framework's classification head and loss, backward, AdamW
step, under the smoke profile's autocast. The two steps alternate in one run (so both see the
same machine load) and the ratio of their medians is the result: ``extra_info["hf_over_fairseq"]``
(> 1: HF is slower). The issue's goal: within 1.5x either way.
Run with ``pytest tests/bench --benchmark-enable``; timings on a shared CPU are noisy.
"""

import statistics
import time

import pytest
import torch

from harness import checkpoints, convert, data, env
from harness.config import load_profile

PROFILE = load_profile("smoke")
ROUNDS = 10


@pytest.fixture(scope="module")
def setup():
    env.set_threads(PROFILE.threads)
    ckpt = checkpoints.embedded()
    cfg = ckpt.encoder_config()
    fs = convert.fairseq_model(convert.load_fairseq_state(ckpt.dir), cfg, ckpt.dictionary())
    torch.manual_seed(0)
    fs.register_classification_head(convert.HEAD, num_classes=2)
    hf = convert.hf_model(fs.state_dict(), cfg, "classifier", dropout=PROFILE.hf.dropout)
    reviews, labels = data.read_split(data.prepare(PROFILE.data), "train")
    rows = [ckpt.encode(r, PROFILE.data.max_tokens) for r in reviews[: PROFILE.hf.batch_size]]
    ids = torch.full((len(rows), max(map(len, rows))), cfg.padding_idx)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
    target = torch.tensor([int(x) for x in labels[: len(rows)]])
    return fs.train(), hf.train(), ids, target, cfg.padding_idx


def _steps(fs, hf, ids, target, pad):
    opt = {m: torch.optim.AdamW(m.parameters(), lr=PROFILE.hf.lr) for m in (fs, hf)}
    mask = ids.ne(pad).long()

    def fairseq_loss():
        logits, _ = fs(ids, features_only=True, classification_head_name=convert.HEAD)
        return torch.nn.functional.cross_entropy(logits.float(), target, reduction="sum")

    def hf_loss():
        return hf(ids, attention_mask=mask, labels=target).loss

    def step(model, loss_fn):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=PROFILE.hf.bf16):
            loss = loss_fn()
        loss.backward()
        opt[model].step()
        opt[model].zero_grad()
        return time.perf_counter() - start

    return lambda: step(fs, fairseq_loss), lambda: step(hf, hf_loss)


def test_bench_hf_over_fairseq_step_time(benchmark, setup):
    fs_step, hf_step = _steps(*setup)
    fs_step(), hf_step()  # warm-up

    def alternate():
        times = {"fairseq": [], "hf": []}
        for _ in range(ROUNDS):
            times["fairseq"].append(fs_step())
            times["hf"].append(hf_step())
        return {k: statistics.median(v) for k, v in times.items()}

    medians = benchmark.pedantic(alternate, rounds=1, iterations=1)
    ratio = medians["hf"] / medians["fairseq"]
    tokens = setup[2].numel()
    benchmark.extra_info.update(
        hf_over_fairseq=round(ratio, 3),
        fairseq_step_s=round(medians["fairseq"], 4),
        hf_step_s=round(medians["hf"], 4),
        batch_tokens=tokens,
    )
    print(f"HF/fairseq step time {ratio:.2f} (fairseq {medians['fairseq'] * 1e3:.0f} ms, "
          f"HF {medians['hf'] * 1e3:.0f} ms per batch of {tokens} tokens, {ROUNDS} rounds)")
    assert all(t > 0 for t in medians.values()), medians
