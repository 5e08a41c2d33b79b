"""Where a fine-tune's time goes: one update split into forward, backward and optimizer, and scoring,
for both frameworks, on the smoke model and data (the embedded encoder, real sentences).

Used by ``python -m harness doctor --bench`` (printed) and ``tests/bench/`` (pytest-benchmark). The
numbers are measurements, never assertions. Each framework's update is what its runner does: the
model's forward and loss under the precision policy's autocast, backward, then the harness's fused
AdamW (fairseq's rule). Scoring is the runners' length-sorted, gradient-free forward.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from harness.core import env, machine
from harness.inputs import checkpoints, convert, data
from harness.train import optim, precision


@dataclass
class Split:
    framework: str
    precision: str
    forward_ms: float
    backward_ms: float
    optimizer_ms: float
    score_ms_per_sentence: float

    @property
    def update_ms(self) -> float:
        return self.forward_ms + self.backward_ms + self.optimizer_ms


def _models(profile):
    import torch

    ckpt = checkpoints.embedded()
    cfg = ckpt.encoder_config()
    fs = convert.fairseq_model(convert.load_fairseq_state(ckpt.dir), cfg, ckpt.dictionary())
    torch.manual_seed(0)
    fs.register_classification_head(convert.HEAD, num_classes=2)
    hf = convert.hf_model(fs.state_dict(), cfg, "classifier", dropout=profile.hf.dropout)
    return ckpt, cfg, {"fairseq": fs, "hf": hf}


def _batches(profile, ckpt, pad: int, size: int, n: int, split: str = "train", by_length: bool = False):
    """``n`` padded batches of ``size`` real sentences (length-sorted, as the runners score, with
    ``by_length``; in file order otherwise, as training sees them)."""
    import torch

    reviews, labels = data.read_split(data.prepare(profile.data), split)
    rows = [ckpt.encode(r, profile.data.max_tokens) for r in reviews[: size * n]]
    labels = labels[: len(rows)]
    if by_length:
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        rows, labels = [rows[i] for i in order], [labels[i] for i in order]
    out = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        ids = torch.full((len(chunk), max(map(len, chunk))), pad)
        for i, row in enumerate(chunk):
            ids[i, : len(row)] = torch.tensor(row)
        out.append((ids, torch.tensor([int(y) for y in labels[start:start + len(chunk)]])))
    return out


def _loss(framework, model, ids, target, pad):
    import torch

    if framework == "fairseq":
        logits, _ = model(ids, features_only=True, classification_head_name=convert.HEAD)
        return torch.nn.functional.cross_entropy(logits.float(), target)
    return model(ids, attention_mask=ids.ne(pad).long(), labels=target).loss


def measure(profile, updates: int = 8, score_sentences: int = 256) -> list[Split]:
    """Median forward/backward/optimizer times over ``updates`` real batches, and scoring time per
    sentence over ``score_sentences`` length-sorted validation sentences, for each framework."""
    import torch

    env.setup()
    env.set_threads(profile.threads)
    ckpt, cfg, models = _models(profile)
    pad = cfg.padding_idx
    train = _batches(profile, ckpt, pad, profile.fairseq.batch_size, updates + 1)
    out = []
    for framework, model in models.items():
        spec = getattr(profile, framework)
        numerics = precision.resolve(spec.precision, machine.device())
        opt = optim.AdamW(model.parameters(), lr=spec.lr, betas=spec.adam_betas, eps=spec.adam_eps,
                          weight_decay=spec.weight_decay, rule="fairseq")
        model.train()
        times = {"forward": [], "backward": [], "optimizer": []}
        for i, (ids, target) in enumerate(train):
            t0 = time.perf_counter()
            with precision.autocast(machine.device(), numerics):
                loss = _loss(framework, model, ids, target, pad)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            opt.zero_grad(set_to_none=True)
            t3 = time.perf_counter()
            if i:  # the first update warms the kernels up
                for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2)):
                    times[k].append(1e3 * v)
        model.eval()
        valid = _batches(profile, ckpt, pad, 64, score_sentences // 64, "valid", by_length=True)
        t0 = time.perf_counter()
        with torch.inference_mode(), precision.autocast(machine.device(), numerics):
            for ids, target in valid:
                _loss(framework, model, ids, target, pad)
        per_sentence = 1e3 * (time.perf_counter() - t0) / sum(len(t) for _, t in valid)
        med = {k: round(statistics.median(v), 1) for k, v in times.items()}
        out.append(Split(framework, numerics, med["forward"], med["backward"], med["optimizer"],
                         round(per_sentence, 2)))
    return out
