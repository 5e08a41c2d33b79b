"""Run specs and results: the one schema every framework's runner returns, with atomic JSON I/O.

A :class:`RunSpec` names one fine-tune (profile, framework, init, seed); a :class:`RunResult` is
what it produced. Results are JSON files validated on read: an error names the file and field.
The on-disk cache (keyed by a hash of everything that determines a run) is built on these.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from harness import atomic, locking
from harness.config import ConfigError, build

SCHEMA_VERSION = 1
FRAMEWORKS = ("fairseq", "hf")
INITS = ("pretrained", "random")


@dataclass(frozen=True)
class RunSpec:
    profile: str  # profile name (smoke, lab, or a user profile)
    framework: str  # fairseq | hf
    init: str  # pretrained | random
    seed: int

    def __post_init__(self):
        if self.framework not in FRAMEWORKS:
            raise ValueError(f"framework must be one of {FRAMEWORKS}, got {self.framework!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")

    @property
    def name(self) -> str:
        return f"{self.profile}-{self.framework}-{self.init}-seed{self.seed}"


@dataclass(frozen=True)
class RunResult:
    """One fine-tune's outcome. Accuracies are fractions in [0, 1]."""

    spec: RunSpec
    valid_accuracy: tuple[float, ...]  # per epoch, epoch 1 first
    best_epoch: int  # 1-based epoch of the best validation accuracy (first one on ties)
    test_accuracy: float  # at the best-validation checkpoint (the report's protocol)
    test_size: int  # n of the test set; binomial SE = sqrt(acc (1 - acc) / n)
    updates_per_epoch: int
    updates: int  # optimizer updates actually run
    wall_time_s: float
    provenance: dict = field(default_factory=dict)  # git commit, versions, hardware, data/ckpt hashes, cache key
    schema: int = SCHEMA_VERSION

    def __post_init__(self):
        accs = list(self.valid_accuracy) + [self.test_accuracy]
        bad = [a for a in accs if not 0.0 <= a <= 1.0]
        if bad:
            raise ValueError(f"accuracies must be fractions in [0, 1], got {bad}")
        if not 1 <= self.best_epoch <= len(self.valid_accuracy):
            raise ValueError(
                f"best_epoch={self.best_epoch} outside 1..{len(self.valid_accuracy)} epochs"
            )
        if self.schema != SCHEMA_VERSION:
            raise ValueError(f"schema version {self.schema}, this harness reads {SCHEMA_VERSION}: "
                             "recompute it with this harness (python -m harness reproduce)")

    @property
    def test_se(self) -> float:
        a = self.test_accuracy
        return (a * (1 - a) / self.test_size) ** 0.5

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def read_json(path: str | Path):
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); truncated or corrupt?") from None


def save_result(path: str | Path, result: RunResult) -> Path:
    return atomic.write_json(path, result.to_dict())


def load_result(path: str | Path) -> RunResult:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    return build(RunResult, raw, str(path))


# --- the on-disk cache: one entry per (run spec, everything that determines its result) ---------


def results_path(results_dir: str | Path, spec: RunSpec) -> Path:
    """Where a collected result lives: ``<dir>/<profile>/<RunSpec.name>.json``."""
    return Path(results_dir) / spec.profile / f"{spec.name}.json"


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def source_hash(framework: str) -> str:
    """Hash of the harness sources a run of ``framework`` depends on (a code change retrains)."""
    from harness.train import source_files

    return _sha256(b"".join(p.name.encode() + b"\0" + p.read_bytes() for p in source_files(framework)))


# Libraries that change what a run computes besides ``env.LIBRARIES``: the tokenizers (ids), the
# weights' loader and the Trainer's device/precision plumbing.
KEY_LIBRARIES = ("tokenizers", "sentencepiece", "safetensors", "accelerate")
# Environment variables that change kernels or thread counts; a value the user set wins over the
# harness's ``setdefault`` and so must key the run.
KEY_ENV_PREFIXES = ("OMP_", "MKL_")
KEY_ENV_NAMES = ("CUBLAS_WORKSPACE_CONFIG",)
TRAIN_LOG_ENV = "LAB_REPRO_TRAIN_LOG"  # tests only: every training appends "<run> start|done <key> <pid>"
ENTRY_FORMAT = 1  # a cache entry is {"format", "sha256" (of the result's canonical JSON), "result"}


