"""The student's path (issue 26, item 3): a claims file's errors all at once, each naming the file,
the claim and the fix (never an internal class name), with "did you mean" for a mistyped key; the
parameters of every relation documented in docs/ledger.md from the schema itself; ``encoder``,
``epoch`` and a C5 ``argument`` taken from the report under test (or the claim's id) unless given,
the row saying so; a C5 statement that is none of the checkable ones recorded and REFUTED; an
encoder that is not the lab's marked; a left-out position term read as such."""

import re

import pytest

from harness.claims import claimsfile, ledger, schema_doc
from harness.core.config import ConfigError
from harness.core.paths import EXPECTED_DIR, ROOT
from tests.claims_files import in_claim

SUITE = (EXPECTED_DIR / "report.toml").read_text()



def write(tmp_path, text):
    path = tmp_path / "student.toml"
    path.write_text(text)
    return path


def errors(tmp_path, text) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        claimsfile.load(path)
    lines = str(err.value).splitlines()
    for line in lines:  # every error: the file, what is wrong, the fix; no class of the harness
        assert line.startswith(str(path)) and "fix:" in line, line
        assert not re.search(r"\b(EncoderConfig|Count|Encoder|LoraStatement|Printed|Aggregate|Superiority)\b[.:(]",
                             line), line
    return lines


# --- all errors at once, with "did you mean" ------------------------------------------------------


def test_every_error_of_a_file_is_reported_at_once(tmp_path):
    text = SUITE.replace("accuracy = [67.5, 68.1, 67.4]", "acuracy = [67.5, 68.1, 67.4]")
    text = in_claim(text, "C3", "delta = 5.0", "detla = 5.0")
    text = re.sub(r'quote = "Which is consistent[^\n]*\n', "", text)
    text = text.replace("alpha = 0.05  #", "alpah = 0.05  #")
    lines = errors(tmp_path, text)
    assert len(lines) == 4, lines
    joined = "\n".join(lines)
    assert "[cells.\"fairseq.random\"]: unknown field 'acuracy' (did you mean 'accuracy'?)" in joined, joined
    assert "(C3): unknown field 'detla' (did you mean 'delta'?)" in joined, joined
    assert "(C4): quote: missing" in joined, joined
    assert "[rules]: unknown field 'alpah' (did you mean 'alpha'?)" in joined, joined


def test_a_mistyped_key_does_not_hide_a_bad_value_of_the_same_claim(tmp_path):
    text = in_claim(SUITE, "C4", "margin = 3.0", "margin = -3.0\nceels = []")
    joined = "\n".join(errors(tmp_path, text))
    assert "(C4): unknown field 'ceels' (did you mean 'cells'?)" in joined and "(C4): margin = -3.0; fix" in joined, joined


@pytest.mark.parametrize("old, new, said", [
    ('schema = 2\n', 'schema = 2\nnot_stats = ["C5"]\n', "unknown key 'not_stats' (did you mean 'not_stated'?)"),
    ("d_ff = 512", "dff = 512", "unknown field 'encoder.dff' (did you mean 'd_ff'?)"),
    ('{ cell = "fairseq.random", mean', '{ cel = "fairseq.random", mean', "unknown field 'printed[2].cel' (did you mean 'cell'?)"),
    ('relation = "superiority"', 'relation = "superiorty"', "relation = 'superiorty' (did you mean 'superiority'?)"),
    ('[cells."hf.pretrained"]', '[cells."hf.pretrianed"]', "unknown cell (did you mean 'hf.pretrained'?)"),
    ('argument = "lora_dropout"', 'argument = "dropout"', "argument = 'dropout' (did you mean 'lora_dropout'?)"),
    ('{ cell = "fairseq.random", mean', '{ cell = "fairseq.randm", mean', "(did you mean 'fairseq.random'?)"),
    ('states = "adapters"  # "adapters": bias', 'states = "adaptrs"  #', "states = 'adaptrs' for bias (did you mean 'adapters'?)"),
])
def test_a_mistyped_name_is_answered_with_the_name_meant(tmp_path, old, new, said):
    assert old in SUITE
    joined = "\n".join(errors(tmp_path, SUITE.replace(old, new, 1)))
    assert said in joined, joined


