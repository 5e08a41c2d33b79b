"""The ledger's scores and decisions, as the gate reads them (harness.gate.metrics): every score a
fresh-run row names is gated as ``ledger.<claim>.<score>`` (exact in the exact regime; in the
cross-numerics regime within z times its spread propagated through the ledger), and a verdict whose
decision puts the rule's boundary within that tolerance is FRAGILE, reported with the distance.

Small fake rows stand in for the ledger (a C4 row whose verdict is decided by a score against a
boundary), so these tests hold whatever wording the ledger uses; tests/test_gate_ledger_real.py
does the same with the real ledger."""

import json
import math
import statistics
from dataclasses import dataclass, field

import pytest

from harness.gate import drift as gate
from harness.gate import metrics as gate_metrics
from harness.gate import output as gate_output
from harness.gate import tolerances
from tests.synthetic import HF_PRETRAINED, write_results
from tests.test_gate import regenerated


@dataclass(frozen=True)
class FakeRow:
    claim: str
    verdict: str
    statistic: str
    label: str = ""
    scores: dict = field(default_factory=dict)
    decision: tuple | None = None


def fake_rows(profile, runs, **_):
    """C4 decided at m = 3 on a "narrowest margin" = |HF mean - fairseq mean| + 1 point."""
    def mean(fw):
        return statistics.fmean(100 * r.test_accuracy for r in runs if (r.spec.framework, r.spec.init) == (fw, "pretrained"))
    diff = mean("hf") - mean("fairseq")
    narrowest = abs(diff) + 1.0
    verdict = "HOLDS WITHIN ±3" if narrowest < 3 else "NOT ESTABLISHED at ±3"
    return [FakeRow("C3", "REPRODUCED", "fake C3"),
            FakeRow("C4", verdict, f"narrowest {narrowest:.3f}", scores={"difference": diff, "narrowest_margin": narrowest},
                    decision=("narrowest_margin", narrowest, 3.0))]


@pytest.fixture
def fake_ledger(monkeypatch):
    monkeypatch.setattr(gate_metrics.ledger, "fresh_rows", fake_rows)


def _hf(shift: int) -> dict:
    """HF's cell shifted by ``shift`` sentences per seed (fairseq unchanged)."""
    return {("hf", "pretrained", s): c + shift for s, c in enumerate(HF_PRETRAINED)}


def _expected(tmp_path, shift):
    a = write_results(tmp_path / "A", overrides=_hf(shift))
    b = write_results(tmp_path / "B", overrides=_hf(shift), wall=5.0)
    return regenerated(tmp_path / "expected", a, b)


def test_scores_are_gated_and_the_decision_recorded(fake_ledger, tmp_path):
    path = _expected(tmp_path, -38)  # HF 1.967 points below fairseq: narrowest margin 2.967, 0.033 from 3
    raw = json.loads(path.read_text())["metrics"]
    assert set(raw) >= {"ledger.C4.difference", "ledger.C4.narrowest_margin", "ledger.C4.verdict"}, sorted(raw)
    assert raw["ledger.C4.verdict"]["decision"][0] == "ledger.C4.narrowest_margin"
    assert raw["ledger.C4.verdict"]["decision"][2] == 3.0
    # exact regime: equal passes (not FRAGILE: 0.03 is past an exact tolerance), one sentence is drift
    outcome = gate.evaluate(write_results(tmp_path / "R", overrides=_hf(-38)), path)
    assert outcome.code == gate.PASS and all(r.status == "ok" for r in outcome.rows), gate_output.text(outcome)
    moved = gate.evaluate(write_results(tmp_path / "M", overrides={**_hf(-38), ("hf", "pretrained", 0): 1541}), path)
    bad = {r.metric for r in gate.failed(moved.rows)}
    assert {"ledger.C4.difference", "ledger.C4.narrowest_margin"} <= bad, gate_output.text(moved)


def test_a_score_tolerance_is_its_spread_propagated_through_the_ledger(fake_ledger, tmp_path):
    """The difference of two 3-seed means is linear in the runs: z * s * sqrt(2/3), as the rule's own
    mean_difference (before rounding up)."""
    path = _expected(tmp_path, 0)
    outcome = gate.evaluate(write_results(tmp_path / "F", precision="fp32"), path.parent)
    tol = tolerances.load()
    s = tol.scales["smoke"].pair("bf16-avx512-bf16", "fp32").spread()[1]
    assert outcome.regime.name == "cross_numerics"
    assert outcome.regime.ledger["ledger.C4.difference"] == pytest.approx(tol.z * s * math.sqrt(2 / 3), rel=1e-9)
    assert outcome.regime.ledger["ledger.C4.narrowest_margin"] == pytest.approx(tol.z * s * math.sqrt(2 / 3), rel=1e-9)


