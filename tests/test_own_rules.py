"""A file's own rule is visible (issue 25, item 2): every rule parameter a claims file sets apart
from the report under test's (alpha, power, delta, margin, epoch, the encoder's dims) marks the
verdict itself, "HOLDS WITHIN ±3 (own alpha 0.49)", so the ledger, every audit format and
``--fail-on`` carry it; a verdict its rule does not touch carries no mark; ``--fail-on REPRODUCED``
still matches a marked REPRODUCED."""

import json

import pytest

from harness.claims import audit, audit_table, claimsfile, ledger
from harness.claims.failon import failing, parse_fail_on
from harness.core.paths import EXPECTED_DIR
from tests.claims_files import in_claim

SUITE = (EXPECTED_DIR / "report.toml").read_text()



def verdicts(tmp_path, text, name="student.toml") -> dict[str, str]:
    path = tmp_path / name
    path.write_text(text)
    return {r.claim: r.verdict for r in ledger.build(claimsfile.load(path)).rows}


def test_the_report_under_tests_verdicts_carry_no_mark():
    marked = [v for v in (r.verdict for r in ledger.build(claimsfile.load()).rows) if "(own " in v or "; own " in v]
    assert not marked, marked


def test_an_own_alpha_marks_the_verdicts_it_decides_and_only_those(tmp_path):
    v = verdicts(tmp_path, SUITE.replace("alpha = 0.05  #", "alpha = 0.49  #"))
    assert v["C4"] == "HOLDS WITHIN ±3 (own alpha 0.49)", v["C4"]
    assert v["C3"] == "REPRODUCED (own alpha 0.49)", v["C3"]
    for cid in ("C1", "C5.r", "C6"):  # exact rules: alpha decides nothing there
        assert "own alpha" not in v[cid], (cid, v[cid])
    assert v["C2"].startswith("NOT RUN") and "own alpha" not in v["C2"], v["C2"]  # no rule was applied


def test_an_own_delta_marks_a_reproduced(tmp_path):
    v = verdicts(tmp_path, in_claim(SUITE, "C3", "delta = 5.0", "delta = 0.1"))
    assert v["C3"] == "REPRODUCED (own delta 0.1)", v["C3"]
    assert v["C4"] == "NOT ESTABLISHED at ±3", v["C4"]  # the report under test's own verdict, unmarked


def test_a_mark_joins_a_verdicts_own_reason(tmp_path):
    v = verdicts(tmp_path, in_claim(SUITE, "C3", "delta = 5.0", "delta = 40.0"))
    assert v["C3"].startswith("REFUTED (") and v["C3"].endswith("; own delta 40)"), v["C3"]
    assert v["C3"].count("(") == v["C3"].count(")") and v["C3"].count(" (") == 1, v["C3"]


@pytest.mark.parametrize("edit, cid, mark", [
    (lambda s: in_claim(s, "C4", "margin = 3.0", "margin = 10.0"), "C4", "HOLDS WITHIN ±10 (own margin 10)"),
    (lambda s: s.replace("power = 0.8  #", "power = 0.95  #"), "C4", "NOT ESTABLISHED at ±3 (own power 0.95)"),
    (lambda s: s.replace("alpha = 0.05  #", "alpha = 0.2  #").replace("power = 0.8  #", "power = 0.9  #"), "C4",
     "HOLDS WITHIN ±3 (own alpha 0.2; own power 0.9)"),
])
def test_each_own_rule_parameter_marks_the_verdict(tmp_path, edit, cid, mark):
    assert verdicts(tmp_path, edit(SUITE))[cid] == mark


def test_an_own_epoch_is_a_rule_parameter_of_c2b(tmp_path):
    path = tmp_path / "student.toml"
    path.write_text(in_claim(SUITE, "C2b", "epoch = 5", "epoch = 4"))
    cf = claimsfile.load(path)
    assert cf.claim("C2b").differs == {"epoch": (4, 5)}


def test_the_grading_views_own_rule_reads_an_encoders_dims(tmp_path, monkeypatch):
    from harness.claims import parameters
    from harness.claims.relations import count

    monkeypatch.setattr(count, "fairseq_count", parameters.formula)  # fairseq's agreement is test_c1's
    path = tmp_path / "dims.toml"
    path.write_text(SUITE.replace("total = 22807552", "total = 24904704").replace("d_ff = 512", "d_ff = 1024"))
    graded = {g.claim: g for g in audit.rows_for(path)[0]}
    assert graded["C1"].verdict == "REPRODUCED (own dims, not the lab's: d_ff = 1,024)", graded["C1"].verdict
    assert graded["C1"].own_rule == "own dims, not the lab's: d_ff = 1,024", graded["C1"].own_rule


def test_fresh_rows_judged_by_an_own_rule_are_marked(tmp_path):
    from tests.test_ledger import _synthetic_runs

    _synthetic_runs(tmp_path / "results")
    path = tmp_path / "student.toml"
    path.write_text(SUITE.replace("alpha = 0.05  #", "alpha = 0.3  #"))
    fresh = {r.claim: r.verdict for r in ledger.build(claimsfile.load(path), tmp_path / "results").fresh}
    assert fresh["C3"].endswith("(own alpha 0.3)") and fresh["C4"].endswith("own alpha 0.3)"), fresh


def test_every_audit_format_and_fail_on_carry_the_mark(tmp_path):
    (tmp_path / "loose.toml").write_text(in_claim(SUITE, "C3", "delta = 5.0", "delta = 0.1"))
    a = audit.audit([str(tmp_path / "loose.toml")])
    assert "REPRODUCED (own delta 0.1)" in audit_table.to_csv(a)
    rows = json.loads(audit_table.to_json(a))["reports"][0]["rows"]
    c3 = next(r for r in rows if r["claim"] == "C3")
    assert c3["verdict"] == "REPRODUCED (own delta 0.1)" and c3["own_rule"] == "own delta 0.1", c3
    assert "own delta 0.1" in audit_table.to_markdown(a)
    pairs = a.reports[0].verdict_pairs
    assert ("C3", "REPRODUCED (own delta 0.1)") in failing(pairs, parse_fail_on("REPRODUCED")), pairs
