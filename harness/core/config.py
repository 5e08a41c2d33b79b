"""Configs as data: encoder dimensions, training profiles (``profiles/*.toml``) and the LoRA spec.

Each dataclass documents its fields; :func:`load_profile` builds a :class:`Profile` from TOML and
rejects unknown, missing or mistyped fields with an error naming the file and the field.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.paths import PROFILES_DIR


PRECISIONS = ("auto", "fp32", "bf16")  # a run's numerics (harness/train/precision.py)
ADAM_RULES = ("fairseq", "torch")  # where Adam's eps enters (harness/train/optim.py)


class ConfigError(ValueError):
    """A config or expected-results file is malformed; the message names the file and field."""


@dataclass(frozen=True)
class EncoderConfig:
    """A RoBERTa encoder's dimensions (nanoGPT-style: one comment per field)."""

    vocab_size: int  # V: rows of the token embedding = len(fairseq dictionary), specials and <mask> included
    d_model: int  # d: embedding / hidden size
    d_ff: int  # feed-forward inner size
    max_positions: int  # P: longest sequence (fairseq --max-positions)
    layers: int  # L: transformer blocks
    heads: int  # attention heads; must divide d_model
    padding_idx: int = 1  # fairseq's <pad> id; positions are numbered from padding_idx + 1

    def __post_init__(self):
        for name in ("vocab_size", "d_model", "d_ff", "max_positions", "layers", "heads"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"EncoderConfig.{name} must be a positive integer, got {value!r}")
        if self.padding_idx < 0:
            raise ValueError(f"EncoderConfig.padding_idx must be >= 0, got {self.padding_idx!r}")
        if self.d_model % self.heads:
            raise ValueError(
                f"EncoderConfig: d_model={self.d_model} is not divisible by heads={self.heads}"
            )

    @property
    def position_rows(self) -> int:
        """Rows of fairseq's learned position table: P + padding_idx + 1 (the report's "P + 2")."""
        return self.max_positions + self.padding_idx + 1


@dataclass(frozen=True)
class DataSpec:
    source: str  # "pang-lee-en" | "amazon-fr" (embedded, fetched at set-up) | "dir" (--data DIR)
    max_tokens: int  # sequences are truncated to this many tokens, <s> and </s> included
    train: int = 0  # split sizes for embedded sources (0: derive from train_fraction)
    valid: int = 0
    test: int = 0
    train_fraction: float = 0.0  # amazon-fr: share of the deduplicated reviews for train+valid


@dataclass(frozen=True)
class TrainSpec:
    """One framework's optimisation recipe."""

    batch_size: int
    lr: float
    max_epochs: int
    adam_betas: tuple[float, float] = (0.9, 0.98)
    adam_eps: float = 1e-8
    weight_decay: float = 0.01
    scheduler: str = "polynomial_decay"
    warmup_updates: int = 0  # fairseq: absolute warmup (0: use warmup_ratio)
    warmup_ratio: float = 0.0  # share of total updates spent warming up
    total_updates: int = 0  # the scheduler's horizon (0: max_epochs x updates per epoch)
    dropout: float = 0.1
    clip_norm: float = 0.0
    precision: str = "auto"  # auto | fp32 | bf16 (bf16 autocast of the forward): harness/train/precision.py
    adam_rule: str = "fairseq"  # where Adam's eps enters: "fairseq" (its adam) | "torch" (AdamW): harness/train/optim.py
    inits: tuple[str, ...] = ()  # the inits this framework runs (empty: all of the profile's)

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.adam_rule not in ADAM_RULES:
            raise ValueError(f"adam_rule must be one of {ADAM_RULES}, got {self.adam_rule!r}")