class CorruptEntryWarning(UserWarning):
    """A cache entry failed its checksum or its schema: it is moved aside and recomputed."""


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


def keyed_versions() -> dict[str, str]:
    """The library versions a run's key holds."""
    from harness import env

    return env.library_versions(env.LIBRARIES + KEY_LIBRARIES)


def key_parts(spec: RunSpec, profile, data_dir: str | Path, checkpoint) -> dict:
    """Everything that determines a run's result, as JSON-able data (hashed into the cache key)."""
    from harness import env, precision
    from harness.data import data_hash

    device = env.device()
    train = getattr(profile, spec.framework)
    return {
        "spec": dataclasses.asdict(spec),
        "data_spec": dataclasses.asdict(profile.data),
        "train_spec": dataclasses.asdict(getattr(profile, spec.framework)),
        "threads": thread_count(profile.threads),
        "environment": keyed_environment(),
        "device": device,
        # the numerics the run uses: the resolved precision and what decides it (the CPU's ISA class,
        # the GPU's model): "auto" resolves differently, and kernels differ, across classes
        "precision": precision.resolve(train.precision, device) if train.precision != "bf16" else "bf16",
        "cpu_class": precision.cpu_class(),
        "gpu": env.hardware().get("gpu", ""),
        "data": data_hash(data_dir),
        "checkpoint": checkpoint.hash,
        "source": source_hash(spec.framework),
        "versions": keyed_versions(),
    }


def inputs(parts: dict, data_dir: str | Path, checkpoint) -> dict:
    """Where a run's data and checkpoint came from, with their hashes (``provenance["inputs"]``;
    not part of the cache key): "embedded" for the suite's own data cache and MiniLM import,
    "user" for ``--data`` / ``$LAB_DATA`` and ``--checkpoint`` / ``$LAB_CHECKPOINT``. The ledger
    compares only runs on user files with the report's table (C2)."""
    from harness import env

    embedded_data = Path(data_dir).resolve().is_relative_to((env.cache_dir() / "data").resolve())
    return {"data": {"source": "embedded" if embedded_data else "user", "sha256": parts["data"]},
            "checkpoint": {"source": getattr(checkpoint, "source", "user"), "sha256": parts["checkpoint"]}}


def cache_key(parts: dict) -> str:
    return _sha256(json.dumps(parts, sort_keys=True).encode())


def entry_path(root: str | Path, spec: RunSpec, key: str) -> Path:
    return Path(root) / f"{spec.name}-{key[:16]}.json"


def cache_root_of(cache_root: str | Path | None = None) -> Path:
    """The run cache directory: ``cache_root`` (``--cache``), else ``<harness cache>/runs``."""
    from harness import env

    return Path(cache_root) if cache_root else env.cache_dir() / "runs"


def locate(spec: RunSpec, profile, data_dir: str | Path, checkpoint,
               cache_root: str | Path | None = None) -> tuple[Path, dict]:
    """(the cache entry ``<root>/<RunSpec.name>-<key[:16]>.json`` of ``spec`` on this machine, its key parts)."""
    parts = key_parts(spec, profile, data_dir, checkpoint)
    return cache_root_of(cache_root) / f"{spec.name}-{cache_key(parts)[:16]}.json", parts


def cached_result(spec: RunSpec, profile, data_dir: str | Path, checkpoint,
                  cache_root: str | Path | None = None) -> RunResult | None:
    """The cached result of ``spec`` (the entry ``get_or_run`` would return), or None: trains nothing."""
    entry, _ = locate(spec, profile, data_dir, checkpoint, cache_root)
    return _valid_entry(entry)


