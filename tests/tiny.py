"""Tiny stand-ins for unit tests of the runners and the cache (after fairseq's test_binaries):
generated sentences in the lab's layout, and a random fairseq RoBERTa checkpoint with a
whitespace tokenizer behind the ``Checkpoint`` interface. Seconds per fine-tune."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import EncoderConfig

POSITIVE = ("good", "great", "fine", "superb", "lovely")
NEGATIVE = ("bad", "awful", "dull", "poor", "boring")
FILLER = tuple(f"w{i}" for i in range(40))
ENCODER = EncoderConfig(vocab_size=1, d_model=32, d_ff=64, max_positions=32, layers=2, heads=2)


def make_data(out: Path, sizes=(128, 32, 48), seed: int = 0) -> Path:
    """``{train,valid,test}.{review,label}``: a sentiment word among filler words, balanced labels."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "valid", "test"), sizes):
        reviews, labels = [], []
        for i in range(n):
            label = i % 2
            words = rng.choices(FILLER, k=rng.randint(4, 14))
            words.insert(rng.randrange(len(words)), rng.choice(POSITIVE if label else NEGATIVE))
            reviews.append(" ".join(words))
            labels.append(str(label))
        (out / f"{split}.review").write_text("\n".join(reviews) + "\n")
        (out / f"{split}.label").write_text("\n".join(labels) + "\n")
    return out


@dataclass(frozen=True)
class TinyCheckpoint:
    """The ``harness.checkpoints.Checkpoint`` interface over a random tiny fairseq model."""

    dir: Path
    hash: str

    def dictionary(self):
        from fairseq.data import Dictionary

        return Dictionary.load(str(self.dir / "dict.txt"))

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(**{**ENCODER.__dict__, "vocab_size": len(self.dictionary()) + 1})

    def encode(self, text: str, max_tokens: int) -> list[int]:
        d = self.dictionary()
        return [d.bos()] + [d.index(w) for w in text.split()][: max_tokens - 2] + [d.eos()]


def make_checkpoint(out: Path, seed: int = 1234, planted: bool = False) -> TinyCheckpoint:
    """A fairseq model dir (``model.pt``, ``dict.txt``) the way ``--restore-file`` accepts it.

    ``planted``: a "pretrained" encoder that already knows the task's words -- the positive words'
    embeddings along one direction, the negative ones' opposite -- so pretrained beats random init
    at the tiny scale as it does at the lab's (random weights alone do not)."""
    import torch

    from harness.inputs import models as params

    out.mkdir(parents=True, exist_ok=True)
    words = POSITIVE + NEGATIVE + FILLER
    (out / "dict.txt").write_text("".join(f"{w} {1000 - i}\n" for i, w in enumerate(words)))
    ckpt = TinyCheckpoint(out, "")
    dictionary = ckpt.dictionary()
    dictionary.add_symbol("<mask>")
    torch.manual_seed(seed)
    model = params.build_fairseq(ckpt.encoder_config(), dictionary)
    if planted:
        embed = model.encoder.sentence_encoder.embed_tokens.weight
        direction = torch.nn.functional.normalize(torch.randn(embed.shape[1]), dim=0)
        with torch.no_grad():
            for words, sign in ((POSITIVE, 4.0), (NEGATIVE, -4.0)):
                embed[[dictionary.index(w) for w in words]] = sign * direction
    state = {"model": model.state_dict(), "optimizer_history": [{"lr_scheduler_state": {}}],
             "extra_state": {}}
    torch.save(state, out / "model.pt")
    digest = hashlib.sha256((out / "model.pt").read_bytes() + (out / "dict.txt").read_bytes())
    return TinyCheckpoint(out, digest.hexdigest())


class DyingCheckpoint:
    """A checkpoint (any: its hash, so the cells and their cache keys, unchanged) whose job is killed
    (SIGKILL: no exception, no result, no cache entry) as it unpickles its arguments while ``marker``
    exists: a training job that dies, as on a preempted or OOM-killed node. It dies before importing
    torch, so a dying job costs a fraction of a second."""

    def __init__(self, checkpoint, marker: Path):
        self.checkpoint, self.marker = checkpoint, marker

    def __getattr__(self, name):
        if name in ("checkpoint", "marker"):
            raise AttributeError(name)
        return getattr(self.checkpoint, name)

    def __reduce__(self):
        return _arrive, (self.checkpoint, self.marker)


def _arrive(checkpoint, marker: Path):
    """Unpickling a :class:`DyingCheckpoint` (in the job): SIGKILL while ``marker`` exists."""
    import os
    import signal

    if marker.exists():
        os.kill(os.getpid(), signal.SIGKILL)
    return checkpoint
