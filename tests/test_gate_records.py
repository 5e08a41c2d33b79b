"""The exact regime gates whatever regeneration requires to agree (issue 25, item 10): beyond the
test accuracies, each run's validation curve and predictions, best epoch and updates, and the test
set's label counts. Each mutation below passed the gate before (the ledger's verdicts did not move);
each is drift now. An expected file written before the gate compared them is refused with the
command that regenerates it, and an older file's label counts (kept beside its metrics) are gated.
"""

import dataclasses
import json

import pytest

from harness.core.config import ConfigError
from harness.core.records import load_result, save_result
from harness.gate import drift as gate
from harness.gate import expected as gate_expected
from harness.gate import output as gate_output
from harness.gate import regime
from tests.synthetic import write_results
from tests.test_gate import regenerated


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Lab-shaped runs (5 epochs, 200 validation sentences each, predictions kept) and their file."""
    root = tmp_path_factory.mktemp("records")
    a = write_results(root / "A", "lab", epochs=5, valid_size=200)
    b = write_results(root / "B", "lab", epochs=5, valid_size=200, wall=103.0)
    return a, regenerated(root / "expected", a, b)


def _mutated(a, tmp_path, change) -> object:
    """A copy of result set ``a`` with ``change(run) -> run`` applied to fairseq pretrained seed 0."""
    out = tmp_path / "M"
    for path in sorted((a / "lab").glob("*.json")):
        r = load_result(path)
        if (r.spec.framework, r.spec.init, r.spec.seed) == ("fairseq", "pretrained", 0):
            r = change(r)
        (out / "lab").mkdir(parents=True, exist_ok=True)
        save_result(out / "lab" / path.name, r)
    return out


def _twenty_predictions(r):
    """20 validation predictions of epoch 2 flipped (wrong to right), the curve updated to match."""
    labels, preds = r.valid_labels, list(r.valid_predictions)
    two = list(preds[1])
    wrong = [i for i, (p, g) in enumerate(zip(two, labels)) if p != g][:20]
    for i in wrong:
        two[i] = labels[i]
    preds[1] = "".join(two)
    curve = list(r.valid_accuracy)
    curve[1] = sum(p == g for p, g in zip(preds[1], labels)) / len(labels)
    return dataclasses.replace(r, valid_predictions=tuple(preds), valid_accuracy=tuple(curve))


def _counts(r):
    return dataclasses.replace(r, provenance={**r.provenance, "test_label_counts": {"0": 1030, "1": 970}})


MUTATIONS = {
    "20 validation predictions, curve consistent": (_twenty_predictions,
                                                    ["fairseq.pretrained.seed0.valid_accuracy_epoch2",
                                                     "fairseq.pretrained.seed0.valid_predictions"]),
    "updates +100": (lambda r: dataclasses.replace(r, updates=r.updates + 100), ["fairseq.pretrained.seed0.updates"]),
    "best epoch": (lambda r: dataclasses.replace(r, best_epoch=1), ["fairseq.pretrained.seed0.best_epoch"]),
}


@pytest.mark.parametrize("what", MUTATIONS)
def test_a_record_that_regeneration_demands_is_gated_exactly(lab, tmp_path, what):
    a, expected = lab
    change, names = MUTATIONS[what]
    code, text = gate_output.check(_mutated(a, tmp_path, change), expected)
    assert code == gate.DRIFT, text
    for name in names:
        assert any(line.startswith(name + " ") and line.split()[-1] == "DRIFT"
                                     for line in text.splitlines()), (name, text)


def test_test_label_counts_are_gated(lab, tmp_path):
    """1000/1000 -> 1030/970 on every run (one test set per result set) moves C3's majority rate; the
    verdict need not move, the counts are drift."""
    a, expected = lab
    out = tmp_path / "M"
    for path in sorted((a / "lab").glob("*.json")):
        (out / "lab").mkdir(parents=True, exist_ok=True)
        save_result(out / "lab" / path.name, _counts(load_result(path)))
    code, text = gate_output.check(out, expected)
    assert code == gate.DRIFT, text
    for label, want in (("0", "1030.0000"), ("1", "970.0000")):
        line = next(x for x in text.splitlines() if x.startswith(f"test_label_count.{label} "))
        assert want in line and line.split()[-1] == "DRIFT", line


def test_unchanged_runs_pass_with_every_record(lab):
    a, expected = lab
    code, text = gate_output.check(a, expected)
    assert code == gate.PASS, text
    metrics = gate_expected.load_expected(expected).metrics
    assert metrics["fairseq.pretrained.seed0.updates"] == 1125.0 and metrics["test_label_count.0"] == 1000.0
    assert metrics["fairseq.pretrained.seed0.valid_predictions"].startswith("sha256:"), metrics


def test_a_file_without_records_is_refused_with_the_command_that_regenerates_it(lab, tmp_path):
    a, expected = lab
    raw = json.loads(expected.read_text())
    raw["metrics"] = {n: m for n, m in raw["metrics"].items() if not gate_expected.is_record(n)}
    old = tmp_path / expected.name
    old.write_text(json.dumps(raw))
    loaded = gate_expected.load_expected(old)  # the label counts beside the metrics are gated all the same
    assert loaded.metrics["test_label_count.0"] == 1000.0, loaded.metrics
    with pytest.raises(ConfigError, match=r"lacks the records the gate compares .* for 12 run\(s\) \(e.g. "
                                          r"fairseq.pretrained.seed0\); regenerate it \(`python -m harness gate --regen"):
        regime.resolve(a, old)
    pinned, _, _ = regime.resolve(a, old, records=False)  # what it holds can still be read (a pinned verdict)
    assert gate_expected.lacks_records(pinned.metrics)[0] == "fairseq.pretrained.seed0"
    assert pinned.metrics["ledger.C3.verdict"] == loaded.metrics["ledger.C3.verdict"]
    outcome = gate.evaluate(a, old, records=False)  # what it holds is gated (its label counts too); no run record
    gated = {r.metric for r in outcome.rows}
    assert outcome.code == gate.PASS and "test_label_count.0" in gated, outcome.rows
    assert not [n for n in gated if gate_expected.is_record(n) and n not in loaded.metrics], sorted(gated)


def test_label_counts_are_kept_once_beside_the_metrics(lab, tmp_path):
    _, expected = lab
    raw = json.loads(expected.read_text())
    assert raw["test_label_counts"] == {"0": 1000, "1": 1000} and not any("label" in n for n in raw["metrics"]), raw
    raw["metrics"]["test_label_count.0"] = {"value": 1000}
    bad = tmp_path / expected.name
    bad.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=r"metrics.test_label_count.0: the label counts are kept once, in "
                                          r"test_label_counts"):
        gate_expected.load_expected(bad)


def test_records_are_added_to_an_older_file_only_from_results_that_reproduce_it(lab, tmp_path):
    """``harness.gate.regen.add_records``: the older file (no records) takes them from one result set
    of its numerics that reproduces every stored metric exactly, then gates them; results that do not
    reproduce it are refused and the file is untouched."""
    from harness.gate import regen

    a, expected = lab
    raw = json.loads(expected.read_text())
    raw["metrics"] = {n: m for n, m in raw["metrics"].items() if not gate_expected.is_record(n)}
    old = tmp_path / "old" / expected.name
    old.parent.mkdir()
    old.write_text(json.dumps(raw))
    moved = _mutated(a, tmp_path, lambda r: dataclasses.replace(r, test_accuracy=r.test_accuracy + 0.0005))
    with pytest.raises(ConfigError, match=r"does not reproduce (.|\n)*\n  fairseq.pretrained.seed0.test_accuracy: 0.792 vs 0.7925"):
        regen.add_records(moved, old)
    assert json.loads(old.read_text()) == raw
    assert "added 96 records" in regen.add_records(a, old)  # 12 runs x (updates, best epoch, 5 epochs, predictions)
    assert json.loads(old.read_text())["stamp"]["records"]["how"].startswith("one computation of the file's numerics")
    assert gate_output.check(a, old)[0] == gate.PASS
    code, text = gate_output.check(_mutated(a, tmp_path / "u", lambda r: dataclasses.replace(r, updates=1)), old)
    assert code == gate.DRIFT and "fairseq.pretrained.seed0.updates " in text, text
    with pytest.raises(ConfigError, match="already holds every record"):
        regen.add_records(a, old)
