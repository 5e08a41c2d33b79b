"""The gate's two error rates, simulated: ``python -m harness gate --calibrate EXPECTED``.

For an expected file and each regime it can gate in, ``draws`` simulated gate runs (seeded): the
file's runs (``harness.gate.replay``), each moved as the regime's measurement says a legitimate
change moves it (exact: not at all, the same-numerics computations agreed to the sentence;
cross-numerics, one regime per measured pair of the file's key: N(0, s^2) points per run, to the
sentence), then gated exactly as ``harness gate``
gates (``harness.gate.drift.compare``, the ledger's own verdicts). The false-alarm rate is the share
of those runs that fail; the detection power of a drift is the share that fail once the drift is
added on top of the legitimate move. Drifts (``DRIFTS``): one framework's runs shifted by 0.5 points
(framework and sign drawn), one run moved by 1 point (run and sign drawn), the HF - fairseq
difference doubled, one random-init run collapsed to the majority class (run drawn), one verdict
changed (the expected file's verdict of a drawn claim replaced). Goals: false alarms <= 1%, power
>= 90% for each drift (``expected/results/calibration.toml``, which also holds the numbers a test
keeps true). A held claim's verdict (C2b: ``harness.gate.replay``) is not simulated: every draw holds
it at the file's value, and the output says so.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError, read_toml
from harness.core.paths import EXPECTED_DIR
from harness.gate import holdout, metrics, moves, regime, replay, tolerances
from harness.gate.drift import compare, failed
from harness.gate.expected import Expected, is_record, is_verdict, load_expected

PATH = EXPECTED_DIR / "results" / "calibration.toml"
DRIFTS = {
    "mean_shift": "one framework shifted by 0.5 points",
    "seed_move": "one seed moved by 1 point",
    "difference_doubled": "HF - fairseq difference doubled",
    "collapse": "one random-init seed collapsed to the majority class",
    "verdict_changed": "one verdict changed",
}


@dataclass
class Calibration:
    file: str  # the expected file's name
    regime: regime.Regime
    draws: int
    false_alarm: float
    power: dict[str, float]  # drift -> share detected
    weakest: dict[str, tuple[str, float]]  # drift -> (case, its share detected) where a drift has cases
    alarms: Counter  # metric -> false alarms it caused
    held: dict[str, str] = dataclasses.field(default_factory=dict)  # verdicts not simulated (replay.held)
    path: Path | None = None  # the expected file
    false_alarm_upper: float = 0.0  # with s at its 95% upper bound (cross-numerics; exact: 0 by construction)
    false_alarm_heavy: float = 0.0  # with Student-t(3) moves of the same RMS s

    def key(self) -> str:
        """``<file stem>.exact`` or ``<file stem>.cross_numerics.<the results' key>``."""
        other = f".{self.regime.pair[1]}" if self.regime.name == regime.CROSS else ""
        return f"{Path(self.file).name.removesuffix('.json')}.{self.regime.name}{other}"


class _Gate:
    """One expected file gated in one regime, on counts of correct answers per run (ledger memoized)."""

    def __init__(self, expected: Expected, reg: regime.Regime):
        self.expected, self.regime, self.memo = expected, reg, {}
        self.score_names = [n for n in expected.metrics if not n.startswith("ledger.") and not is_record(n)]
        self.records = replay.records(expected)  # held: the move model does not move them

    def ledger(self, counts: dict):
        key = tuple(sorted(counts.items()))
        if key not in self.memo:
            self.memo[key] = replay.ledger(self.expected, replay.runs(self.expected, counts))  # held claims held
        return self.memo[key]

    def failures(self, counts: dict, expected: Expected | None = None) -> list[str]:
        """The metrics that fail this gate run (empty: it passes)."""
        expected = expected or self.expected
        values = metrics.scores(replay.runs(expected, counts))
        bad = [n for n in self.score_names if n not in values or abs(values[n] - expected.metrics[n])
               > self.regime.tolerance_of(n) + 1e-12]
        if bad:
            return bad
        led, notes, decisions = self.ledger(counts)
        return [r.metric for r in failed(compare(expected, {**values, **self.records, **led}, self.regime, notes,
                                                 decisions))]


def check_replay(expected: Expected) -> None:
    """The file's rebuilt runs must reproduce its own ledger metrics, else the simulation judges
    something else (runs without label counts, say, make C3 NOT RUN and every draw an alarm); a held
    claim (C2b) is held at the file's values, not re-judged (``harness.gate.replay``)."""
    gate = _Gate(expected, regime.Regime(regime.EXACT, "replay", expected.profile))
    bad = gate.failures(replay.correct_counts(expected))
    if bad:
        raise ConfigError(f"{expected.path}: its runs, rebuilt (per-seed accuracies, test sizes, test_label_counts), "
                          f"do not reproduce its own {', '.join(bad)}: regenerate it with this gate (--regen)")