def test_an_unknown_cell_is_one_error_not_one_per_claim_that_uses_it(tmp_path):
    lines = errors(tmp_path, SUITE.replace('[cells."hf.pretrained"]', '[cells."hf.pretrianed"]'))
    assert len(lines) == 1, lines


@pytest.mark.parametrize("old, new, said", [
    ("max_positions = 256", "max_positions = 0", r"\(C1\): encoder\.max_positions = 0; fix: P, .*a positive integer"),
    ("d_model = 512", "d_model = 500", r"\(C1\): encoder\.d_model = 500 .*8 heads; fix: "),
    ('states = "lora_alpha / r"', 'states = "alpha over r"',
     r"\(C5\.alpha\): states = 'alpha over r'.*; fix: one of an expression in r and lora_alpha"),
    ('states = "attention"', 'states = ""', r"\(C5\.target\): states = '' states nothing; fix: one of a word"),
    ("total = 22807552", 'total = "22807552"', r"\(C1\)\.total: expected int, got '22807552'; fix: write the number without quotes"),
])
def test_an_error_names_the_file_the_claim_and_the_fix_never_a_class(tmp_path, old, new, said):
    joined = "\n".join(errors(tmp_path, SUITE.replace(old, new)))
    assert re.search(said, joined), joined


def test_a_missing_parameter_is_named_with_what_it_means(tmp_path):
    text = in_claim(SUITE, "C1", "total = 22807552\n", "")
    joined = "\n".join(errors(tmp_path, text))
    assert "(C1): total: missing (the stated number of parameters); fix: add total = " in joined, joined


# --- the parameters of every relation, documented from the schema ---------------------------------


def test_docs_ledger_has_the_table_of_every_relations_parameters_as_generated():
    docs = (ROOT / "docs" / "ledger.md").read_text()
    start, end = schema_doc.MARKERS
    assert start in docs and end in docs, f"docs/ledger.md lacks {start} ... {end}"
    shown = docs.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == schema_doc.table().strip(), ("docs/ledger.md's parameters table is not the schema's; "
                                                 "regenerate it: python -m harness.claims.schema_doc")


def test_the_docs_example_is_a_whole_claims_file_a_student_can_start_from(tmp_path):
    docs = (ROOT / "docs" / "ledger.md").read_text().split("## The claims file (schema 2)", 1)[1]
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    cf = claimsfile.load(write(tmp_path, example))
    v = {r.claim: r.verdict for r in ledger.build(cf).rows}
    assert v["C1"] == "REFUTED (stated 22,870,552, formula 22,807,552)" and v["C3"] == "REPRODUCED", v
    assert v["C4"] == "HOLDS WITHIN ±3" and v["C6"] == "REPRODUCED" and v["C5.r"] == "NOT RUN (not stated in the report)", v
    assert {"cells", "profile", "margin"} <= set(cf.claim("C2").inherited) and "epoch" in cf.claim("C2b").inherited


def test_the_table_names_every_parameter_of_every_relation():
    from harness.claims.schema import SCHEMAS

    text = schema_doc.table()
    for name, s in SCHEMAS.items():
        assert f"`{name}`" in text, name
        for f in s.params.__dataclass_fields__:
            assert f"`{f}`" in text, (name, f)
    assert "inherited" in text and "implied by the id" in text, text


# --- inherited unless given, and the row says so --------------------------------------------------


def test_encoder_epoch_and_an_implied_argument_need_not_be_written(tmp_path):
    text = re.sub(r"encoder = \{[^\n]*\n", "", SUITE)
    text = in_claim(text, "C2b", "epoch = 5\n", "")
    text = re.sub(r'argument = "[^"]*"\n', "", text)
    cf = claimsfile.load(write(tmp_path, text))
    suite = claimsfile.load()
    assert cf.claim("C1").params == suite.claim("C1").params and "encoder" in cf.claim("C1").inherited
    assert cf.claim("C2b").params.epoch == 5 and "epoch" in cf.claim("C2b").inherited
    assert {c.id: c.params.argument for c in cf.claims if c.relation == "lora_statement"} == \
        {c.id: c.params.argument for c in suite.claims if c.relation == "lora_statement"}
    row = ledger.report_row("C1", cf)
    assert row.verdict == "REPRODUCED", row.verdict
    assert "encoder inherited from the report under test (expected/report.toml)" in row.says, row.says
    c2b = ledger.report_row("C2b", cf)
    assert "epoch inherited from the report under test" in c2b.says, c2b.says


