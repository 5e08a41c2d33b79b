"""The drift gate: a results directory against the expected file of its profile and numerics.

The metrics (``harness.gate.metrics``) are computed from the results: accuracies per seed, means,
SDs, the HF - fairseq difference, and the verdict and scores of every fresh-run row the claim ledger
builds from these results (``harness.claims.ledger.fresh_rows``). The regime
(``harness.gate.regime``) picks the expected file and the tolerances: exact where the numerics are
the expected file's, measured tolerances across numerics. Verdicts pass only when equal; a verdict
whose decision lies within its score's tolerance of the rule's boundary is FRAGILE (reported with the
distance; in the cross-numerics regime a change of it is noise, not drift). Across numerics the
scores of a claim read from per-sentence validation predictions (C2b: ``harness.gate.replay``) are
UNGATED: shown, not gated, since no measurement says how numerics move them; its verdict is. Every run's provenance
(test size, data hash, checkpoint hash, profile settings) must equal the expected file's first: a
result from another experiment is bad input, not drift.

Exit codes: 0 pass; 1 drift (a metric outside its tolerance, a verdict changed, a metric missing, or
an unexpected one, such as an extra seed: it would change the gated aggregates); 2 bad input
(missing, corrupt or malformed results or expected file, results of another experiment or of
numerics no expected file or measured regime covers, ``--regen`` refused); 3 regenerated (the
expected file was rewritten: review the diff, commit, rerun).
Output formats: ``harness.gate.output``; the history of gated metrics: ``harness.gate.history``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError
from harness.gate.expected import (PROVENANCE, Expected, is_record, is_text, is_validation, is_verdict, run_provenance,
                                   short)
from harness.gate.metrics import all_metrics, verdict_name  # noqa: F401 (verdict_name: the gate's names)
from harness.gate.regime import EXACT, Regime, resolve
from harness.gate.replay import held_claim
from harness.runs import provenance
from harness.runs.results import Results, results_path

PASS, DRIFT, BAD_INPUT, REGENERATED = 0, 1, 2, 3
FLOAT_NOISE = 1e-12  # exact: the same fractions summed in the same order agree to the bit; this absorbs nothing real


def metrics(results: Results, profile: str) -> tuple[dict[str, float | str], dict[str, str], dict[str, tuple]]:
    """Every gated metric of ``profile``'s runs by name, the statistic and the decision behind each verdict."""
    return all_metrics(profile, results.all(profile), results.root / profile)


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
    tolerance: float | None  # None: a verdict (compared as a string); 0.0: exact
    status: str  # ok | FRAGILE | DRIFT | MISSING | UNEXPECTED
    statistic: str | None = None  # verdicts: the ledger's statistic behind the obtained verdict
    expected_statistic: str | None = None  # ... and behind the expected one (from the expected file)
    note: str | None = None  # FRAGILE: the decision, its distance to the boundary, the score's tolerance

    @property
    def delta(self) -> float | None:
        """|obtained - expected| of a score (the statistic its tolerance bounds)."""
        numbers = all(isinstance(v, float) for v in (self.expected, self.obtained))
        return abs(self.obtained - self.expected) if numbers else None


def fragile(name: str, expected: Expected, decisions: dict, regime: Regime) -> str | None:
    """Why verdict ``name`` is within noise of its rule's boundary, or None: the decision (obtained,
    or the expected file's) puts the boundary within its score's tolerance."""
    for source, d in (("obtained", decisions.get(name)), ("expected", expected.decisions.get(name))):
        if d is None:
            continue
        score, value, boundary = d
        tol = regime.tolerance_of(score) or 0.0
        if abs(value - boundary) <= tol:
            return (f"{source} {score.rsplit('.', 1)[1]} {value:.4g} vs the rule's boundary {boundary:g}: distance "
                    f"{abs(value - boundary):.4g} <= the score's tolerance {tol:.4g} ({regime.name})")
    return None


def crossed(name: str, expected: Expected, decisions: dict) -> bool:
    """Whether verdict ``name``'s decision score crossed (or touched) the rule's boundary between the
    expected file and the results: the one way a change of numerics can change that verdict."""
    old, new = expected.decisions.get(name), decisions.get(name)
    if old is None or new is None or (old[0], old[2]) != (new[0], new[2]):
        return False
    return (old[1] - old[2]) * (new[1] - new[2]) <= 0


PASSING = ("ok", "FRAGILE", "UNGATED")  # the statuses that do not fail the gate
UNGATED = ("not gated across numerics: {claim}'s scores rest on per-sentence validation predictions, and no "
           "measurement says how a change of numerics moves them (AMX bf16 to fp32 moved the lab's min_holm_p "
           "from 1.00 to 0.75, one measurement); its verdict is gated")


VALIDATION_UNGATED = ("not gated across numerics: validation curves, best epochs and predictions move with the "
                      "numerics and no measurement says how much; gated exactly within one numerics")


