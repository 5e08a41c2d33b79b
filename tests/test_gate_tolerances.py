"""The gate's tolerances rest on measured variation (expected/results/tolerances.toml [measured]):
the measured cross-precision, cross-CPU change passes them, and docs/gate.md states the false-alarm
rate they imply, computed from the same numbers (harness.tolerances)."""

import re

import pytest

from harness.core.paths import ROOT
from harness.gate import drift as gate
from harness.gate import regen as gate_regen
from harness.gate import tolerances
from harness.gate import output as gate_output
from harness.gate import regen as gate_regen
from tests.synthetic import TEST_SIZE, write_results
from tests.test_gate import CLEAN

TOL = tolerances.load()


def _counts(cells):
    """Per-seed points of the measured cells as the synthetic sets' correct-answer counts."""
    return {(*cell.split("."), s): round(v * TEST_SIZE / 100) for cell, vs in cells.items() for s, v in enumerate(vs)}


def test_every_measured_move_is_within_its_tolerance():
    moves = tolerances.measured_moves(TOL)
    assert set(moves) == set(tolerances.KINDS), moves
    for kind, values in moves.items():
        tol = 100 * TOL.score[kind]
        assert max(values) < tol, f"{kind}: measured moves {[round(v, 3) for v in values]} points, tolerance {tol:g}"
    # the tolerances come from the measurement, not from a binomial SE: at most ~4 s on each scale
    n, s, _ = tolerances.spread(TOL)
    assert (n, round(s, 2)) == (9, 0.27) and 100 * TOL.score["test_accuracy"] <= 4 * s, (n, s, TOL.score)


def test_the_measured_machine_change_passes_the_gate(tmp_path, monkeypatch):
    """Regenerated from the reference cells (bf16, native-bf16 CPU), gating the same cells computed in
    fp32 on an AVX2 CPU: every score within tolerance, every ledger verdict equal."""
    monkeypatch.setattr(gate_regen, "git_commit", lambda: CLEAN)
    a = write_results(tmp_path / "A", overrides=_counts(TOL.reference))
    b = write_results(tmp_path / "B", wall=50.0, overrides=_counts(TOL.reference))
    gate_regen.regenerate(a, b, tmp_path / "smoke.json")
    other = write_results(tmp_path / "O", wall=60.0, overrides=_counts(TOL.other))
    code, text = gate_output.check(other, tmp_path / "smoke.json")
    assert code == gate.PASS, text


def test_docs_state_the_false_alarm_rates_these_tolerances_imply():
    doc = (ROOT / "docs" / "gate.md").read_text()
    section = doc.split("## Tolerances and false alarms")[1].split("\n## ")[0]
    fa = tolerances.false_alarms(TOL)
    want = [f"s = {fa['s']:.2f} points", f"{fa['s_upper']:.2f} points", f"{fa['n']} per-seed moves",
            tolerances.percent(fa["gate_run"][0]), tolerances.percent(fa["gate_run"][1]),
            tolerances.percent(fa["binomial_upper"])]
    for kind, (p, pu) in fa["kinds"].items():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{kind}`")), "")
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1:5] == [f"{100 * TOL.score[kind]:.2f}", str(fa["counts"][kind]), tolerances.percent(p),
                              tolerances.percent(pu)], (kind, row)
    missing = [w for w in want if w not in section]
    assert not missing, f"docs/gate.md does not state {missing} (computed by harness.tolerances)"


@pytest.mark.parametrize("kind, scale", [("test_accuracy", 1.0), ("mean_test_accuracy", 3 ** -0.5),
                                         ("mean_difference", (2 / 3) ** 0.5)])
def test_trip_probability_is_the_normal_tail_on_each_scale(kind, scale):
    from scipy.stats import norm

    s = 0.3
    assert tolerances.trip_probability(kind, 0.006, s) == pytest.approx(2 * norm.sf(0.6 / (s * scale)))


def test_the_tolerances_file_states_its_source():
    raw = (ROOT / "expected" / "results" / "tolerances.toml").read_text()
    assert re.search(r"(?m)^source = .*bf16.*AVX2", raw) and TOL.source
    assert set(TOL.reference) == {"fairseq.pretrained", "fairseq.random", "hf.pretrained"}
