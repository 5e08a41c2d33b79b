"""One fine-tuning runner per framework, all with the same signature::

    train(spec: RunSpec, profile: Profile, data_dir: Path, checkpoint: Checkpoint, workdir: Path) -> RunResult

``runner(framework)`` finds it; ``harness.runs.get_or_run`` caches what it returns.
"""

from __future__ import annotations

import importlib
from pathlib import Path

RUNNERS = {"fairseq": "harness.train.fairseq", "hf": "harness.train.hf"}
# Harness modules besides the runner that change what a framework's run computes.
SHARED = ("env.py", "config.py", "runs.py", "data.py", "checkpoints.py", "precision.py", "optim.py",
          "tokens.py")
EXTRA = {"fairseq": ("fairseq_plugins/__init__.py",), "hf": ("convert.py", "params.py")}


def runner(framework: str):
    """The ``train`` function of ``framework``'s runner module."""
    if framework not in RUNNERS:
        raise ValueError(f"no runner for framework {framework!r} (known: {sorted(RUNNERS)})")
    return importlib.import_module(RUNNERS[framework]).train


def source_files(framework: str) -> list[Path]:
    """The harness sources a run of ``framework`` depends on (hashed into the cache key): the
    runner module, the shared modules every runner uses (tokenization included) and the
    framework's own helpers (HF: the fairseq->HF conversion)."""
    here = Path(__file__).resolve().parent
    module = RUNNERS[framework].rsplit(".", 1)[1]
    return [here / "__init__.py", here / f"{module}.py"] + [
        here.parent / name for name in SHARED + EXTRA[framework]
    ]