def simulate(expected: Expected, reg: regime.Regime, draws: int, seed: int) -> Calibration:
    """``draws`` gate runs without drift (false alarms) and with each drift (power), seeded."""
    gate, base = _Gate(expected, reg), replay.correct_counts(expected)
    sizes = {fw: p["test_size"] for fw, p in expected.provenance.items()}
    alts = moves.alternatives(gate, base, sizes)
    s_upper = moves.s_upper(reg)

    def noise(i: int, model: str = "normal") -> dict:
        rng = random.Random(f"{seed}:noise:{i}")  # the same legitimate move for every drift: common random numbers
        return {k: moves.draw(rng, model, reg.s, s_upper) for k in sorted(base)}

    alarms: Counter = Counter()
    fa = 0
    for i in range(draws):
        bad = gate.failures(moves.moved(base, sizes, noise(i)))
        fa += bool(bad)
        alarms.update(bad)
    robust = {model: sum(bool(gate.failures(moves.moved(base, sizes, noise(i, model)))) for i in range(draws)) / draws
              for model in ("upper", "t3")} if reg.s else {"upper": 0.0, "t3": 0.0}  # exact: no move, by construction
    power, weakest = {}, {}
    for kind in DRIFTS:
        if moves.applicable(kind, expected) or (kind == "verdict_changed" and not alts):
            continue
        hits, cases = 0, {}
        for i in range(draws):
            add, fixed, against, case = moves.drift(kind, expected, base, sizes, random.Random(f"{seed}:{kind}:{i}"), alts)
            move = noise(i)
            counts = {**moves.moved(base, sizes, {k: move[k] + add.get(k, 0.0) for k in base}), **fixed}
            hit = bool(gate.failures(counts, against))
            hits += hit
            n, h = cases.get(case, (0, 0))
            cases[case] = (n + 1, h + hit)
        power[kind] = hits / draws
        if kind in ("seed_move", "collapse", "mean_shift", "verdict_changed"):
            case, (n, h) = min(cases.items(), key=lambda c: (c[1][1] / c[1][0], c[0]))
            weakest[kind] = (case, h / n)
    held = {n: v for n, v in replay.held(expected).items() if is_verdict(n)}
    return Calibration(expected.path.name, reg, draws, fa / draws, power, weakest, alarms, held, expected.path,
                       robust["upper"], robust["t3"])


@dataclass(frozen=True)
class Settings:
    path: Path
    draws: int
    seed: int
    false_alarm_goal: float
    power_goal: float
    targets: dict  # "<file stem>.<regime>" -> {"false_alarm": x, "power": {drift: x}}


def load_settings(path: str | Path | None = None) -> Settings:
    path = Path(path or PATH)
    raw = read_toml(path)
    goals = raw.get("goals") or {}
    draws, seed = raw.get("draws"), raw.get("seed")
    if not (isinstance(draws, int) and draws > 0 and isinstance(seed, int)
            and all(isinstance(goals.get(k), float) for k in ("false_alarm", "power"))):
        raise ConfigError(f"{path}: expected draws (> 0), seed and [goals] false_alarm, power; got {raw!r}")
    targets = dict(_flatten(raw.get("targets") or {}, ""))
    return Settings(path, draws, seed, goals["false_alarm"], goals["power"], targets)


def _flatten(table: dict, prefix: str):
    """("<stem>.<regime>[.<key>]", {false_alarm, power}) of calibration.toml's nested [targets]."""
    for name, v in table.items():
        if isinstance(v, dict) and "false_alarm" in v:
            yield f"{prefix}{name}", v
        elif isinstance(v, dict):
            yield from _flatten(v, f"{prefix}{name}.")


def calibrate(path: str | Path, settings: Settings | None = None) -> list[Calibration]:
    """Every regime of the expected file ``path`` (or of every expected file in a directory)."""
    settings = settings or load_settings()
    tol = tolerances.load()
    path = Path(path)
    files = sorted(path.glob("*.*.json")) if path.is_dir() else [path]
    if not files:
        raise ConfigError(f"{path}: no expected files (<profile>.<numerics>.json)")
    out = []
    for f in files:
        expected = load_expected(f)
        check_replay(expected)
        for reg in (regime.exact(expected, tol), *regime.cross_numerics(expected, tol)):
            out.append(simulate(expected, reg, settings.draws, settings.seed))
    return out


SHORT = {"mean_shift": "mean ±0.5", "seed_move": "seed ±1", "difference_doubled": "diff x2",
         "collapse": "collapse", "verdict_changed": "verdict"}
