"""The drift gate: a results directory against ``expected/results/<profile>.json``.

The metrics (``harness.gate.expected``) are computed from the results: accuracies per seed, means,
SDs, the HF - fairseq difference, and the verdict of every fresh-run row the claim ledger builds from
these results (``harness.claims.ledger.fresh_rows``). Scores pass within their tolerance (stored per metric in the expected file), verdicts only
when equal. Every run's provenance (test size, data hash, checkpoint hash, profile settings) must
equal the expected file's first: a result from another experiment is bad input, not drift.

Exit codes: 0 pass; 1 drift (a metric outside its tolerance, a verdict changed, a metric missing, or
an unexpected one, such as an extra seed: it would change the gated aggregates); 2 bad input
(missing, corrupt or malformed results or expected file, results of another experiment, ``--regen``
refused); 3 regenerated (the expected file was rewritten: review the diff, commit, rerun).
Output formats: ``harness.gate.output``; the history of gated metrics: ``harness.gate.history``.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from harness.claims import ledger
from harness.core import env
from harness.core.config import ConfigError
from harness.core.records import FRAMEWORKS, INITS
from harness.gate.expected import DIFFERENCE, PROVENANCE, Expected, load_expected, run_provenance, short
from harness.runs.results import Results, load_results, results_path

PASS, DRIFT, BAD_INPUT, REGENERATED = 0, 1, 2, 3


def verdict_name(row) -> str:
    """A ledger row's metric: its claim, and its label when the ledger gives one (two rows of a claim)."""
    label = re.sub(r"[^a-z0-9]+", "_", str(getattr(row, "label", "") or "").lower()).strip("_")
    return f"ledger.{row.claim}{'.' + label if label else ''}.verdict"


def metrics(results: Results, profile: str) -> tuple[dict[str, float | str], dict[str, str]]:
    """Every gated metric of ``profile``'s runs by name, and the statistic behind each verdict."""
    values: dict[str, float | str] = {}
    means = {}
    for fw in FRAMEWORKS:
        for init in INITS:
            runs = results.group(profile, fw, init)
            accs = [r.test_accuracy for r in runs]
            for r in runs:
                values[f"{fw}.{init}.seed{r.spec.seed}.test_accuracy"] = r.test_accuracy
            if runs:
                values[f"{fw}.{init}.mean_test_accuracy"] = means[fw, init] = statistics.fmean(accs)
            if len(runs) >= 2:
                values[f"{fw}.{init}.sd_test_accuracy"] = statistics.stdev(accs)
    if ("hf", "pretrained") in means and ("fairseq", "pretrained") in means:
        values[DIFFERENCE] = means["hf", "pretrained"] - means["fairseq", "pretrained"]
    notes = {}
    try:
        rows = ledger.fresh_rows(profile, results.all(profile))
    except ValueError as exc:  # never a pass: the verdicts cannot be gated
        raise ConfigError(f"{results.root / profile}: the ledger cannot judge these runs ({exc})") from None
    for row in rows:
        name = verdict_name(row)
        if name in values:
            raise ConfigError(f"ledger: two fresh-run rows of {row.claim} share the metric {name}; "
                              "give them labels the gate can tell apart")
        values[name], notes[name] = row.verdict, row.statistic
    return values, notes


def check_provenance(results: Results, expected: Expected) -> None:
    """Bad input (ConfigError) when a run's provenance differs from the expected file's."""
    diffs = []
    for r in results.all(expected.profile):
        want = expected.provenance.get(r.spec.framework)
        got = run_provenance(r)
        diffs += [f"{results_path(results.root, r.spec)}: {k} {short(got[k])} differs from the expected "
                  f"file's {short(want[k])}" for k in PROVENANCE if want is not None and got[k] != want[k]]
    if diffs:
        raise ConfigError(f"{expected.path}: provenance: {len(diffs)} difference(s); these results come from "
                          "another experiment (gate them against an expected file regenerated from it):\n  "
                          + "\n  ".join(diffs))


