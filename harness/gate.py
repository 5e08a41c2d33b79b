"""The drift gate: a results directory against ``expected/results/<profile>.json``.

Metrics of one profile (accuracies are fractions), per framework (fairseq, hf) and init:
``<fw>.<init>.seed<N>.test_accuracy``, ``<fw>.<init>.mean_test_accuracy``,
``<fw>.<init>.sd_test_accuracy`` (sample SD, ddof = 1); ``hf_minus_fairseq.pretrained.mean_difference``
(C4's difference of means); and ``ledger.<claim>.verdict`` for every fresh-run row the claim ledger
builds from these results (``harness.ledger.fresh_rows``: C3, C4 with its margin), its verdict
string. Scores pass within their tolerance (stored per metric in the expected file), verdicts only
when equal. Every run's provenance (test size, data hash, checkpoint hash, profile settings) must
equal the expected file's first: a result from another experiment is bad input, not drift.

Exit codes: 0 pass; 1 drift (a metric outside its tolerance, a verdict changed, a metric missing, or
an unexpected one, such as an extra seed: it would change the gated aggregates); 2 bad input
(missing, corrupt or malformed results or expected file, results of another experiment, ``--regen``
refused); 3 regenerated (the expected file was rewritten: review the diff, commit, rerun).
Output formats: ``harness.gate_output``; the history of gated metrics: ``harness.history``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness import atomic, env, ledger, tolerances
from harness.config import ConfigError
from harness.results import Results, load_results
from harness.runs import FRAMEWORKS, INITS, RunResult, read_json, results_path

SCHEMA_VERSION = 2
PASS, DRIFT, BAD_INPUT, REGENERATED = 0, 1, 2, 3
DIFFERENCE = "hf_minus_fairseq.pretrained.mean_difference"
_cell = rf"({'|'.join(FRAMEWORKS)})\.({'|'.join(INITS)})"
NAME = re.compile(rf"{_cell}\.(seed\d+\.test_accuracy|mean_test_accuracy|sd_test_accuracy)"
                  rf"|{re.escape(DIFFERENCE)}|ledger\.C\d+(\.[a-z0-9_]+)?\.verdict")
KNOWN = "<fw>.<init>.seed<N>.test_accuracy, <fw>.<init>.mean_test_accuracy, <fw>.<init>.sd_test_accuracy, " \
        f"{DIFFERENCE}, ledger.<claim>.verdict"
PROVENANCE = ("test_size", "data_hash", "checkpoint_hash", "profile_hash")


def is_verdict(name: str) -> bool:
    return name.endswith(".verdict")


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


def run_provenance(r: RunResult) -> dict:
    """What ties a run to its experiment: test size, data and checkpoint hashes, profile settings."""
    p = r.provenance
    parts = p.get("key_parts") or {}
    settings = {k: parts[k] for k in ("data_spec", "train_spec") if k in parts}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest() if settings else None
    return {"test_size": r.test_size, "data_hash": p.get("data_hash") or parts.get("data"),
            "checkpoint_hash": p.get("checkpoint_hash") or parts.get("checkpoint"), "profile_hash": digest}


def short(v) -> str:
    return "not recorded" if v is None else v[:12] if isinstance(v, str) else str(v)


@dataclass(frozen=True)
class Expected:
    path: Path
    profile: str
    metrics: dict[str, tuple[float | str, float | None]]  # name -> (value, tolerance; None for verdicts)
    provenance: dict[str, dict]  # framework -> PROVENANCE fields
    stamp: dict
    statistics: dict[str, str] = field(default_factory=dict)  # verdicts: the statistic behind each


def _metric(where: str, name: str, m) -> tuple[float | str, float | None]:
    if not NAME.fullmatch(name):
        raise ConfigError(f"{where}: unknown metric (known: {KNOWN})")
    if not isinstance(m, dict) or not {"value", "tolerance"} <= set(m) <= {"value", "tolerance", "statistic"}:
        raise ConfigError(f"{where}: expected {{'value': ..., 'tolerance': ...}}, got {m!r}")
    value, tol = m["value"], m["tolerance"]
    if is_verdict(name):
        if not isinstance(value, str):
            raise ConfigError(f"{where}.value: a verdict is a string, got {value!r}")
        if tol is not None:
            raise ConfigError(f"{where}.tolerance: a verdict matches exactly (null), got {tol!r}")
        return value, None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}.value: expected a finite number, got {value!r}")
    return float(value), tolerances.finite_tolerance(tol, f"{where}.tolerance")


def load_expected(path: str | Path) -> Expected:
    """Read and validate an expected file; every error names the file and the key."""
    path = Path(path)
    regen = f"python -m harness gate --regen A B --expected {path}"
    if not path.is_file():
        raise ConfigError(f"{path}: expected file not found; write it with `{regen}` (docs/gate.md)")
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    if "schema" in raw and raw["schema"] != SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema: version {raw['schema']!r}, this gate reads {SCHEMA_VERSION}; "
                          f"regenerate it (`{regen}`)")
    for key in ("schema", "profile", "provenance", "metrics", "stamp"):
        if key not in raw:
            raise ConfigError(f"{path}: missing required field {key!r}")
    if raw["profile"] != path.stem:
        raise ConfigError(f"{path}: profile: {raw['profile']!r}, but the file is named for {path.stem!r}")
    if not isinstance(raw["metrics"], dict) or not raw["metrics"]:
        raise ConfigError(f"{path}: metrics: expected a non-empty table of metrics")
    out = {name: _metric(f"{path}: metrics.{name}", name, m) for name, m in raw["metrics"].items()}
    prov = raw["provenance"]
    if not isinstance(prov, dict) or not prov or not all(
            fw in FRAMEWORKS and isinstance(p, dict) and set(p) == set(PROVENANCE) for fw, p in prov.items()):
        raise ConfigError(f"{path}: provenance: expected {{framework: {{{', '.join(PROVENANCE)}}}}}, got {prov!r}")
    stats_ = {n: m["statistic"] for n, m in raw["metrics"].items() if "statistic" in m}
    return Expected(path, raw["profile"], out, prov, raw["stamp"], stats_)


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


def check(results_dir: str | Path, expected_path: str | Path) -> tuple[int, str]:
    """Gate ``results_dir`` against an expected file: (exit code, the diff table and verdict)."""
    from harness import gate_output

    outcome = evaluate(results_dir, expected_path)
    return outcome.code, gate_output.text(outcome)


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


def _default_tolerances() -> dict[str, float]:
    return {k: float(v) for k, v in read_toml(TOLERANCES)["score"].items()}


def regenerate(a: str | Path, b: str | Path, expected_path: str | Path, spot_check: bool = False) -> tuple[int, str]:
    """``--regen``: ``harness.gate_regen.regenerate`` (guarded; exits 3)."""
    from harness import gate_regen

    return gate_regen.regenerate(a, b, expected_path, spot_check)


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="?", help="results directory (<dir>/<profile>/<run>.json)")
    parser.add_argument("--expected", required=True, help="expected/results/<profile>.json")
    parser.add_argument("--regen", nargs=2, metavar=("RESULTS_A", "RESULTS_B"),
                        help="rewrite --expected from two independently computed result sets that agree")
    parser.add_argument("--spot-check", action="store_true",
                        help="with --regen: RESULTS_B recomputed (own cache) only some of RESULTS_A's runs, at least "
                             "two covering every framework, which must agree exactly (profiles too costly to run twice)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="how to print the diff (default: text)")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML: one test case per metric and verdict")
    parser.add_argument("--history", metavar="FILE",
                        help="also append the gated metrics, commit and provenance to this JSON-lines file")


def main(args) -> int:
    if bool(args.results) == bool(args.regen):
        print("error: give either RESULTS (check) or --regen RESULTS_A RESULTS_B", file=sys.stderr)
        return BAD_INPUT
    if args.spot_check and not args.regen:
        print("error: --spot-check goes with --regen", file=sys.stderr)
        return BAD_INPUT
    if args.regen and (args.junit or args.history or args.format != "text"):
        print("error: --format, --junit and --history go with RESULTS (check), not --regen", file=sys.stderr)
        return BAD_INPUT
    from harness import gate_output, history

    try:
        if args.regen:
            code, text = regenerate(*args.regen, args.expected, args.spot_check)
            print(text)
            return code
        outcome = evaluate(args.results, args.expected)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    print(gate_output.render(outcome, args.format))
    if args.junit:
        atomic.write_text(args.junit, gate_output.junit(outcome))
    if args.history:
        history.append(args.history, outcome)
    return outcome.code
