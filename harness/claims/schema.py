"""What a claims file may state, relation by relation: each relation's parameters as a dataclass
(read from a ``[[claim]]`` table), the rule parameters a claim inherits from the report under test's
claim of the same id, and the checks that reject a bad value with the fix. Light on purpose: reading
and checking a claims file imports no statistics library (``harness.claims.relations`` evaluates).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from harness.claims import lora
from harness.claims.expected import load_lab
from harness.claims.units import percents, used_cells
from harness.core.config import ConfigError, EncoderConfig


# --- count -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoder:
    vocab_size: int  # V
    d_model: int  # d
    d_ff: int
    max_positions: int  # P
    layers: int  # L


@dataclass(frozen=True)
class Count:
    total: int  # the stated number of parameters
    encoder: Encoder  # the dimensions the report counts with


def encoder_config(params: Count) -> EncoderConfig:
    """The encoder the report counts (heads and padding are the lab's facts, not the report's)."""
    lab = load_lab().encoder
    return EncoderConfig(**dataclasses.asdict(params.encoder), heads=lab.heads, padding_idx=lab.padding_idx)


def check_count(params: Count, cells: dict, where: str) -> None:
    if params.total <= 0:
        raise ConfigError(f"{where}: total = {params.total}; fix: the stated number of parameters, > 0")
    try:
        encoder_config(params)
    except ValueError as exc:
        raise ConfigError(f"{where}: encoder: {exc}") from None


# --- values ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Values:
    cells: tuple[str, ...]  # the report's cells this table states
    profile: str  # the fresh runs it is compared with (on the report's own files)
    margin: float  # points: each cell's fresh mean within ±margin of the report's


def check_values(params: Values, cells: dict, where: str) -> None:
    if not params.margin > 0:
        raise ConfigError(f"{where}: margin = {params.margin}; fix: a margin in points > 0 (docs/ledger.md)")
    used_cells(cells, params.cells, where)


# --- best_epoch --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BestEpoch:
    cells: tuple[str, ...]  # the cells whose runs the statement covers
    profile: str  # the fresh runs it is judged on
    epoch: int  # the stated best epoch
    updates: int = 0  # the stated training steps at that epoch (0: not stated)


def check_best_epoch(params: BestEpoch, cells: dict, where: str) -> None:
    if params.epoch < 1 or params.updates < 0:
        raise ConfigError(f"{where}: epoch = {params.epoch}, updates = {params.updates}; fix: epoch >= 1, updates >= 0")


# --- superiority -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Superiority:
    cells: tuple[str, str]  # (a, b): "a is much better than b"
    delta: float  # points: the smallest difference that is "much better"
    learned: str = ""  # on fresh runs, the cell that must have learned (the random init)


def check_superiority(params: Superiority, cells: dict, where: str) -> None:
    if not params.delta > 0:
        raise ConfigError(f"{where}: delta = {params.delta}; fix: a difference in points > 0 (docs/ledger.md)")
    if params.learned and params.learned not in params.cells:
        raise ConfigError(f"{where}: learned = {params.learned!r} is not one of cells {list(params.cells)}")
    used_cells(cells, params.cells, where)


# --- equivalence -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equivalence:
    cells: tuple[str, str]  # (a, b): "a is consistent with b"
    margin: float  # points: "consistent" = |mean(a) - mean(b)| < margin


def check_equivalence(params: Equivalence, cells: dict, where: str) -> None:
    if not params.margin > 0:
        raise ConfigError(f"{where}: margin = {params.margin}; fix: a margin in points > 0 (docs/ledger.md)")
    used_cells(cells, params.cells, where)


# --- lora_statement ----------------------------------------------------------------------------------


STATES = {"r": ("rank",), "lora_dropout": ("adapters", "input"),
          "bias": ("adapters", "base_layers", "none", "lora_only", "all"), "lora_alpha": None,
          "target_modules": None, "task_type": None}  # None: free text, checked when evaluated


@dataclass(frozen=True)
class LoraStatement:
    argument: str  # the LoraConfig argument the statement is about
    states: str  # what the statement says it does (see the module's docstring)
    reading: str  # what the report's words are read to assert


def check_lora_statement(params: LoraStatement, cells: dict, where: str) -> None:
    if params.argument not in STATES:
        raise ConfigError(f"{where}: argument = {params.argument!r}; fix: one of {', '.join(STATES)}")
    allowed = STATES[params.argument]
    if allowed and params.states not in allowed:
        raise ConfigError(f"{where}: states = {params.states!r} for {params.argument}; fix: one of {', '.join(allowed)}")
    if params.argument == "lora_alpha":
        lora.evaluate_scale(params.states, 1.0, 1.0)  # a ConfigError names what it cannot read


# --- aggregate ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    cell: str  # the cell whose per-seed numbers are aggregated
    mean: float  # the printed mean (percent)
    spread: float  # the printed "±" (as printed, with its % sign dropped)


@dataclass(frozen=True)
class Aggregate:
    printed: tuple[Printed, ...]


def check_aggregate(params: Aggregate, cells: dict, where: str) -> None:
    used_cells(cells, [x.cell for x in params.printed], where)
    percents([x.mean for x in params.printed], f"{where}: printed mean")


@dataclass(frozen=True)
class Schema:
    params: type  # the relation's parameters
    rule: tuple[str, ...]  # those a claim inherits from the report under test's claim of its id
    check: object  # check(params, cells, where): a ConfigError naming the key and the fix


SCHEMAS = {
    "count": Schema(Count, (), check_count),
    "values": Schema(Values, ("cells", "profile", "margin"), check_values),
    "best_epoch": Schema(BestEpoch, ("cells", "profile"), check_best_epoch),
    "superiority": Schema(Superiority, ("cells", "delta", "learned"), check_superiority),
    "equivalence": Schema(Equivalence, ("cells", "margin"), check_equivalence),
    "lora_statement": Schema(LoraStatement, (), check_lora_statement),
    "aggregate": Schema(Aggregate, (), check_aggregate),
}
