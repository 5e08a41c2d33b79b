"""The drift gate (harness/gate): it catches every mutation, gates the fresh-run ledger verdicts
themselves, treats an extra run as drift, and passes unchanged results.

Synthetic result sets (tests/synthetic.py) stand in for training; the last test gates the fresh
smoke results of the session fixtures against the expected file of their numerics in
expected/results/. Regimes: tests/test_gate_regimes.py; bad input and regeneration:
tests/test_gate_inputs.py; output formats and history: tests/test_gate_output.py; the injected-drift
matrix and the calibration: tests/test_gate_drifts.py, tests/test_gate_calibration.py.
"""

import dataclasses
import json

import pytest

from harness.core.paths import EXPECTED_DIR
from harness.gate import drift as gate
from harness.claims import ledger
from harness.__main__ import main as cli
from harness.runs.results import load_results
from harness.core.records import load_result, save_result
from harness.gate import expected as gate_expected
from harness.gate import output as gate_output
from harness.gate import regen as gate_regen
from harness.gate import regime as gate_regime
from tests.synthetic import write_results

CLEAN = "0123456789abcdef0123456789abcdef01234567"  # a clean checkout's commit (regen refuses dirty trees)
BF16 = "bf16-avx512-bf16"  # the synthetic bf16 runs' numerics key (tests/synthetic.py: the AVX512-BF16 class)
SMOKE_FILE = f"smoke.{BF16}.json"


