"""The gate's bad input (exit 2, one error naming the file and key) and its guarded regeneration.

Rows of docs/bad-input.md "Expected files", results from another experiment (provenance), corrupt
result files, and ``--regen``'s refusals (dirty tree, disagreeing or copied runs, mixed
provenance) with what it records (commit, both sources' cache keys, provenance).
"""

import dataclasses
import json
import shutil

import pytest

from harness.gate import drift as gate
from harness.gate import tolerances
from harness.__main__ import main as cli
from harness.core.config import ConfigError
from harness.core.records import load_result, save_result
from harness.gate import expected as gate_expected
from harness.gate import output as gate_output
from harness.gate import regen as gate_regen
from tests.synthetic import write_results
from tests.test_gate import BF16, CLEAN, SMOKE_FILE, sets  # noqa: F401 (the module fixture)


@pytest.fixture
def clean_tree(monkeypatch):
    monkeypatch.setattr(gate_regen, "git_commit", lambda: CLEAN)


def _metric(name, **change):
    return lambda raw: raw["metrics"][name].update(change)


EXPECTED_ROWS = [  # id, damage (None: no file at all), the key the message names, what it says
    ("missing file", None, "", r"expected file not found; the expected files in .*/: none; a CPU's bf16 file is "
                               r"named for its CPU class"),
    ("NaN value", _metric("fairseq.random.mean_test_accuracy", value=float("nan")),
     "metrics.fairseq.random.mean_test_accuracy.value", "finite number"),
    ("infinite value", _metric("fairseq.pretrained.seed0.test_accuracy", value=float("inf")),
     "metrics.fairseq.pretrained.seed0.test_accuracy.value", "finite number"),
    ("-inf value", _metric("hf_minus_fairseq.pretrained.mean_difference", value=float("-inf")),
     "metrics.hf_minus_fairseq.pretrained.mean_difference.value", "finite number"),
    ("unknown metric", lambda raw: raw["metrics"].update(
        {"fairseq.pretrained.median_test_accuracy": {"value": 0.8}}),
     "metrics.fairseq.pretrained.median_test_accuracy", "unknown metric"),
    ("a tolerance in the file", _metric("hf.pretrained.sd_test_accuracy", tolerance=0.01),
     "metrics.hf.pretrained.sd_test_accuracy", r"expected \{'value'"),
    ("a verdict that is not a string", _metric("ledger.C4.verdict", value=1.0),
     "metrics.ledger.C4.verdict.value", "a verdict is a string"),
    ("a malformed decision", _metric("ledger.C4.verdict", decision=["narrowest_margin", "x", 3]),
     "metrics.ledger.C4.verdict.decision", r"\[score, value, boundary\]"),
    ("no provenance", lambda raw: raw.pop("provenance"), "", "missing required field 'provenance'"),
    ("no numerics", lambda raw: raw.pop("numerics"), "", "missing required field 'numerics'"),
    ("numerics the name does not say", lambda raw: raw["numerics"].update(precision="fp32"),
     "numerics", rf"fp32 on CPU.*named for '{BF16}'.*smoke.fp32.json"),
    ("bf16 of two CPU classes", lambda raw: raw["numerics"].update(cpu_classes=["amx", "avx512_bf16"]),
     "numerics", r"bf16 on a CPU is one CPU class's numerics .*\['amx', 'avx512_bf16'\]"),
    ("an older schema", lambda raw: raw.update(schema=2), "schema", "regenerate"),
    ("another profile's file", lambda raw: raw.update(profile="lab"), "profile", "named for 'smoke'"),
    ("negative label count", lambda raw: raw.update(test_label_counts={"0": -1}), "test_label_counts", "count"),
]