def test_an_encoder_given_in_part_takes_the_other_dims_from_the_report_under_test(tmp_path):
    text = re.sub(r"encoder = \{[^\n]*\n", "encoder = { d_ff = 1024 }\n", SUITE).replace("total = 22807552", "total = 24904704")
    claim = claimsfile.load(write(tmp_path, text)).claim("C1")
    assert claim.params.encoder.d_ff == 1024 and claim.params.encoder.layers == 4, claim.params
    assert "encoder.layers" in claim.inherited and "encoder.d_ff" not in claim.inherited, claim.inherited
    assert claim.differs["encoder"][0]["d_ff"] == 1024, claim.differs


def test_an_argument_is_implied_by_a_new_claims_id(tmp_path):
    text = SUITE + ('\n[[claim]]\nid = "C5.lora_dropout"\nsection = "3"\nquote = "dropout on A and B"\n'
                    'relation = "lora_statement"\nstates = "adapters"\n')
    cf = claimsfile.load(write(tmp_path, text))
    assert cf.claim("C5.lora_dropout").params.argument == "lora_dropout"


def test_an_argument_no_id_implies_is_asked_for_with_the_choices(tmp_path):
    text = SUITE + ('\n[[claim]]\nid = "C5.extra"\nsection = "3"\nquote = "q"\nrelation = "lora_statement"\n'
                    'states = "rank"\n')
    joined = "\n".join(errors(tmp_path, text))
    assert "(C5.extra): argument: missing (the LoraConfig argument the statement is about: r, lora_alpha" in joined, joined


# --- C5: the allowed statements in the error; a statement that is none of them --------------------


def test_the_allowed_c5_states_are_listed_in_the_error(tmp_path):
    joined = "\n".join(errors(tmp_path, in_claim(SUITE, "C5.r", 'states = "rank"', 'states = "layers"')))
    assert re.search(r"\(C5\.r\): states = 'layers' for r; fix: one of rank, or \"other: <the report's words>\" for a "
                     r"statement that is none of these \(judged REFUTED\)", joined), joined


def test_a_c5_statement_that_is_none_of_the_checkable_ones_is_recorded_and_refuted(tmp_path):
    text = in_claim(SUITE, "C5.r", 'states = "rank"', 'states = "other: r is the number of layers"')
    cf = claimsfile.load(write(tmp_path, text))
    row = ledger.report_row("C5.r", cf)
    assert row.verdict.startswith("REFUTED (r: the report says 'r is the number of layers', none of what r can "
                                  "be read as (rank); peft: r=16: on 24 adapted modules"), row.verdict
    assert "r is the number of layers" in row.says, row.says


# --- C1: an encoder that is not the lab's, a left-out position term --------------------------------


def test_an_encoder_that_is_not_the_labs_is_marked(tmp_path, monkeypatch):
    from harness.claims import parameters
    from harness.claims.relations import count

    monkeypatch.setattr(count, "fairseq_count", parameters.formula)  # fairseq's agreement is test_c1's; here: the mark
    total = 32000 * 512 + 258 * 512 + 4 * (2 * 2048 * 512 + 4 * 512 * 512)
    text = SUITE.replace("total = 22807552", f"total = {total}").replace("d_ff = 512", "d_ff = 2048")
    row = ledger.report_row("C1", claimsfile.load(write(tmp_path, text)))
    assert row.verdict == "REPRODUCED (own dims, not the lab's: d_ff = 2,048)", row.verdict


def test_a_left_out_position_term_is_read_as_such(tmp_path):
    stated = 22807552 - 258 * 512
    row = ledger.report_row("C1", claimsfile.load(write(tmp_path, SUITE.replace("total = 22807552", f"total = {stated}"))))
    assert "readings that give the stated total: positions left out (no (P+2)·d term)" in row.statistic, row.statistic
    assert "V = 31,742" not in row.statistic, row.statistic
