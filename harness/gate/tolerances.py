"""The gate's regimes as measured (``expected/results/tolerances.toml``): validated, with the moves
each tolerance rests on and the rule that turns them into tolerances.

Per scale (a profile: ``smoke``, ``lab``): ``same_numerics``, computations of one numerics key that
agreed to the sentence (the exact regime's evidence), and ``pair``s, the same cells computed under
two numerics keys (``fp32`` and ``bf16-avx512-bf16``, ``bf16-avx512-bf16`` and ``bf16-amx``, ...):
the moves the cross-numerics regime tolerates between those two keys. Adding a pair is a TOML edit
(its two keys, a source, each key's per-seed cells; the loader's error prints the stated numbers the
rule derives from them). Model: a legitimate change of numerics moves each run by an independent
N(0, s^2) amount, s the root mean square of the pair's per-seed moves; a score kind's tolerance is z
times its spread, z = Phi^-1(1 - alpha / (2 m)) (Bonferroni over the m score metrics of one gate
run). ``harness.gate.calibrate`` simulates what that lets through and what it catches.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError, read_toml
from harness.core.paths import EXPECTED_DIR
from harness.gate.expected import KEY

PATH = EXPECTED_DIR / "results" / "tolerances.toml"
SCHEMA_VERSION = 3
# Score kinds (the last part of a metric's name) and what each one is.
KINDS = {
    "test_accuracy": "one run's test accuracy",
    "mean_test_accuracy": "the mean of a cell's seeds",
    "sd_test_accuracy": "the sample SD (ddof = 1) of a cell's seeds",
    "mean_difference": "HF mean - fairseq mean (pretrained)",
}
STATED = ("moves", "s", "s_upper", "largest")
SEEDS = 3  # the rule's seeds per cell (the gated profiles run seeds 0-2)


def finite_tolerance(value, where: str) -> float:
    """``value`` as a tolerance, or a ConfigError naming ``where``: finite, >= 0, a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{where}: expected a finite number >= 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Pair:
    """One scale's cells computed under two numerics keys (points) and the tolerances set from them."""
    keys: tuple[str, str]
    source: str
    cells: dict[str, dict[str, list[float]]]  # numerics key -> cell ("fairseq.pretrained") -> per-seed points
    stated: dict[str, float]  # moves, s, s_upper, largest as the file states them
    tolerance: dict[str, float]  # kind -> tolerance (a fraction)

    @property
    def label(self) -> str:
        return f"{self.keys[0]} <-> {self.keys[1]}"

    def other(self, key: str) -> str:
        return self.keys[1] if key == self.keys[0] else self.keys[0]

    def moves(self) -> list[float]:
        """Per-seed moves (second key - first key), points."""
        a, b = (self.cells[k] for k in self.keys)
        return [y - x for cell in a for x, y in zip(a[cell], b[cell])]

    def spread(self) -> tuple[int, float, float]:
        """(n moves, s = their root mean square, s's one-sided 95% upper bound), points."""
        from scipy.stats import chi2

        moves = self.moves()
        n = len(moves)
        s = math.sqrt(sum(d * d for d in moves) / n)
        return n, s, s * math.sqrt(n / chi2.ppf(0.05, n))


@dataclass(frozen=True)
class Scale:
    name: str
    same_numerics: list[dict]  # {numerics, a, b, runs, identical}
    pairs: list[Pair]

    def pair(self, a: str, b: str) -> Pair | None:
        """The pair measured between numerics keys ``a`` and ``b`` (either order), or None."""
        return next((p for p in self.pairs if set(p.keys) == {a, b}), None)


@dataclass(frozen=True)
class Tolerances:
    path: Path
    agreement: float  # --regen: two result sets agree within this
    alpha: float  # the scores' false-alarm budget of one gate run
    metrics: int  # m, the score metrics of one gate run
    scales: dict[str, Scale]

    @property
    def z(self) -> float:
        from scipy.stats import norm

        return float(norm.isf(self.alpha / (2 * self.metrics)))


def _table(raw, key: str, where: str) -> dict:
    if not isinstance(raw.get(key), dict):
        raise ConfigError(f"{where}: missing table [{key}]")
    return raw[key]


