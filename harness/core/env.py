"""The one place for environment work-arounds, determinism knobs, threads and library versions.

Everything that papers over a library quirk lives here, so the rest of the harness reads as the lab:

- torch >= 2.6 loads checkpoints with ``weights_only=True``; fairseq checkpoints pickle an
  ``argparse.Namespace``. ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (inherited by fairseq CLI
  subprocesses) plus ``add_safe_globals`` make them load.
- ``RobertaModel.from_pretrained`` would download GPT-2 BPE files unless ``bpe=None``.
- No hub access at run time: the HF/datasets offline switches are forced on.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import platform
import random
import shutil
import subprocess
import warnings
from pathlib import Path

_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # OpenMP threads that spin while waiting collapse when the cores are shared (measured: 2 threads
    # 8.5 s/update spinning vs 0.21 s passive on a busy 2-core box); read when torch loads.
    "OMP_WAIT_POLICY": "PASSIVE",
}
_done = False


def setup() -> None:
    """Apply the work-arounds once per process (idempotent). Called by the CLI and conftest."""
    global _done
    if _done:
        return
    for key, value in _OFFLINE.items():
        os.environ.setdefault(key, value)
    _pin_worker_gpu()
    # Deterministic kernels for every runner, set before CUDA starts (cuBLAS reads this once).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch

    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.serialization.add_safe_globals([argparse.Namespace])
    # Configure the root logger before fairseq's import does (it would set DEBUG for everyone).
    logging.basicConfig(level=logging.WARNING)
    # fairseq logs an INFO line for every optional dependency it lacks (tensorboardX, ...), and its
    # import calls logging.basicConfig, which would let filelock print DEBUG lines.
    for name in ("fairseq", "filelock"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # peft calls a transformers API deprecated for v6 on every wrap.
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    _done = True


def cache_dir() -> Path:
    """Where fetched data, imported checkpoints and run results are cached (outside the repo)."""
    root = os.environ.get("LAB_REPRO_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")
    ) / "lab-repro"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def worker_gpu(worker: str, gpus: int) -> int | None:
    """The GPU a pytest-xdist worker takes: ``gwN`` -> ``N mod gpus`` (None: not a worker, or no GPU)."""
    if not worker.startswith("gw") or not worker[2:].isdigit() or gpus < 1:
        return None
    return int(worker[2:]) % gpus


def _pin_worker_gpu() -> None:
    """Under ``pytest -n`` on a multi-GPU machine, show each worker one GPU (before torch starts),
    so cells run in parallel, one per GPU; a CUDA_VISIBLE_DEVICES set by the user wins."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or "CUDA_VISIBLE_DEVICES" in os.environ or not shutil.which("nvidia-smi"):
        return
    listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
    gpu = worker_gpu(worker, sum(line.startswith("GPU ") for line in listing.splitlines()))
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (``setup`` has already asked for deterministic kernels)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def set_threads(n: int | None) -> None:
    """Fix torch's intra-op threads (None: leave torch's default)."""
    if n:
        import torch

        torch.set_num_threads(n)


LIBRARIES = ("torch", "fairseq-fixed", "transformers", "peft", "datasets", "scipy", "numpy")


def library_versions(names=LIBRARIES) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def load_fairseq_roberta(model_dir: str | Path, checkpoint_file: str = "model.pt", **kwargs):
    """Load a fairseq RoBERTa hub interface offline, in eval mode (``bpe=None``: no GPT-2 download)."""
    setup()
    from fairseq.models.roberta import RobertaModel

    model_dir = Path(model_dir)
    if not (model_dir / checkpoint_file).is_file():
        raise FileNotFoundError(f"{model_dir / checkpoint_file}: fairseq checkpoint not found")
    with warnings.catch_warnings():  # Hydra's deprecation notices and torch.load's note, from fairseq
        warnings.simplefilter("ignore", UserWarning)
        hub = RobertaModel.from_pretrained(
            str(model_dir), checkpoint_file=checkpoint_file, bpe=None, **kwargs
        )
    return hub.eval()
