"""A run and what it produced: :class:`RunSpec` (profile, framework, init, seed) and
:class:`RunResult`, the one schema every framework's runner returns, the run cache stores and the
results directory holds. Results are JSON files validated on read: an error names the file and field.

Accuracies are fractions in [0, 1]. Besides its accuracies a result keeps, per epoch, the predicted
label of every validation sentence (``valid_predictions``, one character per sentence in file order)
and the gold labels (``valid_labels``), so that two epochs can be compared sentence by sentence
(the paired test behind the best-epoch claim).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from harness.core import atomic
from harness.core.config import ConfigError, build

SCHEMA_VERSION = 2  # 2: per-epoch validation predictions


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
    valid_predictions: tuple[str, ...] = ()  # per epoch, the predicted label of each validation sentence (file order)
    valid_labels: str = ""  # the validation split's gold labels, one character each (file order)
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
        if self.valid_predictions:
            self._check_predictions()
        if self.schema != SCHEMA_VERSION:
            raise ValueError(f"schema version {self.schema}, this harness reads {SCHEMA_VERSION}: "
                             "recompute it with this harness (python -m harness reproduce)")

    def _check_predictions(self) -> None:
        """The stored predictions agree with the stored accuracies, epoch by epoch."""
        if len(self.valid_predictions) != len(self.valid_accuracy):
            raise ValueError(f"valid_predictions has {len(self.valid_predictions)} epochs, "
                             f"valid_accuracy {len(self.valid_accuracy)}")
        n = len(self.valid_labels)
        for epoch, predicted in enumerate(self.valid_predictions, 1):
            if len(predicted) != n:
                raise ValueError(f"valid_predictions epoch {epoch}: {len(predicted)} sentences, valid_labels {n}")
            correct = sum(p == g for p, g in zip(predicted, self.valid_labels))
            if abs(correct / n - self.valid_accuracy[epoch - 1]) > 1e-9:
                raise ValueError(f"valid_predictions epoch {epoch}: {correct}/{n} correct, but valid_accuracy "
                                 f"says {self.valid_accuracy[epoch - 1]}")

    def correct(self, epoch: int) -> list[bool]:
        """Per validation sentence (file order): was the prediction of ``epoch`` (1-based) right?"""
        if not self.valid_predictions:
            raise ValueError(f"{self.spec.name}: no per-sentence validation predictions stored")
        return [p == g for p, g in zip(self.valid_predictions[epoch - 1], self.valid_labels)]

    @property
    def test_se(self) -> float:
        a = self.test_accuracy
        return (a * (1 - a) / self.test_size) ** 0.5

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def read_result(raw, where: str) -> RunResult:
    """A result from its JSON form (the file or cache entry ``where``, named in errors)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    return build(RunResult, raw, where)


def save_result(path: str | Path, result: RunResult) -> Path:
    return atomic.write_json(path, result.to_dict())


def load_result(path: str | Path) -> RunResult:
    return read_result(atomic.read_json(path), str(path))