@pytest.mark.parametrize("damage, key, message", [r[1:] for r in EXPECTED_ROWS], ids=[r[0] for r in EXPECTED_ROWS])
def test_bad_expected_file_is_one_clear_error_exit_2(sets, tmp_path, damage, key, message, capsys):
    a, _, expected = sets
    bad = tmp_path / ("smoke.bf16.json" if damage is None else SMOKE_FILE)
    if damage is not None:
        raw = json.loads(expected.read_text())
        damage(raw)
        bad.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=message) as err:
        gate_output.check(a, bad)
    assert str(err.value).startswith(f"{bad}: {key}"), err.value
    assert cli(["gate", str(a), "--expected", str(bad)]) == gate.BAD_INPUT
    out, errors = capsys.readouterr()
    assert "PASS" not in out and errors.count("error: ") == 1 and str(bad) in errors, errors


PAIR = f"scale.smoke.pair[0] ({BF16} <-> fp32)"
FIRST = "tolerance = { test_accuracy = 0.0028"  # smoke's first pair


@pytest.mark.parametrize("old, new, key, message", [
    (FIRST, "tolerance = { test_accuracy = -0.01", f"{PAIR}.tolerance.test_accuracy", "finite number >= 0"),
    (FIRST, "tolerance = { test_accuracy = nan", f"{PAIR}.tolerance.test_accuracy", "finite number >= 0"),
    (FIRST, "tolerance = { test_accuracy = inf", f"{PAIR}.tolerance.test_accuracy", "finite number >= 0"),
    (FIRST, f"tolerance = {{ median_test_accuracy = 0.01, {FIRST[14:]}", f"{PAIR}.tolerance.median_test_accuracy",
     "unknown metric"),
    ("agreement = 1e-9", "agreement = nan", "regen.agreement", "finite number >= 0"),
    ('numerics = ["bf16-avx512-bf16", "fp32"]', 'numerics = ["bf16-avx512-bf16", "bf16-avx512-bf16"]',
     "scale.smoke.pair[0].numerics", "two different numerics keys"),
    ('numerics = ["bf16-avx512-bf16", "fp32"]', 'numerics = ["bf16-avx512-bf16", "bf16-amx"]',
     "scale.smoke.pair[0] (bf16-avx512-bf16 <-> bf16-amx).fp32", "unknown key"),
    ("", "", "scale.smoke.pair[3]: bf16-amx <-> bf16-avx512-bf16 is measured twice (pair[1] too)", "merge"),
], ids=["negative", "NaN", "infinite", "unknown metric", "NaN agreement", "a pair of one key", "cells of another key",
        "a pair measured twice"])
def test_bad_tolerances_refuse_regeneration_and_the_gate(sets, tmp_path, monkeypatch, clean_tree, old, new, key,
                                                          message, capsys):
    a, b, _ = sets
    text = tolerances.PATH.read_text()
    assert old in text, old
    bad = tmp_path / "tolerances.toml"
    text = text.replace(old, new, 1)
    if "measured twice" in key:  # the smoke pair bf16-avx512-bf16 <-> bf16-amx, listed again the other way round
        block = text.split("[[scale.smoke.pair]]")[2].split("# --- lab")[0]
        text += "\n[[scale.smoke.pair]]" + block.replace('["bf16-avx512-bf16", "bf16-amx"]', '["bf16-amx", "bf16-avx512-bf16"]')
    bad.write_text(text)
    monkeypatch.setattr(tolerances, "PATH", bad)
    with pytest.raises(ConfigError, match=message) as err:
        gate_regen.regenerate(a, b, tmp_path)
    assert str(err.value).startswith(f"{bad}: {key}"), err.value
    assert not list(tmp_path.glob("*.json"))
    assert cli(["gate", str(a), "--expected", str(sets[2])]) == gate.BAD_INPUT
    assert capsys.readouterr().err.count("error: ") == 1


def _edit_runs(results, change, only=None):
    for path in sorted((results / "smoke").glob("*.json")):
        r = load_result(path)
        if only is None or r.spec.name == only:
            save_result(path, change(r))
    return results


def _provenance(**key_parts):
    def change(r):
        parts = {**r.provenance["key_parts"], **key_parts}
        extra = {"checkpoint_hash": key_parts["checkpoint"]} if "checkpoint" in key_parts else {}
        return dataclasses.replace(r, provenance={**r.provenance, **extra, "key_parts": parts})
    return change


