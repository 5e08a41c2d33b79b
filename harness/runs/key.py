"""A run's cache key: everything that determines its result, as JSON-able data, hashed.

The key holds the run's spec, the profile's data and training tables, the threads it uses, the
``OMP_*`` / ``MKL_*`` / ``CUBLAS_WORKSPACE_CONFIG`` environment, the device, the resolved precision,
the CPU class and GPU model, the data's and the checkpoint's hashes, the hash of the harness code
that decides a result (``harness.train.source_hash``) and the library versions. Two machines, or
two checkouts, that agree on all of it compute the same result; any difference retrains.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

from harness.core import env, machine
from harness.core.records import RunSpec
from harness.inputs.data import data_hash
from harness import train
from harness.train import precision


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


# Libraries that change what a run computes besides ``env.LIBRARIES``: the tokenizers (ids), the
# weights' loader and the Trainer's device/precision plumbing.
KEY_LIBRARIES = ("tokenizers", "sentencepiece", "safetensors", "accelerate")


# Environment variables that change kernels or thread counts; a value the user set wins over the
# harness's ``setdefault`` and so must key the run.
KEY_ENV_PREFIXES = ("OMP_", "MKL_")


KEY_ENV_NAMES = ("CUBLAS_WORKSPACE_CONFIG",)


# What ``env.setup()`` puts in the environment (``setdefault``: a user's value wins), applied without
# importing torch, so a warm call can compute its keys (which hold OMP_* and CUBLAS_WORKSPACE_CONFIG)
# and find every cell cached before torch's deterministic switch (2 s of imports) is needed.
# tests/test_cache_key.py::test_the_keyed_defaults_are_what_setup_sets keeps it equal to setup's.
SETUP_DEFAULTS = {**env._OFFLINE, "CUBLAS_WORKSPACE_CONFIG": ":4096:8"}


def apply_setup_defaults() -> None:
    """Set the environment ``env.setup()`` would set (``setdefault``), without torch."""
    for name, value in SETUP_DEFAULTS.items():
        os.environ.setdefault(name, value)


def keyed_environment() -> dict[str, str]:
    """The ``OMP_*``, ``MKL_*`` and ``CUBLAS_WORKSPACE_CONFIG`` values of this process."""
    return {k: v for k, v in sorted(os.environ.items())
            if k.startswith(KEY_ENV_PREFIXES) or k in KEY_ENV_NAMES}


def thread_count(threads: int) -> int:
    """The intra-op threads a run uses: the profile's, or torch's current count when it says 0."""
    if threads:
        return threads
    import torch

    return torch.get_num_threads()


_VERSIONS: dict = {}  # (the lookup functions) -> the versions they gave


def keyed_versions() -> dict[str, str]:
    """The library versions a run's key holds: read once per process (a warm ``reproduce`` keys 9
    cells, and each read scans the installed distributions), memoised by the lookup functions
    themselves, so a test that replaces ``importlib.metadata.version`` or ``env.library_versions``
    gets what its replacement says. A library installed mid-process keeps its old version here, as
    its module already imported does."""
    lookup = (importlib.metadata.version, env.library_versions)
    if lookup not in _VERSIONS:
        _VERSIONS[lookup] = env.library_versions(env.LIBRARIES + KEY_LIBRARIES)
    return dict(_VERSIONS[lookup])


def gpu_free_torch() -> bool:
    """Whether the installed torch is a build without CUDA and without ROCm (its ``torch/version.py``
    says ``cuda = None`` and ``hip = None``), read without importing torch: such a build sees no GPU,
    so ``torch.cuda.is_available()`` is False. Anything unreadable answers False (ask torch)."""
    try:
        spec = importlib.util.find_spec("torch")
        version = Path(spec.submodule_search_locations[0]) / "version.py"
        tree = ast.parse(version.read_text())
    except (ImportError, AttributeError, TypeError, IndexError, OSError, SyntaxError, ValueError):
        return False
    found = {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id in ("cuda", "hip") and node.value is not None:
            found[target.id] = node.value
    return len(found) == 2 and all(isinstance(v, ast.Constant) and v.value is None for v in found.values())


def device_and_gpu() -> tuple[str, str]:
    """``machine.device()`` and the GPU model (``""``: none), as a run records them. A warm call
    with a torch build that can see no GPU answers without importing torch (~2 s): the device is
    ``$LAB_REPRO_FORCE_DEVICE`` or ``cpu``, and no GPU is named, as ``machine`` would say."""
    if "torch" not in sys.modules and gpu_free_torch():
        return os.environ.get("LAB_REPRO_FORCE_DEVICE") or "cpu", ""
    return machine.device(), machine.hardware().get("gpu", "")


def key_parts(spec: RunSpec, profile, data_dir: str | Path, checkpoint) -> dict:
    """Everything that determines a run's result, as JSON-able data (hashed into the cache key)."""
    device, gpu = device_and_gpu()
    recipe = getattr(profile, spec.framework)
    return {
        "spec": dataclasses.asdict(spec),
        "data_spec": dataclasses.asdict(profile.data),
        "train_spec": dataclasses.asdict(getattr(profile, spec.framework)),
        "threads": thread_count(profile.threads),
        "environment": keyed_environment(),
        "device": device,
        # the numerics the run uses: the resolved precision and what decides it (the CPU's ISA class,
        # the GPU's model): "auto" resolves differently, and kernels differ, across classes
        "precision": precision.resolve(recipe.precision, device) if recipe.precision != "bf16" else "bf16",
        "cpu_class": machine.cpu_class(),
        "gpu": gpu,
        "data": data_hash(data_dir),
        "checkpoint": checkpoint.hash,
        "source": train.source_hash(spec.framework),
        "versions": keyed_versions(),
    }


def inputs(parts: dict, data_dir: str | Path, checkpoint) -> dict:
    """Where a run's data and checkpoint came from, with their hashes (``provenance["inputs"]``;
    not part of the cache key): "embedded" for the suite's own data cache and MiniLM import,
    "user" for ``--data`` / ``$LAB_DATA`` and ``--checkpoint`` / ``$LAB_CHECKPOINT``. The ledger
    compares only runs on user files with the report's table (C2)."""
    embedded_data = Path(data_dir).resolve().is_relative_to((env.cache_dir() / "data").resolve())
    return {"data": {"source": "embedded" if embedded_data else "user", "sha256": parts["data"]},
            "checkpoint": {"source": getattr(checkpoint, "source", "user"), "sha256": parts["checkpoint"]}}


def cache_key(parts: dict) -> str:
    return _sha256(json.dumps(parts, sort_keys=True).encode())