def test_a_verdict_within_its_scores_tolerance_of_the_boundary_is_fragile(fake_ledger, tmp_path):
    path = _expected(tmp_path, -38)
    fp32 = write_results(tmp_path / "F", precision="fp32", overrides=_hf(-38))
    outcome = gate.evaluate(fp32, path.parent)
    row = next(r for r in outcome.rows if r.metric == "ledger.C4.verdict")
    text = gate_output.text(outcome)
    assert outcome.code == gate.PASS and row.status == "FRAGILE", text
    tol = outcome.regime.ledger["ledger.C4.narrowest_margin"]
    assert f"ledger.C4.verdict: FRAGILE, obtained narrowest_margin 2.967 vs the rule's boundary 3: distance 0.03333 " \
           f"<= the score's tolerance {tol:.4g} (cross_numerics)" in text, text
    assert "1 verdict(s) FRAGILE" in text.splitlines()[-1], text


def test_a_verdict_that_changes_within_noise_is_fragile_across_numerics_and_drift_when_exact(fake_ledger, tmp_path):
    path = _expected(tmp_path, -38)  # 2.967: HOLDS WITHIN ±3
    over = _hf(-40)  # 2 sentences further: narrowest 3.067, NOT ESTABLISHED
    cross = gate.evaluate(write_results(tmp_path / "F", precision="fp32", overrides=over), path.parent)
    row = next(r for r in cross.rows if r.metric == "ledger.C4.verdict")
    assert (row.expected, row.obtained) == ("HOLDS WITHIN ±3", "NOT ESTABLISHED at ±3"), row
    assert cross.code == gate.PASS and row.status == "FRAGILE", gate_output.text(cross)
    assert "within noise of its boundary" in cross.summary, cross.summary
    exact = gate.evaluate(write_results(tmp_path / "E", overrides=over), path.parent)
    row = next(r for r in exact.rows if r.metric == "ledger.C4.verdict")
    assert exact.code == gate.DRIFT and row.status == "DRIFT", gate_output.text(exact)


def test_a_verdict_far_from_its_boundary_that_changes_is_drift_in_either_regime(fake_ledger, tmp_path):
    path = _expected(tmp_path, -20)  # narrowest 2.067: 0.93 from the boundary
    far = _hf(-50)  # 3.567: the verdict changes, 0.57 past the boundary
    outcome = gate.evaluate(write_results(tmp_path / "F", precision="fp32", overrides=far), path.parent)
    row = next(r for r in outcome.rows if r.metric == "ledger.C4.verdict")
    assert outcome.code == gate.DRIFT and row.status == "DRIFT" and row.note is None, gate_output.text(outcome)


def test_a_changed_verdict_whose_score_did_not_cross_the_boundary_is_drift_across_numerics(monkeypatch, tmp_path):
    """Near the boundary, yet the decision's score stayed on its side: the rule moved, not the
    numbers. Drift, with both decisions' numbers."""
    monkeypatch.setattr(gate_metrics.ledger, "fresh_rows", fake_rows)
    path = _expected(tmp_path, -38)  # 2.967: HOLDS WITHIN ±3
    monkeypatch.setattr(gate_metrics.ledger, "fresh_rows", lambda profile, runs, **_: [
        FakeRow(r.claim, "NOT ESTABLISHED at ±3", r.statistic, r.label, r.scores, r.decision) if r.claim == "C4" else r
        for r in fake_rows(profile, runs)])
    outcome = gate.evaluate(write_results(tmp_path / "F", precision="fp32", overrides=_hf(-37)), path.parent)
    row = next(r for r in outcome.rows if r.metric == "ledger.C4.verdict")
    text = gate_output.text(outcome)
    assert outcome.code == gate.DRIFT and row.status == "DRIFT" and row.note, text
    assert "not noise: its decision did not cross the rule's boundary (obtained narrowest_margin 2.917 vs the " \
           "rule's boundary 3" in text, text


def test_rows_without_scores_or_decision_are_gated_on_their_verdicts(monkeypatch, tmp_path):
    """Rows of claim, label, verdict and statistic only: verdicts only, no FRAGILE."""
    monkeypatch.setattr(gate_metrics.ledger, "fresh_rows",
                        lambda profile, runs, **_: [FakeRow("C3", "REPRODUCED", "fake C3"), FakeRow("C4", "HOLDS", "fake")])
    a = write_results(tmp_path / "A")
    path = regenerated(tmp_path / "expected", a, write_results(tmp_path / "B", wall=2.0))
    raw = json.loads(path.read_text())["metrics"]
    assert [n for n in raw if n.startswith("ledger.")] == ["ledger.C3.verdict", "ledger.C4.verdict"], sorted(raw)
    assert "decision" not in raw["ledger.C4.verdict"]
    outcome = gate.evaluate(write_results(tmp_path / "F", precision="fp32"), path.parent)
    assert outcome.code == gate.PASS and not outcome.regime.ledger, gate_output.text(outcome)
    assert not [r for r in outcome.rows if r.status == "FRAGILE"], gate_output.text(outcome)
