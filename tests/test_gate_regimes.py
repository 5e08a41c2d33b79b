"""The regime, chosen from the results' own provenance (harness.gate.regime): the expected file of
the results' numerics key and the exact regime where it exists; a file of another key within the
tolerances measured between the two keys where it does not (tests/test_gate_numerics.py: the keys,
the pairs, the choice among several); one clear error (exit 2) where neither applies, and for an
explicit file of other numerics when the results' own file exists."""

import dataclasses
import json

import pytest

from harness.__main__ import main as cli
from harness.core.config import ConfigError
from harness.core.records import load_result, save_result
from harness.gate import drift as gate
from harness.gate import output as gate_output
from tests.synthetic import write_results
from tests.test_gate import BF16, regenerated


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """An expected directory with smoke.bf16-avx512-bf16.json and smoke.fp32.json, and a result set of each."""
    root = tmp_path_factory.mktemp("regimes")
    sets = {p: [write_results(root / f"{p}{i}", precision=p, wall=10.0 + i) for i in (0, 1)] for p in ("bf16", "fp32")}
    for p in sets:
        regenerated(root / "expected", *sets[p])
    return root / "expected", sets


def _edit(results, change, profile="smoke"):
    for path in sorted((results / profile).glob("*.json")):
        save_result(path, change(load_result(path)))
    return results


def test_the_directory_routes_each_precision_to_its_own_file_exactly(both):
    directory, sets = both
    for precision, key in (("bf16", BF16), ("fp32", "fp32")):
        outcome = gate.evaluate(sets[precision][1], directory)
        assert outcome.code == gate.PASS and outcome.regime.name == "exact", gate_output.text(outcome)
        assert outcome.expected_path == directory / f"smoke.{key}.json", outcome.expected_path
        profile_path = gate.evaluate(sets[precision][1], directory / "smoke")  # the profile path picks the same
        assert profile_path.expected_path == outcome.expected_path


def test_an_explicit_file_of_other_numerics_is_refused_when_the_results_own_file_exists(both, capsys):
    """Compared exactly, fp32 results against the bf16 file would fail on the numerics' move, not
    on drift: one error naming both files and the way to pick the right one."""
    directory, sets = both
    bf16 = directory / f"smoke.{BF16}.json"
    with pytest.raises(ConfigError) as err:
        gate.evaluate(sets["fp32"][0], bf16)
    msg = str(err.value)
    assert msg.startswith(f"{bf16}: holds bf16 on CPU") and "these are fp32 on CPU" in msg, msg
    assert f"gate them against {directory / 'smoke.fp32.json'}" in msg and f"--expected {directory}/" in msg, msg
    assert cli(["gate", str(sets["fp32"][0]), "--expected", str(bf16)]) == gate.BAD_INPUT
    out, errors = capsys.readouterr()
    assert "PASS" not in out and errors.count("error: ") == 1, errors


def test_without_the_results_own_file_a_measured_pair_gates_them_within_its_tolerances(both, tmp_path):
    directory, sets = both
    alone = tmp_path / "expected"
    alone.mkdir()
    (alone / f"smoke.{BF16}.json").write_bytes((directory / f"smoke.{BF16}.json").read_bytes())
    for where in (alone, alone / f"smoke.{BF16}.json"):
        outcome = gate.evaluate(sets["fp32"][0], where)
        assert outcome.regime.name == "cross_numerics" and outcome.code == gate.PASS, gate_output.text(outcome)
        assert f"there is no {alone / 'smoke.fp32.json'}" in outcome.regime.reason, outcome.regime.reason
        assert outcome.regime.pair == (BF16, "fp32"), outcome.regime


def test_results_that_record_no_precision_are_bad_input(both, tmp_path):
    directory, _ = both
    def strip(r):
        p = {k: v for k, v in r.provenance.items() if k != "precision"}
        p["key_parts"] = {k: v for k, v in p["key_parts"].items() if k != "precision"}
        return dataclasses.replace(r, provenance=p)
    results = _edit(write_results(tmp_path / "R"), strip)
    with pytest.raises(ConfigError, match=r"smoke-fairseq-pretrained-seed0.json: precision not recorded .*\(12 run"):
        gate.evaluate(results, directory)


