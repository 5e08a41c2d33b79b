"""The best-epoch shape rule (harness/shape.py) on synthetic validation curves, and its ledger row.

The report's stated epoch comes from expected/report.toml, the tolerance from thresholds.toml.
"""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.claims import ledger
from harness.claims import shape
from harness.claims.expected import load_report
from harness.core.config import ConfigError
from tests import synthetic

REPORT = load_report()
STATED = REPORT.fairseq.best_epoch
TOL = shape.load_tolerance()


def rising(n=STATED, start=70.0, step=2.0):
    return [start + step * e for e in range(n)]


def test_best_epoch_is_the_first_argmax():
    assert shape.best_epoch([50.0, 60.0, 60.0, 55.0]) == 2
    assert shape.best_epoch([61.0]) == 1
    with pytest.raises(ValueError, match="empty"):
        shape.best_epoch([])


def test_every_run_peaking_at_the_stated_epoch_reproduces():
    a = shape.assess({"pretrained seed 0": rising(), "random seed 0": rising(start=50.0)}, STATED, TOL)
    assert a.verdict == "REPRODUCED", a
    assert [p.best_epoch for p in a.peaks] == [STATED, STATED] and all(p.gap == 0 for p in a.peaks), a


def test_an_earlier_peak_beyond_the_tolerance_refutes():
    curve = rising()
    curve[1] = curve[-1] + TOL + 0.5  # epoch 2 stands TOL + 0.5 points above the stated epoch
    a = shape.assess({"seed 0": rising(), "seed 1": curve}, STATED, TOL)
    assert a.verdict == "REFUTED", a
    peak = a.peaks[1]
    assert (peak.best_epoch, round(peak.gap, 6)) == (2, TOL + 0.5), peak
    assert f"seed 1: best epoch 2 ({curve[1]:.1f} vs {curve[-1]:.1f} at epoch {STATED}, +{TOL + 0.5:.1f})" in a.describe()


@pytest.mark.parametrize("above", [0.5, TOL])
def test_an_earlier_peak_within_the_tolerance_is_not_established(above):
    curve = rising()
    curve[2] = curve[-1] + above
    a = shape.assess({"seed 0": curve}, STATED, TOL)
    assert a.verdict == "NOT ESTABLISHED", (above, a)


def test_a_tie_with_the_stated_epoch_counts_as_an_earlier_best():
    """The kept checkpoint is the first best: a plateau reached before the stated epoch is a peak there."""
    curve = rising()
    curve[-2] = curve[-1]
    a = shape.assess({"seed 0": curve}, STATED, TOL)
    assert (a.verdict, a.peaks[0].best_epoch, a.peaks[0].gap) == ("NOT ESTABLISHED", STATED - 1, 0.0), a


def test_curves_shorter_than_the_stated_epoch_are_not_run():
    a = shape.assess({"smoke seed 0": [80.0]}, STATED, TOL)
    assert a.verdict == f"NOT RUN (runs with fewer than {STATED} epochs: {{'smoke seed 0': 1}})", a
    assert shape.assess({}, STATED, TOL).verdict == "NOT RUN (no runs)"


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=STATED, max_size=STATED + 3),
       st.floats(0, 10, allow_nan=False))
def test_verdict_follows_the_rule_on_any_curve(curve, tol):
    a = shape.assess({"r": curve}, STATED, tol)
    first_best = curve.index(max(curve)) + 1
    gap = max(curve) - curve[STATED - 1]
    want = ("REPRODUCED" if first_best == STATED else "REFUTED" if gap > tol else "NOT ESTABLISHED")
    assert (a.verdict, a.peaks[0].best_epoch) == (want, first_best), (curve, tol, a)


def test_tolerance_is_read_and_checked(tmp_path):
    assert TOL > 0
    bad = tmp_path / "t.toml"
    bad.write_text("[shape]\ntolerance = -1\n")
    with pytest.raises(ConfigError, match=r"\[shape\] tolerance .* got -1"):
        shape.load_tolerance(bad)
    bad.write_text("[significance]\nalpha = 0.05\n")
    with pytest.raises(ConfigError, match="got None"):
        shape.load_tolerance(bad)


def _lab_runs(curves):
    out = []
    for (init, seed), curve in curves.items():
        r = synthetic.run("lab", "fairseq", init, seed, 1600, epochs=len(curve))
        best = shape.best_epoch(curve)
        out.append(dataclasses.replace(r, valid_accuracy=tuple(v / 100 for v in curve), best_epoch=best))
    return out


def test_ledger_row_from_lab_runs():
    stated_steps = f"{REPORT.fairseq.best_updates:,}"
    early = rising()
    early[0] = early[-1] + TOL + 1
    runs = {"lab": _lab_runs({("pretrained", 0): rising(), ("random", 0): early})}
    row = ledger.c2_shape_row(REPORT, runs)
    assert (row.claim, row.verdict, row.test) == ("C2b", "REFUTED", shape.TEST_ID), row
    assert f"after {STATED} epochs ({stated_steps} training steps)" in row.says, row.says
    assert row.computed.startswith(f"pretrained seed 0: best epoch {STATED}; random seed 0: best epoch 1 ("), row
    assert f"{225 * STATED} updates here" in row.statistic and f"{TOL:g} points" in row.statistic, row
    runs = {"lab": _lab_runs({("pretrained", 0): rising(), ("pretrained", 1): rising(start=60)})}
    assert ledger.c2_shape_row(REPORT, runs).verdict == "REPRODUCED"


def test_ledger_row_is_not_run_without_lab_runs():
    assert ledger.c2_shape_row(REPORT, None).verdict == "NOT RUN (no results: pass --results DIR)"
    smoke = {"smoke": [synthetic.run("smoke", "fairseq", "pretrained", 0, 1600)]}
    assert ledger.c2_shape_row(REPORT, smoke).verdict == "NOT RUN (no lab-profile fairseq runs)"
