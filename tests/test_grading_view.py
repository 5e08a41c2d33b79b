"""The audit's grading view, rendered from rows built here (no ledger, milliseconds): each cell's
cause derived from the row's own data, counts per report and per claim, "not stated" apart from
"needs runs" and the undecidable columns folded, the long CSV with a BOM, JSON with the full rows,
names that keep their letters, a terminal table that fits 100 columns, an HTML page whose cells
link to the claim's row. The real ledger's causes are in tests/test_audit.py."""

import csv
import io
import json
import re
import types

import pytest

from harness.claims import audit_table, cause
from harness.claims.audit import Audit, Audited, _names, claim_order, slug
from harness.claims.cause import Graded, grade

NS = types.SimpleNamespace
RUNS = "NOT RUN (no results given; needs them: `python -m harness ledger --claims {path} --results out-lab/results`)"


def row(claim, verdict, statistic="", scores=None, computed=""):
    return NS(claim=claim, verdict=verdict, statistic=statistic, scores=scores or {}, computed=computed, says="",
              test="", section="report")


def claim(relation, **params):
    return NS(relation=relation, params=NS(**params), quote=f"the {relation} quote", differs={})


COUNT = claim("count")
C3 = claim("superiority", cells=("fairseq.pretrained", "fairseq.random"))


@pytest.mark.parametrize("reading, words", [
    ("the formula's 22,807,552 with two neighbouring digits swapped (a typo)", "digits swapped"),
    ("d_ff = 2,048 (not 512)", "d_ff = 2,048"),
    ("layers = 6 (not 4)", "L = 6"),
    ("positions counted as P + 0 rows (not P + 2)", "P + 0 position rows"),
    ("positions left out (no (P+2)·d term)", "positions left out"),
    ("V = 31,742 (not 32,000)", "V = 31,742"),
    ("the classification head counted (dense, out_proj to 2 classes)", "the classification head"),
])
def test_c1_names_the_reading_that_gives_the_stated_total(reading, words):
    r = row("C1", "REFUTED (stated 22,807,525, formula 22,807,552)",
            f"stated 22,807,525 - formula 22,807,552 = -27; readings that give the stated total: {reading}",
            {"stated_minus_formula": -27.0})
    assert cause.cause(r, COUNT) == words


def test_c1_without_a_reading_says_how_far_off():
    r = row("C1", "REFUTED (stated 1, formula 2)", "stated 1 - formula 2 = -1; readings that give the stated "
            "total: none found", {"stated_minus_formula": -1.0})
    assert cause.cause(r, COUNT) == "stated total -1 off the formula, no reading found"


def test_c3_reversed_gap_says_who_wins_and_by_how_much():
    r = row("C3", "REFUTED (the gap is below 5 points)", "Welch: difference -13.90 points; delta = 5 points",
            {"difference": -13.9, "lower_bound": -17.0, "upper_bound": -10.8})
    assert cause.cause(r, C3) == "random beats pretrained by 13.9"
    small = row("C3", "NOT ESTABLISHED (the gap's bounds straddle 5 points)", "Welch ...; delta = 5 points",
                {"difference": 6.0, "lower_bound": 2.5, "upper_bound": 9.5})
    assert cause.cause(small, C3) == "gap 6.0, lower bound 2.5 < 5"


def test_c6_and_c5_causes():
    c6 = claim("aggregate")
    assert cause.cause(row("C6", "WRONG AS PRINTED (population SD as a fraction, printed with a % sign)"), c6) == \
        "population SD as a fraction"
    assert cause.cause(row("C6", "REFUTED"), c6) == "no convention gives the printed numbers"
    dropout = claim("lora_statement", argument="lora_dropout", states="adapters")
    assert cause.cause(row("C5.dropout", "REFUTED (lora_dropout: ...)"), dropout) == \
        "reads lora_dropout as acting on A and B; peft: on the input x"
    alpha = claim("lora_statement", argument="lora_alpha", states="lora_alpha")
    assert cause.cause(row("C5.alpha", "REFUTED (x)", computed="measured scale 2 (stated lora_alpha = 32); y"),
                       alpha) == "reads lora_alpha as 'lora_alpha'; peft: measured scale 2 (stated lora_alpha = 32)"


def test_kinds_keep_not_stated_apart_from_needs_runs_and_marks_apart_from_reasons():
    assert cause.kind("NOT RUN (not stated in the report)") == "not stated"
    assert cause.kind(RUNS) == "needs runs"
    assert cause.kind("REPRODUCED (own delta 0.1)") == "REPRODUCED"
    assert cause.reason("REFUTED (beyond ±3; own alpha 0.49)") == "beyond ±3"
    assert cause.own_marks("HOLDS WITHIN ±3 (own alpha 0.49)") == ["own alpha 0.49"]
    mine = NS(relation="equivalence", params=NS(cells=("a", "b")), quote="q", differs={"alpha": (0.49, 0.05)})
    assert grade(row("C4", "HOLDS WITHIN ±3"), mine).own_rule == "own alpha 0.49"
    assert audit_table.cell(grade(row("C4", "HOLDS WITHIN ±3 (own alpha 0.49)"), mine)) == "HOLDS WITHIN ±3 [own alpha 0.49]"
    assert audit_table.brief("REPRODUCED (own delta 0.1)") == "REPRODUCED [own delta 0.1]"  # --fail-on's message


def _report(name, path, rows):
    return Audited(name, path, [g if isinstance(g, Graded) else grade(g, c) for g, c in rows], "| ledger |\n")


