"""The claims file (``expected/report.toml``, ``ledger --claims FILE``) checked before it is read.

Every problem is one :class:`~harness.config.ConfigError` that names the file, the section and
key, what is wrong, and the fix (docs/bad-input.md, "Claims file"): missing or unknown sections
and keys, wrong types, accuracies that are not percentages (over 100, below 0, not a number, or
fractions where percents are expected -- the message gives the percentages that were meant),
per-seed lists whose length differs from the seed list, repeated seeds, an unknown bias meaning.
"""

from __future__ import annotations

import dataclasses
import math
import typing

from harness.claims.schema import FairseqClaim, HFClaim, LoraClaim, ParamsClaim
from harness.core.config import ConfigError

SECTIONS = ("params", "fairseq", "hf", "lora")
TOP_KEYS = {"source": str}
BIAS_MEANINGS = ("adapters", "base_layers")
# Per-seed accuracy lists (percent) and single accuracies (percent), by section.
PER_SEED = {"fairseq": ("pretrained", "random"), "hf": ("pretrained",)}
PERCENT = {"fairseq": ("stated_mean_pretrained", "stated_mean_random")}
KINDS = {int: "an integer", float: "a number", str: "a string"}
HINT = "docs/ledger.md, the claims file"


def _kind(tp) -> str:
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        return "a list of integers" if item is int else "a list of numbers"
    return KINDS.get(tp, getattr(tp, "__name__", str(tp)))


def _example(tp) -> str:
    if typing.get_origin(tp) is tuple:
        return "[...]"
    return {str: '"..."', int: "<an integer> (no quotes)", float: "<a number> (no quotes)"}.get(tp, "...")


def _fits(tp, v) -> bool:
    if typing.get_origin(tp) is tuple:
        return isinstance(v, list) and all(_fits(typing.get_args(tp)[0], x) for x in v)
    if isinstance(v, bool):
        return False
    if tp is float:
        return isinstance(v, (int, float))
    return isinstance(v, tp)


def _section_classes() -> dict:
    return dict(zip(SECTIONS, (ParamsClaim, FairseqClaim, HFClaim, LoraClaim)))


def check(raw: dict, where: str) -> None:
    """Raise one ConfigError (file, key, fix) for the first problem of a parsed claims file."""
    classes = _section_classes()
    for key, value in raw.items():
        if key in TOP_KEYS:
            if not isinstance(value, TOP_KEYS[key]):
                raise ConfigError(f"{where}: {key} = {value!r}: expected a string; fix: write {key} = \"...\"")
        elif key not in classes:
            what = f"unknown section [{key}]" if isinstance(value, dict) else f"unknown key {key!r}"
            raise ConfigError(f"{where}: {what}; fix: remove it or rename it to one of "
                              + ", ".join(f"[{s}]" for s in SECTIONS))
    for key in TOP_KEYS:
        if key not in raw:
            raise ConfigError(f"{where}: {key}: missing; fix: add '{key} = \"...\"' at the top")
    for name, cls in classes.items():
        if name not in raw:
            raise ConfigError(f"{where}: missing section [{name}]; fix: add [{name}] with its keys ({HINT})")
        table = raw[name]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {name} = {table!r}: expected a section; fix: write [{name}] and its keys")
        _check_section(table, name, cls, where)
    _check_values(raw, where)


def _check_section(table: dict, name: str, cls, where: str) -> None:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls)]
    known = [f.name for f in fields]
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}: [{name}] {key}: unknown key; fix: remove it or correct its name "
                              f"(keys: {', '.join(known)})")
    for f in fields:
        tp = hints[f.name]
        if f.name not in table:
            if f.default is dataclasses.MISSING:
                raise ConfigError(f"{where}: [{name}] {f.name}: missing; fix: add "
                                  f"'{f.name} = <{_kind(tp)}>' under [{name}]")
            continue
        value = table[f.name]
        if not _fits(tp, value):
            raise ConfigError(f"{where}: [{name}] {f.name} = {value!r}: expected {_kind(tp)}; "
                              f"fix: write {f.name} = {_example(tp)}")


def _percent(value: float, where: str, name: str, key: str) -> None:
    if math.isnan(value):
        problem = f"{value} is not a number"
    elif value > 100:
        problem = f"{value} is over 100"
    elif value < 0:
        problem = f"{value} is below 0"
    else:
        return
    raise ConfigError(f"{where}: [{name}] {key}: {problem}; accuracies are percentages (0-100), e.g. 79.9 "
                      f"for 79.9%; fix: correct it (a fraction 0.799 is written 79.9)")


def _check_values(raw: dict, where: str) -> None:
    for name in PER_SEED:
        seeds = raw[name]["seeds"]
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        if repeated:
            raise ConfigError(f"{where}: [{name}] seeds = {seeds}: seed {repeated[0]} repeats; fix: list each seed once")
        for key in PER_SEED[name]:
            values = raw[name][key]
            if len(values) != len(seeds):
                raise ConfigError(f"{where}: [{name}] {key} has {len(values)} values for {len(seeds)} seeds "
                                  f"{seeds}; fix: give one value per seed, in the order of [{name}] seeds")
            for v in values:
                _percent(float(v), where, name, key)
            if values and all(v <= 1.0 for v in values):
                meant = [round(100 * v, 6) for v in values]
                raise ConfigError(f"{where}: [{name}] {key} = {values} are fractions, the claims file takes "
                                  f"percentages; fix: write {key} = {meant}")
    for name, keys in PERCENT.items():
        for key in keys:
            v = raw[name][key]
            _percent(float(v), where, name, key)
            if v <= 1.0:
                raise ConfigError(f"{where}: [{name}] {key} = {v} is a fraction, the claims file takes "
                                  f"percentages; fix: write {key} = {round(100 * v, 6):g}")
    meaning = raw["lora"]["bias_applies_to"]
    if meaning not in BIAS_MEANINGS:
        raise ConfigError(f"{where}: [lora] bias_applies_to = {meaning!r}: expected one of "
                          + ", ".join(repr(m) for m in BIAS_MEANINGS)
                          + "; fix: write \"adapters\" if the report says bias acts on A and B, "
                          "\"base_layers\" if on the base model's biases")