def get_or_run(spec: RunSpec, profile, data_dir: str | Path, checkpoint,
               cache_root: str | Path | None = None, *, bar=None) -> RunResult:
    """The cached result of ``spec``, training it first if no entry matches its key.

    Entries are ``<cache_root>/<RunSpec.name>-<key[:16]>.json``, written atomically under a file
    lock, so pytest-xdist workers (or two shells) asking for the same run train it once. An entry
    whose checksum or schema fails is never returned: a warning names it, it is moved aside to
    ``<entry>.corrupt`` and the run is recomputed. A killed run leaves no entry (the lock is the
    kernel's ``flock``: it dies with its owner).
    """
    from harness.results import stamp
    from harness.train import runner

    entry, parts = locate(spec, profile, data_dir, checkpoint, cache_root)
    key = cache_key(parts)
    root = entry.parent
    root.mkdir(parents=True, exist_ok=True)
    with locking.held(entry, spec.name):
        cached = _valid_entry(entry)
        if cached is not None:
            return cached
        workdir = root / "work" / entry.stem
        _log_training(spec, key, "start")
        with recording_nondeterminism() as kernels:
            result = runner(spec.framework)(spec, profile, Path(data_dir), checkpoint, workdir,
                                            **({"bar": bar} if bar is not None else {}))
        result = dataclasses.replace(result, provenance={
            **result.provenance, **stamp(), "cache_key": key, "key_parts": parts,
            "nondeterministic_kernels": sorted(set(kernels)), "inputs": inputs(parts, data_dir, checkpoint)})
        write_entry(entry, result)
        _log_training(spec, key, "done")
        shutil.rmtree(workdir, ignore_errors=True)
        return read_entry(entry)  # as a warm run will see it (JSON: tuples come back as lists)


def _digest(payload: dict) -> str:
    return _sha256(json.dumps(payload, sort_keys=True).encode())


def write_entry(path: Path, result: RunResult) -> Path:
    payload = result.to_dict()
    return atomic.write_json(path, {"format": ENTRY_FORMAT, "sha256": _digest(payload), "result": payload})


def read_entry(path: Path) -> RunResult:
    """A cache entry's result; :class:`ConfigError` when it is truncated, edited or invalid."""
    raw = read_json(path)
    if not isinstance(raw, dict) or raw.get("format") != ENTRY_FORMAT or not isinstance(raw.get("result"), dict):
        raise ConfigError(f"{path}: not a cache entry of format {ENTRY_FORMAT}")
    if _digest(raw["result"]) != raw.get("sha256"):
        raise ConfigError(f"{path}: checksum mismatch (the entry was edited or damaged)")
    try:
        return build(RunResult, raw["result"], str(path))
    except (ConfigError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def _valid_entry(entry: Path) -> RunResult | None:
    """The entry's result, or None when there is none; a bad entry is reported and moved aside."""
    if not entry.exists():
        return None
    try:
        return read_entry(entry)
    except ConfigError as exc:
        aside = entry.with_name(entry.name + ".corrupt")
        os.replace(entry, aside)
        warnings.warn(f"corrupt cache entry {entry}: {exc}; moved to {aside.name}, recomputing",
                      CorruptEntryWarning, stacklevel=3)
        return None


def _log_training(spec: RunSpec, key: str, event: str) -> None:
    log = os.environ.get(TRAIN_LOG_ENV)
    if log:  # one short O_APPEND write per line: lines from several processes never interleave
        with open(log, "a") as fh:
            fh.write(f"{spec.name} {event} {key[:16]} {os.getpid()}\n")


NONDETERMINISTIC = r".*does not have a deterministic implementation"


@contextlib.contextmanager
def recording_nondeterminism():
    """Collect the ops that ran without a deterministic implementation (torch's ``warn_only``
    alerts) into the yielded list; every other warning is shown as usual afterwards."""
    kernels: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", message=NONDETERMINISTIC)
        yield kernels
    for w in caught:
        text = str(w.message)
        if re.match(NONDETERMINISTIC, text):
            kernels.append(text.split(" does not have", 1)[0].strip())
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