@pytest.fixture
def view():
    c1_swap = row("C1", "REFUTED (stated 22,807,525, formula 22,807,552)", "stated ...; readings that give the "
                  "stated total: the formula's 22,807,552 with two neighbouring digits swapped (a typo)",
                  {"stated_minus_formula": -27.0})
    reports = [
        _report("23-zoé-martin", "class/23-zoé-martin.toml", [
            (c1_swap, COUNT), (row("C2", RUNS.format(path="'class/23-zoé-martin.toml'")), None),
            (row("C3", "REPRODUCED"), C3), (row("C6", "NOT RUN (not stated in the report)"), None)]),
        _report("zoë", "other folder/zoë.toml", [
            (row("C1", "REPRODUCED"), COUNT), (row("C2", RUNS.format(path="'other folder/zoë.toml'")), None),
            (row("C3", "REFUTED (the gap is below 5 points)", "delta = 5", {"difference": -13.9}), C3),
            (row("C6", "WRONG AS PRINTED (population SD as a fraction, printed with a % sign)"),
             claim("aggregate"))]),
        Audited("gone", "class/gone.toml", error="class/gone.toml: not found"),
    ]
    return Audit(reports, claim_order([[r.claim for r in rep.rows] for rep in reports]))


def test_the_table_folds_what_no_file_decides_and_counts(view):
    head, rows = audit_table.table(view)
    assert head == ["report", "C1", "C3", "C6", "counts"], head
    assert rows[0] == ["23-zoé-martin", "REFUTED: digits swapped", "REPRODUCED", "not stated",
                       "1 reproduced, 1 refuted, 1 not stated, 1 needs runs"], rows[0]
    assert rows[1][2] == "REFUTED: random beats pretrained by 13.9", rows[1]
    assert rows[2][-1] == "NOT READ: class/gone.toml: not found", rows[2]
    note = audit_table.fold_note(view)
    assert note.startswith("C2: needs runs in every report") and "--claims FILE.toml --results" in note, note
    assert audit_table.claim_table(view) == (
        ["claim", "reproduced", "refuted", "wrong as printed", "not stated", "needs runs"],
        [["C1", "1", "1", "0", "0", "0"], ["C2", "0", "0", "0", "0", "2"], ["C3", "1", "1", "0", "0", "0"],
         ["C6", "0", "0", "1", "1", "0"]])


def test_csv_is_long_with_a_bom(view):
    text = audit_table.to_csv(view)
    assert text.startswith("\ufeffreport,path,claim,verdict,cause,statistic,quote,own rule\r\n"), text[:80]
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 4 + 4 + 1, rows
    first = rows[0]
    assert (first["report"], first["path"], first["claim"], first["cause"], first["quote"]) == (
        "23-zoé-martin", "class/23-zoé-martin.toml", "C1", "digits swapped", "the count quote"), first
    assert rows[-1]["verdict"] == "NOT READ" and rows[-1]["cause"] == "class/gone.toml: not found", rows[-1]


def test_json_carries_the_full_rows(view):
    payload = json.loads(audit_table.to_json(view))
    zoe = payload["reports"][1]
    assert zoe["name"] == "zoë" and zoe["counts"] == {"REPRODUCED": 1, "needs runs": 1, "REFUTED": 1,
                                                      "WRONG AS PRINTED": 1}, zoe
    c3 = zoe["rows"][2]
    assert {k: c3[k] for k in ("claim", "verdict", "cause", "kind", "quote")} == {
        "claim": "C3", "verdict": "REFUTED (the gap is below 5 points)", "cause": "random beats pretrained by 13.9",
        "kind": "REFUTED", "quote": "the superiority quote"}, c3
    assert payload["folded"] == ["C2"] and payload["reports"][2]["verdict"] == "NOT READ", payload


def test_names_keep_their_letters_and_the_path_tells_alike_apart():
    assert slug("23-zoé-martin") == "23-zoé-martin" and slug("bob smith") == "bob-smith"
    names = _names(["c/zoé.toml", "c/zoë.toml", "a/alice.toml", "b/alice.toml", "x/index.toml", "c/Zoé.toml",
                    "c/zoe\u0301.toml"])
    assert names == ["c-zoé", "zoë", "a-alice", "b-alice", "x-index", "c-Zoé-2", "c-zoé-3"], names
    assert len({n.casefold() for n in names}) == len(names)


def test_the_terminal_view_fits_100_columns_and_wraps_on_words(view):
    from harness.report.terminal import print_audit

    buf = io.StringIO()
    print_audit(view, file=buf, width=100)
    out = buf.getvalue()
    assert max(len(line) for line in out.splitlines()) <= 100, out
    words = set(re.findall(r"[\w±.,-]+", out))
    for w in ("REFUTED", "reproduced", "digits", "swapped", "random", "beats", "pretrained", "13.9", "23-zoé-martin",
              "NOT", "READ", "population"):
        assert w in words, (w, out)  # whole words: nothing folded mid-word
    assert "C2: needs runs in every report" in " ".join(out.split()), out


def test_the_html_cells_link_to_the_claims_rows(view):
    from harness.report.audit import index_html

    page = index_html(view)
    for rep in view.read:
        for r in rep.rows:
            assert f"id='{rep.name}--{r.claim}'" in page, (rep.name, r.claim)
    assert "<a href='#zoë--C3'>REFUTED: random beats pretrained by 13.9</a>" in page
    assert "table-layout:fixed" in page and "1 reproduced, 1 refuted, 1 not stated, 1 needs runs" in page
    assert "class='omitted'" in page and "<th>C2</th>" not in page and "C2: needs runs in every report" in page
