"""The calibration's moves (``harness.gate.calibrate``): a legitimate change of numerics as each noise
model draws it (the tolerances' own N(0, s^2); s at its one-sided 95% upper bound; Student-t(3) of the
same RMS), the drifts added on top of it, and the real verdicts the "verdict changed" drift injects
(``alternatives``: what the ledger gives each claim on the file's runs changed as results really change).
"""

from __future__ import annotations

import dataclasses
import math
import random

from scipy.stats import chi2

from harness.gate import regime, replay, tolerances
from harness.gate.expected import DIFFERENCE, Expected, is_verdict

SHIFT, MOVE = 0.5, 1.0  # points
MOVES_DF = 9  # the measured moves behind each s (tolerances.toml: 9 per pair)
S_UPPER = math.sqrt(MOVES_DF / chi2.ppf(0.05, MOVES_DF))  # s's one-sided 95% upper bound, as a multiple of s


def moved(counts: dict, sizes: dict, points: dict) -> dict:
    """``counts`` with ``points[run]`` added (to the sentence, within [0, n])."""
    return {k: min(sizes[k[0]], max(0, c + round(points.get(k, 0.0) * sizes[k[0]] / 100))) for k, c in counts.items()}


def alternatives(gate, base: dict, sizes: dict) -> dict[str, list[str]]:
    """{verdict metric: the other verdicts the ledger gives that claim} on the file's runs changed the
    ways results really change (random init as good as pretrained or collapsed to the majority class,
    fairseq pretrained 10 or 20 points down, HF pretrained 2, 4 or 8 points either way): the verdicts
    the "verdict changed" drift injects are real ones, never a string the ledger cannot produce."""
    expected, runs = gate.expected, sorted(base)
    pretrained = {k[2]: c for k, c in base.items() if k[:2] == ("fairseq", "pretrained")}
    counts = expected.label_counts or {}
    majority = max(counts.values()) / sum(counts.values()) if counts else 0.5
    changes = [{k: pretrained.get(k[2], c) if k[1] == "random" else c for k, c in base.items()},
               {k: round(majority * sizes[k[0]]) if k[1] == "random" else c for k, c in base.items()}]
    for cell, shifts in ((("fairseq", "pretrained"), (-10, -20)), (("hf", "pretrained"), (-8, -4, -2, 2, 4, 8))):
        changes += [moved(base, sizes, {k: d for k in runs if k[:2] == cell}) for d in shifts]
    out: dict[str, set] = {}
    for counts_ in changes:
        for name, verdict in gate.ledger(counts_)[0].items():
            if is_verdict(name) and not replay.held_claim(name) and verdict != expected.metrics.get(name):
                out.setdefault(name, set()).add(verdict)
    return {n: sorted(v) for n, v in sorted(out.items())}


def drift(kind: str, expected: Expected, base: dict, sizes: dict, rng: random.Random, alts: dict):
    """(points added per run, a run set exactly {run: count}, the expected file to gate against, the case)."""
    runs = sorted(base)
    if kind == "mean_shift":
        fw, sign = rng.choice(sorted({k[0] for k in runs})), rng.choice((1, -1))
        return {k: sign * SHIFT for k in runs if k[0] == fw}, {}, expected, f"{fw} {sign * SHIFT:+g}"
    if kind == "seed_move":
        k, sign = rng.choice(runs), rng.choice((1, -1))
        return {k: sign * MOVE}, {}, expected, "{}.{}.seed{}".format(*k)
    if kind == "difference_doubled":
        d = 100 * expected.metrics[DIFFERENCE]
        return {k: d for k in runs if k[:2] == ("hf", "pretrained")}, {}, expected, f"HF {d:+.2f}"
    if kind == "collapse":
        k = rng.choice([k for k in runs if k[1] == "random"])
        counts = expected.label_counts
        return {}, {k: round(max(counts.values()) / sum(counts.values()) * sizes[k[0]])}, expected, \
            "{}.{}.seed{}".format(*k)
    name = rng.choice(sorted(alts))  # a real verdict of the claim, the expected file's replaced by it
    changed = dataclasses.replace(expected, metrics={**expected.metrics, name: rng.choice(alts[name])})
    return {}, {}, changed, name


def applicable(kind: str, expected: Expected) -> str | None:
    """Why ``kind`` cannot be simulated on this file, or None."""
    if kind == "difference_doubled" and DIFFERENCE not in expected.metrics:
        return "no HF - fairseq difference in the file"
    if kind == "collapse" and not (expected.label_counts and any(".random." in n for n in expected.metrics)):
        return "no random-init runs or no test_label_counts in the file"
    if kind == "verdict_changed" and not any(is_verdict(n) for n in expected.metrics):
        return "no verdict in the file"
    return None


def s_upper(reg: regime.Regime) -> float:
    """The one-sided 95% upper bound of the regime's s (chi-square on its pair's moves' df)."""
    if not reg.s:
        return 0.0
    scale = tolerances.load().scales.get(reg.scale)
    pair = scale.pair(*reg.pair) if scale and len(reg.pair) == 2 else None
    return pair.spread()[2] if pair else reg.s * S_UPPER


def draw(rng: random.Random, model: str, s: float, s_upper: float = 0.0) -> float:
    """One run's legitimate move, points: N(0, s^2) (the model the tolerances assume); N(0, s_up^2)
    with s at its one-sided 95% upper bound from 9 moves (chi-square, 9 df); Student-t(3) scaled to
    RMS s (heavy tails: t(3) has variance 3)."""
    if not s:
        return 0.0
    if model == "upper":
        return rng.gauss(0.0, s_upper or s * S_UPPER)
    if model == "t3":
        z, chi = rng.gauss(0.0, 1.0), sum(rng.gauss(0.0, 1.0) ** 2 for _ in range(3))
        return s * z / math.sqrt(chi / 3) / math.sqrt(3)
    return rng.gauss(0.0, s)