@dataclass(frozen=True)
class SlurmSpec:
    """A profile's optional ``[slurm]`` table: what each job asks of the cluster when
    ``reproduce --executor slurm`` submits one job per cell (submitit, harness/runs/slurm.py). The
    ``--slurm-*`` options override each field. Not part of any run's cache key."""

    partition: str = ""  # sbatch --partition; "" for the cluster's default partition
    gpus: int = 0  # GPUs per job (submitit gpus_per_node); 0: the cell trains on the node's CPUs
    time_min: int = 60  # wall-clock limit per job in minutes (sbatch --time); past it the job dies, leaves no entry
    mem_gb: float = 8.0  # memory per job in GB (sbatch --mem)
    cpus: int = 0  # CPUs per job (cpus_per_task); 0: the profile's threads (1 when threads = 0)

    def __post_init__(self):
        for name in ("gpus", "time_min", "mem_gb", "cpus"):
            value = getattr(self, name)
            if value < 0 or (name == "time_min" and value == 0) or (name == "mem_gb" and value == 0):
                raise ValueError(f"slurm.{name} must be {'>= 0' if name in ('gpus', 'cpus') else '> 0'}, got {value!r}")


@dataclass(frozen=True)
class Profile:
    """A training scale: `smoke` (CPU, embedded data and encoder) or `lab` (the lab's recipe)."""

    name: str
    description: str
    data: DataSpec
    checkpoint: str  # "embedded" (the MiniLM imported to fairseq) or a fairseq model directory
    fairseq: TrainSpec
    hf: TrainSpec
    seeds: tuple[int, ...] = (0, 1, 2)
    inits: tuple[str, ...] = ("pretrained", "random")
    threads: int = 0  # torch intra-op threads (0: torch's default)
    gpu: bool = False  # needs CUDA (the lab scale)
    slurm: SlurmSpec = SlurmSpec()  # the [slurm] table: job resources for --executor slurm
    path: str = field(default="", compare=False)

    def inits_for(self, framework: str) -> tuple[str, ...]:
        """The inits ``framework`` runs: its own ``inits`` when set, else the profile's."""
        return getattr(self, framework).inits or self.inits


@dataclass(frozen=True)
class LoraSpec:
    """The arguments of peft's ``LoraConfig`` that the report explains."""

    r: int
    lora_alpha: float
    target_modules: tuple[str, ...]
    lora_dropout: float = 0.0
    bias: str = "none"
    task_type: str = "CAUSAL_LM"

    @property
    def scale(self) -> float:
        """The adapter's scaling factor alpha / r (the report: "the real scaling factor is alpha/r")."""
        return self.lora_alpha / self.r


def _coerce(tp, value, where: str):
    origin = typing.get_origin(tp)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        args = typing.get_args(tp)
        item = args[0]
        if len(args) == 2 and args[1] is not Ellipsis:
            if len(value) != 2:
                raise ConfigError(f"{where}: expected 2 values, got {value!r}")
        return tuple(_coerce(item, v, where) for v in value)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            try:
                return _coerce(arg, value, where)
            except ConfigError:
                pass
        raise ConfigError(f"{where}: {value!r} does not match {tp}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return build(tp, value, where)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is type(None) and value is None:
        return None
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
    return value


def build(cls, mapping: dict, where: str):
    """Build dataclass ``cls`` from a mapping; errors name ``where`` (file and table) and the field."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
    kwargs = {}
    for name, f in fields.items():
        if name in mapping:
            kwargs[name] = _coerce(hints[name], mapping[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}: missing required field {name!r}")
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def read_toml(path: Path) -> dict:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_profile(name_or_path: str | Path) -> Profile:
    """A profile by name (``smoke``, ``lab``) or by path to a TOML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
            raise ConfigError(f"unknown profile {str(name_or_path)!r}: give one of {known} "
                              "or the path of a profile TOML file")
    raw = read_toml(path)
    profile = build(Profile, {**raw, "path": str(path)}, str(path))
    bad = [i for fw in ("fairseq", "hf") for i in profile.inits_for(fw) if i not in ("pretrained", "random")]
    if bad:
        raise ConfigError(f"{path}: inits: unknown init(s) {bad} (pretrained, random)")
    return profile
