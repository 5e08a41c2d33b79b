"""The cross-numerics tolerances out of sample: leave one measured pair out of ``tolerances.toml``, set
the tolerances from the other pairs of its scale by the same rule, and gate the left-out pair's real
results (``python -m harness gate --calibrate``, docs/gate-calibration.md).

The left-out pair's two result sets are its two expected files (``<scale>.<key>.json`` for each of
its keys): real computations of the same cells under the two numerics, each regenerated from two
result sets that agreed. The runs of one file are rebuilt (``harness.gate.replay``: per-seed
accuracies, test sizes, label counts; C2b held at that file's values) and gated against the other
file exactly as ``harness gate`` gates across numerics (``harness.gate.drift.compare``), in both
directions. Records (updates, validation curves and predictions) are left out: the older files do
not hold them, and across numerics the validation ones are not gated.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from harness.gate import metrics, regime, replay, tolerances
from harness.gate.drift import compare, failed
from harness.gate.expected import is_record, load_expected


@dataclass(frozen=True)
class Holdout:
    scale: str
    expected: str  # the expected file's numerics key
    results: str  # the left-out pair's other key (its file stands for the results)
    moves: int  # the other pairs' moves the tolerances rest on
    s: float  # their root mean square, points
    failing: list[str]  # "metric: expected -> obtained (tolerance)" of every metric that fails
    closest: str  # the score nearest its tolerance: "metric |diff| / tolerance"


def _without_records(e):
    return dataclasses.replace(e, metrics={n: v for n, v in e.metrics.items() if not is_record(n)})


def check(directory: str | Path, tol: tolerances.Tolerances | None = None) -> list[Holdout]:
    """Every measured pair whose two expected files are in ``directory``, left out in turn, both ways."""
    tol, directory, out = tol or tolerances.load(), Path(directory), []
    for name, scale in tol.scales.items():
        for pair in scale.pairs:
            files = [directory / f"{name}.{key}.json" for key in pair.keys]
            others = [d for p in scale.pairs if p is not pair for d in p.moves()]
            if not all(f.is_file() for f in files) or not others:
                continue
            s = math.sqrt(sum(d * d for d in others) / len(others))
            tolerance = {k: tolerances.rule_tolerance(k, s, tol) for k in tolerances.KINDS}
            for exp_file, res_file in (files, files[::-1]):
                expected, results = (_without_records(load_expected(f)) for f in (exp_file, res_file))
                reg = regime.Regime(regime.CROSS, "holdout", name, s, tolerance,
                                    replay.ledger_tolerances(expected, s, tol.z), (expected.key, results.key))
                rebuilt = replay.runs(results)
                led, notes, decisions = replay.ledger(results, rebuilt)
                rows = compare(expected, {**metrics.scores(rebuilt), **led}, reg, notes, decisions)
                bad = [f"{r.metric} {r.expected!r} -> {r.obtained!r}" if r.delta is None else
                       f"{r.metric} |diff| {r.delta:.4g} > tolerance {r.tolerance:.4g}" for r in failed(rows)]
                ratio = [(r.delta / r.tolerance, r.metric) for r in rows
                         if r.delta is not None and r.tolerance and r.status in ("ok", "DRIFT")]
                top = max(ratio, default=(0.0, "-"))
                out.append(Holdout(name, expected.key, results.key, len(others), s, bad,
                                   f"{top[1]} at {top[0]:.2f} of its tolerance"))
    return out


def render(checks: list[Holdout]) -> list[str]:
    head = ("out of sample: each measured pair left out of tolerances.toml in turn, tolerances set from the "
            "other pairs of its scale, the pair's two expected files (real computations of the same cells) "
            "gated one against the other")
    if not checks:
        return [head + ": no measured pair has both its expected files here"]
    lines = [head + ":"]
    for c in checks:
        verdict = "PASS" if not c.failing else f"DRIFT ({len(c.failing)}: {'; '.join(c.failing[:3])})"
        lines.append(f"  {c.scale}: {c.results} results against {c.expected}'s file, s = {c.s:.3f} from {c.moves} "
                     f"other moves: {verdict}; closest: {c.closest}")
    passed = sum(not c.failing for c in checks)
    lines.append(f"  {passed} of {len(checks)} left-out gate runs pass")
    return lines
