"""The gate where users look: ``--format text|markdown|json``, ``--junit FILE`` (one test case per
gated metric and per verdict, numbers in properties), ``--history FILE`` and
``report --history FILE`` (each gated metric over commits with its tolerance band).
"""

import json
import xml.etree.ElementTree as ET

import pytest

from harness.gate import drift as gate
from harness.gate import history
from harness.__main__ import main as cli
from harness.core.config import ConfigError
from harness.gate import expected as gate_expected
from harness.gate import tolerances
from tests.synthetic import write_results
from tests.test_gate import BF16, sets, shifted  # noqa: F401 (the module fixture)

C4_MOVED = {("hf", "pretrained"): -0.0099, ("fairseq", "pretrained"): +0.0099}


@pytest.fixture(scope="module")
def moved(sets, tmp_path_factory):  # noqa: F811
    return shifted(tmp_path_factory.mktemp("moved"), C4_MOVED)


def _gate(capsys, *args):
    code = cli(["gate", *map(str, args)])
    return code, capsys.readouterr().out


def test_markdown_shows_the_failures_first_with_their_numbers(sets, moved, capsys):
    _, _, expected = sets
    code, out = _gate(capsys, moved, "--expected", expected, "--format", "markdown")
    assert code == gate.DRIFT
    lines = out.splitlines()
    assert lines[0].startswith("### ") and "DRIFT" in lines[0], out
    failing = out.split("**Failing:**")[1].split("<details>")[0]
    rows = [line for line in failing.splitlines() if line.startswith("| `")]
    names = [r.split("`")[1] for r in rows]
    assert "ledger.C4.verdict" in names and "hf_minus_fairseq.pretrained.mean_difference" in names, failing
    c4 = next(r for r in rows if "`ledger.C4.verdict`" in r)
    assert "**DRIFT**" in c4 and "TOST ±3 p=" in c4, c4  # the statistic behind the new verdict
    diff = next(r for r in rows if "mean_difference" in r)
    assert [c.strip() for c in diff.strip("|").split("|")][1:5] == ["-0.0007", "-0.0205", "exact", "0.0198"], diff
    assert "_regime: exact: the results' numerics (bf16 on CPU" in out, out
    # every row of the full table has the header's column count (no stray pipes)
    table = [x for x in out.split("<details>")[1].splitlines() if x.startswith("|")]
    widths = {len(x.replace("\\|", "").strip("|").split("|")) for x in table}
    assert widths == {7} and len(table) == 2 + len(gate_expected.load_expected(expected).metrics), widths


def test_json_carries_every_metric_and_the_exit_code(sets, moved, capsys):
    _, _, expected = sets
    code, out = _gate(capsys, moved, "--expected", expected, "--format", "json")
    data = json.loads(out)
    assert data["exit_code"] == code == gate.DRIFT and data["summary"].startswith("DRIFT")
    by_name = {m["metric"]: m for m in data["metrics"]}
    assert set(by_name) == set(gate_expected.load_expected(expected).metrics)
    c4 = by_name["ledger.C4.verdict"]
    assert c4["status"] == "DRIFT" and c4["tolerance"] is None and "TOST" in c4["statistic"], c4
    d = by_name["hf_minus_fairseq.pretrained.mean_difference"]
    assert d["diff"] == pytest.approx(0.0198) and d["tolerance"] == 0.0, d  # exact
    assert data["provenance"]["fairseq"]["test_size"] == 2000
    assert data["regime"]["name"] == "exact" and data["regime"]["reason"].startswith("exact: "), data["regime"]


