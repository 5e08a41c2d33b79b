"""The expected file's runs, rebuilt: what the calibration moves and the ledger re-judges.

An expected file holds every per-seed accuracy, each framework's test size and the test set's label
counts (C3's majority-class rate), which is all ``harness.claims.ledger.fresh_rows`` reads of a run
for the claims judged on test accuracy. Accuracies stay counts over the test size, as real runs are.

**Held claims.** A claim whose relation reads each run's per-epoch validation predictions
(``HELD_RELATIONS``: ``best_epoch``, C2b) cannot be re-judged on rebuilt runs, which have none; and
the move model (each run's test accuracy moved by N(0, s^2)) says nothing of how a change of numerics
moves validation predictions. Every replay (``ledger``) holds such a claim's verdict, statistic,
scores and decision at the expected file's values instead of refusing: C2b's verdict is not
simulated.

``ledger_tolerances``: a ledger score's tolerance in the cross-numerics regime is z times its
spread under the measured model (each run moved by N(0, s^2)), propagated through the ledger one run
at a time (first order: spread^2 = sum over runs of (d score / d run)^2 s^2); a held claim's scores
do not move under the model, so they keep tolerance 0 (gated exactly).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re

from harness.claims import claimsfile
from harness.core.records import RunResult, RunSpec
from harness.gate import metrics
from harness.gate.expected import Expected, is_record

_SEED = re.compile(r"(\w+)\.(\w+)\.seed(\d+)\.test_accuracy")
HELD_RELATIONS = ("best_epoch",)  # relations whose verdicts rest on per-sentence validation predictions
NOT_SIMULATED = ("{claim}'s verdict is not simulated: it rests on per-sentence validation predictions, which the "
                 "test-accuracy move model does not move")


@functools.lru_cache(maxsize=1)
def held_claims() -> tuple[str, ...]:
    """The claims (of the report under test, whose rules ``fresh_rows`` applies) that replay holds."""
    return tuple(c.id for c in claimsfile.load().claims if c.relation in HELD_RELATIONS)


def held_claim(metric: str) -> str | None:
    """The held claim a ledger metric (``ledger.<claim>[.<label>].<name>``) belongs to, or None."""
    return next((c for c in held_claims() if metric.startswith(f"ledger.{c}.")), None)


def held(expected: Expected) -> dict[str, float | str]:
    """{metric: the expected file's value} of every held claim's metric in the file."""
    return {n: v for n, v in expected.metrics.items() if held_claim(n)}


def records(expected: Expected) -> dict[str, float | str]:
    """{metric: the expected file's value} of its records (updates, best epochs, validation curves and
    predictions, label counts): the move model does not move them, so every replay holds them."""
    return {n: v for n, v in expected.metrics.items() if is_record(n)}


def correct_counts(expected: Expected) -> dict[tuple[str, str, int], int]:
    """{(framework, init, seed): correct answers} of the expected file's runs."""
    out = {}
    for name, value in expected.metrics.items():
        m = _SEED.fullmatch(name)
        if m:
            fw, init, seed = m.group(1), m.group(2), int(m.group(3))
            out[fw, init, seed] = round(value * expected.provenance[fw]["test_size"])
    return out


def runs(expected: Expected, counts: dict[tuple[str, str, int], int] | None = None) -> list[RunResult]:
    """The expected file's runs (or these ``counts`` of correct answers per run) as RunResults."""
    counts = correct_counts(expected) if counts is None else counts
    provenance = {"test_label_counts": dict(expected.label_counts)} if expected.label_counts else {}
    out = []
    for (fw, init, seed), correct in sorted(counts.items()):
        n = expected.provenance[fw]["test_size"]
        acc = correct / n
        out.append(RunResult(spec=RunSpec(expected.profile, fw, init, seed), valid_accuracy=(acc,), best_epoch=1,
                             test_accuracy=acc, test_size=n, updates_per_epoch=1, updates=1, wall_time_s=0.0,
                             provenance=provenance))
    return out


def ledger(expected: Expected, rebuilt: list[RunResult]) -> tuple[dict, dict[str, str], dict[str, tuple]]:
    """The ledger's metrics of rebuilt runs (``harness.gate.metrics.ledger_metrics``), every held
    claim's metrics, statistic and decision at the expected file's values."""
    where = f"{expected.path} (its runs, rebuilt)"
    values, notes, decisions = metrics.ledger_metrics(expected.profile, rebuilt, where)
    keep = held(expected)
    values = {**{k: v for k, v in values.items() if not held_claim(k)}, **keep}
    notes = {**{k: v for k, v in notes.items() if not held_claim(k)},
             **{k: expected.statistics[k] for k in keep if k in expected.statistics}}
    decisions = {**{k: v for k, v in decisions.items() if not held_claim(k)},
                 **{k: expected.decisions[k] for k in keep if k in expected.decisions}}
    return values, notes, decisions


def moved(run: RunResult, points: float) -> RunResult:
    """``run`` with its test accuracy moved by ``points``, to the nearest sentence, within [0, n]."""
    n = run.test_size
    correct = min(n, max(0, round(run.test_accuracy * n + points * n / 100)))
    return dataclasses.replace(run, test_accuracy=correct / n, valid_accuracy=(correct / n,))


def ledger_tolerances(expected: Expected, s: float, z: float) -> dict[str, float]:
    """{ledger score metric: tolerance} in the cross-numerics regime (empty when the ledger's rows
    carry no scores): z times the score's spread when each run moves by N(0, s^2) points. Computed
    once per distinct input (one ledger per run: seconds), keyed by everything it reads."""
    # the rules (the claims file's bytes, and the ledger's functions: a stand-in is another ledger), the file
    key = (_suite_bytes(), metrics.ledger_metrics, metrics.ledger.fresh_rows, expected.profile, _frozen(expected.metrics), _frozen(expected.provenance), _frozen(expected.label_counts),
           _frozen(expected.statistics), _frozen(expected.decisions), float(s), float(z))
    if key not in _TOLERANCES:
        _TOLERANCES[key] = _ledger_tolerances(expected, s, z)
    return dict(_TOLERANCES[key])


_TOLERANCES: dict[tuple, dict[str, float]] = {}


def _suite_bytes() -> bytes | None:
    """The rules the ledger applies (the report under test's claims file), as part of the memo's key."""
    try:
        return claimsfile.SUITE.read_bytes()
    except OSError:
        return None


def _frozen(value):
    """A hashable copy of a JSON-like value (dicts, lists, tuples, scalars)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _ledger_tolerances(expected: Expected, s: float, z: float) -> dict[str, float]:
    base = runs(expected)
    values = {k: v for k, v in ledger(expected, base)[0].items() if isinstance(v, float)}
    var = dict.fromkeys(values, 0.0)
    for i, r in enumerate(base if s else []):
        size = max(s, 100 / r.test_size)  # at least one sentence
        step = size if r.test_accuracy * 100 + size <= 100 else -size
        nudged = [moved(x, step) if j == i else x for j, x in enumerate(base)]
        after = ledger(expected, nudged)[0]
        h = 100 * (nudged[i].test_accuracy - r.test_accuracy)  # the step taken, to the sentence
        for k in var:
            if h and isinstance(after.get(k), float):
                var[k] += ((after[k] - values[k]) / h * s) ** 2
    return {k: z * math.sqrt(v) for k, v in var.items()}