def _cells(path, where, raw) -> dict[str, list[float]]:
    if not isinstance(raw, dict) or not raw or not all(
            isinstance(v, list) and v and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                              and math.isfinite(x) for x in v) for v in raw.values()):
        raise ConfigError(f"{path}: {where}: expected {{cell: [per-seed points]}}, got {raw!r}")
    return {cell: [float(x) for x in v] for cell, v in raw.items()}


def stated_lines(pair: Pair, tol: Tolerances) -> str:
    """What the file states of a pair, derived from its cells by the rule: the lines to paste."""
    n, s, upper = pair.spread()
    largest = max(abs(d) for d in pair.moves())
    kinds = ", ".join(f"{k} = {rule_tolerance(k, s, tol):.4f}" for k in KINDS)
    return (f"moves = {n}\ns = {s:.3f}\ns_upper = {upper:.3f}\nlargest = {largest:.2f}\n"
            f"tolerance = {{ {kinds} }}")


def _pair(path: Path, where: str, raw, tol: Tolerances) -> Pair:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where}: expected a table, got {raw!r}")
    keys = raw.get("numerics")
    if not (isinstance(keys, list) and len(keys) == 2 and all(isinstance(k, str) and KEY.fullmatch(k) for k in keys)
            and keys[0] != keys[1]):
        raise ConfigError(f"{path}: {where}.numerics: expected two different numerics keys (e.g. [\"fp32\", "
                          f"\"bf16-amx\"]), got {keys!r}")
    where = f"{where} ({keys[0]} <-> {keys[1]})"
    unknown = sorted(set(raw) - {"numerics", "source", "tolerance", *keys, *STATED})
    if unknown:
        raise ConfigError(f"{path}: {where}.{unknown[0]}: unknown key (known: numerics, source, {keys[0]}, {keys[1]}, "
                          f"{', '.join(STATED)}, tolerance)")
    if not isinstance(raw.get("source"), str) or not raw["source"].strip():
        raise ConfigError(f"{path}: {where}.source: say what was computed, where and when")
    cells = {k: _cells(path, f"{where}.{k}", raw.get(k)) for k in keys}
    a, b = (cells[k] for k in keys)
    if set(a) != set(b) or any(len(a[c]) != len(b[c]) for c in a):
        raise ConfigError(f"{path}: {where}: {keys[0]} and {keys[1]} must name the same cells with as many seeds each")
    pair = Pair(tuple(keys), raw["source"], cells, {}, {})
    missing = [k for k in (*STATED, "tolerance") if k not in raw]
    if missing:
        raise ConfigError(f"{path}: {where}: missing {', '.join(missing)}; the rule gives, from its cells:\n"
                          + stated_lines(pair, tol))
    tolerance = raw["tolerance"]
    if not isinstance(tolerance, dict):
        raise ConfigError(f"{path}: {where}.tolerance: expected a table {{kind: fraction}}, got {tolerance!r}")
    bad = sorted(set(tolerance) - set(KINDS))
    if bad:
        raise ConfigError(f"{path}: {where}.tolerance.{bad[0]}: unknown metric (known: {', '.join(KINDS)})")
    tolerance = {k: finite_tolerance(tolerance.get(k), f"{path}: {where}.tolerance.{k}") for k in KINDS}
    stated = {k: finite_tolerance(raw[k], f"{path}: {where}.{k}") for k in STATED}
    return dataclasses.replace(pair, stated=stated, tolerance=tolerance)


def _scale(path: Path, name: str, raw, tol: Tolerances) -> Scale:
    same = (raw.get("same_numerics") or {}).get("measurements", [])
    for i, row in enumerate(same):
        if not (isinstance(row, dict) and isinstance(row.get("numerics"), str) and KEY.fullmatch(row["numerics"])
                and isinstance(row.get("runs"), int) and isinstance(row.get("identical"), int)
                and 0 <= row["identical"] <= row["runs"]):
            raise ConfigError(f"{path}: scale.{name}.same_numerics.measurements[{i}]: expected "
                              f"{{numerics (a key: fp32, bf16-amx, ...), a, b, runs, identical <= runs}}, got {row!r}")
    pairs = [_pair(path, f"scale.{name}.pair[{i}]", p, tol) for i, p in enumerate(raw.get("pair", []))]
    seen: dict[frozenset, int] = {}
    for i, p in enumerate(pairs):
        j = seen.setdefault(frozenset(p.keys), i)
        if j != i:
            raise ConfigError(f"{path}: scale.{name}.pair[{i}]: {p.label} is measured twice (pair[{j}] too): merge "
                              "the measurements into one pair")
    return Scale(name, list(same), pairs)


