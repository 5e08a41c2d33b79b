"""A typed view of ``expected/``: the report's numbers (with their sections) and the lab's facts.

``load_report()`` reads ``expected/report.toml`` (or another report's claims file in the same
format, for ``ledger --claims FILE``) and rejects a malformed or incomplete file with an error
naming the file, the key and the fix (``harness.claims_file``). ``load_thresholds()`` reads the suite's decision rules
(``expected/thresholds.toml``: significance level, effect size, equivalence margins).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness import EXPECTED_DIR, claims_file
from harness.config import ConfigError, EncoderConfig, build, read_toml


@dataclass(frozen=True)
class ParamsClaim:  # C1
    section: str
    vocab_size: int
    d_model: int
    d_ff: int
    max_positions: int
    layers: int
    stated_total: int


@dataclass(frozen=True)
class FairseqClaim:  # C2, C3, C6
    section: str
    seeds: tuple[int, ...]
    pretrained: tuple[float, ...]  # test accuracy (%) per seed
    random: tuple[float, ...]
    stated_mean_pretrained: float
    stated_spread_pretrained: float
    stated_mean_random: float
    stated_spread_random: float
    claim: str
    best_epoch: int = 0
    best_updates: int = 0


@dataclass(frozen=True)
class HFClaim:  # C4
    section: str
    seeds: tuple[int, ...]
    pretrained: tuple[float, ...]
    claim: str


@dataclass(frozen=True)
class LoraClaim:  # C5
    section: str
    scale: str
    target: str
    bias: str
    bias_applies_to: str  # what the report says bias acts on: "adapters" (A and B) or "base_layers"
    task_type: str


@dataclass(frozen=True)
class Report:
    source: str
    params: ParamsClaim
    fairseq: FairseqClaim
    hf: HFClaim
    lora: LoraClaim
    path: str = ""

    def encoder(self, heads: int, padding_idx: int = 1) -> EncoderConfig:
        """The encoder the report counts (heads are not in the report: the lab's facts give them)."""
        p = self.params
        return EncoderConfig(
            vocab_size=p.vocab_size,
            d_model=p.d_model,
            d_ff=p.d_ff,
            max_positions=p.max_positions,
            layers=p.layers,
            heads=heads,
            padding_idx=padding_idx,
        )


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
    claims_file.check(raw, str(path))
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
