"""What a claims file may state, relation by relation: each relation's parameters as a dataclass
(read from a ``[[claim]]`` table), the rule parameters a claim inherits from the report under test's
claim of the same id, and the checks that reject a bad value with the fix. Light on purpose: reading
and checking a claims file imports no statistics library (``harness.claims.relations`` evaluates).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from harness.claims import lora, printed
from harness.claims.problems import suggest
from harness.claims.expected import load_lab
from harness.claims.units import percents, used_cells
from harness.core.config import ConfigError, EncoderConfig


# --- count -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoder:
    vocab_size: int  # V, the token embedding's rows (the lab's 32,000)
    d_model: int  # d, the hidden size (the lab's 512)
    d_ff: int  # the feed-forward inner size (the lab's 512)
    max_positions: int  # P, the longest sequence (the lab's 256)
    layers: int  # L, the transformer blocks (the lab's 4)


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
    docs = {"vocab_size": "V, the token embedding's rows", "d_model": "d, the hidden size",
            "d_ff": "the feed-forward inner size", "max_positions": "P, the longest sequence", "layers": "L, the blocks"}
    for key, meaning in docs.items():
        value = getattr(params.encoder, key)
        if value <= 0:
            raise ConfigError(f"{where}: encoder.{key} = {value}; fix: {meaning}, a positive integer, as the report "
                              "states it")
    heads = load_lab().encoder.heads
    if params.encoder.d_model % heads:
        raise ConfigError(f"{where}: encoder.d_model = {params.encoder.d_model} is not divisible by the lab's {heads} "
                          f"heads; fix: the report's d (the lab's 512), a multiple of {heads}")
    try:
        encoder_config(params)
    except ValueError as exc:  # any other check of the dimensions, without the harness's class name
        raise ConfigError(f"{where}: encoder: {str(exc).replace('EncoderConfig.', '').replace('EncoderConfig: ', '')}; "
                          "fix: the dimensions the report states") from None


# --- values ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Values:
    cells: tuple[str, ...]  # the report's cells this table states
    profile: str  # the fresh runs it is compared with (on the report's own files)
    margin: float  # points: each cell's fresh mean within ±margin of the report's


def points_above_zero(value: float, key: str, where: str, what: str) -> None:
    """A margin or delta: a finite number of points above 0 (inf, NaN, 0 and negatives mean nothing)."""
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{where}: {key} = {value}; fix: {what} in points, a finite number > 0 (docs/ledger.md)")


def distinct_cells(names, where: str) -> None:
    """A claim's cells are different cells: one compared with itself states nothing."""
    if len(set(names)) != len(names):
        twice = next(n for n in names if list(names).count(n) > 1)
        if len(names) == 2:
            raise ConfigError(f"{where}: cells = {list(names)} compares {twice!r} with itself; fix: name two "
                              "different cells")
        raise ConfigError(f"{where}: cells = {list(names)} lists {twice!r} twice; fix: name each cell once")


def check_values(params: Values, cells: dict, where: str) -> None:
    points_above_zero(params.margin, "margin", where, "a margin")
    distinct_cells(params.cells, where)
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
    distinct_cells(params.cells, where)


# --- superiority -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Superiority:
    cells: tuple[str, str]  # (a, b): "a is much better than b"
    delta: float  # points: the smallest difference that is "much better"
    learned: str = ""  # on fresh runs, the cell that must have learned (the random init)


def check_superiority(params: Superiority, cells: dict, where: str) -> None:
    points_above_zero(params.delta, "delta", where, "a difference")
    distinct_cells(params.cells, where)
    if params.learned and params.learned not in params.cells:
        raise ConfigError(f"{where}: learned = {params.learned!r} is not one of cells {list(params.cells)}; fix: name "
                          "one of them, or learned = \"\" for no check")
    used_cells(cells, params.cells, where)


# --- equivalence -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equivalence:
    cells: tuple[str, str]  # (a, b): "a is consistent with b"
    margin: float  # points: "consistent" = |mean(a) - mean(b)| < margin


def check_equivalence(params: Equivalence, cells: dict, where: str) -> None:
    points_above_zero(params.margin, "margin", where, "a margin")
    distinct_cells(params.cells, where)
    used_cells(cells, params.cells, where)


# --- lora_statement ----------------------------------------------------------------------------------


STATES = {"r": ("rank",), "lora_dropout": ("adapters", "input"),
          "bias": ("adapters", "base_layers", "none", "lora_only", "all"), "lora_alpha": None,
          "target_modules": None, "task_type": None}  # None: free text, checked when evaluated
FREE = {"lora_alpha": "an expression in r and lora_alpha, the factor B·A is scaled by (e.g. \"lora_alpha / r\")",
        "target_modules": "a word every adapted module's name contains (e.g. \"attention\")",
        "task_type": "a peft task type (e.g. \"CAUSAL_LM\")"}
OTHER = "other:"  # states = "other: <the report's words>": a statement none of the above, recorded and REFUTED
ALIASES = {"alpha": "lora_alpha", "target": "target_modules", "dropout": "lora_dropout"}  # C5.<alias> -> argument


@dataclass(frozen=True)
class LoraStatement:
    argument: str  # the LoraConfig argument the statement is about: r, lora_alpha, target_modules,
    # lora_dropout, bias or task_type
    states: str  # what the report says it does: for r "rank"; lora_dropout "adapters" or "input"; bias
    # "adapters", "base_layers", "none", "lora_only" or "all"; lora_alpha an expression in r and lora_alpha;
    # target_modules a word the adapted modules' names contain; task_type a peft task type; or
    # "other: <the report's words>" for a statement that is none of these (judged REFUTED)
    reading: str = ""  # what the report's words are read to assert: shown in the row, it does not decide

    @property
    def other(self) -> str:
        """The report's words of a statement that is none of the checkable ones ("" otherwise)."""
        return self.states[len(OTHER):].strip() if self.states.startswith(OTHER) else ""


