"""The gate's default tolerances (``expected/results/tolerances.toml``): validated, with the
measured cross-machine moves they rest on and the false-alarm rate they imply.

Model: a legitimate machine change (another CPU class, the other precision policy) moves each
run's test accuracy by an independent N(0, s^2) amount; s is the root mean square of the n
measured per-seed moves, and its one-sided 95% upper bound is s * sqrt(n / chi2_0.05(n)). A metric
trips when its move exceeds its tolerance t: for one run P = 2 (1 - Phi(t / s)); for a k-seed mean
the scale is s / sqrt(k); for a difference of two k-seed means s * sqrt(2 / k); for a k-seed sample
SD the move is at most the SD of the moves (triangle inequality), so P <= P(chi2(k-1) > (k-1) t^2/s^2).
One gate run's rate is bounded by the sum over its metrics (union bound: any dependence).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from harness.claims import ledger
from harness.core.config import ConfigError, read_toml
from harness.core.paths import EXPECTED_DIR
from harness.core.records import RunResult, RunSpec

PATH = EXPECTED_DIR / "results" / "tolerances.toml"
# Score kinds (the last part of a metric's name) and what each one is.
KINDS = {
    "test_accuracy": "one run's test accuracy",
    "mean_test_accuracy": "the mean of a cell's seeds",
    "sd_test_accuracy": "the sample SD (ddof = 1) of a cell's seeds",
    "mean_difference": "HF mean - fairseq mean (pretrained)",
}


def finite_tolerance(value, where: str) -> float:
    """``value`` as a tolerance, or a ConfigError naming ``where``: finite, >= 0, a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{where}: expected a finite number >= 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Tolerances:
    path: Path
    score: dict[str, float]  # kind -> tolerance (a fraction)
    agreement: float  # --regen: two result sets agree within this
    source: str  # where the measured moves come from, in words
    reference: dict[str, list[float]]  # cell ("fairseq.pretrained") -> per-seed accuracy, points
    other: dict[str, list[float]]  # the same cells after the machine change

    def moves(self) -> dict[str, list[float]]:
        """Per-seed moves (other - reference) by cell, in points."""
        return {cell: [o - r for o, r in zip(self.other[cell], ref)] for cell, ref in self.reference.items()}


def load(path: str | Path | None = None) -> Tolerances:
    """Read and validate the tolerances file; every error names the file and the key."""
    path = Path(path or PATH)
    raw = read_toml(path)
    for section in ("score", "regen", "measured"):
        if not isinstance(raw.get(section), dict):
            raise ConfigError(f"{path}: {section}: missing table [{section}]")
    score = {}
    for name, value in raw["score"].items():
        if name not in KINDS:
            raise ConfigError(f"{path}: score.{name}: unknown metric (known: {', '.join(KINDS)})")
        score[name] = finite_tolerance(value, f"{path}: score.{name}")
    missing = sorted(set(KINDS) - set(score))
    if missing:
        raise ConfigError(f"{path}: score: no default tolerance for {missing}")
    agreement = finite_tolerance(raw["regen"].get("agreement"), f"{path}: regen.agreement")
    m = raw["measured"]
    ref, other = m.get("reference"), m.get("other")
    if not (isinstance(ref, dict) and isinstance(other, dict) and ref and set(ref) == set(other)):
        raise ConfigError(f"{path}: measured: 'reference' and 'other' must name the same cells")
    for cell in ref:
        if len(ref[cell]) != len(other[cell]) or not all(isinstance(v, (int, float)) for v in ref[cell] + other[cell]):
            raise ConfigError(f"{path}: measured.other.{cell}: expected {len(ref[cell])} numbers like reference")
    return Tolerances(path, score, agreement, str(m.get("source", "")), ref, other)


def kind(metric: str) -> str:
    return metric.rsplit(".", 1)[1]


def measured_moves(tol: Tolerances) -> dict[str, list[float]]:
    """|move| of every measured metric, by kind, in points: what the machine change did to each."""
    moves, ref = tol.moves(), tol.reference
    other = tol.other
    out = {"test_accuracy": [abs(d) for ds in moves.values() for d in ds],
           "mean_test_accuracy": [abs(statistics.fmean(other[c]) - statistics.fmean(ref[c])) for c in ref],
           "sd_test_accuracy": [abs(statistics.stdev(other[c]) - statistics.stdev(ref[c])) for c in ref]}
    if {"hf.pretrained", "fairseq.pretrained"} <= set(ref):
        diff = [statistics.fmean(x["hf.pretrained"]) - statistics.fmean(x["fairseq.pretrained"]) for x in (ref, other)]
        out["mean_difference"] = [abs(diff[1] - diff[0])]
    return out


def spread(tol: Tolerances) -> tuple[int, float, float]:
    """(n moves, s = their root mean square, s's one-sided 95% upper bound), in points."""
    from scipy.stats import chi2

    moves = [d for ds in tol.moves().values() for d in ds]
    n = len(moves)
    s = math.sqrt(sum(d * d for d in moves) / n)
    return n, s, s * math.sqrt(n / chi2.ppf(0.05, n))


