"""The injected-drift matrix: each drift the calibration names is caught, each non-drift change
passes, at the smoke and the lab scale, in each regime, on the measured cells (test accuracies of
the AVX512-BF16 class in bf16 and of the AVX2 class in fp32, expected/results/tolerances.toml; the
lab runs keep their validation predictions, so C2b is judged).

Drifts: one framework's runs shifted by 0.5 points; one seed moved by 1 point; the HF - fairseq
difference doubled; one random-init seed collapsed to the majority class; one verdict changed (the
ledger's rule, here a wrapper around it, gives another verdict for the same numbers). Non-drift:
the same results recomputed; the other native-bf16 CPU class (AMX) under the cross-numerics
regime at the smoke scale, where that pair is measured (refused at the lab scale, where it is not);
the other precision under the cross-numerics regime (tests/test_gate_tolerances.py). The
cross-numerics regime at the lab scale cannot see the three small drifts (docs/gate-calibration.md, "What each
scale's gate can see"): those cells assert that they pass there, so that the calibration's NOT MET
stays a fact the tests know.
"""

import dataclasses

import pytest

from harness.core.records import load_result, save_result
from harness.gate import drift as gate
from harness.gate import metrics as gate_metrics
from harness.gate import output as gate_output
from harness.gate import tolerances
from harness.core.config import ConfigError
from tests.synthetic import SHAPE, TEST_SIZE, measured_cells, write_results
from tests.test_gate import regenerated

TOL = tolerances.load()
SCALES = ("smoke", "lab")
DRIFTS = ("mean_shift", "seed_move", "difference_doubled", "collapse", "verdict_changed")
# (regime, scale) -> the drifts it cannot see (the calibration says NOT MET for these)
BLIND = {("cross_numerics", "lab"): {"mean_shift", "seed_move", "difference_doubled"}}
KEY = {"bf16": "bf16-avx512-bf16", "fp32": "fp32"}


def _cells(scale, precision):
    return measured_cells(TOL.scales[scale].pair(*KEY.values()).cells[KEY[precision]])


