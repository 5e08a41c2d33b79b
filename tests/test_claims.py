"""The claims file (schema 2, harness.claims.claimsfile): the report under test's reads; a bad or
incomplete one is one ConfigError naming, for each problem, the file, the key, what is wrong and the fix; a schema-1
file is refused with the command that upgrades it, and the upgrade keeps every verdict."""

import re

import pytest

from harness.claims import claimsfile, ledger, upgrade
from harness.core.config import ConfigError
from harness.core.paths import EXPECTED_DIR

SUITE = (EXPECTED_DIR / "report.toml").read_text()


def _file(tmp_path, text, name="report.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_report_under_test_reads_with_every_claim_and_its_rule():
    cf = claimsfile.load()
    assert cf.is_suite and cf.name == "expected/report.toml"
    assert [c.id for c in cf.claims] == ["C1", "C2", "C2b", "C3", "C4", "C5.r", "C5.alpha", "C5.target",
                                         "C5.dropout", "C5.bias", "C5.bias_none", "C5.task_type", "C6"]
    assert cf.claim("C3").params.delta == 5.0 and cf.claim("C4").params.margin == 3.0
    assert all(c.section and c.quote and c.checked_by for c in cf.claims), [c.id for c in cf.claims if not c.checked_by]


BAD = {
    "no schema": (lambda s: s.replace("schema = 2\n", ""), r"schema = None; fix: write schema = 2"),
    "unknown relation": (lambda s: s.replace('relation = "superiority"', 'relation = "better"'),
                         r"\(C3\): relation = 'better'; fix: use one of count, values"),
    "no quote": (lambda s: re.sub(r'quote = "As expected[^\n]*\n', "", s), r"\(C3\): quote: missing"),
    "repeated id": (lambda s: s.replace('id = "C5.bias_none"', 'id = "C5.bias"'), r"id 'C5.bias' repeats"),
    "wrong relation for an id": (lambda s: s.replace('relation = "equivalence"', 'relation = "superiority"'),
                                 None),
    "unknown cell": (lambda s: s.replace('[cells."hf.pretrained"]', '[cells."hf.large"]'),
                     r"\[cells.\"hf.large\"\]: unknown cell; fix: name it one of"),
    "a value short": (lambda s: s.replace("accuracy = [67.5, 68.1, 67.4]", "accuracy = [67.5, 68.1]"),
                      r"accuracy has 2 values for 3 seeds \[0, 1, 2\]; fix: give one value per seed"),
    "a repeated seed": (lambda s: s.replace("seeds = [0, 1, 2]\naccuracy = [67.5", "seeds = [0, 1, 1]\naccuracy = [67.5"),
                        r"seeds = \[0, 1, 1\] repeats a seed"),
    "fractions": (lambda s: s.replace("[67.5, 68.1, 67.4]", "[0.675, 0.681, 0.674]"),
                  r"are fractions, the claims file takes percentages; fix: write \[67.5, 68.1, 67.4\]"),
    "a fraction among percents": (lambda s: s.replace("[67.5, 68.1, 67.4]", "[66.0, 0.693, 68.8]"),
                                  r"0.693 is a fraction among percentages; fix: write 69.3"),
    "over 100": (lambda s: s.replace("[67.5, 68.1, 67.4]", "[67.5, 681, 67.4]"), r"681 is over 100"),
    "a missing claim": (lambda s: s.replace('id = "C6"', 'id = "C7"'), None),
    "a bad delta": (lambda s: s.replace("delta = 5.0", "delta = -1.0"), r"\(C3\): delta = -1.0; fix"),
    "an infinite margin": (lambda s: re.sub(r'margin = 3.0  # points: "consistent".*', "margin = inf", s),
                           r"\(C4\): margin = inf; fix: a margin in points, a finite number > 0"),
    "a cell compared with itself": (lambda s: s.replace('cells = ["hf.pretrained", "fairseq.pretrained"]',
                                                        'cells = ["hf.pretrained", "hf.pretrained"]'),
                                    r"\(C4\): cells = .* compares 'hf.pretrained' with itself; fix: name two"),
    "a cell without seeds": (lambda s: s.replace("seeds = [0, 1, 2]\naccuracy = [67.5, 68.1, 67.4]",
                                                 "seeds = []\naccuracy = []"), r"seeds = \[\] lists no seed; fix"),
    "a bad lora statement": (lambda s: s.replace('states = "input"', 'states = "x"').replace(
        'states = "adapters"  # "adapters": dropout', 'states = "everywhere"  # "adapters": dropout'),
        r"\(C5.dropout\): states = 'everywhere' for lora_dropout; fix: one of adapters, input"),
    "a fraction as a printed mean": (lambda s: s.replace('mean = "67.7%"', 'mean = "0.677%"'), r"printed mean"),
    "a printed number as a TOML float": (lambda s: s.replace('mean = "67.7%"', "mean = 67.7"),
                                         r"\(C6\): printed\[2\]\.mean = 67.7 is a TOML number"),
    "a non-finite printed number": (lambda s: s.replace('mean = "67.7%"', 'mean = "nan"'),
                                    r"\(C6\): printed\[2\]\.mean = 'nan' is not a number as printed"),
}


@pytest.mark.parametrize("damage, message", BAD.values(), ids=BAD.keys())
def test_a_bad_claims_file_is_one_error_naming_file_key_and_fix(tmp_path, damage, message):
    bad = damage(SUITE)
    assert bad != SUITE
    path = _file(tmp_path, bad)
    with pytest.raises(ConfigError) as err:
        claimsfile.load(path)
    text = str(err.value)
    for line in text.splitlines():  # every problem of the file at once, one line each
        assert line.startswith(str(path)) and ("fix" in line or "expected" in line), text
    if message:
        assert re.search(message, text), text


def test_a_claim_of_the_report_under_test_must_be_made_or_declared_not_stated(tmp_path):
    path = _file(tmp_path, SUITE.replace('id = "C6"', 'id = "C7"'))
    with pytest.raises(ConfigError, match=r"claim C6 \(aggregate, §2.1 Using fairseq\) is missing; fix: add a "
                                          r"\[\[claim\]\] with id = \"C6\", or list it in not_stated"):
        claimsfile.load(path)


def _without(text: str, prefix: str) -> str:
    """The file without its [[claim]] tables whose id starts with ``prefix``."""
    parts = text.split("\n[[claim]]\n")
    return "\n[[claim]]\n".join(p for p in parts if not re.match(rf'id = "{re.escape(prefix)}(\.|")', p))


def test_claims_the_report_does_not_make_are_not_run(tmp_path):
    """A report that skips Question 2 and prints no ±: its claims are declared, not invented."""
    text = _without(_without(SUITE, "C5"), "C6").replace("schema = 2\n", 'schema = 2\nnot_stated = ["C5", "C6"]\n')
    cf = claimsfile.load(_file(tmp_path, text))
    led = ledger.build(cf)
    not_stated = {r.claim: r.verdict for r in led.rows if not cf.claim(r.claim).stated}
    assert set(not_stated) == {"C5.r", "C5.alpha", "C5.target", "C5.dropout", "C5.bias", "C5.bias_none",
                               "C5.task_type", "C6"}
    assert set(not_stated.values()) == {"NOT RUN (not stated in the report)"}
    assert next(r for r in led.rows if r.claim == "C3").verdict == "REPRODUCED"


def test_not_stated_names_only_claims_of_the_report_under_test(tmp_path):
    path = _file(tmp_path, SUITE.replace("schema = 2\n", 'schema = 2\nnot_stated = ["C9"]\n'))
    with pytest.raises(ConfigError, match=r"not_stated names \['C9'\], not claims of the report under test"):
        claimsfile.load(path)


def test_rule_parameters_are_inherited_and_a_different_one_is_noted(tmp_path):
    text = SUITE.replace("delta = 5.0", "delta = 2.0").replace("margin = 3.0  # points: \"consistent\"", "# margin")
    cf = claimsfile.load(_file(tmp_path, text))
    assert cf.claim("C4").params.margin == 3.0 and "margin" in cf.claim("C4").inherited
    assert cf.claim("C3").differs == {"delta": (2.0, 5.0)}


def test_a_schema_1_file_is_refused_with_the_upgrade_command(tmp_path):
    old = _file(tmp_path, "[params]\nsection = 'x'\n[fairseq]\n[hf]\n[lora]\n", "old.toml")
    with pytest.raises(ConfigError, match=rf"{re.escape(str(old))}: a schema-1 claims file .*fix: upgrade it with "
                                          r"`python -m harness upgrade-claims .*old.toml --out NEW.toml`"):
        claimsfile.load(old)


SCHEMA_1 = """source = "a student's report"
[params]
section = "1 Question 1"
vocab_size = 32000
d_model = 512
d_ff = 512
max_positions = 256
layers = 4
stated_total = 22870552
[fairseq]
section = "2.1"
best_epoch = 5
best_updates = 1125
seeds = [0, 1, 2]
pretrained = [80.4, 79.1, 81.0]
random = [66.9, 68.0, 67.2]
stated_mean_pretrained = 80.2
stated_spread_pretrained = 0.8
stated_mean_random = 67.4
stated_spread_random = 0.5
claim = "The pretrained model is much better."
[hf]
section = "2.2"
seeds = [0, 1, 2]
pretrained = [79.5, 80.2, 80.9]
claim = "Consistent with fairseq."
[lora]
section = "Question 2"
scale = "lora_alpha / r"
target = "attention"
bias = "none"
bias_applies_to = "base_layers"
task_type = "CAUSAL_LM"
"""


def test_upgrade_writes_a_schema_2_file_with_the_same_numbers(tmp_path):
    new = upgrade.write(_file(tmp_path, SCHEMA_1, "old.toml"), tmp_path / "new.toml")
    cf = claimsfile.load(new)
    assert cf.cells["fairseq.random"].accuracy == (66.9, 68.0, 67.2)
    assert cf.claim("C1").params.total == 22870552 and cf.claim("C5.bias").params.states == "base_layers"
    assert cf.claim("C3").quote == "The pretrained model is much better." and cf.claim("C3").params.delta == 5.0
    rows = {r.claim: r.verdict for r in ledger.build(cf).rows}
    assert rows["C1"].startswith("REFUTED (stated 22,870,552") and rows["C5.bias"] == "REPRODUCED", rows