PROVENANCE_ROWS = [
    ("data hash", _provenance(data="e" * 64), "data_hash"),
    ("checkpoint hash", _provenance(checkpoint="f" * 64), "checkpoint_hash"),
    ("profile settings", _provenance(train_spec={"epochs": 5}), "profile_hash"),
    ("test size", lambda r: dataclasses.replace(r, test_size=500), "test_size"),
]


@pytest.mark.parametrize("change, field", [r[1:] for r in PROVENANCE_ROWS], ids=[r[0] for r in PROVENANCE_ROWS])
def test_a_result_from_another_experiment_is_bad_input_naming_what_differs(sets, tmp_path, change, field, capsys):
    _, _, expected = sets
    results = _edit_runs(write_results(tmp_path / "R"), change, only="smoke-fairseq-random-seed1")
    # caught by the gate's provenance check, or earlier by the results directory's own check that one
    # profile's runs share their inputs (harness.results): either way one error naming the field
    named = rf"({field} .* differs from the expected file's|{field.replace('_', ' ')} \S+ differs from)"
    with pytest.raises(ConfigError, match=named) as err:
        gate_output.check(results, expected)
    assert str(results / "smoke" / "smoke-fairseq-random-seed1.json") in str(err.value), err.value
    assert "smoke-fairseq-random-seed0" not in str(err.value), err.value
    assert cli(["gate", str(results), "--expected", str(expected)]) == gate.BAD_INPUT
    assert "PASS" not in capsys.readouterr().out


def test_another_data_hash_and_test_size_500_are_both_named(sets, tmp_path):
    """The issue's case: it passed the gate before."""
    _, _, expected = sets
    results = _edit_runs(write_results(tmp_path / "R"),
                         lambda r: dataclasses.replace(_provenance(data="e" * 64)(r), test_size=500))
    with pytest.raises(ConfigError) as err:
        gate_output.check(results, expected)
    assert "data_hash eeeeeeeeeeee" in str(err.value) and "test_size 500 differs from the expected file's 2000" in str(err.value)


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
        gate_output.check(results, expected)
    assert str(victim) in str(err.value)
    assert cli(["gate", str(results), "--expected", str(expected)]) == gate.BAD_INPUT
    assert "PASS" not in capsys.readouterr().out


# --- regeneration --------------------------------------------------------------------------------


@pytest.mark.parametrize("commit", [CLEAN + "+dirty", "unknown"])
def test_regen_refuses_a_dirty_or_unknown_tree(sets, tmp_path, monkeypatch, commit):
    a, b, expected = sets
    monkeypatch.setattr(gate_regen, "git_commit", lambda: commit)
    before = expected.read_bytes()
    with pytest.raises(ConfigError, match=r"--regen refused: .*commit"):
        gate_regen.regenerate(a, b, expected)
    assert expected.read_bytes() == before


def test_regen_records_the_commit_both_sources_cache_keys_and_the_provenance(sets):
    a, b, expected = sets
    raw = json.loads(expected.read_text())
    assert raw["stamp"]["git_commit"] == CLEAN
    names = sorted(p.stem for p in (a / "smoke").glob("*.json"))
    for source, results in zip(raw["stamp"]["sources"], (a, b)):
        assert source["results"] == f"{results.parent.name}/{results.name} (outside the project)", source
        assert sorted(source["cache_keys"]) == names
        assert source["cache_keys"][names[0]] == load_result(results / "smoke" / f"{names[0]}.json").provenance["cache_key"]
    for fw in ("fairseq", "hf"):
        prov = raw["provenance"][fw]
        assert (prov["test_size"], prov["data_hash"], prov["checkpoint_hash"]) == (2000, "d" * 64, "c" * 64), prov
        assert len(prov["profile_hash"]) == 64, prov


