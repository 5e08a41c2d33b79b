"""``python -m harness draft`` and audit's hook on reports (harness.intake.audit), in process."""

from __future__ import annotations

import tomllib
from pathlib import Path

from harness.__main__ import main
from harness.claims.audit import Audit, Audited
from harness.claims.cause import Graded
from harness.intake import audit as intake_audit

REPORT = Path(__file__).parent / "data" / "reports" / "lab-report.txt"


def test_draft_writes_a_claims_file_per_report_and_prints_the_counts(tmp_path, capsys):
    other = tmp_path / "b.md"
    other.write_text("# 1 Question 1\n\nWhich yields 22807552 parameters.\n", encoding="utf-8")
    assert main(["draft", str(REPORT), str(other), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "lab-report.txt -> " in out and "45 values found, 10 to review, 0 claims not stated" in out, out
    assert "class (2 reports): " in out, out
    raw = tomllib.loads((tmp_path / "out" / "b.toml").read_text(encoding="utf-8"))
    assert raw["schema"] == 2 and "C2" in raw["not_stated"], raw


def test_draft_of_a_missing_report_is_not_found(tmp_path, capsys):
    assert main(["draft", str(tmp_path / "nope.pdf")]) == 2
    assert "nope.pdf: not found" in capsys.readouterr().err


def test_audit_marks_the_verdicts_that_rest_on_values_to_review():
    claims = intake_audit.draft_to_claims(REPORT)
    assert claims.path == REPORT
    marks = intake_audit.reviews(__import__("harness.intake", fromlist=["draft"]).draft(REPORT), claims)
    assert "C4" in marks and "cells.hf.pretrained.seeds" in marks["C4"], marks  # the HF list has no seed labels
    assert "C1" not in marks and "C3" not in marks, marks
    rows = [Graded("C1", "REPRODUCED"), Graded("C4", "NOT ESTABLISHED at ±3", cause="gap -1.1")]
    result = intake_audit.mark(Audit([Audited("lab-report", str(REPORT), rows)], ["C1", "C4"]))
    c1, c4 = result.reports[0].rows
    assert c1.cause == "" and c4.cause.startswith("gap -1.1; † review: hf.pretrained.seeds"), (c1, c4)


def test_two_reports_of_one_name_keep_their_folder_in_the_claims_file_name(tmp_path, capsys):
    for folder in ("groupe-a", "groupe-b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "rapport.md").write_text("Which yields 22807552 parameters.\n", encoding="utf-8")
    assert main(["draft", str(tmp_path / "groupe-a"), str(tmp_path / "groupe-b"), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["groupe-a-rapport.toml", "groupe-b-rapport.toml"]


def test_a_folder_given_to_audit_contributes_its_reports_as_well_as_its_claims_files(tmp_path):
    from harness.cli import audit as audit_cli
    from harness.claims.audit import expand

    (tmp_path / "alice.txt").write_text(REPORT.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notes.csv").write_text("not a report\n")
    found = [p for p, error in expand([str(tmp_path)], (".toml", *audit_cli.REPORTS)) if not error]
    assert found == [str(tmp_path / "alice.txt")], found
    assert expand([str(tmp_path)])[0][1].endswith("a directory with no *.toml file in it")


def test_ledger_given_a_reports_text_drafts_it_then_judges_it(capsys):
    from harness.__main__ import main

    assert main(["ledger", "--claims", str(REPORT), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "drafted by python -m harness draft" in out
    c1 = next(line for line in out.splitlines() if line.startswith("| C1 |"))
    assert "REPRODUCED" in c1, c1
