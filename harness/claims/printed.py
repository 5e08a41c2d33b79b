"""A report's printed aggregates (C6, "81.1% (± 0.02%)"): which convention prints the per-seed
table as the report's own characters. Exact arithmetic throughout (no binary float decides a digit).

- :func:`parse`: a printed number as the report prints it ("80.0%", "0.003") -> :class:`Number`,
  its value as a Decimal, its decimal places (from its characters: "80.0" has one, "80" none) and
  whether a % sign follows it. Anything else (a TOML float, "nan", "inf") is a ``ValueError``.
  :func:`as_quoted`: how the claim's quote prints the same number when it prints it otherwise
  (the claims file then disagrees with the report's words, and is refused).
- :data:`CONVENTIONS`: the spread as the SD (ddof 0: population, 1: sample) or the standard error
  SD/√n, in accuracy points (as the table) or as a fraction (points / 100).
- :func:`conventions_reproducing`: every convention under which the per-seed values print as the
  stated mean and spread at their stated precision. The mean and the variances are exact rationals
  (each per-seed value is read as the decimal it is written as); a square root is exact when it is
  rational, else computed to 60 digits (it is then irrational: never a rounding tie). A printed
  digit matches when the exact value rounds to it half up or half to even (either rule is a correct
  printing of a tie such as 80.05 -> "80.1" or "80.0").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

UNITS = {"points": Fraction(1), "fraction": Fraction(1, 100)}
KINDS = ("SD", "SE")  # the spread: a standard deviation, or the standard error of the mean (SD / sqrt(n))
CONVENTIONS = tuple((kind, ddof, unit) for kind in KINDS for ddof in (0, 1) for unit in UNITS)
NAMES = {("SD", 0): "population SD", ("SD", 1): "sample SD",
         ("SE", 0): "SE (population SD/√n)", ("SE", 1): "SE (sample SD/√n)"}
NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(%?)")


@dataclass(frozen=True)
class Number:
    text: str  # as the report prints it, e.g. "0.02%"
    value: Decimal  # 0.02
    places: int  # decimal places printed: 2
    percent: bool  # a % sign follows it


def parse(text) -> Number:
    """A printed number from its characters; ``ValueError`` (what is wrong) for anything else."""
    if isinstance(text, (int, float)) and not math.isfinite(text):
        raise ValueError(f"{text!r} is not a finite number")
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is a TOML number, which drops the printed precision (80.0 reads as 80, 0.10 "
                         "as 0.1)")
    m = NUMBER.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a number as printed (digits, an optional decimal point and digits, an "
                         "optional % sign; finite)")
    digits = m.group(1)
    return Number(text.strip(), Decimal(digits), len(digits.split(".")[1]) if "." in digits else 0, bool(m.group(2)))


TOKEN = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(\s*%)?")


def as_quoted(text: str, quote: str) -> str | None:
    """How ``quote`` prints the number ``text`` stands for, when it prints it only otherwise (other
    digits for the same value, "80.0" for "80"; or its % sign differently); None when the quote
    prints it the same way, or not at all."""
    number = parse(text)
    digits = number.text.rstrip("% ")
    same = [m for m in TOKEN.finditer(quote) if Decimal(m.group(1)) == number.value]
    if not same or any(m.group(1) == digits and bool(m.group(2)) == number.percent for m in same):
        return None
    return same[0].group(0).replace(" ", "")


def name(convention: tuple[str, int, str]) -> str:
    kind, ddof, unit = convention
    return f"{NAMES[kind, ddof]} {'in points' if unit == 'points' else 'as a fraction'}"


def _exact(values) -> list[Fraction]:
    out = []
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"per-seed values must be finite, got {list(values)}")
        out.append(Fraction(Decimal(repr(float(v)))))
    return out


def _sqrt(x: Fraction) -> Fraction:
    """sqrt(x): exact when rational, else to 60 significant digits (irrational: never a tie)."""
    rn, rd = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if rn * rn == x.numerator and rd * rd == x.denominator:
        return Fraction(rn, rd)
    with localcontext() as ctx:
        ctx.prec = 60
        return Fraction((Decimal(x.numerator) / Decimal(x.denominator)).sqrt())


def _prints_as(x: Fraction, number: Number) -> bool:
    """Does ``x`` round to the printed number at its places, half up or half to even?"""
    scaled = x * 10 ** number.places
    low = math.floor(scaled)
    rest = scaled - low
    up = low + 1 if rest >= Fraction(1, 2) else low
    even = low + 1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and low % 2) else low
    target = Fraction(number.value) * 10 ** number.places
    return target in (up, even)


def spreads(values) -> dict[tuple[str, int], Fraction]:
    """(kind, ddof) -> the spread in points, exactly (irrational roots to 60 digits)."""
    xs = _exact(values)
    n = len(xs)
    mean = sum(xs) / n
    ss = sum((x - mean) ** 2 for x in xs)
    return {(kind, ddof): _sqrt(ss / (n - ddof) / (n if kind == "SE" else 1)) for kind in KINDS for ddof in (0, 1)}


def conventions_reproducing(values_points, mean: Number, spread: Number) -> list[tuple[str, int, str]]:
    """Every convention of :data:`CONVENTIONS` under which the per-seed values (points, at least 2)
    print as the stated mean (points) and spread; empty when none does."""
    xs = _exact(values_points)
    if len(xs) < 2:
        raise ValueError(f"a spread needs at least 2 seeds, got {list(values_points)}")
    if not _prints_as(sum(xs) / len(xs), mean):
        return []
    found = spreads(values_points)
    return [c for c in CONVENTIONS if _prints_as(found[c[:2]] * UNITS[c[2]], spread)]