def test_regen_refuses_runs_outside_the_cache_and_mixed_provenance(sets, tmp_path, clean_tree):
    a, _, expected = sets
    keyless = _edit_runs(write_results(tmp_path / "K", wall=3.0), lambda r: dataclasses.replace(
        r, provenance={k: v for k, v in r.provenance.items() if k != "cache_key"}), only="smoke-hf-pretrained-seed1")
    with pytest.raises(ConfigError, match=r"smoke-hf-pretrained-seed1.json.*no cache_key"):
        gate_regen.regenerate(a, keyless, expected)
    other = _edit_runs(write_results(tmp_path / "D", wall=4.0), _provenance(data="e" * 64))
    with pytest.raises(ConfigError, match=r"(?s)provenance differs.*data_hash"):
        gate_regen.regenerate(a, other, expected)


def test_regen_refuses_disagreeing_results(sets, tmp_path, clean_tree):
    a, _, expected = sets
    other = write_results(tmp_path / "C", wall=5.0, overrides={("fairseq", "random", 2): 1164})
    before = expected.read_bytes()
    with pytest.raises(ConfigError, match=r"(?s)disagree.*fairseq.random.seed2.test_accuracy: 0.5815 vs 0.582\n"):
        gate_regen.regenerate(a, other, expected)
    assert expected.read_bytes() == before


def test_regen_refuses_copies_and_the_same_directory(sets, tmp_path, clean_tree):
    a, _, expected = sets
    shutil.copytree(a, tmp_path / "copy")
    with pytest.raises(ConfigError, match="identical files"):
        gate_regen.regenerate(a, tmp_path / "copy", expected)
    with pytest.raises(ConfigError, match="same directory"):
        gate_regen.regenerate(a, a, expected)
    fewer = write_results(tmp_path / "F", wall=7.0, frameworks=("fairseq",))
    with pytest.raises(ConfigError, match="different runs"):
        gate_regen.regenerate(a, fewer, expected)


def test_regen_exits_3_stamps_versions_numerics_and_label_counts(sets, tmp_path, clean_tree):
    a, b, _ = sets
    assert cli(["gate", "--regen", str(a), str(b), "--expected", str(tmp_path)]) == gate.REGENERATED
    new = json.loads((tmp_path / SMOKE_FILE).read_text())
    assert new["stamp"]["libraries"]["torch"] and new["stamp"]["date"]
    assert new["numerics"] == {"precision": "bf16", "device": "cpu", "gpu": "", "cpu_classes": ["avx512_bf16"]}
    assert new["test_label_counts"] == {"0": 1000, "1": 1000}
    assert all(set(m) <= {"value", "statistic", "decision"} for m in new["metrics"].values()), "values only"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "temp file left behind"


def test_regen_names_the_file_for_the_results_numerics_and_refuses_a_name_that_says_others(sets, tmp_path,
                                                                                           clean_tree):
    a = write_results(tmp_path / "A", precision="fp32")
    b = write_results(tmp_path / "B", precision="fp32", cpu_class="avx512_bf16", wall=3.0)  # fp32 forced on native
    out = tmp_path / "expected"
    out.mkdir()
    for target in (out, out / "smoke"):  # the directory, or the profile path
        code, text = gate_regen.regenerate(a, b, target)
        assert code == gate.REGENERATED and f"REGENERATED {out / 'smoke.fp32.json'} " in text, text
    assert json.loads((out / "smoke.fp32.json").read_text())["numerics"]["cpu_classes"] == ["avx2", "avx512_bf16"]
    with pytest.raises(ConfigError, match=rf"{SMOKE_FILE} is named for '{BF16}', the results are fp32 on CPU.*"
                                          r"smoke.fp32.json"):
        gate_regen.regenerate(a, b, out / SMOKE_FILE)
    bf16 = write_results(tmp_path / "C", wall=5.0)
    with pytest.raises(ConfigError, match=r"A is fp32 on CPU, CPU class avx2, .*C bf16 on CPU.*: one expected file holds one"):
        gate_regen.regenerate(a, bf16, out)
    assert sorted(p.name for p in out.iterdir()) == ["smoke.fp32.json"]


def test_regen_over_an_older_schema_replaces_it(sets, tmp_path, clean_tree):
    a, b, expected = sets
    target = tmp_path / SMOKE_FILE
    raw = json.loads(expected.read_text())
    raw["schema"] = 2
    target.write_text(json.dumps(raw))
    code, text = gate_regen.regenerate(a, b, target)
    assert code == gate.REGENERATED and "schema 2" in text, text
    assert gate_expected.load_expected(target).metrics == gate_expected.load_expected(expected).metrics


