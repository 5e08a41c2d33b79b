"""``python -m harness audit``: a class's claims files (copies of expected/report.toml, each with one
edit: tests/claims_files.py) judged in one process, one grading view (report x claim, each cell with
its cause); a malformed or missing file is NOT READ, listed with its error, and never stops the
others. The view's rendering on rows built by hand: tests/test_grading_view.py."""

import csv
import io
import json
import types

import pytest

from harness.__main__ import main as cli
from harness.claims import audit, audit_table, claimsfile
from tests.claims_files import KINDS, edit, write

MARGIN = f"±{claimsfile.load().claim('C4').params.margin:g}"
CLAIM_IDS = [c.id for c in claimsfile.load().claims]


# C1 slips a student makes, each a stated total the ledger judges (the formula's is 22,807,552)
SLIPS = {"digit-swap": 22807525, "dff-2048": 29099008}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """One file per kind (as-printed, count-slip, ...), named after it, and the C1 slips."""
    d = tmp_path_factory.mktemp("class")
    for kind in KINDS:
        write(d / f"{kind}.toml", kind)
    for name, total in SLIPS.items():
        (d / f"{name}.toml").write_text(edit((d / "as-printed.toml").read_text(), (r"^total = .*$", f"total = {total}")))
    return d


@pytest.fixture(scope="module")
def judged(klass):
    """The real ledger on every file of the class and a path that does not exist."""
    return audit.audit([str(klass), str(klass / "absent.toml")])


@pytest.fixture
def once(judged, klass, monkeypatch):
    """The CLI on the class reuses the module's one judgement of it (the class and absent.toml):
    these tests check the CLI's rendering and exit codes, not the ledger again."""
    real = audit.audit

    def reuse(items, progress=None, load=None, **options):
        return judged if items and items[0] == str(klass) else real(items, progress, load, **options)

    monkeypatch.setattr(audit, "audit", reuse)


def _by_name(a):
    return {r.name: r for r in a.reports}


def test_each_edit_moves_the_verdict_it_should(judged, report_ledger):
    r = {name: rep.verdicts for name, rep in _by_name(judged).items() if not rep.error}
    base = r["as-printed"]
    # the unedited copy gets the report's own verdicts (each asserted by its claim's test and the README table)
    own = {row.claim: row.verdict.split(" (")[0] for row in report_ledger.rows}
    assert {c: v.split(" (")[0] for c, v in base.items()} == own, (base, own)
    assert r["count-slip"]["C1"] == "REFUTED (stated 22,806,016, formula 22,807,552)", r["count-slip"]
    assert r["spread-in-points"]["C6"] == "REPRODUCED", r["spread-in-points"]  # 1.67 and 0.31 points: population SDs
    assert r["random-wins"]["C3"].startswith("REFUTED"), r["random-wins"]
    assert r["hf-far"]["C4"] == f"REFUTED (beyond {MARGIN})", r["hf-far"]  # ten points below fairseq
    assert r["bias-right"]["C5.bias"] == "REPRODUCED", r["bias-right"]
    for name, verdicts in r.items():  # the rest of each row is the report's own (NOT RUN rows name their file)
        moved = {c for c in verdicts if verdicts[c].split(" (")[0] != base[c].split(" (")[0]}
        assert len(moved) <= 2, (name, moved)
    assert judged.claims == CLAIM_IDS


def test_malformed_and_missing_files_are_listed_with_their_error(judged, klass):
    r = _by_name(judged)
    assert r["malformed"].error.startswith(f"{klass / 'malformed.toml'}: [[claim]] #1 (C1).encoder.layers: expected int, "
                                           "got '4'"), r["malformed"].error
    assert r["absent"].error == f"{klass / 'absent.toml'}: not found", r["absent"].error
    assert not r["malformed"].verdicts and len(judged.read) == len(KINDS) - 1 + len(SLIPS)
    assert r["absent"].verdict_pairs == [("-", f"NOT READ ({klass / 'absent.toml'}: not found)")]


def test_each_cell_names_its_cause_from_the_rows_data(judged):
    cells = {name: rep.first_rows for name, rep in _by_name(judged).items() if not rep.error}
    assert cells["digit-swap"]["C1"].cause == "digits swapped", cells["digit-swap"]["C1"]
    assert cells["dff-2048"]["C1"].cause == "d_ff = 2,048 or L = 8", cells["dff-2048"]["C1"]  # both give the total
    assert cells["count-slip"]["C1"].cause == "V = 31,997", cells["count-slip"]["C1"]  # 1,536 = 3 rows of d = 512
    assert cells["random-wins"]["C3"].cause == "random beats pretrained by 7.2", cells["random-wins"]["C3"]
    assert cells["as-printed"]["C6"].cause == "population SD as a fraction", cells["as-printed"]["C6"]
    assert cells["as-printed"]["C5.dropout"].cause == "reads lora_dropout as acting on A and B; peft: on the input x"
    assert cells["hf-far"]["C4"].cause.startswith("gap -10.6"), cells["hf-far"]["C4"]
    assert cells["as-printed"]["C2"].kind == "needs runs" and cells["as-printed"]["C1"].cause == ""
    assert cells["as-printed"]["C3"].quote == claimsfile.load().claim("C3").quote


