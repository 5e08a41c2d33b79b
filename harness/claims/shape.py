"""The report's shape claim (§2.1): "For each seed the best validation accuracy is reached after
5 epochs (1125 training steps)" -- the epoch at which each run's validation curve peaks.

The rule (pure: :func:`assess`, on curves in points):

- a run's best epoch is the first epoch of its highest validation accuracy (``RunResult.best_epoch``'s
  convention: the checkpoint fairseq keeps with ``--best-checkpoint-metric accuracy``);
- REPRODUCED when every run's best epoch is the stated one;
- REFUTED when some run peaks elsewhere *by more than the tolerance* (points above its accuracy at
  the stated epoch): an earlier peak a reader would see;
- NOT ESTABLISHED when every earlier peak is within the tolerance (one or two validation sentences
  of 200: the curve alone cannot tell such a peak from the stated epoch);
- NOT RUN when a run has fewer epochs than the stated one, or there are no runs.

The tolerance is a decision rule of the suite (``expected/thresholds.toml`` ``[shape]``); the
stated epoch and steps are the report's numbers (``expected/report.toml`` ``[fairseq]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError, read_toml
from harness.core.paths import EXPECTED_DIR

TEST_ID = "tests/test_lab_cpu.py::test_lab_best_epoch_as_the_report_states"


def best_epoch(curve: Sequence[float]) -> int:
    """1-based epoch of the highest value of ``curve``, the first one on ties."""
    if not curve:
        raise ValueError("an empty validation curve has no best epoch")
    return max(range(len(curve)), key=lambda i: (curve[i], -i)) + 1


@dataclass(frozen=True)
class Peak:
    """One run's curve against the stated epoch (accuracies in points)."""

    name: str
    best_epoch: int
    best: float  # validation accuracy at the best epoch
    at_stated: float  # validation accuracy at the stated epoch

    @property
    def gap(self) -> float:
        """How far the peak stands above the stated epoch (0 when the stated epoch is the best)."""
        return self.best - self.at_stated


@dataclass(frozen=True)
class Assessment:
    verdict: str  # REPRODUCED | NOT ESTABLISHED | REFUTED | NOT RUN (reason)
    peaks: tuple[Peak, ...]
    stated_epoch: int
    tolerance: float

    def describe(self) -> str:
        """Per run: best epoch, and the gap to the stated epoch when the peak is elsewhere."""
        parts = []
        for p in self.peaks:
            off = "" if p.best_epoch == self.stated_epoch else (
                f" ({p.best:.1f} vs {p.at_stated:.1f} at epoch {self.stated_epoch}, +{p.gap:.1f})")
            parts.append(f"{p.name}: best epoch {p.best_epoch}{off}")
        return "; ".join(parts)


def assess(curves: Mapping[str, Sequence[float]], stated_epoch: int, tolerance: float) -> Assessment:
    """The verdict of the rule above on ``{run name: validation accuracy per epoch (points)}``."""
    if stated_epoch < 1 or tolerance < 0:
        raise ValueError(f"stated_epoch must be >= 1 and tolerance >= 0, got {stated_epoch}, {tolerance}")
    short = {name: len(c) for name, c in curves.items() if len(c) < stated_epoch}
    if not curves or short:
        reason = (f"runs with fewer than {stated_epoch} epochs: {short}" if short else "no runs")
        return Assessment(f"NOT RUN ({reason})", (), stated_epoch, tolerance)
    peaks = []
    for name, curve in curves.items():
        b = best_epoch(curve)
        peaks.append(Peak(name, b, curve[b - 1], curve[stated_epoch - 1]))
    if all(p.best_epoch == stated_epoch for p in peaks):
        verdict = "REPRODUCED"
    elif any(p.gap > tolerance for p in peaks):
        verdict = "REFUTED"
    else:
        verdict = "NOT ESTABLISHED"
    return Assessment(verdict, tuple(peaks), stated_epoch, tolerance)


def load_tolerance(path: str | Path | None = None) -> float:
    """``[shape] tolerance`` (points) of ``expected/thresholds.toml``."""
    path = Path(path) if path else EXPECTED_DIR / "thresholds.toml"
    value = read_toml(path).get("shape", {}).get("tolerance")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{path}: [shape] tolerance must be a number of points >= 0, got {value!r}")
    return float(value)


def ledger_row(report, runs: dict | None, profile: str = "lab") -> dict:
    """The ledger's row for the shape claim (fields of ``harness.ledger.LedgerRow``), from the
    fairseq runs of ``profile`` in ``runs`` (``{profile: [RunResult]}``; None: no results given)."""
    fs = report.fairseq
    says = (f"§{fs.section}: for each seed the best validation accuracy is reached after "
            f"{fs.best_epoch} epochs ({fs.best_updates:,} training steps)")
    row = dict(claim="C2b", says=says, computed="-", statistic="-", test=TEST_ID)
    cell = [r for r in (runs or {}).get(profile, []) if r.spec.framework == "fairseq"]
    if runs is None or not cell:
        why = "no results: pass --results DIR" if runs is None else f"no {profile}-profile fairseq runs"
        return {**row, "verdict": f"NOT RUN ({why})"}
    tolerance = load_tolerance()
    result = assess({f"{r.spec.init} seed {r.spec.seed}": [100 * a for a in r.valid_accuracy] for r in cell},
                    fs.best_epoch, tolerance)
    steps = sorted({r.updates_per_epoch * fs.best_epoch for r in cell})
    rule = (f"first argmax of each validation curve vs epoch {fs.best_epoch} ({', '.join(map(str, steps))} "
            f"updates here); an earlier peak more than {tolerance:g} points above it refutes")
    return {**row, "computed": result.describe() or "-", "statistic": rule, "verdict": result.verdict}