def compare(expected: Expected, obtained: dict, regime: Regime, notes: dict | None = None,
            decisions: dict | None = None) -> list[Row]:
    notes, decisions = notes or {}, decisions or {}
    rows = []
    for name, value in expected.metrics.items():
        got, tol, note = obtained.get(name), regime.tolerance_of(name), None
        if name not in obtained:
            status = "MISSING"
        elif regime.name != EXACT and is_validation(name):
            status, tol, note = "UNGATED", None, VALIDATION_UNGATED
        elif is_text(name) and not is_verdict(name):
            status = "ok" if got == value else "DRIFT"
        elif is_verdict(name):
            status = "ok" if got == value else "DRIFT"
            note = fragile(name, expected, decisions, regime)
            # a changed verdict is noise only across numerics, and only when its score crossed the boundary
            # within its tolerance (exact: a changed verdict is drift; no crossing: the rule changed)
            if note and (status == "ok" or (regime.name != EXACT and crossed(name, expected, decisions))):
                status = "FRAGILE"
        elif not isinstance(got, float):
            status = "DRIFT"
        elif regime.name != EXACT and (claim := held_claim(name)):
            status, tol, note = "UNGATED", None, UNGATED.format(claim=claim)
        else:
            status = "ok" if abs(got - value) <= tol + FLOAT_NOISE else "DRIFT"
        rows.append(Row(name, value, got, tol, status, notes.get(name), expected.statistics.get(name), note))
    rows += [Row(n, None, v, None, "UNEXPECTED", notes.get(n))
             for n, v in obtained.items() if n not in expected.metrics]
    return rows


def failed(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.status not in PASSING]


def fmt(v) -> str:
    if isinstance(v, str) and v.startswith("sha256:"):
        return v[:19]  # a predictions digest: its first 12 hex digits tell two apart
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
    regime: Regime | None = None


def summarize(rows: list[Row], n: int) -> str:
    bad = [r for r in failed(rows) if r.status != "UNEXPECTED"]
    unexpected = len(failed(rows)) - len(bad)
    shaky = sum(r.status == "FRAGILE" for r in rows)
    summary = f"DRIFT: {len(bad)} of {n} expected metrics fail" if bad else \
        f"PASS: {n} expected metrics within tolerance, every verdict equal" + (
            " or within noise of its boundary" if any(r.status == "FRAGILE" and r.obtained != r.expected for r in rows)
            else "")
    if shaky:
        summary += f"; {shaky} verdict(s) FRAGILE (within noise of the rule's boundary)"
    records = sum(r.status == "UNGATED" and r.note == VALIDATION_UNGATED for r in rows)
    if ungated := sum(r.status == "UNGATED" for r in rows) - records:
        summary += f"; {ungated} score(s) not gated across numerics (no measured move)"
    if records:
        summary += f"; {records} validation record(s) not gated across numerics (curves, best epochs, predictions)"
    if unexpected:
        summary = (f"DRIFT: {len(bad)} of {n} expected metrics fail; {unexpected} unexpected metric(s): a run or "
                   "seed the expected file does not hold changes the gated aggregates; regenerate to gate it")
    return summary


def evaluate(results_dir: str | Path, expected_path: str | Path, records: bool = True) -> Outcome:
    """Gate ``results_dir`` against an expected file, or the directory of them (ConfigError on bad input).
    ``records=False`` gates a file written before the gate compared the runs' records on what it
    holds, the records left out (never the CLI's: it refuses such a file)."""
    expected, regime, results = resolve(results_dir, expected_path, records=records)
    check_provenance(results, expected)
    values, notes_, decisions = metrics(results, expected.profile)
    if not records:
        values = {n: v for n, v in values.items() if n in expected.metrics or not is_record(n)}
    rows = compare(expected, values, regime, notes_, decisions)
    now, then = provenance.library_versions(), expected.stamp.get("libraries") or {}
    moved = [f"{k} {then[k]} -> {now.get(k, 'absent')}" for k in sorted(then) if then[k] != now.get(k, "absent")]
    notes = ["library versions differ from the expected file's stamp: " + ", ".join(moved)] if moved else []
    if nondeterministic := nondeterminism_note(results.all(expected.profile)).strip():
        notes.append(nondeterministic)
    prov = {r.spec.framework: run_provenance(r) for r in results.all(expected.profile)}
    return Outcome(DRIFT if failed(rows) else PASS, expected.profile, expected.path, Path(results_dir), rows,
                   notes, summarize(rows, len(expected.metrics)), prov, regime)


def nondeterminism_note(runs) -> str:
    """A line naming the results during which a kernel without a deterministic implementation ran
    (``harness.runs`` records them): those may differ on a rerun; the exact regime calls any difference drift."""
    hit = {r.spec.name: r.provenance.get("nondeterministic_kernels") for r in runs}
    hit = {name: kernels for name, kernels in hit.items() if kernels}
    if not hit:
        return ""
    kernels = sorted({k for ks in hit.values() for k in ks})
    return (f"\nnon-deterministic kernels ({', '.join(kernels)}) ran in {len(hit)} result(s) "
            f"({', '.join(sorted(hit))}): a rerun may differ from them, not bitwise (drift in the exact regime)")