def test_junit_has_one_case_per_metric_and_verdict_with_numbers_in_properties(sets, moved, tmp_path, capsys):
    _, _, expected = sets
    out = tmp_path / "junit.xml"
    code, _ = _gate(capsys, moved, "--expected", expected, "--junit", out)
    assert code == gate.DRIFT
    root = ET.parse(out).getroot()
    cases = root.findall(".//testcase")
    names = [c.get("name") for c in cases]
    assert sorted(names) == sorted(gate_expected.load_expected(expected).metrics), names
    classes = {c.get("name"): c.get("classname") for c in cases}
    assert classes["ledger.C3.verdict"] == "gate.smoke.verdicts"
    assert classes["fairseq.pretrained.seed0.test_accuracy"] == "gate.smoke.metrics"
    failed = {c.get("name"): c for c in cases if c.find("failure") is not None}
    assert {"ledger.C4.verdict", "hf_minus_fairseq.pretrained.mean_difference"} <= set(failed), sorted(failed)
    assert int(root.find("testsuite").get("failures")) == len(failed)

    def props(case):
        return {p.get("name"): p.get("value") for p in case.find("properties")}

    d = props(failed["hf_minus_fairseq.pretrained.mean_difference"])
    assert float(d["value"]) == pytest.approx(-0.02047, abs=1e-4) and float(d["tolerance"]) == 0.0, d
    regime = {p.get("name"): p.get("value") for p in root.find("testsuite").find("properties")}["regime"]
    assert regime.startswith("exact: the results' numerics"), regime
    assert d["statistic"] == "|diff| 0.0198", d
    v = props(failed["ledger.C4.verdict"])
    assert v["value"] != v["expected"] and "TOST" in v["statistic"] and "tolerance" not in v, v
    assert "expected 'HOLDS" in failed["ledger.C4.verdict"].find("failure").text


def test_a_passing_run_writes_junit_without_failures(sets, tmp_path, capsys):
    a, _, expected = sets
    code, _ = _gate(capsys, a, "--expected", expected, "--junit", tmp_path / "j.xml", "--format", "json")
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert code == gate.PASS and root.find(".//failure") is None and root.get("failures") == "0"


@pytest.mark.heavy  # three gate runs and a report with its figures
def test_history_appends_one_record_per_run_and_the_report_plots_it(sets, moved, tmp_path, capsys):
    a, _, expected = sets
    log = tmp_path / "history.jsonl"
    for results in (a, moved, a):
        _gate(capsys, results, "--expected", expected, "--history", log)
    records = history.read(log)
    assert [r["exit_code"] for r in records] == [gate.PASS, gate.DRIFT, gate.PASS]
    rec = records[1]
    assert rec["commit"] and rec["provenance"]["hf"]["data_hash"] == "d" * 64, rec
    m = rec["metrics"]["hf_minus_fairseq.pretrained.mean_difference"]
    assert (m["status"], m["tolerance"]) == ("DRIFT", 0.0) and m["value"] < m["expected"] - 0.019, m
    assert rec["regime"] == "exact", rec
    assert rec["metrics"]["ledger.C4.verdict"]["value"] != rec["metrics"]["ledger.C4.verdict"]["expected"]

    out = tmp_path / "report"
    assert cli(["report", "--results", str(a), "--out", str(out), "--history", str(log)]) == 0
    png = out / "history.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "report.md").read_text()
    assert "## Gated metrics over commits" in text and "](history.png)" in text and "3 gate runs" in text
    # the tolerance band (grey fill) and the failing run (red) are drawn
    drawn = _pixels(png, ("#d62728", "#1f77b4"))
    assert drawn["#d62728"] >= 50, "no failing point drawn"
    assert drawn["#1f77b4"] >= 200, "no values drawn"


