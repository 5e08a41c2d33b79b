"""The drift gate (harness/gate.py): it catches every mutation, passes on unchanged results, treats
bad input as an error (never a pass), and regenerates only from two agreeing, independent runs.

Synthetic result sets (tests/synthetic.py) stand in for training; the last test gates the fresh
smoke results of the session fixtures against expected/results/smoke.json.
"""

import json

import pytest

from harness import EXPECTED_DIR, gate
from harness.__main__ import main as cli
from harness.config import ConfigError
from harness.runs import load_result, save_result
from tests.synthetic import write_results


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Two independent, agreeing result sets (A, B) and the expected file regenerated from them."""
    root = tmp_path_factory.mktemp("gate")
    a = write_results(root / "A")
    b = write_results(root / "B", wall=103.0, created="2026-01-02T00:00:00+00:00")
    code, _ = gate.regenerate(a, b, root / "expected" / "smoke.json")
    assert code == gate.REGENERATED
    return a, b, root / "expected" / "smoke.json"


def _mutated(expected_path, tmp_path, name, value):
    raw = json.loads(expected_path.read_text())
    raw["metrics"][name]["value"] = value
    out = tmp_path / "smoke.json"
    out.write_text(json.dumps(raw))
    return out


def _status(text, name):
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return line.split()[-1]


def test_unchanged_results_pass(sets):
    a, b, expected = sets
    for results in (a, b):
        code, text = gate.check(results, expected)
        assert code == gate.PASS, text
        assert "PASS" in text and "DRIFT" not in text, text


def test_every_metric_is_gated(sets):
    a, _, expected = sets
    names = set(gate.load_expected(expected).metrics)
    per_seed = {f"{fw}.{init}.seed{s}.test_accuracy" for fw in ("fairseq", "hf")
                for init in ("pretrained", "random") for s in (0, 1, 2)}
    assert per_seed <= names, sorted(per_seed - names)
    for fw in ("fairseq", "hf"):
        for suffix in ("pretrained.mean_test_accuracy", "random.sd_test_accuracy",
                       "pretrained_vs_random.p_value", "pretrained_vs_random.verdict"):
            assert f"{fw}.{suffix}" in names, sorted(names)


def test_nudging_any_metric_past_its_tolerance_fails_within_passes(sets, tmp_path):
    _, _, expected = sets
    metrics = gate.load_expected(expected).metrics
    caught, missed = [], []
    for name, (value, tol) in metrics.items():
        if tol is None:  # a decision: any other value is drift
            mutated = _mutated(expected, tmp_path, name, "a different verdict")
            code, text = gate.check(sets[0], mutated)
            (caught if code == gate.DRIFT and _status(text, name) == "DRIFT" else missed).append(name)
            continue
        for sign in (1, -1):
            code, text = gate.check(sets[0], _mutated(expected, tmp_path, name, value + sign * 1.01 * tol))
            (caught if code == gate.DRIFT and _status(text, name) == "DRIFT" else missed).append(name)
            code, text = gate.check(sets[0], _mutated(expected, tmp_path, name, value + sign * 0.99 * tol))
            assert code == gate.PASS, f"{name} nudged by {sign * 0.99 * tol:+.4g} (within {tol}) failed:\n{text}"
    assert metrics and not missed, f"mutations not caught: {missed} (caught {len(caught)})"


def test_a_drifted_run_fails_with_the_numbers(sets, tmp_path):
    _, _, expected = sets
    drifted = write_results(tmp_path / "R", wall=1.0, overrides={("fairseq", "pretrained", 1): 1500})
    code, text = gate.check(drifted, expected)
    assert code == gate.DRIFT, text
    line = next(x for x in text.splitlines() if x.startswith("fairseq.pretrained.seed1.test_accuracy"))
    assert line.split() == ["fairseq.pretrained.seed1.test_accuracy", "0.7980", "0.7500", "0.0200", "DRIFT"], text
    assert _status(text, "fairseq.pretrained.seed0.test_accuracy") == "ok", text


def test_flipped_verdict_fails(sets, tmp_path):
    """Random init as good as pretrained: the decision changes, and that alone is drift."""
    _, _, expected = sets
    flipped = write_results(tmp_path / "R", overrides={("hf", "random", s): c for s, c in
                                                        enumerate((1580, 1601, 1566))})
    code, text = gate.check(flipped, expected)
    assert code == gate.DRIFT
    assert _status(text, "hf.pretrained_vs_random.verdict") == "DRIFT", text
    assert "no clear difference" in text, text


def test_missing_run_fails(sets):
    a, _, expected = sets
    victim = a / "smoke" / "smoke-hf-random-seed2.json"
    saved = victim.read_bytes()
    victim.unlink()
    try:
        code, text = gate.check(a, expected)
    finally:
        victim.write_bytes(saved)
    assert code == gate.DRIFT, text
    assert _status(text, "hf.random.seed2.test_accuracy") == "MISSING", text


def test_unexpected_run_is_reported_not_failed(sets, tmp_path):
    _, _, expected = sets
    results = write_results(tmp_path / "R")
    extra = load_result(results / "smoke" / "smoke-hf-random-seed2.json")
    import dataclasses

    extra = dataclasses.replace(extra, spec=dataclasses.replace(extra.spec, seed=3))
    save_result(results / "smoke" / f"{extra.spec.name}.json", extra)
    code, text = gate.check(results, expected)
    assert code == gate.PASS, text
    assert _status(text, "hf.random.seed3.test_accuracy") == "UNEXPECTED", text
    assert "(1 unexpected metric(s) reported, not gated)" in text.splitlines()[-1], text


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[: len(b) // 2], "not valid JSON"),
    (lambda b: b"", "not valid JSON"),
    (lambda b: b"\xff\xfe garbage", "not valid JSON"),
    (lambda b: b.replace(b'"test_accuracy": 0.792', b'"test_accuracy": "high"'), "test_accuracy"),
    (lambda b: b.replace(b'"best_epoch": 3', b'"best_epoch": 9'), "best_epoch"),
    (lambda b: b.replace(b'"seed": 0', b'"seed": 1'), "expected the file"),
])
def test_corrupt_results_file_is_a_clear_error_never_a_pass(sets, tmp_path, damage, message, capsys):
    _, _, expected = sets
    results = write_results(tmp_path / "R")
    victim = results / "smoke" / "smoke-fairseq-pretrained-seed0.json"
    victim.write_bytes(damage(victim.read_bytes()))
    with pytest.raises(ConfigError, match=message) as err:
        gate.check(results, expected)
    assert str(victim) in str(err.value)
    assert cli(["gate", str(results), "--expected", str(expected)]) == gate.BAD_INPUT
    assert "PASS" not in capsys.readouterr().out


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw.pop("metrics"), "missing required field 'metrics'"),
    (lambda raw: raw["metrics"]["hf.random.sd_test_accuracy"].update(tolerance=-1), "tolerance"),
    (lambda raw: raw["metrics"]["hf.pretrained_vs_random.verdict"].update(tolerance=0.1), "only numbers"),
    (lambda raw: raw.update(profile="lab"), "named for 'smoke'"),
])
def test_malformed_expected_file_is_a_clear_error(sets, tmp_path, damage, message):
    a, _, expected = sets
    raw = json.loads(expected.read_text())
    damage(raw)
    bad = tmp_path / "smoke.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=message):
        gate.check(a, bad)
    assert cli(["gate", str(a), "--expected", str(bad)]) == gate.BAD_INPUT


def test_regen_refuses_disagreeing_results(sets, tmp_path):
    a, _, expected = sets
    other = write_results(tmp_path / "C", wall=5.0, overrides={("fairseq", "random", 2): 1014})
    before = expected.read_bytes()
    with pytest.raises(ConfigError, match=r"(?s)disagree.*fairseq.random.seed2.test_accuracy: 0.5065 vs 0.507\n"):
        gate.regenerate(a, other, expected)
    assert expected.read_bytes() == before


def test_regen_refuses_copies_and_the_same_directory(sets, tmp_path):
    a, _, expected = sets
    import shutil

    shutil.copytree(a, tmp_path / "copy")
    with pytest.raises(ConfigError, match="identical files"):
        gate.regenerate(a, tmp_path / "copy", expected)
    with pytest.raises(ConfigError, match="same directory"):
        gate.regenerate(a, a, expected)
    fewer = write_results(tmp_path / "F", wall=7.0, frameworks=("fairseq",))
    with pytest.raises(ConfigError, match="different runs"):
        gate.regenerate(a, fewer, expected)


def test_regen_exits_nonzero_stamps_versions_and_keeps_tuned_tolerances(sets, tmp_path):
    a, b, expected = sets
    target = tmp_path / "smoke.json"
    raw = json.loads(expected.read_text())
    raw["metrics"]["fairseq.random.mean_test_accuracy"]["tolerance"] = 0.003  # tuned by hand
    target.write_text(json.dumps(raw))
    assert cli(["gate", "--regen", str(a), str(b), "--expected", str(target)]) == gate.REGENERATED
    new = json.loads(target.read_text())
    assert new["metrics"]["fairseq.random.mean_test_accuracy"]["tolerance"] == 0.003
    assert new["stamp"]["libraries"]["torch"] and new["stamp"]["date"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "temp file left behind"


def test_no_variance_at_all_is_an_undefined_verdict_that_still_gates(tmp_path):
    """Every seed identical (a model collapsed to one class): no p-value, and that is gated too."""
    flat = {(fw, init, s): (1600 if init == "pretrained" else 1000)
            for fw in ("fairseq", "hf") for init in ("pretrained", "random") for s in range(3)}
    a = write_results(tmp_path / "A", overrides=flat)
    b = write_results(tmp_path / "B", wall=50.0, overrides=flat)
    gate.regenerate(a, b, tmp_path / "smoke.json")
    m = gate.load_expected(tmp_path / "smoke.json").metrics
    assert m["fairseq.pretrained_vs_random.p_value"] == (None, None)
    assert m["fairseq.pretrained_vs_random.verdict"] == ("undefined (no variance)", None)
    assert gate.check(a, tmp_path / "smoke.json")[0] == gate.PASS
    varied = write_results(tmp_path / "C", overrides={**flat, ("fairseq", "random", 0): 1010})
    code, text = gate.check(varied, tmp_path / "smoke.json")
    assert code == gate.DRIFT and _status(text, "fairseq.pretrained_vs_random.p_value") == "DRIFT", text


def test_library_version_changes_are_named(sets, tmp_path):
    a, _, expected = sets
    raw = json.loads(expected.read_text())
    raw["stamp"]["libraries"]["torch"] = "0.0.1"
    moved = tmp_path / "smoke.json"
    moved.write_text(json.dumps(raw))
    code, text = gate.check(a, moved)
    assert code == gate.PASS and "differ from the expected file's stamp: torch 0.0.1 -> " in text, text


def test_cli_needs_results_or_regen(sets):
    _, _, expected = sets
    assert cli(["gate", "--expected", str(expected)]) == gate.BAD_INPUT


@pytest.mark.train
def test_fresh_smoke_results_pass_the_gate(smoke_results_dir):
    """CI's gate: the smoke runs the session computed (cached) against expected/results/smoke.json."""
    results_dir = smoke_results_dir
    expected = EXPECTED_DIR / "results" / "smoke.json"
    assert expected.is_file(), (
        f"{expected} is missing: compute the smoke results twice with separate caches and run "
        f"`python -m harness gate --regen A B --expected {expected}` (see docs/gate.md)"
    )
    code, text = gate.check(results_dir, expected)
    assert code == gate.PASS, f"smoke results in {results_dir} drift from {expected}:\n{text}"