# --- regeneration by spot-check (a full computation A, some of its runs recomputed cold as B) ------


def _spot(root, keep, **kw):
    """A synthetic recomputation holding only the runs named in ``keep``."""
    results = write_results(root, wall=11.0, created="2026-01-03T00:00:00+00:00", **kw)
    for path in (results / "smoke").glob("*.json"):
        if path.stem not in keep:
            path.unlink()
    return results


SPOT = ("smoke-fairseq-random-seed2", "smoke-hf-pretrained-seed1")


def test_spot_check_regenerates_from_a_and_records_what_b_recomputed(sets, tmp_path, clean_tree):
    a, b, expected = sets
    target = tmp_path / SMOKE_FILE
    assert cli(["gate", "--regen", str(a), str(_spot(tmp_path / "S", SPOT)), "--expected", str(target),
                "--spot-check"]) == gate.REGENERATED
    new, full = json.loads(target.read_text()), json.loads(expected.read_text())
    assert {n: m["value"] for n, m in new["metrics"].items()} == {n: m["value"] for n, m in full["metrics"].items()}
    assert new["stamp"]["mode"] == "spot-check" and full["stamp"]["mode"] == "two full computations"
    assert sorted(new["stamp"]["sources"][1]["cache_keys"]) == sorted(SPOT)
    assert gate_output.check(a, target)[0] == gate.PASS


@pytest.mark.parametrize("keep,message", [
    (SPOT[:1], r"recomputes 1 run\(s\) \(smoke-fairseq-random-seed2\); it needs at least 2 .*missing: hf"),
    (("smoke-fairseq-random-seed2", "smoke-fairseq-pretrained-seed0"), r"recomputes 2 run\(s\).*missing: hf"),
])
def test_spot_check_refuses_too_few_runs_or_a_framework_left_out(sets, tmp_path, clean_tree, keep, message):
    a, _, expected = sets
    with pytest.raises(ConfigError, match=message):
        gate_regen.regenerate(a, _spot(tmp_path / "S", keep), tmp_path / SMOKE_FILE, spot_check=True)
    assert not (tmp_path / SMOKE_FILE).exists()


def test_spot_check_refuses_a_recomputation_that_disagrees_copies_and_other_experiments(sets, tmp_path, clean_tree):
    a, _, _ = sets
    target = tmp_path / SMOKE_FILE
    moved = _spot(tmp_path / "D", SPOT, overrides={("fairseq", "random", 2): 1164})
    with pytest.raises(ConfigError, match=r"(?s)disagree with the full.*smoke-fairseq-random-seed2.test_accuracy: "
                                          r"0.5815 vs 0.582\n"):
        gate_regen.regenerate(a, moved, target, spot_check=True)
    curve = _edit_runs(_spot(tmp_path / "V", SPOT), lambda r: dataclasses.replace(
        r, valid_accuracy=(*r.valid_accuracy[:-1], r.valid_accuracy[-1] - 0.01)), only=SPOT[1])
    with pytest.raises(ConfigError, match=r"smoke-hf-pretrained-seed1.valid_accuracy"):
        gate_regen.regenerate(a, curve, target, spot_check=True)
    copy = tmp_path / "C" / "smoke"
    copy.mkdir(parents=True)
    for name in SPOT:
        shutil.copy(a / "smoke" / f"{name}.json", copy)
    with pytest.raises(ConfigError, match="identical files"):
        gate_regen.regenerate(a, copy.parent, target, spot_check=True)
    other = _edit_runs(_spot(tmp_path / "O", SPOT), _provenance(data="e" * 64))
    with pytest.raises(ConfigError, match=r"(?s)provenance differs.*data_hash"):
        gate_regen.regenerate(a, other, target, spot_check=True)
    assert not target.exists()
    assert cli(["gate", str(a), "--expected", str(target), "--spot-check"]) == gate.BAD_INPUT