def test_results_that_mix_numerics_are_bad_input(both, tmp_path):
    directory, _ = both
    results = write_results(tmp_path / "R")
    fp32 = write_results(tmp_path / "F", precision="fp32")
    (results / "smoke" / "smoke-hf-pretrained-seed1.json").write_bytes(
        (fp32 / "smoke" / "smoke-hf-pretrained-seed1.json").read_bytes())
    with pytest.raises(ConfigError, match=r"the runs mix numerics \(bf16-avx512-bf16: 11 run\(s\).*fp32: 1 run\(s\), e.g. "
                                          r".*smoke-hf-pretrained-seed1.json\)"):
        gate.evaluate(results, directory)


def _on_gpu(r):
    hw = {**r.provenance["hardware"], "device": "cuda", "gpu": "NVIDIA H200"}
    parts = {**r.provenance["key_parts"], "device": "cuda", "gpu": "NVIDIA H200"}
    return dataclasses.replace(r, provenance={**r.provenance, "hardware": hw, "key_parts": parts})


def test_gpu_results_need_a_gpu_file_no_cpu_tolerance_stands_in(both, tmp_path):
    directory, _ = both
    results = _edit(write_results(tmp_path / "R"), _on_gpu)
    with pytest.raises(ConfigError, match=r"smoke.bf16-nvidia-h200.json: no expected file for these results' "
                                          r"numerics \(bf16 on NVIDIA H200.*tolerances.toml has no move measured "
                                          r"between fp32 and bf16-nvidia-h200 at the smoke scale.*--regen"):
        gate.evaluate(results, directory)
    again = _edit(write_results(tmp_path / "S", wall=3.0), _on_gpu)
    path = regenerated(tmp_path / "expected", results, again)
    assert path.name == "smoke.bf16-nvidia-h200.json", path
    assert gate.evaluate(results, tmp_path / "expected").regime.name == "exact"


def test_a_scale_without_a_measured_pair_refuses_other_numerics(tmp_path):
    bf16 = [write_results(tmp_path / f"B{i}", "tiny", wall=float(i)) for i in (0, 1)]
    regenerated(tmp_path / "expected", *bf16)
    fp32 = write_results(tmp_path / "F", "tiny", precision="fp32")
    with pytest.raises(ConfigError, match=rf"tiny.fp32.json: no expected file .*tiny.{BF16}.json: tolerances.toml has "
                                          rf"no move measured between {BF16} and fp32 at the tiny scale"):
        gate.evaluate(fp32, tmp_path / "expected")


def test_a_directory_needs_one_profile_in_the_results_or_a_profile_path(both, tmp_path):
    directory, _ = both
    results = write_results(tmp_path / "R")
    write_results(tmp_path / "R", "lab")
    with pytest.raises(ConfigError, match=r"holds the profiles \['lab', 'smoke'\].*--expected .*/lab"):
        gate.evaluate(results, directory)
    assert gate.evaluate(results, directory / "smoke").code == gate.PASS


def test_the_old_single_file_path_says_how_files_are_named_now(both):
    directory, sets = both
    with pytest.raises(ConfigError, match=r"smoke.json: an expected file is named <profile>.<numerics>.json"):
        gate.evaluate(sets["bf16"][0], directory / "smoke.json")


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["NaN", "inf"])
def test_a_results_file_with_non_finite_accuracies_exits_2(both, tmp_path, value, capsys):
    directory, _ = both
    results = write_results(tmp_path / "R")
    victim = results / "smoke" / "smoke-fairseq-random-seed1.json"
    raw = json.loads(victim.read_text())
    raw["test_accuracy"] = value
    victim.write_text(json.dumps(raw))  # Python writes NaN / Infinity, as a broken writer would
    assert cli(["gate", str(results), "--expected", str(directory)]) == gate.BAD_INPUT
    out, errors = capsys.readouterr()
    assert "PASS" not in out and errors.count("error: ") == 1 and str(victim) in errors, errors


def test_a_path_that_is_neither_a_file_a_directory_nor_a_profile_is_named(both, tmp_path):
    _, sets = both
    for verb in ("gate", "regen"):
        with pytest.raises(ConfigError, match=r"expected: not an expected file, a directory of them, or "
                                              r"<directory>/<profile> of a profile in .* \(its profiles: smoke\)"):
            if verb == "gate":
                gate.evaluate(sets["bf16"][0], tmp_path / "expected")
            else:
                from harness.gate import regen
                regen.regenerate(sets["bf16"][0], sets["bf16"][1], tmp_path / "expected")
    assert not (tmp_path / "expected").exists()
