"""The claims file's numbers are percents: checks that name the value and the fix."""

from __future__ import annotations

import difflib
import math

from harness.core.config import ConfigError


def percents(values, where: str) -> None:
    """Accuracies in percent: none over 100 or below 0 or infinite, and no fraction among percents
    (NaN is let through: the rows that use it say what it keeps them from deciding)."""
    infinite = [v for v in values if math.isinf(v)]
    if infinite:
        raise ConfigError(f"{where} = {list(values)}: {infinite[0]} is not a percentage; fix: the value the report "
                          "prints (nan, only for a seed whose number is missing)")
    finite = [v for v in values if math.isfinite(v)]
    for v in finite:
        if not 0 <= v <= 100:
            raise ConfigError(f"{where}: {v:g} is {'over 100' if v > 100 else 'below 0'}; accuracies are "
                              f"percentages (0-100), e.g. 79.9 for 79.9%; fix: correct it")
    if finite and all(v <= 1 for v in finite):
        meant = [round(100 * v, 6) for v in values]
        raise ConfigError(f"{where} = {list(values)} are fractions, the claims file takes percentages; fix: write {meant}")
    small = [v for v in finite if v <= 1]
    if small and any(v > 1 for v in finite):
        raise ConfigError(f"{where} = {list(values)}: {small[0]:g} is a fraction among percentages; fix: write "
                          f"{round(100 * small[0], 6):g} (every value in percent)")


def used_cells(cells: dict, names, where: str) -> None:
    """Every cell a claim names must be in the file's [cells]."""
    for name in names:
        if name not in cells:
            meant = difflib.get_close_matches(name, list(cells), n=1, cutoff=0.6)
            raise ConfigError(f"{where}: cells names {name!r}, which the file's [cells] does not give"
                              + (f" (did you mean {meant[0]!r}?)" if meant else "") + "; fix: add "
                              f"[cells.\"{name}\"] with its seeds and accuracy, or list the claim in not_stated")
