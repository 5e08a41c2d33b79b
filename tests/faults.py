"""Helpers for the reliability tests (real processes, real files): the tiny model as a real user
checkpoint directory (so ``python -m harness reproduce --checkpoint DIR`` runs it), the training
log that counts trainings, and child processes of the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from harness.core.paths import ROOT
from harness.runs.cache import TRAIN_LOG_ENV
from tests import tiny

TINY_PROFILE = ROOT / "tests" / "data" / "tiny.toml"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def make_cli_checkpoint(out: Path, seed: int = 1234) -> Path:
    """The tiny random model as a user checkpoint: ``model.pt`` with its saved args, ``dict.txt``
    and a WordPiece tokenizer over the same words (what ``harness.checkpoints.Checkpoint`` reads)."""
    import torch
    from transformers import BertTokenizerFast

    from harness.inputs import models as params

    ckpt = tiny.make_checkpoint(out, seed)
    state = torch.load(out / "model.pt", weights_only=False)
    state["args"] = params.fairseq_args(ckpt.encoder_config(), task="masked_lm", criterion="masked_lm")
    torch.save(state, out / "model.pt")
    words = [line.split()[0] for line in (out / "dict.txt").read_text().splitlines()]
    vocab = SPECIALS + words
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}).save_pretrained(str(out))
    return out


def child_env(cache: Path, log: Path | None = None, **extra) -> dict:
    """The environment of a child process: this checkout importable, a private cache, the log."""
    env = {**os.environ, "LAB_REPRO_CACHE": str(cache), "PYTHONPATH": str(ROOT), **extra}
    env.pop("PYTEST_XDIST_WORKER", None)
    if log is not None:
        env[TRAIN_LOG_ENV] = str(log)
    return env


def harness_cli(*args: str, cache: Path, log: Path | None = None, **popen) -> subprocess.Popen:
    """``python -m harness ARGS`` as a child process (stdout and stderr captured)."""
    return subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=ROOT, env=child_env(cache, log),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def reproduce_args(profile: Path, data: Path, checkpoint: Path, out: Path) -> list[str]:
    return ["reproduce", "--profile", str(profile), "--data", str(data), "--checkpoint", str(checkpoint),
            "--out", str(out)]


def trainings(log: Path) -> list[tuple[str, str]]:
    """(run name, event) per line of the training log: ``start`` when a training begins, ``done``
    when its entry is written."""
    if not log.exists():
        return []
    return [tuple(line.split()[:2]) for line in log.read_text().splitlines()]


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the child exited ({proc.returncode}) before {what}:\n{err[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
