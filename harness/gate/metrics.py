"""The gated metrics of one profile's runs: the scores (per-seed accuracies, means, SDs, the HF -
fairseq difference; cheap), the records a recomputation must reproduce (per run: updates, best
epoch, validation accuracy per epoch, a digest of the validation predictions; the test label
counts) and the ledger's (every fresh-run row's verdict and scores, with the
decision behind the verdict where the row gives one; ``harness.claims.ledger.fresh_rows``).

A ledger row is read only through ``claim``, ``label``, ``verdict``, ``statistic`` and, where it has
them, ``scores`` ({name: number in the claim's units}) and ``decision`` ((score name, its value,
the rule's boundary)): ``ledger.<claim>[.<label>].verdict`` and ``ledger.<claim>[.<label>].<score>``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics

from harness.claims import ledger
from harness.core.config import ConfigError
from harness.core.records import FRAMEWORKS, INITS, RunResult
from harness.gate.expected import DIFFERENCE


def _slug(text) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").lower()).strip("_")


def verdict_name(row) -> str:
    """A ledger row's metric: its claim, and its label when the ledger gives one (two rows of a claim)."""
    label = _slug(getattr(row, "label", ""))
    return f"ledger.{row.claim}{'.' + label if label else ''}.verdict"


def score_name(row, score: str) -> str:
    return f"{verdict_name(row)[: -len('.verdict')]}.{_slug(score)}"


def scores(runs: list[RunResult]) -> dict[str, float]:
    """Per-seed accuracies, each cell's mean and sample SD, and the HF - fairseq difference (fractions)."""
    values: dict[str, float] = {}
    means = {}
    for fw in FRAMEWORKS:
        for init in INITS:
            cell = sorted((r for r in runs if (r.spec.framework, r.spec.init) == (fw, init)), key=lambda r: r.spec.seed)
            accs = [r.test_accuracy for r in cell]
            for r in cell:
                values[f"{fw}.{init}.seed{r.spec.seed}.test_accuracy"] = r.test_accuracy
            if cell:
                values[f"{fw}.{init}.mean_test_accuracy"] = means[fw, init] = statistics.fmean(accs)
            if len(cell) >= 2:
                values[f"{fw}.{init}.sd_test_accuracy"] = statistics.stdev(accs)
    if ("hf", "pretrained") in means and ("fairseq", "pretrained") in means:
        values[DIFFERENCE] = means["hf", "pretrained"] - means["fairseq", "pretrained"]
    return values


def predictions_digest(r: RunResult) -> str:
    """sha256 of a run's per-sentence validation predictions, every epoch, with the gold labels."""
    text = json.dumps({"labels": r.valid_labels, "predictions": list(r.valid_predictions)}, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def records(runs: list[RunResult], where) -> dict[str, float | str]:
    """What a recomputation must reproduce beyond the test accuracies (``harness.gate.expected.RECORD``):
    per run its updates, best epoch, validation accuracy per epoch and predictions digest; the test
    set's label counts, one set for the result set (runs that record different ones: bad input)."""
    values: dict[str, float | str] = {}
    for r in runs:
        run = f"{r.spec.framework}.{r.spec.init}.seed{r.spec.seed}"
        values[f"{run}.updates"] = float(r.updates)
        values[f"{run}.best_epoch"] = float(r.best_epoch)
        for e, acc in enumerate(r.valid_accuracy, 1):
            values[f"{run}.valid_accuracy_epoch{e}"] = float(acc)
        values[f"{run}.valid_predictions"] = predictions_digest(r)
    seen = {json.dumps(r.provenance.get("test_label_counts"), sort_keys=True) for r in runs}
    if len(seen) > 1:
        raise ConfigError(f"{where}: the runs record different test_label_counts ({sorted(seen)}): one test set per "
                          "result set")
    counts = json.loads(seen.pop()) if seen else None
    for label, n in (counts or {}).items():
        values[f"test_label_count.{label}"] = float(n)
    return values


def ledger_metrics(profile: str, runs: list[RunResult], where) -> tuple[dict, dict[str, str], dict[str, tuple]]:
    """(values, the statistic behind each verdict, the decision behind each verdict) of the ledger's
    fresh-run rows; ``where`` (the results) is named when the ledger cannot judge the runs."""
    values: dict[str, float | str] = {}
    notes, decisions = {}, {}
    try:
        rows = ledger.fresh_rows(profile, runs, plan=False)  # the gate reads no seed plan: none is computed
    except ValueError as exc:  # never a pass: the verdicts cannot be gated
        raise ConfigError(f"{where}: the ledger cannot judge these runs ({exc})") from None
    for row in rows:
        name = verdict_name(row)
        if name in values:
            raise ConfigError(f"ledger: two fresh-run rows of {row.claim} share the metric {name}; "
                              "give them labels the gate can tell apart")
        values[name], notes[name] = row.verdict, row.statistic
        for score, value in (getattr(row, "scores", None) or {}).items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ConfigError(f"{where}: the ledger's {row.claim} score {score!r} is {value!r}, "
                                  "not a finite number")
            values[score_name(row, score)] = float(value)
        decision = getattr(row, "decision", None)
        if decision:
            score, value, boundary = decision
            decisions[name] = (score_name(row, score), float(value), float(boundary))
    return values, notes, decisions


def all_metrics(profile: str, runs: list[RunResult], where) -> tuple[dict, dict[str, str], dict[str, tuple]]:
    """Every gated metric of ``profile``'s runs by name, the statistic and the decision behind each verdict."""
    values, notes, decisions = ledger_metrics(profile, runs, where)
    return {**scores(runs), **records(runs, where), **values}, notes, decisions