def _pixels(png, colours) -> dict:
    """How many pixels of ``png`` are each colour, per channel within 5 of 255 (tests/test_report.py's
    ``_has_colour`` rule, 0.02 of full scale, on the 8-bit values: the image decoded once, no floats)."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16)
    return {c: int((np.abs(img - np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)).max(axis=-1)
                    <= 5).sum()) for c in colours}


def test_a_bad_history_line_is_named(tmp_path):
    log = tmp_path / "h.jsonl"
    log.write_text('{"schema": 1}\n')
    with pytest.raises(ConfigError, match=rf"{log}:1: not a gate history record"):
        history.read(log)
    log.write_text("")
    with pytest.raises(ConfigError, match="no records"):
        history.read(log)
    with pytest.raises(ConfigError, match="not found"):
        history.read(tmp_path / "absent.jsonl")


def test_output_options_go_with_a_check_not_regen(sets, tmp_path):
    a, b, expected = sets
    assert cli(["gate", "--regen", str(a), str(b), "--expected", str(tmp_path / "x.json"),
                "--junit", str(tmp_path / "j.xml")]) == gate.BAD_INPUT
    assert not (tmp_path / "x.json").exists()


def test_text_is_the_default_and_unchanged_results_pass(sets, capsys):
    a, _, expected = sets
    code, out = _gate(capsys, a, "--expected", expected)
    lines = out.splitlines()
    assert code == gate.PASS and lines[0].startswith("regime: exact: "), out
    assert lines[1].split() == ["metric", "expected", "obtained", "tolerance", "|diff|", "status"], out


def test_the_cross_numerics_regime_prints_its_pair_measurement_tolerances_and_why(sets, tmp_path, capsys):
    """fp32 results and no fp32 file: the output says so, names the pair of numerics keys and its
    measurement, and every score row carries the pair's tolerance (in the metric's units: fractions);
    JSON carries the pair and the measurement."""
    _, _, expected = sets
    results = write_results(tmp_path / "R", precision="fp32")
    code, out = _gate(capsys, results, "--expected", expected.parent)
    first = out.splitlines()[0]
    assert code == gate.PASS, out
    assert first.startswith("regime: cross-numerics: the results are fp32 on CPU, CPU class avx2 (fp32) and there is no "
                            f"{expected.parent / 'smoke.fp32.json'}; gated against {expected} (bf16"), first
    pair = tolerances.load().scales["smoke"].pair(BF16, "fp32")
    assert f"between {BF16} <-> fp32 at the smoke scale (9 per-seed moves, s = 0.080 points" in first, first
    assert pair.source in first, first
    for name, kind in (("fairseq.random.seed2.test_accuracy", "test_accuracy"),
                       ("hf.pretrained.mean_test_accuracy", "mean_test_accuracy"),
                       ("hf_minus_fairseq.pretrained.mean_difference", "mean_difference")):
        row = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert row.split()[3] == f"{pair.tolerance[kind]:.4f}", row
    data = json.loads(_gate(capsys, results, "--expected", expected.parent, "--format", "json")[1])
    assert data["regime"]["name"] == "cross_numerics" and data["regime"]["pair"] == [BF16, "fp32"], data["regime"]
    assert data["regime"]["measurement"] == pair.source, data["regime"]


def test_the_history_figure_draws_a_runs_records_only_where_one_failed(monkeypatch):
    from harness.report import history as history_figure

    def rec(status):
        ok = {"value": 225.0, "expected": 225.0, "tolerance": 0.0, "status": "ok"}
        return {"commit": "abc1234", "metrics": {
            "fairseq.pretrained.mean": {"value": 80.0, "expected": 80.0, "tolerance": 0.0, "status": "ok"},
            "fairseq.pretrained.seed0.updates": dict(ok, status=status),
            "fairseq.pretrained.seed1.updates": ok}}

    drawn = []
    monkeypatch.setattr(history_figure, "png", lambda fig: drawn.append(
        [ax.get_title() for ax in fig.axes if ax.get_title()]) or b"")
    history_figure.figure([rec("ok"), rec("ok")], "t")
    history_figure.figure([rec("ok"), rec("DRIFT")], "t")
    assert drawn == [["fairseq.pretrained.mean"], ["fairseq.pretrained.mean", "fairseq.pretrained.seed0.updates"]], drawn