def implied_argument(cid: str) -> dict:
    """The argument a C5 claim's id names: C5.r -> r, C5.dropout -> lora_dropout, C5.bias_none -> bias."""
    suffix = cid.split(".", 1)[1] if "." in cid else ""
    for word in (suffix, suffix.split("_")[0]):
        name = ALIASES.get(word, word)
        if name in STATES:
            return {"argument": name}
    return {}


def allowed_states(argument: str) -> str:
    allowed = STATES.get(argument)
    said = ", ".join(allowed) if allowed else FREE.get(argument, "free text")
    return f"{said}, or \"{OTHER} <the report's words>\" for a statement that is none of these (judged REFUTED)"


def check_lora_statement(params: LoraStatement, cells: dict, where: str) -> None:
    if params.argument not in STATES:
        meant = suggest(ALIASES.get(params.argument, params.argument), STATES)
        raise ConfigError(f"{where}: argument = {params.argument!r}{meant}; fix: one of {', '.join(STATES)}")
    if not params.states.strip():
        raise ConfigError(f"{where}: states = '' states nothing; fix: one of {allowed_states(params.argument)}")
    if params.states.startswith(OTHER):
        if not params.other:
            raise ConfigError(f"{where}: states = {params.states!r} gives no words; fix: write the report's statement "
                              f"after \"{OTHER}\", e.g. states = \"{OTHER} r is the number of layers\"")
        return
    allowed = STATES[params.argument]
    if allowed and params.states not in allowed:
        meant = suggest(params.states, allowed)
        raise ConfigError(f"{where}: states = {params.states!r} for {params.argument}{meant}; fix: one of "
                          f"{allowed_states(params.argument)}")
    if params.argument == "lora_alpha":
        try:
            lora.evaluate_scale(params.states, 1.0, 1.0)
        except (ConfigError, SyntaxError, ZeroDivisionError):
            raise ConfigError(f"{where}: states = {params.states!r} for lora_alpha is not an expression the suite can "
                              f"evaluate; fix: one of {allowed_states('lora_alpha')}") from None


# --- aggregate ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    cell: str  # the cell whose per-seed numbers are aggregated
    mean: str  # the printed mean, as the report prints it: "81.1%" (its digits are its precision)
    spread: str  # the printed "±", as printed: "0.02%" ("0.02" when the report prints no % sign)

    def numbers(self) -> tuple[printed.Number, printed.Number]:
        return printed.parse(self.mean), printed.parse(self.spread)


@dataclass(frozen=True)
class Aggregate:
    printed: tuple[Printed, ...]  # one table per cell whose mean and spread the report prints


def check_printed_text(table: dict, where: str, quote: str = "") -> None:
    """Before the parameters are built: every printed number is the report's characters, a string;
    where the quote prints the same number, it prints it with the same characters (digits, % sign)."""
    raw = table.get("printed")
    for i, entry in enumerate(raw if isinstance(raw, list) else [], 1):
        for key in ("mean", "spread") if isinstance(entry, dict) else ():
            if key not in entry:
                continue
            value = entry[key]
            try:
                printed.parse(value)
            except ValueError as exc:
                eg = f"{value!r}" if isinstance(value, (int, float)) and math.isfinite(value) else "80.0"
                raise ConfigError(
                    f"{where}: printed[{i}].{key} = {value!r} " + str(exc).split(" ", 1)[1] + f"; fix: write the "
                    f"report's characters in quotes, e.g. {key} = \"{eg}%\" (every digit it prints, and the % sign "
                    "only where it prints one)") from None
            in_quote = printed.as_quoted(value, quote)
            if in_quote is not None:
                raise ConfigError(f"{where}: printed[{i}].{key} = \"{value}\", but the quote prints it \"{in_quote}\"; fix: "
                                  f"write {key} = \"{in_quote}\", the report's characters (or correct the quote)")


def check_aggregate(params: Aggregate, cells: dict, where: str) -> None:
    used_cells(cells, [x.cell for x in params.printed], where)
    percents([float(x.numbers()[0].value) for x in params.printed], f"{where}: printed mean")


@dataclass(frozen=True)
class Schema:
    params: type  # the relation's parameters
    rule: tuple[str, ...]  # those a claim inherits from the report under test's claim of its id
    check: object  # check(params, cells, where): a ConfigError naming the key and the fix
    check_text: object = None  # check_text(table, where, quote), before the parameters are built from the table
    uses: tuple[str, ...] = ()  # the file's [rules] its verdict is decided at (alpha, power)
    implied: tuple[str, ...] = ()  # those the claim's id implies when not written (``imply(id)``)
    imply: object = None

    @property
    def marked(self) -> tuple[str, ...]:
        """The rule parameters whose own value marks the verdict (cells are what the claim is about)."""
        return tuple(k for k in self.rule if k != "cells")


SCHEMAS = {
    "count": Schema(Count, ("encoder",), check_count),
    "values": Schema(Values, ("cells", "profile", "margin"), check_values, uses=("alpha", "power")),
    "best_epoch": Schema(BestEpoch, ("cells", "profile", "epoch"), check_best_epoch, uses=("alpha",)),
    "superiority": Schema(Superiority, ("cells", "delta", "learned"), check_superiority, uses=("alpha",)),
    "equivalence": Schema(Equivalence, ("cells", "margin"), check_equivalence, uses=("alpha", "power")),
    "lora_statement": Schema(LoraStatement, (), check_lora_statement, implied=("argument",), imply=implied_argument),
    "aggregate": Schema(Aggregate, (), check_aggregate, check_printed_text),
}