@dataclass(frozen=True)
class Row:
    metric: str
    expected: float | str | None
    obtained: float | str | None
    tolerance: float | None
    status: str  # ok | DRIFT | MISSING | UNEXPECTED
    statistic: str | None = None  # verdicts: the ledger's statistic behind the obtained verdict
    expected_statistic: str | None = None  # ... and behind the expected one (from the expected file)

    @property
    def delta(self) -> float | None:
        """|obtained - expected| of a score (the statistic its tolerance bounds)."""
        numbers = all(isinstance(v, float) for v in (self.expected, self.obtained))
        return abs(self.obtained - self.expected) if numbers else None


def compare(expected: Expected, obtained: dict, notes: dict | None = None) -> list[Row]:
    notes = notes or {}
    rows = []
    for name, (value, tol) in expected.metrics.items():
        got = obtained.get(name)
        if name not in obtained:
            status = "MISSING"
        elif tol is None or not isinstance(got, float):
            status = "ok" if got == value else "DRIFT"
        else:
            status = "ok" if abs(got - value) <= tol else "DRIFT"
        rows.append(Row(name, value, got, tol, status, notes.get(name), expected.statistics.get(name)))
    rows += [Row(n, None, v, None, "UNEXPECTED", notes.get(n)) for n, v in obtained.items() if n not in expected.metrics]
    return rows


def failed(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.status != "ok"]


def fmt(v) -> str:
    return "-" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class Outcome:
    """One gate run: what every output format renders."""
    code: int
    profile: str
    expected_path: Path
    results_dir: Path
    rows: list[Row]
    notes: list[str]  # e.g. library versions that differ from the expected file's stamp
    summary: str  # PASS: ... | DRIFT: ...
    provenance: dict  # framework -> PROVENANCE fields of the results


def evaluate(results_dir: str | Path, expected_path: str | Path) -> Outcome:
    """Gate ``results_dir`` against an expected file (ConfigError on bad input)."""
    expected = load_expected(expected_path)
    results = load_results(results_dir, expected.profile)
    check_provenance(results, expected)
    rows = compare(expected, *metrics(results, expected.profile))
    bad = [r for r in failed(rows) if r.status != "UNEXPECTED"]
    unexpected = len(failed(rows)) - len(bad)
    n = len(expected.metrics)
    summary = f"DRIFT: {len(bad)} of {n} expected metrics fail" if bad else \
        f"PASS: {n} expected metrics within tolerance, every verdict equal"
    if unexpected:
        summary = (f"DRIFT: {len(bad)} of {n} expected metrics fail; {unexpected} unexpected metric(s): a run or "
                   "seed the expected file does not hold changes the gated aggregates; regenerate to gate it")
    now, then = env.library_versions(), expected.stamp.get("libraries") or {}
    moved = [f"{k} {then[k]} -> {now.get(k, 'absent')}" for k in sorted(then) if then[k] != now.get(k, "absent")]
    notes = ["library versions differ from the expected file's stamp: " + ", ".join(moved)] if moved else []
    if nondeterministic := nondeterminism_note(results.all(expected.profile)).strip():
        notes.append(nondeterministic)
    prov = {r.spec.framework: run_provenance(r) for r in results.all(expected.profile)}
    return Outcome(DRIFT if failed(rows) else PASS, expected.profile, expected.path, Path(results_dir), rows,
                   notes, summary, prov)


def nondeterminism_note(runs) -> str:
    """A line naming the results during which a kernel without a deterministic implementation ran
    (``harness.runs`` records them): those may differ on a rerun, within the tolerances."""
    hit = {r.spec.name: r.provenance.get("nondeterministic_kernels") for r in runs}
    hit = {name: kernels for name, kernels in hit.items() if kernels}
    if not hit:
        return ""
    kernels = sorted({k for ks in hit.values() for k in ks})
    return (f"\nnon-deterministic kernels ({', '.join(kernels)}) ran in {len(hit)} result(s) "
            f"({', '.join(sorted(hit))}): a rerun may differ from them within the tolerances, not bitwise")