WHY = {"mean_shift": "mean_test_accuracy", "seed_move": "test_accuracy", "difference_doubled": "mean_difference",
       "collapse": "test_accuracy"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _unmet(c: Calibration, s: Settings) -> list[str]:
    """A line per goal this regime does not meet, with the numbers behind it."""
    out, where = [], f"{c.key()}"
    if c.false_alarm > s.false_alarm_goal:
        top = ", ".join(f"{m} in {n}" for m, n in c.alarms.most_common(3))
        out.append(f"NOT MET {where}: false alarms {_pct(c.false_alarm)} > {_pct(s.false_alarm_goal)} "
                   f"(failing metrics, of {c.draws} runs: {top})")
    for rate, how in ((c.false_alarm_upper, f"with s at its 95% upper bound ({moves.s_upper(c.regime):.3f} points)"),
                      (c.false_alarm_heavy, f"with Student-t(3) moves of RMS s = {c.regime.s:.3f}")):
        if rate > s.false_alarm_goal:
            out.append(f"NOT MET {where}: false alarms {how} {_pct(rate)} > {_pct(s.false_alarm_goal)}: 9 moves "
                       "do not pin s, and the tolerances assume normal moves")
    for kind, p in c.power.items():
        if p < s.power_goal:
            tol = c.regime.tolerance_of(f"x.{WHY[kind]}") if kind in WHY else None
            why = (f"; the {WHY[kind]} tolerance is {100 * tol:.2f} points at s = {c.regime.s:.2f}" if tol else "")
            case = f"; weakest: {c.weakest[kind][0]} {_pct(c.weakest[kind][1])}" if kind in c.weakest else ""
            out.append(f"NOT MET {where}: {DRIFTS[kind]}: power {_pct(p)} < {_pct(s.power_goal)}{why}{case}")
    return out


def render(cals: list[Calibration], s: Settings) -> str:
    """The table ``gate --calibrate`` prints, then the weakest cases, what is not simulated and
    every goal not met."""
    head = ["expected file", "regime", "legitimate moves", "false alarms", "at s upper", "t(3) moves",
            *(SHORT[k] for k in DRIFTS)]
    rows = [head]
    for c in cals:
        exact = c.regime.name == regime.EXACT
        moves = "none (exact: by construction)" if exact else f"N(0, {c.regime.s:.3f}^2) points/run"
        name = c.regime.name + (f" from {c.regime.pair[1]}" if c.regime.name == regime.CROSS else "")
        rows.append([c.file, name, moves, _pct(c.false_alarm), "-" if exact else _pct(c.false_alarm_upper),
                     "-" if exact else _pct(c.false_alarm_heavy),
                     *(_pct(c.power[k]) if k in c.power else "n/a" for k in DRIFTS)])
    goal = f"<= {_pct(s.false_alarm_goal)}"
    rows.append(["goal", "", "", goal, goal, goal, *[f">= {_pct(s.power_goal)}"] * len(DRIFTS)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = [f"{s.draws} simulated gate runs per regime and drift (seed {s.seed}; {s.path.name})", ""]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    out += ["", "exact regime: one numerics computed the same results to the sentence, so no legitimate move "
                "exists to simulate, and every drift changes a compared value: its 0% false alarms and 100% power "
                "hold by construction, not by measurement",
            "cross-numerics: false alarms under the tolerances' own model N(0, s^2); at s's one-sided 95% upper "
            "bound (chi-square on the pair's 9 moves); and with Student-t(3) moves of the same RMS (heavy tails)",
            ""]
    for c in cals:
        weak = "; ".join(f"{SHORT[k]}: {case} {_pct(p)}" for k, (case, p) in c.weakest.items())
        out.append(f"{c.key()}: weakest cases: {weak}")
    held = {(c.file, name): value for c in cals for name, value in c.held.items()}
    out += [f"{file}: {replay.NOT_SIMULATED.format(claim=replay.held_claim(name))} (held at the file's {value!r} in "
            "every draw)" for (file, name), value in held.items()]
    if cals and cals[0].path is not None:
        out += [""] + holdout.render(holdout.check(cals[0].path.parent))
    unmet = [line for c in cals for line in _unmet(c, s)]
    out += [""] + (unmet or ["every goal met"])
    return "\n".join(out)


def as_targets(cals: list[Calibration]) -> str:
    """The numbers as calibration.toml's [targets] hold them (what a test compares with)."""
    out = []
    for c in cals:
        stem = Path(c.file).name.removesuffix(".json")
        power = ", ".join(f"{k} = {c.power[k]:.4f}" for k in DRIFTS if k in c.power)
        table = f'"{stem}".{c.regime.name}' + (f'."{c.regime.pair[1]}"' if c.regime.name == regime.CROSS else "")
        out.append(f'[targets.{table}]\nfalse_alarm = {c.false_alarm:.4f}\npower = {{ {power} }}')
    return "\n".join(out)
