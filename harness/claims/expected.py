"""A typed view of the lab's facts in ``expected/`` that are not the report's claims: the encoder's
facts (``lab.toml``) and the accuracy bands of the suite's own runs (``bands.toml``). The report's
numbers and claims are the claims file (``harness.claims.claimsfile``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError, build, read_toml
from harness.core.paths import EXPECTED_DIR


@dataclass(frozen=True)
class EncoderFacts:
    heads: int
    padding_idx: int
    full_params: int
    hf_pooler_params: int


@dataclass(frozen=True)
class ScheduleFacts:
    train_size: int
    batch_size: int
    epochs: int


@dataclass(frozen=True)
class LabFacts:
    encoder: EncoderFacts
    schedule: ScheduleFacts


def load_lab(path: str | Path | None = None) -> LabFacts:
    path = Path(path) if path else EXPECTED_DIR / "lab.toml"
    return build(LabFacts, read_toml(path), str(path))


@dataclass(frozen=True)
class Band:
    """Where a fresh run's test accuracy (a fraction) is expected, and how that was established."""

    test_accuracy: tuple[float, float]  # [low, high], inclusive
    how: str  # how the band was set (what was measured, where, and the margin added)
    measured: tuple[float, ...] = ()  # the per-seed test accuracies the band was set from
    provisional: bool = False  # not yet measured at this scale: a guess to be replaced


def load_bands(path: str | Path | None = None) -> dict[tuple[str, str, str], Band]:
    """``expected/bands.toml``: ``[profile.framework.init]`` tables -> ``{(profile, framework, init): Band}``."""
    path = Path(path) if path else EXPECTED_DIR / "bands.toml"
    out = {}
    for profile, frameworks in read_toml(path).items():
        for framework, inits in frameworks.items():
            for init, table in inits.items():
                where = f"{path}: [{profile}.{framework}.{init}]"
                band = build(Band, table, where)
                lo, hi = band.test_accuracy
                if not 0.0 <= lo < hi <= 1.0:
                    raise ConfigError(f"{where}: test_accuracy must be [low, high] fractions, got {[lo, hi]}")
                out[(profile, framework, init)] = band
    return out
