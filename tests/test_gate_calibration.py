"""The gate's two error rates (``python -m harness gate --calibrate``, harness.gate.calibrate): the
simulation replays an expected file's own runs through the ledger (C2b held at the file's values:
it rests on validation predictions the rebuilt runs do not have), it is a simulation of the gate,
and for the expected files in expected/results/ its numbers are the stored targets
(expected/results/calibration.toml, seeded) that docs/gate-calibration.md states.

Synthetic expected files stand in for the real ones here (the measured cells of
tests/synthetic.py): no test depends on a real expected file's content. The targets tests do: they
compare whatever files expected/results/ holds with the stored targets (after ``gate --regen``
they fail with the new targets printed as TOML, to be stored). The exact regime's numbers
are checked in the CPU tier; the cross-numerics regimes run the ledger on every draw (minutes on 2
cores), so theirs are checked in the slow tier (``--runslow``)."""

import dataclasses
import json
import re

import pytest

from harness.__main__ import main as cli
from harness.core.config import ConfigError
from harness.core.paths import EXPECTED_DIR, ROOT
from harness.gate import calibrate, regime, replay, tolerances
from harness.gate import metrics as gate_metrics
from harness.gate.expected import load_expected
from tests.synthetic import SHAPE, measured_cells, write_results
from tests.test_gate import BF16, regenerated

DIR = EXPECTED_DIR / "results"
SETTINGS = calibrate.load_settings()
REAL = sorted(DIR.glob("*.*.json"))
TOL = tolerances.load()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """An expected directory of the measured AVX512-BF16 cells (smoke and lab; the lab runs keep
    their validation predictions, so C2b is judged), each regenerated from two computations."""
    root = tmp_path_factory.mktemp("calibration")
    for scale in ("smoke", "lab"):
        cells = measured_cells(TOL.scales[scale].pair(BF16, "fp32").cells[BF16])
        a, b = (write_results(root / f"{scale}{i}", scale, cells=cells, wall=1.0 + i, **SHAPE.get(scale, {}))
                for i in (0, 1))
        regenerated(root / "expected", a, b)
    return root / "expected"


def _check_targets(cals, name):
    """Every simulated number equals its stored target, and every stored target of ``name``'s regimes
    has its expected file; the message is the TOML to store otherwise."""
    got = {c.key(): {"false_alarm": round(c.false_alarm, 4), "power": {k: round(v, 4) for k, v in c.power.items()}}
           for c in cals}
    stored = {k: v for k, v in SETTINGS.targets.items() if name == "all" or f".{name}" in k}
    wrong = [f"{k}: stored {stored.get(k)}, simulated {got.get(k)}" for k in sorted(set(got) | set(stored))
             if got.get(k) != stored.get(k)]
    assert not wrong, ("the calibration moved (ledger, expected file or tolerance changed), or a target's file is "
                       f"gone; review, then store in {calibrate.PATH}:\n" + calibrate.as_targets(cals) + "\n"
                       + "\n".join(wrong))


def test_the_replay_holds_c2b_and_reproduces_every_other_verdict(synthetic):
    """The rebuilt runs (per-seed accuracies, test sizes, label counts) judge C3 and C4 as the file
    does; C2b, which they cannot judge (no validation predictions: the ledger says NOT RUN), is held
    at the file's values instead of refused."""
    lab = load_expected(synthetic / f"lab.{BF16}.json")
    assert lab.metrics["ledger.C2b.verdict"] == "REPRODUCED", lab.metrics
    rebuilt = replay.runs(lab)
    raw = gate_metrics.ledger_metrics("lab", rebuilt, "rebuilt")[0]
    assert raw["ledger.C2b.verdict"].startswith("NOT RUN"), raw["ledger.C2b.verdict"]
    values, notes, decisions = replay.ledger(lab, rebuilt)
    assert values["ledger.C2b.verdict"] == "REPRODUCED" and values["ledger.C2b.min_holm_p"] == 1.0, values
    assert decisions["ledger.C2b.verdict"] == lab.decisions["ledger.C2b.verdict"], decisions
    for path in sorted(synthetic.glob("*.json")):
        expected = load_expected(path)
        calibrate.check_replay(expected)
        assert not expected.metrics["ledger.C3.verdict"].startswith("NOT RUN"), path
    # C3 on the smoke cells: random init at 51.25% and 50.45% is not shown to beat the majority class
    # (binomial, n = 2000), so the rebuilt runs must carry the test's label counts to judge it as the file does
    smoke = load_expected(synthetic / f"smoke.{BF16}.json").metrics["ledger.C3.verdict"]
    assert smoke == "NOT ESTABLISHED (random init not shown to learn on seeds 0, 1)", smoke