def load(path: str | Path | None = None) -> Tolerances:
    """Read and validate the tolerances file; every error names the file and the key."""
    path = Path(path or PATH)
    raw = read_toml(path)
    if raw.get("schema") != SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema: version {raw.get('schema')!r}, this gate reads {SCHEMA_VERSION}")
    agreement = finite_tolerance(_table(raw, "regen", str(path)).get("agreement"), f"{path}: regen.agreement")
    rule = _table(raw, "rule", str(path))
    alpha = finite_tolerance(rule.get("alpha"), f"{path}: rule.alpha")
    m = rule.get("metrics")
    if not (0 < alpha < 1) or not isinstance(m, int) or m < 1:
        raise ConfigError(f"{path}: rule: alpha in (0, 1) and metrics >= 1, got {alpha!r}, {m!r}")
    tol = Tolerances(path, agreement, alpha, m, {})
    scales = {name: _scale(path, name, s, tol) for name, s in _table(raw, "scale", str(path)).items()}
    return dataclasses.replace(tol, scales=scales)


def kind(metric: str) -> str:
    return metric.rsplit(".", 1)[1]


def spread_of(kind_: str, s: float, k: int = SEEDS) -> float:
    """The N(0, s^2) model's spread of one metric of ``kind_`` (points); for an SD, the scale in
    P(move > t) <= exp(-t^2 / spread^2)."""
    return {"test_accuracy": s, "mean_test_accuracy": s / math.sqrt(k), "mean_difference": s * math.sqrt(2 / k),
            "sd_test_accuracy": s}[kind_]


def rule_tolerance(kind_: str, s: float, tol: Tolerances) -> float:
    """The tolerance the rule gives ``kind_`` at per-seed spread ``s`` (points), as a fraction,
    rounded up to 0.01 points."""
    if kind_ == "sd_test_accuracy":
        t = s * math.sqrt(math.log(tol.metrics / tol.alpha))
    else:
        t = tol.z * spread_of(kind_, s)
    return math.ceil(round(100 * t, 9)) / 10000


def trip_probability(kind_: str, tolerance: float, s: float, k: int = SEEDS) -> float:
    """P(a legitimate change of numerics moves one metric of ``kind_`` past ``tolerance`` (a fraction))."""
    from scipy.stats import norm

    t = 100 * tolerance
    if s == 0:
        return 0.0
    if kind_ == "sd_test_accuracy":
        return math.exp(-t * t / (s * s))
    return float(2 * norm.sf(t / spread_of(kind_, s, k)))


COUNTS = {"test_accuracy": 9, "mean_test_accuracy": 3, "sd_test_accuracy": 3, "mean_difference": 1}


def scores_trip(pair: Pair, s: float) -> float:
    """One gate run's rate of a score tripping at per-seed spread ``s`` (union bound over its 16
    score metrics): the sensitivity to s that 9 measured moves cannot pin."""
    return min(1.0, sum(n * trip_probability(k, pair.tolerance[k], s) for k, n in COUNTS.items()))


def measured_moves(pair: Pair) -> dict[str, list[float]]:
    """|move| of every measured metric, by kind, in points: what the change of numerics did to each."""
    a, b = (pair.cells[k] for k in pair.keys)
    out = {"test_accuracy": [abs(d) for d in pair.moves()],
           "mean_test_accuracy": [abs(statistics.fmean(b[c]) - statistics.fmean(a[c])) for c in a],
           "sd_test_accuracy": [abs(statistics.stdev(b[c]) - statistics.stdev(a[c])) for c in a]}
    if {"hf.pretrained", "fairseq.pretrained"} <= set(a):
        diff = [statistics.fmean(x["hf.pretrained"]) - statistics.fmean(x["fairseq.pretrained"]) for x in (a, b)]
        out["mean_difference"] = [abs(diff[1] - diff[0])]
    return out
