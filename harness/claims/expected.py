"""A typed view of ``expected/``: the report's numbers (with their sections) and the lab's facts.

``load_report()`` reads ``expected/report.toml`` (or another report's claims file in the same
format, for ``ledger --claims FILE``) and rejects a malformed or incomplete file with an error
naming the file, the key and the fix (``harness.claims.check``). ``load_thresholds()`` reads the suite's decision rules
(``expected/thresholds.toml``: significance level, effect size, equivalence margins).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.claims import check
from harness.claims.schema import Report
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


@dataclass(frozen=True)
class Significance:
    alpha: float  # one-sided level for C3; two-sided "no detectable difference" in C4; TOST level


@dataclass(frozen=True)
class Effect:
    large: float  # Hedges' g at or above which "much better" is a large effect


@dataclass(frozen=True)
class Equivalence:
    margin: float  # points: the band "consistent" is held to
    ladder: tuple[float, ...]  # margins tried, narrowest first
    power: float = 0.8  # target power for the seeds-needed figure


@dataclass(frozen=True)
class Thresholds:
    significance: Significance
    effect: Effect
    equivalence: Equivalence


def load_report(path: str | Path | None = None) -> Report:
    path = Path(path) if path else EXPECTED_DIR / "report.toml"
    try:
        raw = read_toml(path)
    except ConfigError as exc:
        if "not valid TOML" not in str(exc):
            raise
        raise ConfigError(f"{exc}; fix: correct the TOML syntax there (strings in quotes, lists in [...])") from None
    check.check(raw, str(path))
    return build(Report, {**raw, "path": str(path)}, str(path))


def load_lab(path: str | Path | None = None) -> LabFacts:
    path = Path(path) if path else EXPECTED_DIR / "lab.toml"
    return build(LabFacts, read_toml(path), str(path))


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """The sections of ``expected/thresholds.toml`` this module knows (others belong to the gate)."""
    path = Path(path) if path else EXPECTED_DIR / "thresholds.toml"
    raw = read_toml(path)
    known = {f: raw.get(f) for f in ("significance", "effect", "equivalence")}
    missing = [f for f, v in known.items() if v is None]
    if missing:
        raise ConfigError(f"{path}: missing section(s) {', '.join(f'[{m}]' for m in missing)}")
    t = build(Thresholds, known, str(path))
    eq = t.equivalence
    if not 0 < t.significance.alpha < 0.5:
        raise ConfigError(f"{path}: significance.alpha must be in (0, 0.5), got {t.significance.alpha}")
    if not eq.ladder or list(eq.ladder) != sorted(set(eq.ladder)) or eq.ladder[0] <= 0:
        raise ConfigError(f"{path}: equivalence.ladder must be positive margins, narrowest first: {list(eq.ladder)}")
    if eq.margin not in eq.ladder:
        raise ConfigError(f"{path}: equivalence.margin {eq.margin} is not on the ladder {list(eq.ladder)}")
    return t


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