def _drifted(cells: dict, kind: str) -> tuple[dict, str]:
    """``cells`` (counts) with drift ``kind`` injected, and the metric that must show it."""
    cells = {k: list(v) for k, v in cells.items()}
    if kind == "mean_shift":  # every HF seed -0.5 points
        cells["hf", "pretrained"] = [c - 10 for c in cells["hf", "pretrained"]]
        return cells, "hf.pretrained.mean_test_accuracy"
    if kind == "seed_move":
        cells["fairseq", "pretrained"][1] += 20
        return cells, "fairseq.pretrained.seed1.test_accuracy"
    if kind == "difference_doubled":
        d = round(sum(cells["hf", "pretrained"]) / 3 - sum(cells["fairseq", "pretrained"]) / 3)
        cells["hf", "pretrained"] = [c + d for c in cells["hf", "pretrained"]]
        return cells, "hf_minus_fairseq.pretrained.mean_difference"
    if kind == "collapse":  # random init predicts one class: the majority rate of a balanced test set
        cells["fairseq", "random"][1] = TEST_SIZE // 2
        return cells, "fairseq.random.seed1.test_accuracy"
    return cells, "ledger.C4.verdict"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Per scale: an expected directory with the bf16 file only (regenerated from two computations)."""
    root = tmp_path_factory.mktemp("drifts")
    out = {}
    for scale in SCALES:
        a, b = (write_results(root / f"{scale}-{i}", scale, cells=_cells(scale, "bf16"), wall=40.0 + i,
                              **SHAPE.get(scale, {})) for i in (0, 1))
        out[scale] = regenerated(root / f"{scale}-expected", a, b).parent
    return out


def _changed_rule(monkeypatch):
    """A ledger whose C4 rule now says something else for the same numbers."""
    real = gate_metrics.ledger.fresh_rows

    def fresh_rows(profile, runs, **kw):
        return [dataclasses.replace(r, verdict="NOT ESTABLISHED at ±3") if r.claim == "C4" else r
                for r in real(profile, runs, **kw)]
    monkeypatch.setattr(gate_metrics.ledger, "fresh_rows", fresh_rows)


@pytest.mark.parametrize("regime", ["exact", "cross_numerics"])
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("kind", DRIFTS)
def test_each_drift_is_caught_by_the_metric_that_shows_it(files, tmp_path, monkeypatch, kind, scale, regime):
    precision = "bf16" if regime == "exact" else "fp32"
    cells, metric = _drifted(_cells(scale, precision), kind)
    results = write_results(tmp_path / "R", scale, cells=cells, precision=precision, **SHAPE.get(scale, {}))
    if kind == "verdict_changed":
        _changed_rule(monkeypatch)
    outcome = gate.evaluate(results, files[scale])
    assert outcome.regime.name == regime, outcome.regime.reason
    row = next(r for r in outcome.rows if r.metric == metric)
    if kind in BLIND.get((regime, scale), ()):
        assert row.status == "ok", f"{kind} at {scale} ({regime}) is within its tolerance:\n{gate_output.text(outcome)}"
        return
    assert outcome.code == gate.DRIFT and row.status == "DRIFT", gate_output.text(outcome)
    text = gate_output.text(outcome)
    if kind == "verdict_changed":
        assert "ledger.C4.verdict: expected " in text and "obtained 'NOT ESTABLISHED at ±3'" in text, text
    else:  # the row carries its numbers: expected, obtained, tolerance, |diff|
        line = next(x for x in text.splitlines() if x.startswith(metric + " "))
        assert line.split()[1:5] == [gate.fmt(row.expected), gate.fmt(row.obtained),
                                     "exact" if regime == "exact" else gate.fmt(row.tolerance), gate.fmt(row.delta)]


@pytest.mark.parametrize("scale", SCALES)
def test_the_same_results_recomputed_pass(files, tmp_path, scale):
    again = write_results(tmp_path / "R", scale, cells=_cells(scale, "bf16"), wall=77.0,
                          created="2026-02-01T00:00:00+00:00", **SHAPE.get(scale, {}))
    code, text = gate_output.check(again, files[scale])
    assert code == gate.PASS and text.startswith("regime: exact"), text


def test_the_other_native_bf16_class_is_other_numerics_gated_within_the_measured_class_moves(files, tmp_path):
    """bf16 computed on an AMX CPU (the cross-class cells measured at the smoke scale) against the
    AVX512-BF16 file alone: not exact (9 of 9 runs moved, by up to 0.15 points), but within the
    tolerances of that measured pair; a drift on top of it is still caught."""
    cells = measured_cells(TOL.scales["smoke"].pair("bf16-avx512-bf16", "bf16-amx").cells["bf16-amx"])
    outcome = gate.evaluate(write_results(tmp_path / "R", cells=cells, cpu_class="amx"), files["smoke"])
    text = gate_output.text(outcome)
    assert outcome.code == gate.PASS and outcome.regime.name == "cross_numerics", text
    assert outcome.regime.pair == ("bf16-avx512-bf16", "bf16-amx") and "CPU class amx" in outcome.regime.reason, text
    assert "between bf16-avx512-bf16 <-> bf16-amx at the smoke scale (9 per-seed moves, s = 0.075" in text, text
    drifted, metric = _drifted(cells, "seed_move")
    outcome = gate.evaluate(write_results(tmp_path / "D", cells=drifted, cpu_class="amx"), files["smoke"])
    row = next(r for r in outcome.rows if r.metric == metric)
    assert outcome.code == gate.DRIFT and row.status == "DRIFT", gate_output.text(outcome)


def test_the_other_native_bf16_class_at_the_lab_scale_is_gated_within_its_measured_moves_or_refused(
        files, tmp_path, monkeypatch):
    """AMX bf16 lab results against the AVX512-BF16 file alone: across numerics, within the lab's
    measured class pair (s = 0.509); with that pair unmeasured, one error naming the file to write and
    the missing pair, never an exact comparison that would call the kernels' moves drift."""
    cells = measured_cells(TOL.scales["lab"].pair("bf16-avx512-bf16", "bf16-amx").cells["bf16-amx"])
    amx = write_results(tmp_path / "R", "lab", cells=cells, cpu_class="amx", **SHAPE["lab"])
    outcome = gate.evaluate(amx, files["lab"])
    assert outcome.regime.name == "cross_numerics", outcome.regime.reason
    assert outcome.regime.pair == ("bf16-avx512-bf16", "bf16-amx"), outcome.regime.reason
    assert "at the lab scale (9 per-seed moves, s = 0.509" in outcome.regime.reason, outcome.regime.reason
    assert outcome.code == gate.PASS, gate_output.text(outcome)  # the measured moves are within their own tolerances
    lab = TOL.scales["lab"]
    without = dataclasses.replace(TOL, scales={**TOL.scales, "lab": dataclasses.replace(
        lab, pairs=[p for p in lab.pairs if set(p.keys) != {"bf16-avx512-bf16", "bf16-amx"}])})
    monkeypatch.setattr(tolerances, "load", lambda path=None: without)
    with pytest.raises(ConfigError, match=r"lab.bf16-amx.json: no expected file for these results' numerics .*"
                                          r"no move measured between bf16-avx512-bf16 and bf16-amx at the lab scale"):
        gate.evaluate(amx, files["lab"])


def test_a_run_edited_after_the_fact_is_drift_not_passed_by_float_noise(files, tmp_path):
    """The exact regime sees any move, down to 1e-9 (far below one sentence), and names the metric.
    (Every metric nudged in turn: tests/test_gate.py::test_nudging_any_metric_past_its_tolerance_fails_within_passes.)"""
    results = write_results(tmp_path / "R", cells=_cells("smoke", "bf16"))
    path = results / "smoke" / "smoke-hf-pretrained-seed1.json"
    r = load_result(path)
    save_result(path, dataclasses.replace(r, test_accuracy=r.test_accuracy + 1e-9))
    code, text = gate_output.check(results, files["smoke"])
    assert code == gate.DRIFT and "hf.pretrained.seed1.test_accuracy" in text, text