def test_a_file_whose_runs_cannot_be_replayed_is_refused(synthetic, tmp_path):
    raw = json.loads((synthetic / f"smoke.{BF16}.json").read_text())
    raw["test_label_counts"] = None
    bad = tmp_path / f"smoke.{BF16}.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=rf"smoke.{BF16}.json: its runs, rebuilt .* do not reproduce its own "
                                          r"ledger.C3.verdict"):
        calibrate.check_replay(load_expected(bad))


def test_the_exact_regime_has_no_false_alarm_and_sees_every_drift(synthetic):
    for path in sorted(synthetic.glob("*.json")):
        e = load_expected(path)
        c = calibrate.simulate(e, regime.exact(e), 20, SETTINGS.seed)  # exact: any move is drift, so 20 draws show it
        assert c.false_alarm == 0 and min(c.power.values()) == 1.0, (c.key(), c.false_alarm, c.power)
        assert set(c.power) == set(calibrate.DRIFTS), c.power


EXACT_CI_DRAWS = 40  # of the stored 400: the first 40 of the same seeded draws (the slow tier runs all 400)


@pytest.mark.heavy  # 6 real files' ledgers: the CPU tier, not the inner loop
def test_the_real_files_exact_regime_numbers_are_the_stored_targets():
    """Whatever expected files expected/results/ holds (today smoke and lab, one per numerics key): their
    exact regime's numbers are the stored targets, and no exact target names a file that is gone.

    At CI size: the first ``EXACT_CI_DRAWS`` of the stored draws (each draw is seeded by its index, so
    they are the same draws). The comparison stays exact, no tolerance: an exact target is a share of
    0 or 1 (no move at one numerics; any drift is drift), and such a share is the same on any prefix of
    its draws. The full 400 are compared in the slow tier
    (``test_the_real_files_cross_numerics_numbers_are_the_stored_targets``: every regime, the exact included)."""
    stored = [v for k, v in SETTINGS.targets.items() if k.endswith(".exact")]
    assert stored and all(v["false_alarm"] in (0, 1) and set(v["power"].values()) <= {0, 1} for v in stored), stored
    cals = [calibrate.simulate(e, regime.exact(e), EXACT_CI_DRAWS, SETTINGS.seed) for e in map(load_expected, REAL)]
    _check_targets(cals, "exact")


def test_a_regenerated_file_without_stored_targets_fails_with_them_as_toml(synthetic, monkeypatch):
    """What the lead sees after `gate --regen`: the targets test fails and prints the TOML to store
    (the synthetic files' keys are taken out of the stored targets, which hold the real files')."""
    monkeypatch.setitem(globals(), "SETTINGS", dataclasses.replace(
        SETTINGS, targets={k: v for k, v in SETTINGS.targets.items() if f".{BF16}" not in k}))
    cals = [calibrate.simulate(e, regime.exact(e), 20, SETTINGS.seed)
            for e in map(load_expected, sorted(synthetic.glob("*.json")))]
    with pytest.raises(AssertionError) as err:
        _check_targets(cals, "exact")
    message = str(err.value)
    assert re.search(rf'\[targets."smoke.{BF16}".exact]\s+false_alarm = 0.0000\s+power = {{ mean_shift = 1.0000',
                     message), message
    assert f"lab.{BF16}.exact: stored None, simulated {{'false_alarm': 0.0," in message, message


@pytest.mark.slow
def test_the_real_files_cross_numerics_numbers_are_the_stored_targets():
    cals = calibrate.calibrate(DIR, SETTINGS) if REAL else []
    _check_targets(cals, "all")


@pytest.mark.heavy  # hundreds of simulated gate runs
@pytest.mark.parametrize("draws", [200, pytest.param(3200, marks=pytest.mark.slow)], ids=["ci", "full"])
def test_the_simulation_is_a_simulation_of_the_gate(synthetic, monkeypatch, draws):
    """With a ledger that never moves and only a per-seed tolerance that can trip, the false-alarm
    rate is the normal tail's: P(some of 9 runs moves >= 0.525 points at s = 0.3) = 1 - (1 - 2 Phi(-1.75))^9.

    Tolerance: 4 binomial SEs of ``draws`` simulated runs around that rate (0.528): +-0.141 at the CPU
    tier's 200 draws, +-0.035 at the slow tier's 3200 (it was +-0.071 at 800 in the CPU tier)."""
    from scipy.stats import norm

    expected = load_expected(synthetic / f"smoke.{BF16}.json")
    frozen = gate_metrics.ledger.fresh_rows(expected.profile, replay.runs(expected))  # the file's rows, frozen
    monkeypatch.setattr(gate_metrics.ledger, "fresh_rows", lambda profile, runs, **_: frozen)
    reg = regime.Regime(regime.CROSS, "test", "smoke", 0.3,
                        {"test_accuracy": 0.005, "mean_test_accuracy": 1.0, "sd_test_accuracy": 1.0,
                         "mean_difference": 1.0}, pair=(BF16, "fp32"))
    c = calibrate.simulate(expected, reg, draws, 1)
    want = 1 - (1 - 2 * norm.sf(0.525 / 0.3)) ** 9
    assert abs(c.false_alarm - want) < 4 * (want * (1 - want) / draws) ** 0.5, (c.false_alarm, want)
    # a frozen ledger gives no other verdict: none to inject (the drift injects only verdicts the ledger gives)
    assert c.power["seed_move"] > 0.9 and "verdict_changed" not in c.power, c.power


