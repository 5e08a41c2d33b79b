"""A student's report, end to end (issue: the student's path): the claims file a student writes from
a copy of expected/report.toml, and what the ledger tells them -- a count slip with its difference,
its terms and the reading that gives it; rows checked by the command that reproduces them; their
own rules noted beside the suite's; the suite's runs kept apart from their claims."""

import pytest

from harness.__main__ import main as cli
from harness.claims import claimsfile, ledger
from harness.core.paths import EXPECTED_DIR

SUITE = (EXPECTED_DIR / "report.toml").read_text()


def _student(tmp_path, *edits):
    text = SUITE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "student.toml"
    path.write_text(text)
    return claimsfile.load(path)


@pytest.mark.parametrize("stated, reading", [
    (22870552, "the formula's 22,807,552 with two neighbouring digits swapped (a typo)"),
    (24904704, "d_ff = 1,024 (not 512)"),
    (22806528, "positions counted as P + 0 rows (not P + 2)"),
    (22829056, "biases and LayerNorms counted"),
])
def test_a_count_slip_names_the_difference_the_terms_and_the_reading(tmp_path, stated, reading):
    cf = _student(tmp_path, ("total = 22807552", f"total = {stated}"))
    row = ledger.report_row("C1", cf)
    assert row.verdict == f"REFUTED (stated {stated:,}, formula 22,807,552)", row.verdict
    assert f"stated {stated:,} - formula 22,807,552 = {stated - 22807552:+,}" in row.statistic, row.statistic
    assert reading in row.statistic, row.statistic
    for term in ("V·d (token embedding) 16,384,000", "(P+2)·d (positions) 132,096",
                 "L·4·d² (attention q, k, v, out) 4,194,304", "L·2·d_ff·d (feed-forward) 2,097,152"):
        assert term in row.computed, row.computed


def test_a_students_rows_are_checked_by_the_command_that_reproduces_them(tmp_path):
    cf = _student(tmp_path)
    assert not cf.is_suite
    rows = ledger.build(cf).rows
    assert {r.test for r in rows} == {f"`python -m harness ledger --claims {cf.path}`",
                                      f"`python -m harness ledger --claims {cf.path} --results DIR`"}, {r.test for r in rows}


def test_a_students_own_rule_is_used_and_noted(tmp_path):
    cf = _student(tmp_path, ("margin = 3.0  # points: \"consistent\"", "margin = 10.0  #"))
    row = ledger.report_row("C4", cf)
    assert row.verdict == "HOLDS WITHIN ±10 (own margin 10)", row.verdict
    assert "this file's own rule: margin 10 (the report under test's: 3)" in row.statistic, row


def test_a_students_numbers_change_only_their_rows(tmp_path):
    cf = _student(tmp_path, ("[79.9, 79.0, 81.1]", "[70.2, 71.0, 70.5]"), ('spread = "0.02%"', 'spread = "5.0%"'))
    v = {r.claim: r.verdict for r in ledger.build(cf).rows}
    assert v["C4"] == "REFUTED (beyond ±3)" and v["C6"] == "REFUTED" and v["C3"] == "REPRODUCED", v


def test_ledger_on_a_students_file_with_the_suites_runs_keeps_them_apart(tmp_path, capsys):
    from tests.test_ledger import _synthetic_runs

    _synthetic_runs(tmp_path / "results")
    cf = _student(tmp_path)
    assert cli(["ledger", "--claims", str(cf.path), "--results", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    head, fresh = out.split("The suite's fresh runs, judged by the same rules (verdicts on the suite's runs, not on the "
                            "report's claims):")
    assert "the suite's fresh runs" not in head and "C3 on the suite's fresh runs, profile 'smoke'" in fresh, out
