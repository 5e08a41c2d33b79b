"""harness.ledger: one row per claim, verdicts that follow the claim tests' rules, fresh runs,
another report's claims file, the optional LoRA hook, and the CLI's atomic Markdown output."""

import re
from pathlib import Path

import pytest

from harness import ROOT, ledger
from harness.__main__ import main as cli
from harness.claims import load_report, load_thresholds
from harness.config import ConfigError
from harness.runs import RunResult, RunSpec, save_result

REPORT_TOML = (ROOT / "expected" / "report.toml").read_text()
T = load_thresholds()


@pytest.fixture(scope="module")
def rows():
    return ledger.build_ledger(load_report())


@pytest.fixture
def fast_rows(monkeypatch):
    """C1 and C5 build models (seconds); tests about other rows stub them."""
    for claim in ("C1", "C5"):
        row = ledger.LedgerRow(claim, "-", "-", "-", "REPRODUCED", "-")
        monkeypatch.setattr(ledger, f"{claim.lower()}_row", lambda report, row=row: row)


def _verdicts(rows):
    return {r.claim: r.verdict for r in rows}


def test_one_row_per_claim_with_lab_md_verdicts(rows):
    assert [r.claim for r in rows] == ["C1", "C2", "C2b", "C3", "C4", "C5", "C6"]
    v = _verdicts(rows)
    narrowest = min(T.equivalence.ladder)
    assert v["C1"] == v["C3"] == v["C6"] == "REPRODUCED", v
    assert v["C2"].startswith("NOT RUN (no results"), v
    assert v["C4"].startswith("HOLDS WITHIN ±") and v["C4"] != f"HOLDS WITHIN ±{narrowest:g}", v
    assert v["C4"] != f"HOLDS WITHIN ±{T.equivalence.margin:g}", "the suite's margin is not established with 3 seeds"


def test_every_row_names_a_test_that_exists(rows):
    for r in rows:
        if r.verdict.startswith("NOT RUN") and r.test == "-":
            continue
        path, _, name = r.test.partition("::")
        source = (ROOT / path).read_text()  # a row may name a whole file (C5 from harness.lora)
        assert not name or re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), f"{r.claim}: {r.test}"


def test_markdown_has_a_row_per_claim_and_escapes_pipes():
    rows = [ledger.LedgerRow("C9", "a | b", "c", "d", "REFUTED", "tests/t.py::f")]
    text = ledger.to_markdown(rows)
    lines = text.splitlines()
    assert lines[0].startswith("| claim |") and len(lines) == 3
    assert "a \\| b" in lines[2] and "`tests/t.py::f`" in lines[2]


def test_unknown_verdict_is_rejected():
    with pytest.raises(ValueError, match="MOSTLY TRUE"):
        ledger.LedgerRow("C3", "-", "-", "-", "MOSTLY TRUE", "-")


@pytest.mark.parametrize(
    "pretrained, random, verdict",
    [([80.1, 79.5, 80.6], [79.0, 81.2, 80.0], "NOT ESTABLISHED"), ([60.0, 61.0, 60.5], [80.0, 81.0, 80.4], "REFUTED")],
)
def test_superiority_verdicts(pretrained, random, verdict):
    row = ledger.c3_row(dict(enumerate(pretrained)), dict(enumerate(random)), T, "-", "-")
    assert row.verdict == verdict, row


