"""Layer 2: one fine-tuning runner per framework, all with the same signature::

    train(spec: RunSpec, profile: Profile, data_dir: Path, checkpoint: Checkpoint, workdir: Path) -> RunResult

- ``fairseq`` (+ ``binarize``, ``fairseq_plugins/``): the lab's ``sentence_prediction`` recipe in-process;
- ``hf``: the lab's ``run_glue``-style recipe with transformers' ``Trainer``;
- ``optim``: torch's fused AdamW with fairseq's Adam update rule, for both frameworks;
- ``precision``: the precision policy (``auto`` / ``fp32`` / ``bf16`` autocast), the same for both;
- ``bench``: where an update's time goes (``doctor --bench``, ``tests/bench``).

``runner(framework)`` finds a runner; ``harness.runs.cache.get_or_run`` caches what it returns, keyed
among other things by :func:`source_hash`: the bytes of every module that decides a run's result.

May import: ``harness.inputs``, ``harness.core``.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

RUNNERS = {"fairseq": "harness.train.fairseq", "hf": "harness.train.hf"}
# The modules that decide what a run computes, relative to harness/: the runner's own (RUNNERS,
# EXTRA), and those every runner uses (SHARED). A change to any of them retrains; nothing else does.
SHARED = ("train/__init__.py", "train/precision.py", "train/optim.py",
          "inputs/data.py", "inputs/checkpoints.py", "inputs/tokens.py", "inputs/models.py",
          "core/config.py", "core/records.py", "core/env.py", "core/machine.py")
EXTRA = {"fairseq": ("train/binarize.py", "train/fairseq_plugins/__init__.py"), "hf": ("inputs/convert.py",)}
PACKAGE = Path(__file__).resolve().parent.parent  # harness/


def runner(framework: str):
    """The ``train`` function of ``framework``'s runner module."""
    if framework not in RUNNERS:
        raise ValueError(f"no runner for framework {framework!r} (known: {sorted(RUNNERS)})")
    return importlib.import_module(RUNNERS[framework]).train


def source_files(framework: str) -> list[Path]:
    """The harness sources a run of ``framework`` depends on (hashed into the cache key): the
    runner module, the shared modules every runner uses (tokenization included) and the
    framework's own helpers (HF: the fairseq->HF conversion; fairseq: binarizing, its plugins)."""
    module = RUNNERS[framework].replace(".", "/").removeprefix("harness/") + ".py"
    return [PACKAGE / name for name in (module, *SHARED, *EXTRA[framework])]


def source_hash(framework: str) -> str:
    """Hash of :func:`source_files`, each by its path in the package and its bytes (a code change,
    or a file moved, retrains)."""
    digest = hashlib.sha256()
    for path in source_files(framework):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
