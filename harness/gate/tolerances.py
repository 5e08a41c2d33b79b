"""The gate's regimes as measured (``expected/results/tolerances.toml``): validated, with the moves
each tolerance rests on and the rule that turns them into tolerances.

Per scale (a profile: ``smoke``, ``lab``): ``same_numerics``, the computations at one precision that
agreed to the sentence (the exact regime's evidence), and ``cross_precision``, the same cells in bf16
and in fp32 (the moves the cross-precision regime tolerates). Model: a legitimate precision change
moves each run by an independent N(0, s^2) amount, s the root mean square of the measured per-seed
moves; a score kind's tolerance is z times its spread, z = Phi^-1(1 - alpha / (2 m)) (Bonferroni
over the m score metrics of one gate run). ``harness.gate.calibrate`` simulates what that lets
through and what it catches.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError, read_toml
from harness.core.paths import EXPECTED_DIR

PATH = EXPECTED_DIR / "results" / "tolerances.toml"
SCHEMA_VERSION = 2
# Score kinds (the last part of a metric's name) and what each one is.
KINDS = {
    "test_accuracy": "one run's test accuracy",
    "mean_test_accuracy": "the mean of a cell's seeds",
    "sd_test_accuracy": "the sample SD (ddof = 1) of a cell's seeds",
    "mean_difference": "HF mean - fairseq mean (pretrained)",
}
PRECISIONS = ("bf16", "fp32")
SEEDS = 3  # the rule's seeds per cell (the gated profiles run seeds 0-2)


def finite_tolerance(value, where: str) -> float:
    """``value`` as a tolerance, or a ConfigError naming ``where``: finite, >= 0, a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{where}: expected a finite number >= 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class CrossPrecision:
    """One scale's bf16 and fp32 computations of the same cells (points) and the tolerances set from them."""
    source: str
    cells: dict[str, dict[str, list[float]]]  # precision -> cell ("fairseq.pretrained") -> per-seed points
    stated: dict[str, float]  # moves, s, s_upper, largest as the file states them
    tolerance: dict[str, float]  # kind -> tolerance (a fraction)

    def moves(self) -> list[float]:
        """Per-seed moves fp32 - bf16, points."""
        a, b = self.cells["bf16"], self.cells["fp32"]
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
    same_numerics: list[dict]  # {precision, a, b, runs, identical}
    cross_precision: CrossPrecision | None


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


def _cross(path: Path, name: str, raw: dict) -> CrossPrecision:
    where = f"scale.{name}.cross_precision"
    cells = {p: _cells(path, f"{where}.{p}", raw.get(p)) for p in PRECISIONS}
    a, b = cells["bf16"], cells["fp32"]
    if set(a) != set(b) or any(len(a[c]) != len(b[c]) for c in a):
        raise ConfigError(f"{path}: {where}: bf16 and fp32 must name the same cells with as many seeds each")
    tol = _table(raw, "tolerance", f"{path}: {where}")
    unknown = sorted(set(tol) - set(KINDS))
    if unknown:
        raise ConfigError(f"{path}: {where}.tolerance.{unknown[0]}: unknown metric (known: {', '.join(KINDS)})")
    tolerance = {k: finite_tolerance(tol.get(k), f"{path}: {where}.tolerance.{k}") for k in KINDS}
    stated = {k: finite_tolerance(raw.get(k), f"{path}: {where}.{k}") for k in ("moves", "s", "s_upper", "largest")}
    return CrossPrecision(str(raw.get("source", "")), cells, stated, tolerance)


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
    scales = {}
    for name, s in _table(raw, "scale", str(path)).items():
        same = s.get("same_numerics", {}).get("measurements", [])
        for i, row in enumerate(same):
            if not (isinstance(row, dict) and row.get("precision") in PRECISIONS and isinstance(row.get("runs"), int)
                    and isinstance(row.get("identical"), int) and 0 <= row["identical"] <= row["runs"]):
                raise ConfigError(f"{path}: scale.{name}.same_numerics.measurements[{i}]: expected "
                                  f"{{precision, a, b, runs, identical <= runs}}, got {row!r}")
        cross = _cross(path, name, s["cross_precision"]) if "cross_precision" in s else None
        scales[name] = Scale(name, list(same), cross)
    return Tolerances(path, agreement, alpha, m, scales)


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
    """P(a legitimate precision change moves one metric of ``kind_`` past ``tolerance`` (a fraction))."""
    from scipy.stats import norm

    t = 100 * tolerance
    if s == 0:
        return 0.0
    if kind_ == "sd_test_accuracy":
        return math.exp(-t * t / (s * s))
    return float(2 * norm.sf(t / spread_of(kind_, s, k)))


COUNTS = {"test_accuracy": 9, "mean_test_accuracy": 3, "sd_test_accuracy": 3, "mean_difference": 1}


def scores_trip(cross: CrossPrecision, s: float) -> float:
    """One gate run's rate of a score tripping at per-seed spread ``s`` (union bound over its 16
    score metrics): the sensitivity to s that 9 measured moves cannot pin."""
    return min(1.0, sum(n * trip_probability(k, cross.tolerance[k], s) for k, n in COUNTS.items()))


def measured_moves(cross: CrossPrecision) -> dict[str, list[float]]:
    """|move| of every measured metric, by kind, in points: what the precision change did to each."""
    a, b = cross.cells["bf16"], cross.cells["fp32"]
    out = {"test_accuracy": [abs(d) for d in cross.moves()],
           "mean_test_accuracy": [abs(statistics.fmean(b[c]) - statistics.fmean(a[c])) for c in a],
           "sd_test_accuracy": [abs(statistics.stdev(b[c]) - statistics.stdev(a[c])) for c in a]}
    if {"hf.pretrained", "fairseq.pretrained"} <= set(a):
        diff = [statistics.fmean(x["hf.pretrained"]) - statistics.fmean(x["fairseq.pretrained"]) for x in (a, b)]
        out["mean_difference"] = [abs(diff[1] - diff[0])]
    return out
