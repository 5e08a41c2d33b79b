"""Run specs and results: the one schema every framework's runner returns, with atomic JSON I/O.

A :class:`RunSpec` names one fine-tune (profile, framework, init, seed); a :class:`RunResult` is
what it produced. Results are JSON files validated on read: an error names the file and field.
The on-disk cache (keyed by a hash of everything that determines a run) is built on these.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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
            raise ValueError(f"schema version {self.schema}, this harness reads {SCHEMA_VERSION}")

    @property
    def test_se(self) -> float:
        a = self.test_accuracy
        return (a * (1 - a) / self.test_size) ** 0.5

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def write_json_atomic(path: str | Path, payload) -> Path:
    """Write JSON via a temp file in the same directory and ``os.replace``: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_json(path: str | Path):
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); truncated or corrupt?") from None


def save_result(path: str | Path, result: RunResult) -> Path:
    return write_json_atomic(path, result.to_dict())


def load_result(path: str | Path) -> RunResult:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    return build(RunResult, raw, str(path))