def trip_probability(kind_: str, tolerance: float, s: float, k: int = 3) -> float:
    """P(a legitimate machine change moves one metric of ``kind_`` past ``tolerance`` (a fraction)),
    per-seed moves N(0, s^2) in points, k seeds per cell."""
    from scipy.stats import chi2, norm

    t = 100 * tolerance
    if kind_ == "sd_test_accuracy":
        return float(chi2.sf((k - 1) * t * t / (s * s), k - 1))
    scale = {"test_accuracy": s, "mean_test_accuracy": s / math.sqrt(k), "mean_difference": s * math.sqrt(2 / k)}[kind_]
    return float(2 * norm.sf(t / scale))


def gate_counts(tol: Tolerances) -> dict[str, int]:
    """How many metrics of each kind a gate over the measured cells holds (smoke: 3 cells x 3 seeds)."""
    cells = tol.reference
    return {"test_accuracy": sum(len(v) for v in cells.values()), "mean_test_accuracy": len(cells),
            "sd_test_accuracy": len(cells),
            "mean_difference": int({"hf.pretrained", "fairseq.pretrained"} <= set(cells))}


def false_alarms(tol: Tolerances | None = None) -> dict:
    """The false-alarm table of docs/gate.md: per kind, P(trip) at s and at its upper bound, and
    one gate run's rate (union bound over its metrics)."""
    tol = tol or load()
    n, s, upper = spread(tol)
    counts = gate_counts(tol)
    k = len(next(iter(tol.reference.values())))
    kinds = {name: (trip_probability(name, tol.score[name], s, k), trip_probability(name, tol.score[name], upper, k))
             for name in KINDS if counts[name]}
    run = tuple(min(1.0, sum(counts[name] * p[i] for name, p in kinds.items())) for i in (0, 1))
    # distribution-free: 0 of n measured moves beyond the per-seed tolerance -> 95% upper bound on its rate
    exceed = sum(abs(d) > 100 * tol.score["test_accuracy"] for ds in tol.moves().values() for d in ds)
    return {"n": n, "s": s, "s_upper": upper, "counts": counts, "kinds": kinds, "gate_run": run,
            "exceeded": exceed, "binomial_upper": 1 - 0.05 ** (1 / n) if exceed == 0 else None}


def percent(p: float) -> str:
    """A probability as the docs print it: two significant digits, in percent."""
    return f"{100 * p:.2g}%"


def verdict_flips(tol: Tolerances | None = None, s: float | None = None, draws: int = 500,
                  seed: int = 0) -> dict[str, float]:
    """The share of simulated machine changes (every measured seed moved by N(0, s^2) points) that
    change a fresh-run ledger verdict of the reference cells, by claim (Monte Carlo, seeded)."""
    import random
    import warnings

    tol = tol or load()
    s = spread(tol)[1] if s is None else s

    def verdicts(cells):
        runs = [RunResult(RunSpec("measured", *cell.split("."), i), (v / 100,), 1, v / 100, 2000, 1, 1, 0.0)
                for cell, values in cells.items() for i, v in enumerate(values)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {row.claim: row.verdict for row in ledger.fresh_rows("measured", runs)}

    base, rng, flips = verdicts(tol.reference), random.Random(seed), {}
    for _ in range(draws):
        moved = verdicts({c: [min(100.0, max(0.0, v + rng.gauss(0, s))) for v in vs] for c, vs in tol.reference.items()})
        for claim, verdict in base.items():
            flips[claim] = flips.get(claim, 0) + (moved.get(claim) != verdict)
    return {claim: flips.get(claim, 0) / draws for claim in base}


def main() -> None:
    """``python -m harness.tolerances``: the false-alarm table of docs/gate.md, and verdict flips."""
    tol = load()
    fa = false_alarms(tol)
    print(f"{fa['n']} measured per-seed moves ({tol.source}): s = {fa['s']:.2f} points, "
          f"95% upper bound {fa['s_upper']:.2f}")
    print(f"{'kind':<20} {'tolerance':>9} {'metrics':>7} {'P(trip) at s':>13} {'at upper':>9}")
    for name, (p, pu) in fa["kinds"].items():
        print(f"{name:<20} {100 * tol.score[name]:>6.2f} pt {fa['counts'][name]:>7} {percent(p):>13} {percent(pu):>9}")
    print(f"one gate run, all scores (union bound): {percent(fa['gate_run'][0])} at s, "
          f"{percent(fa['gate_run'][1])} at the upper bound")
    for label, s in (("s", fa["s"]), ("upper", fa["s_upper"])):
        flips = verdict_flips(tol, s)
        print(f"verdict flips at {label} ({s:.2f} points):", ", ".join(f"{c} {p:.0%}" for c, p in flips.items()))


if __name__ == "__main__":
    main()