def test_claims_file_audits_another_report(tmp_path, fast_rows, capsys):
    student = REPORT_TOML
    for old, new in [
        ("pretrained = [79.9, 80.0, 83.5]", "pretrained = [80.1, 79.5, 80.6]"),
        ("random = [67.5, 68.1, 67.4]", "random = [79.0, 81.2, 80.0]"),
        ("pretrained = [79.9, 79.0, 81.1]", "pretrained = [70.2, 71.0, 70.5]"),
        ("stated_spread_pretrained = 0.02", "stated_spread_pretrained = 5.0"),
    ]:
        assert old in student
        student = student.replace(old, new)
    claims, out = tmp_path / "student.toml", tmp_path / "out" / "ledger.md"
    claims.write_text(student)
    assert cli(["ledger", "--claims", str(claims), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.read_text() == printed
    v = _verdicts(ledger.build_ledger(load_report(claims)))
    assert (v["C3"], v["C4"], v["C6"]) == ("NOT ESTABLISHED", "REFUTED", "REFUTED"), v
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temp file left behind"


def test_bad_claims_file_is_one_clear_line(tmp_path, capsys):
    claims = tmp_path / "student.toml"
    claims.write_text(REPORT_TOML.replace("stated_total = 22807552", ""))
    assert cli(["ledger", "--claims", str(claims)]) == 2
    err = capsys.readouterr().err
    assert str(claims) in err and "stated_total" in err and "Traceback" not in err


def _save(root: Path, profile: str, framework: str, init: str, accuracies):
    for seed, acc in enumerate(accuracies):
        spec = RunSpec(profile, framework, init, seed)
        result = RunResult(spec, (acc,), 1, acc, 2000, 225, 225, 1.0)
        save_result(root / profile / f"{spec.name}.json", result)


def test_fresh_results_rows(tmp_path, fast_rows):
    report = load_report()
    fs = report.fairseq
    _save(tmp_path, "lab", "fairseq", "pretrained", [v / 100 for v in fs.pretrained])  # fractions on disk
    _save(tmp_path, "lab", "fairseq", "random", [v / 100 for v in fs.random])
    _save(tmp_path, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78])
    _save(tmp_path, "smoke", "fairseq", "random", [0.50, 0.52, 0.49])
    _save(tmp_path, "smoke", "hf", "pretrained", [0.79, 0.795, 0.785])
    rows = ledger.build_ledger(report, tmp_path)
    fresh = {(r.claim, r.says): r for r in rows if r.says.startswith("fresh runs")}
    # C2: the lab runs equal the report's table once converted to points: equivalence holds.
    c2 = next(r for r in rows if r.claim == "C2")
    assert c2.verdict.startswith("HOLDS WITHIN ±"), c2
    assert fresh[("C3", "fresh runs, profile 'smoke'")].verdict == "REPRODUCED"
    assert fresh[("C4", "fresh runs, profile 'smoke'")].verdict == f"HOLDS WITHIN ±{min(T.equivalence.ladder):g}"
    assert fresh[("C3", "fresh runs, profile 'lab'")].verdict == "REPRODUCED"
    assert fresh[("C4", "fresh runs, profile 'lab'")].verdict == "NOT RUN (fewer than 2 runs of hf pretrained)"


def test_c2_is_not_run_without_lab_runs(tmp_path):
    _save(tmp_path, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78])
    row = ledger.c2_row(load_report(), ledger.load_runs(tmp_path), T)
    assert row.verdict.startswith("NOT RUN (no lab-profile runs"), row


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "results directory not found"),
    (lambda d: d.mkdir(), "no result files"),
    (lambda d: (d / "smoke").mkdir(parents=True) or (d / "smoke" / "x.json").write_text("{"), "x.json: not valid JSON"),
])
def test_bad_results_dir(tmp_path, setup, message):
    where = tmp_path / "results"
    setup(where)
    with pytest.raises(ConfigError, match=message):
        ledger.load_runs(where)


def test_c5_uses_the_lora_hook_when_present(monkeypatch):
    fields = dict(claim="C5", says="s", computed="c", statistic="exact", verdict="REPRODUCED", test="tests/test_c5_lora.py::t")
    monkeypatch.setattr("harness.lora.ledger_row", lambda report: fields)
    assert ledger.c5_row(load_report()) == ledger.LedgerRow(**fields)


def test_fresh_c3_with_unpaired_seeds_is_not_run(tmp_path):
    _save(tmp_path, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78])
    _save(tmp_path, "smoke", "fairseq", "random", [0.50, 0.52])
    rows = {r.claim: r for r in ledger._fresh_rows("smoke", ledger.load_runs(tmp_path)["smoke"], T)}
    assert rows["C3"].verdict == "NOT RUN (pretrained seeds [0, 1, 2] and random seeds [0, 1] differ)", rows["C3"]