@pytest.mark.heavy  # 6 regimes x 2 draws through the ledger (the full size: the slow tier's targets test)
def test_the_cli_prints_each_regime_says_what_is_not_simulated_and_which_goals_are_not_met(synthetic, monkeypatch,
                                                                                            capsys):
    # what is printed, not the numbers (the targets tests hold those): 2 seeded draws per regime print every line
    monkeypatch.setattr(calibrate, "load_settings", lambda: dataclasses.replace(SETTINGS, draws=2))
    assert cli(["gate", "--calibrate", str(synthetic)]) == 0
    out = capsys.readouterr().out
    table = [r for r in (line.split() for line in out.splitlines()) if len(r) > 3 and r[1] in ("exact", "cross_numerics")]
    regimes = [(r[0].split(".")[0], r[1], r[3] if r[1] == "cross_numerics" else "") for r in table]
    assert regimes == [("lab", "exact", ""), ("lab", "cross_numerics", "fp32"), ("lab", "cross_numerics", "bf16-amx"),
                       ("smoke", "exact", ""),
                       ("smoke", "cross_numerics", "fp32"), ("smoke", "cross_numerics", "bf16-amx")], out
    assert (f"lab.{BF16}.json: C2b's verdict is not simulated: it rests on per-sentence validation predictions, "
            "which the test-accuracy move model does not move (held at the file's 'REPRODUCED' in every draw)") in out
    assert f"smoke.{BF16}.json: C2b" not in out, out
    assert re.search(rf"NOT MET lab.{BF16}.cross_numerics.fp32: .*power [\d.]+% < 90.0%; the test_accuracy tolerance "
                     r"is 2.03 points at s = 0.58", out), out


def test_calibrate_on_bad_input_exits_2(tmp_path, capsys):
    assert cli(["gate", "--calibrate", str(tmp_path)]) == 2
    assert "no expected files" in capsys.readouterr().err
    assert cli(["gate", str(tmp_path), "--calibrate", str(DIR)]) == 2  # one mode at a time


def test_as_targets_writes_what_the_settings_read(synthetic, tmp_path):
    """The TOML the targets test prints is what calibration.toml holds: stored, it is read back."""
    e = load_expected(synthetic / f"smoke.{BF16}.json")
    cals = [calibrate.simulate(e, reg, 4, 1) for reg in (regime.exact(e), *regime.cross_numerics(e))]
    stored = tmp_path / "calibration.toml"
    settings = calibrate.PATH.read_text().split("\n[targets]\n", 1)[0]  # the stored file, without its targets
    stored.write_text(settings + "\n[targets]\n" + calibrate.as_targets(cals) + "\n")
    read = calibrate.load_settings(stored).targets
    assert set(read) == {f"smoke.{BF16}.exact", f"smoke.{BF16}.cross_numerics.fp32",
                         f"smoke.{BF16}.cross_numerics.bf16-amx"}, read
    assert read[f"smoke.{BF16}.exact"]["false_alarm"] == 0.0, read


def test_docs_state_the_calibration_numbers():
    """docs/gate-calibration.md's table is the stored targets, cell for cell, row for row."""
    section = (ROOT / "docs" / "gate-calibration.md").read_text()  # the page is the calibration
    table = section.split("<!-- targets -->")[1].split("<!-- /targets -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(SETTINGS.targets), (rows, sorted(SETTINGS.targets))
    for key, want in SETTINGS.targets.items():
        stem, reg = re.match(r"(\w+\.[\w-]+)\.(.*)", key).groups()
        row = next((line for line in rows if line.startswith(f"| `{stem}` | {reg} |")), None)
        assert row, f"docs/gate-calibration.md: no row for {stem} {reg}"
        cells = [c.strip() for c in row.strip("|").split("|")][2:]
        nums = [want["false_alarm"], *(want["power"][k] for k in calibrate.DRIFTS)]
        assert cells == [f"{100 * x:.1f}%" for x in nums], (row, nums)