def regenerated(root, a, b, **kw):
    """Regenerate ``root``'s expected file of A's profile and numerics from A and B (a clean tree)."""
    root.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gate_regen, "git_commit", lambda: CLEAN)
        code, text = gate_regen.regenerate(a, b, root, **kw)
    assert code == gate.REGENERATED, text
    return root / text.split("REGENERATED ")[1].split(" from ")[0].rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Two independent, agreeing result sets (A, B) and the expected file regenerated from them
    (bf16 on the AVX512-BF16 class: expected/smoke.bf16-avx512-bf16.json)."""
    root = tmp_path_factory.mktemp("gate")
    a = write_results(root / "A")
    b = write_results(root / "B", wall=103.0, created="2026-01-02T00:00:00+00:00")
    path = regenerated(root / "expected", a, b)
    assert path.name == SMOKE_FILE, path
    return a, b, path


def status(text, name):
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return line.split()[-1]


def shifted(root, shifts: dict) -> object:
    """A synthetic result set with ``shifts[(framework, init)]`` (a fraction) added to every seed."""
    results = write_results(root)
    for path in sorted((results / "smoke").glob("*.json")):
        r = load_result(path)
        delta = shifts.get((r.spec.framework, r.spec.init), 0.0)
        save_result(path, dataclasses.replace(r, test_accuracy=r.test_accuracy + delta))
    return results


def test_unchanged_results_pass_in_the_exact_regime(sets):
    a, b, expected = sets
    for results in (a, b):
        for where in (expected, expected.parent):  # the file, or the directory that picks it
            code, text = gate_output.check(results, where)
            assert code == gate.PASS, text
            assert "PASS" in text and "DRIFT" not in text, text
            assert text.splitlines()[0].startswith("regime: exact: the results' numerics (bf16 on CPU"), text
            assert str(expected) in text.splitlines()[0], text


def test_every_metric_is_gated_and_the_verdicts_are_the_ledgers(sets):
    a, _, expected = sets
    names = set(gate_expected.load_expected(expected).metrics)
    per_seed = {f"fairseq.{init}.seed{s}.test_accuracy" for init in ("pretrained", "random") for s in (0, 1, 2)}
    assert per_seed <= names, sorted(per_seed - names)
    for cell in ("fairseq.pretrained", "fairseq.random", "hf.pretrained"):
        assert {f"{cell}.mean_test_accuracy", f"{cell}.sd_test_accuracy"} <= names, sorted(names)
    assert "hf_minus_fairseq.pretrained.mean_difference" in names, sorted(names)
    # every fresh-run row the ledger builds from these results is pinned, with its exact verdict
    rows = ledger.fresh_rows("smoke", load_results(a, "smoke").all("smoke"))
    assert {r.claim for r in rows} >= {"C3", "C4"}, rows
    metrics = gate_expected.load_expected(expected).metrics
    for row in rows:
        assert metrics[gate.verdict_name(row)] == row.verdict, (row, sorted(names))
    assert not [n for n in names if "pretrained_vs_random" in n], "the Welch-only flag is not a ledger verdict"


def test_opposite_moves_within_the_per_seed_tolerance_that_move_the_c4_verdict_are_drift(sets, tmp_path):
    """Every HF seed -0.99 points and every fairseq seed +0.99: each seed stays within the old
    2-point tolerance, yet the C4 verdict moves. The gate must fail on the verdict and on the
    HF - fairseq difference, and print their numbers."""
    a, _, expected = sets
    moved = shifted(tmp_path / "R", {("hf", "pretrained"): -0.0099, ("fairseq", "pretrained"): +0.0099})

    def c4(results):
        return next(r for r in ledger.fresh_rows("smoke", load_results(results, "smoke").all("smoke"))
                    if r.claim == "C4")

    before, after = c4(a), c4(moved)
    assert before.verdict != after.verdict, f"precondition: the C4 verdict moves ({before.verdict})"
    code, text = gate_output.check(moved, expected)
    assert code == gate.DRIFT, text
    name = gate.verdict_name(before)
    assert status(text, name) == "DRIFT", text
    assert f"{name}: expected {before.verdict!r}, obtained {after.verdict!r}" in text, text
    assert after.statistic in text, text  # the statistic behind the new verdict
    diff = next(line for line in text.splitlines() if line.startswith("hf_minus_fairseq.pretrained.mean_difference "))
    want_exp = gate_expected.load_expected(expected).metrics["hf_minus_fairseq.pretrained.mean_difference"]
    assert diff.split()[1:3] == [gate.fmt(want_exp), gate.fmt(want_exp - 0.0198)], diff
    assert diff.split()[-1] == "DRIFT", diff


def nudged(expected_path, tmp_path, values: dict, tag: str):
    """``expected_path`` with every metric of ``values`` set to its value (one file, named as the original)."""
    raw = json.loads(expected_path.read_text())
    for name, value in values.items():
        if name.startswith("test_label_count."):
            raw["test_label_counts"][name.split(".", 1)[1]] = value
        else:
            raw["metrics"][name]["value"] = value
    out = tmp_path / tag / expected_path.name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(raw))
    return out


@pytest.mark.heavy  # the gate on every nudge of every metric of the file
@pytest.mark.parametrize("precision", ["bf16", "fp32"], ids=["exact", "cross_numerics"])
def test_nudging_any_metric_past_its_tolerance_fails_within_passes(sets, tmp_path, monkeypatch, precision):
    """Exact regime (bf16 results, the bf16 file): any nudge of a score is drift. Cross-numerics
    (fp32 results, no fp32 file): a nudge past the measured tolerance is drift, within it passes;
    the ledger's scores (C3's bounds, C4's difference and narrowest margin) included.

    ``drift.compare`` gives each metric's status from its own expected value alone (a verdict's
    decision, which FRAGILE reads, is not its value), so the nudges are gated together: all past
    their tolerances in one file (each metric's own row must say DRIFT), all within in another (the
    gate must pass), one file per sign. That independence is itself checked: one metric of each kind
    is also nudged alone, past (drift) and within (pass)."""
    _, _, expected = sets
    results = write_results(tmp_path / "R", precision=precision)
    loaded = gate_expected.load_expected(expected)
    _, reg, _ = gate_regime.resolve(results, expected)
    assert reg.name == ("exact" if precision == "bf16" else "cross_numerics"), reg
    assert {"ledger.C3.lower_bound", "ledger.C4.narrowest_margin"} <= set(loaded.metrics), sorted(loaded.metrics)
    # the ledger scores' tolerances rest on the file's runs, which one nudged metric hardly moves: once
    monkeypatch.setattr(gate_regime.replay, "ledger_tolerances", lambda *a: dict(reg.ledger))
    # the results never change, only the expected file: their metrics (the ledger on 9 runs) once
    obtained = gate.metrics(load_results(results), loaded.profile)
    monkeypatch.setattr(gate, "metrics", lambda res, profile: obtained)
    past = {sign: {} for sign in (1, -1)}  # sign -> {metric: a value past its tolerance}
    within = {sign: {} for sign in (1, -1)}  # sign -> {metric: a value within it}
    ungated = {}  # cross-numerics validation records: not gated, shown why (the gate passes)
    for name, value in loaded.metrics.items():
        tol = reg.tolerance_of(name)
        if reg.name != "exact" and gate_expected.is_validation(name):
            ungated[name] = "sha256:x" if isinstance(value, str) else value + 1.0
        elif name.startswith("test_label_count."):  # kept beside the metrics, as counts: one more is drift
            past[1][name] = int(value) + 1
        elif tol is None:  # a decision or a digest: any other value is drift
            past[1][name] = "a different verdict"
        else:
            for sign in (1, -1):
                step_past, step_within = (1e-6, 0.0) if tol == 0 else (1.01 * tol, 0.99 * tol)
                past[sign][name] = value + sign * step_past
                within[sign][name] = value + sign * step_within
    assert loaded.metrics and len(past[1]) + len(ungated) == len(loaded.metrics), "every metric is nudged"
    missed = []
    for sign in (1, -1):
        code, text = gate_output.check(results, nudged(expected, tmp_path, past[sign], f"past{sign:+d}"))
        assert code == gate.DRIFT, text
        missed += [(name, sign) for name in past[sign] if status(text, name) != "DRIFT"]
        values = {**within[sign], **(ungated if sign == 1 else {})}
        code, text = gate_output.check(results, nudged(expected, tmp_path, values, f"within{sign:+d}"))
        assert code == gate.PASS, f"nudges within the tolerances ({sign:+d}) failed:\n{text}"
        assert all(status(text, name) == "UNGATED" for name in (ungated if sign == 1 else ())), text
    assert not missed, f"mutations not caught: {missed} (of {len(past[1])} metrics nudged past)"
    # alone, as a metric nudged by itself: one of each kind (a score, a ledger score, a record, a count, a verdict)
    kinds = [lambda n: n.endswith(".test_accuracy"), lambda n: n.startswith("ledger.") and n in within[1],
             gate_expected.is_record, lambda n: n.startswith("test_label_count."), gate_expected.is_verdict]
    for kind in kinds:
        name = next(n for n in past[1] if kind(n))
        code, text = gate_output.check(results, nudged(expected, tmp_path, {name: past[1][name]}, f"alone-{name}"))
        assert (code, status(text, name)) == (gate.DRIFT, "DRIFT"), text
        if name in within[1]:
            code, text = gate_output.check(results, nudged(expected, tmp_path, {name: within[1][name]}, f"in-{name}"))
            assert code == gate.PASS, text


def test_a_drifted_run_fails_with_the_numbers(sets, tmp_path):
    _, _, expected = sets
    drifted = write_results(tmp_path / "R", wall=1.0, overrides={("fairseq", "pretrained", 1): 1500})
    code, text = gate_output.check(drifted, expected)
    assert code == gate.DRIFT, text
    line = next(x for x in text.splitlines() if x.startswith("fairseq.pretrained.seed1.test_accuracy"))
    # metric, expected, obtained, tolerance, |obtained - expected|, status
    assert line.split() == ["fairseq.pretrained.seed1.test_accuracy", "0.7980", "0.7500", "exact", "0.0480", "DRIFT"], text
    assert status(text, "fairseq.pretrained.seed0.test_accuracy") == "ok", text


def test_random_init_as_good_as_pretrained_flips_the_c3_verdict(sets, tmp_path):
    _, _, expected = sets
    flipped = write_results(tmp_path / "R", overrides={("fairseq", "random", s): c for s, c in
                                                        enumerate((1580, 1601, 1566))})
    code, text = gate_output.check(flipped, expected)
    assert code == gate.DRIFT
    assert status(text, "ledger.C3.verdict") == "DRIFT", text
    assert "ledger.C3.verdict: expected 'REPRODUCED', obtained " in text, text


def test_missing_run_fails(sets):
    a, _, expected = sets
    victim = a / "smoke" / "smoke-hf-pretrained-seed2.json"
    saved = victim.read_bytes()
    victim.unlink()
    try:
        code, text = gate_output.check(a, expected)
    finally:
        victim.write_bytes(saved)
    assert code == gate.DRIFT, text
    assert status(text, "hf.pretrained.seed2.test_accuracy") == "MISSING", text


def test_an_extra_seed_is_drift(sets, tmp_path):
    """A run the expected file does not hold would change the gated aggregates: drift (exit 1),
    named, never folded silently into a passing mean."""
    _, _, expected = sets
    results = write_results(tmp_path / "R")
    extra = load_result(results / "smoke" / "smoke-fairseq-random-seed2.json")
    extra = dataclasses.replace(extra, spec=dataclasses.replace(extra.spec, seed=3))
    save_result(results / "smoke" / f"{extra.spec.name}.json", extra)
    code, text = gate_output.check(results, expected)
    assert code == gate.DRIFT, text
    assert status(text, "fairseq.random.seed3.test_accuracy") == "UNEXPECTED", text
    # the run's test accuracy and its records (updates, best epoch, 3 epochs' validation accuracy, predictions)
    assert "7 unexpected metric" in text.splitlines()[-1] and "regenerate" in text.splitlines()[-1], text
    assert cli(["gate", str(results), "--expected", str(expected)]) == gate.DRIFT


def test_seeds_with_no_variance_are_gated_or_refused_never_passed_unjudged(sets, tmp_path, monkeypatch):
    """Every seed identical (a model collapsed to one class): the ledger either gives verdicts the
    gate pins, or cannot judge and the gate says so (exit 2); a varied rerun never passes."""
    monkeypatch.setattr(gate_regen, "git_commit", lambda: CLEAN)
    flat = {(fw, init, s): (1600 if init == "pretrained" else 1000)
            for fw in ("fairseq", "hf") for init in ("pretrained", "random") for s in range(3)}
    a = write_results(tmp_path / "A", overrides=flat)
    b = write_results(tmp_path / "B", wall=50.0, overrides=flat)
    try:
        gate_regen.regenerate(a, b, tmp_path)
    except gate.ConfigError as exc:
        assert "the ledger cannot judge these runs" in str(exc) and str(a / "smoke") in str(exc), exc
        assert cli(["gate", str(a), "--expected", str(sets[2])]) == gate.BAD_INPUT
        return
    assert gate_output.check(a, tmp_path / SMOKE_FILE)[0] == gate.PASS
    varied = write_results(tmp_path / "C", overrides={**flat, ("fairseq", "random", 0): 1030})
    code, text = gate_output.check(varied, tmp_path / SMOKE_FILE)
    assert code == gate.DRIFT and status(text, "fairseq.random.sd_test_accuracy") == "DRIFT", text


def test_library_version_changes_are_named(sets, tmp_path):
    a, _, expected = sets
    raw = json.loads(expected.read_text())
    raw["stamp"]["libraries"]["torch"] = "0.0.1"
    moved = tmp_path / SMOKE_FILE
    moved.write_text(json.dumps(raw))
    code, text = gate_output.check(a, moved)
    assert code == gate.PASS and "differ from the expected file's stamp: torch 0.0.1 -> " in text, text


def test_cli_needs_results_or_regen(sets):
    _, _, expected = sets
    assert cli(["gate", "--expected", str(expected)]) == gate.BAD_INPUT


def assert_fresh_results_pass(results_dir, profile: str) -> None:
    """``results_dir``'s ``profile`` runs against expected/results/<profile>.<numerics>.json, the file
    and regime their numerics pick (exact on numerics with their own file). A missing or bad
    expected file is a ConfigError naming it and the command that writes it (docs/gate.md)."""
    expected = EXPECTED_DIR / "results" / profile
    own, _, _ = gate_regime.resolve(results_dir, expected, records=False)
    if lacking := gate_expected.lacks_records(own.metrics):  # the CLI refuses such a file (exit 2)
        outcome = gate.evaluate(results_dir, expected, records=False)
        assert outcome.code == gate.PASS, f"{profile} results drift from {own.path}:\n{gate_output.text(outcome)}"
        pytest.skip(f"gated on all {own.path.name} holds, but not the runs' records: the file predates them "
                    f"({len(lacking)} run(s), e.g. {lacking[0]}) and `gate` refuses it; regenerate it on a machine "
                    f"of its numerics ({own.key}): docs/gate-regen.md")
    code, text = gate_output.check(results_dir, expected)
    assert code == gate.PASS, f"{profile} results in {results_dir} drift from {expected}.*.json:\n{text}"


@pytest.mark.train
def test_fresh_smoke_results_pass_the_gate(smoke_results_dir):
    """CI's gate: the smoke runs the session computed (cached) against the expected file of their
    numerics in expected/results/ (smoke.bf16-amx.json on an AMX CPU, smoke.fp32.json on the AVX2 class)."""
    assert_fresh_results_pass(smoke_results_dir, "smoke")