def test_csv_json_and_markdown_say_the_same(judged, klass, capsys, once):
    args = ["--claims", str(klass), str(klass / "absent.toml")]
    assert cli(["audit", *args, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffreport,path,claim,verdict,cause,statistic,quote,own rule"), out[:80]
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert [(r["report"], r["claim"], r["verdict"], r["cause"]) for r in rows] == [
        (rep.name, "", "NOT READ", rep.error) if rep.error else (rep.name, g.claim, g.verdict, g.cause)
        for rep in judged.reports for g in (rep.rows or [None])], "one line per row, NOT READ for a file not read"
    assert cli(["audit", *args, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["claims"] == judged.claims and payload["folded"] == ["C2", "C2b"], payload["folded"]
    assert {r["name"]: r["verdicts"] for r in payload["reports"]} == {r.name: r.verdicts for r in judged.reports}
    assert {r["name"]: [x["statistic"] for x in r["rows"]] for r in payload["reports"]} == \
        {r.name: [x.statistic for x in r.rows] for r in judged.reports}, "the full rows"
    assert cli(["audit", *args, "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    shown = [c for c in CLAIM_IDS if c not in ("C2", "C2b")]
    assert md.startswith("| report | " + " | ".join(shown) + " | counts |\n"), md
    assert "| count-slip | REFUTED: V = 31,997 | REPRODUCED | NOT ESTABLISHED at ±3: gap -1.1" in md, md
    assert "\nC2, C2b: needs runs in every report; no claims file can decide them" in md, md
    assert "| malformed | — |" in md and f"NOT READ: {klass / 'malformed.toml'}: [[claim]] #1" in md, md
    assert f"- {klass / 'absent.toml'}: not found" in md and "| C5.dropout | 0 | 0 | 8 |" in md, md


def test_the_terminal_table(klass, capsys, once):
    assert cli(["audit", "--claims", str(klass), "--format", "table"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Audit: what each report gets wrong, and why" in out and "bias-right" in out and "| report |" not in out, out
    assert "NOT READ" in out and "#1 (C1).encoder.layers: expected int" in out, out
    assert "C3 REFUTED: random beats pretrained by" in out and "Per claim: how many reports" in out, out


def test_out_writes_the_page_the_ledgers_and_the_table(judged, klass, tmp_path, capsys, once):
    out = tmp_path / "audit"
    assert cli(["audit", "--claims", str(klass), "--out", str(out)]) == 0
    page = (out / "index.html").read_text()
    for rep in judged.reports:
        if rep.name == "absent":
            continue
        assert f"<a href='#{rep.name}'" in page and f"<h2 id='{rep.name}'>" in page, rep.name
    for rep in judged.read:  # each report's own ledger beside the page
        assert (out / f"{rep.name}.md").read_text() == rep.markdown, rep.name
        assert f"<a href='{rep.name}.md'>" in page
    slip = next(r for r in judged.read if r.name == "count-slip")  # the same as `ledger --claims` writes
    assert (out / "count-slip.md").read_text() == audit.rows_for(slip.path)[1]
    assert "title='REFUTED (bias: bias frees the base layers&#x27; own biases" in page
    assert "<a href='#count-slip--C1'>REFUTED: V = 31,997</a>" in page and "<tr id='count-slip--C1'>" in page
    assert "<script" not in page and "malformed.toml: [[claim]] #1 (C1).encoder.layers" in page
    assert {p.name for p in out.iterdir()} == {"index.html", "index.md", "index.csv", "index.json",
                                               *(f"{r.name}.md" for r in judged.read)}  # no temp file left


def test_fail_on_exits_1_naming_the_reports(klass, capsys, once):
    assert cli(["audit", "--claims", str(klass), "--format", "csv", "--fail-on", "refuted"]) == 1
    err = capsys.readouterr().err
    assert "count-slip C1 REFUTED;" in err and "hf-far C4 REFUTED;" in err and "10 reports" in err, err
    assert "malformed - NOT READ" in err and "absent - NOT READ" in err, "a file not read fails under any --fail-on"
    assert cli(["audit", "--claims", str(klass / "as-printed.toml"), "--format", "csv", "--fail-on",
                "HOLDS WITHIN"]) == 0  # no verdict of that name
    assert cli(["audit", "--claims", str(klass / "as-printed.toml"), str(klass / "gone.toml"), "--format", "csv",
                "--fail-on", "HOLDS WITHIN"]) == 1  # a missing file is NOT READ
    assert "gone - NOT READ" in capsys.readouterr().err


def test_exit_2_only_when_no_file_could_be_read(tmp_path, capsys, file_regression):
    bad = write(tmp_path / "in" / "bad.toml", "malformed")
    assert cli(["audit", "--claims", str(bad), str(tmp_path / "gone.toml"), "--out", str(tmp_path / "out")]) == 2
    # stderr whole: one error line per file, then the count (a golden file: pytest --force-regen rewrites it)
    file_regression.check(capsys.readouterr().err.replace(str(tmp_path), "<tmp>"), extension=".txt")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["--fail-on", "MOSTLY"], "error: --fail-on: 'MOSTLY' is not a verdict; give one or more of REPRODUCED"),
    (["--fail-on", ","], "error: --fail-on: empty; give verdicts"),
])
def test_bad_options_are_one_line_exit_2(tmp_path, capsys, argv, message):
    assert cli(["audit", "--claims", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err


def test_out_that_is_a_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    (tmp_path / "f").write_text("keep")
    monkeypatch.setattr(audit, "rows_for", lambda path: pytest.fail("judged a file before checking --out"))
    assert cli(["audit", "--claims", str(tmp_path), "--out", str(tmp_path / "f")]) == 2
    assert "f: --out is a file, not a directory" in capsys.readouterr().err
    assert (tmp_path / "f").read_text() == "keep"


def test_files_directories_and_globs(tmp_path):
    for name in ("a.toml", "b.toml", "notes.txt"):
        (tmp_path / "d" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "d" / name).write_text("")
    (tmp_path / "empty").mkdir()
    got = audit.expand([str(tmp_path / "d"), str(tmp_path / "d" / "a.toml"), str(tmp_path / "d" / "[ab].toml"),
                        str(tmp_path / "empty"), str(tmp_path / "zz*.toml"), str(tmp_path / "nonexistent")])
    assert got == [(str(tmp_path / "d" / "a.toml"), ""), (str(tmp_path / "d" / "b.toml"), ""),
                   (str(tmp_path / "empty"), f"{tmp_path / 'empty'}: a directory with no *.toml file in it"),
                   (str(tmp_path / "zz*.toml"), f"{tmp_path / 'zz*.toml'}: no file matches this pattern"),
                   (str(tmp_path / "nonexistent"), f"{tmp_path / 'nonexistent'}: not found")]


def test_names_are_unique_and_leave_index_free():
    names = audit._names(["x/a/alice.toml", "x/b/alice.toml", "x/index.toml", "x/bob smith.toml"])
    assert names == ["a-alice", "b-alice", "x-index", "bob-smith"], names


def test_columns_are_the_union_in_claim_order():
    assert audit.claim_order([["C1", "C2", "C2b", "C6"], ["C5.r", "C5.alpha", "C10", "C1", "C3"]]) == \
        ["C1", "C2", "C2b", "C3", "C5.r", "C5.alpha", "C6", "C10"]


def test_only_the_adapter_knows_the_ledger(klass, monkeypatch, tmp_path):
    """Another ledger's rows (only .claim and .verdict; C5 split in several rows): everything but
    ``rows_for`` works unchanged."""
    def other_ledger(path):
        Row = types.SimpleNamespace
        if "malformed" in str(path):
            raise ValueError(f"{path}: schema 2: [lora] missing")
        rows = [Row(claim="C1", verdict="REPRODUCED"), Row(claim="C5.r", verdict="REPRODUCED"),
                Row(claim="C5.alpha", verdict="REFUTED (alpha)")]
        return rows, "| claim | verdict |\n|---|---|\n" + "".join(f"| {r.claim} | {r.verdict} |\n" for r in rows)

    monkeypatch.setattr(audit, "rows_for", other_ledger)
    a = audit.audit([str(klass)])
    assert a.claims == ["C1", "C5.r", "C5.alpha"] and len(a.unread) == 1
    assert audit_table.to_markdown(a).startswith("| report | C1 | C5.r | C5.alpha | counts |\n")
    assert "REFUTED (alpha)" in audit_table.to_csv(a) and json.loads(audit_table.to_json(a))["claims"] == a.claims
    from harness.report.audit import write

    page = write(a, tmp_path / "out").read_text()
    assert "<td>C5.alpha</td>" in page and "<th>C5.alpha</th>" in page and "REFUTED: alpha" in page


@pytest.mark.heavy  # the class judged afresh, its models counted
def test_the_models_are_built_once_for_the_class(klass, monkeypatch, tmp_path):
    """C1's fairseq model and C5's peft models are built once for the whole class (in an empty cache),
    not once per report: the facts they give are cached (harness.claims.facts)."""
    from harness.claims import lora_behaviour
    from harness.inputs import models

    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))
    built = []
    build, observe = models.build_fairseq, lora_behaviour.observe
    monkeypatch.setattr(models, "build_fairseq", lambda *a, **k: built.append("C1") or build(*a, **k))
    monkeypatch.setattr(lora_behaviour, "observe", lambda: built.append("C5") or observe())
    files = [str(klass / f"{k}.toml") for k in ("as-printed", "spread-in-points", "count-slip", "bias-right")]
    assert len(audit.audit(files).read) == 4
    assert sorted(built) == ["C1", "C5"], built
