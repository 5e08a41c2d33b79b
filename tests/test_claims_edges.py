"""Claims at the edges (issue 25, items 1, 3, 4, 6, 7): a claims file that cannot mean anything is
refused at load naming the claim (or cell) and the fix, inherited parameters included; C6 reads the
report's printed characters (precision, its % sign) and rounds in decimal arithmetic; C3 says when
the other arm wins; the seed plan's interval uses the df of the variance the plan uses; a crash in
one evaluator is that claim's row, never the ledger's end nor a verdict."""

import re

import pytest

from harness.claims import claimsfile, ledger, power, relations
from harness.claims.relations import superiority
from harness.core.config import ConfigError
from harness.core.paths import EXPECTED_DIR
from tests.claims_files import in_claim

SUITE = (EXPECTED_DIR / "report.toml").read_text()
C6_PRINTED = re.search(r"printed = \[.*?\n\]\n", SUITE, re.DOTALL).group(0)



def load(tmp_path, text):
    path = tmp_path / "student.toml"
    path.write_text(text)
    return claimsfile.load(path)


def refused(tmp_path, text, *patterns):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    msg = str(err.value)
    assert "\n" not in msg and "fix:" in msg, msg
    for pattern in patterns:
        assert re.search(pattern, msg), (pattern, msg)
    return msg


# --- item 3: claims that cannot mean anything are refused at load --------------------------------


@pytest.mark.parametrize("cid, cells", [("C4", '["hf.pretrained", "fairseq.pretrained"]'),
                                        ("C3", '["fairseq.pretrained", "fairseq.random"]')])
def test_a_cell_compared_with_itself_is_refused(tmp_path, cid, cells):
    same = '["fairseq.pretrained", "fairseq.pretrained"]'
    text = in_claim(SUITE, cid, f"cells = {cells}", f"cells = {same}")
    if cid == "C3":
        text = in_claim(text, "C3", 'learned = "fairseq.random"', 'learned = ""')
    refused(tmp_path, text, rf"\({cid}\)", "with itself", "fix: name two different cells")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0.0", "-2.0"])
@pytest.mark.parametrize("cid, key, old", [("C3", "delta", "delta = 5.0"), ("C4", "margin", "margin = 3.0"),
                                           ("C2", "margin", "margin = 3.0")])
def test_a_margin_or_delta_that_is_not_a_positive_number_is_refused(tmp_path, cid, key, old, value):
    refused(tmp_path, in_claim(SUITE, cid, old, f"{key} = {value}"), rf"\({cid}\): {key} = ", "fix: a .* in points")


def test_a_cell_without_seeds_is_refused(tmp_path):
    text = SUITE.replace("seeds = [0, 1, 2]\naccuracy = [79.9, 79.0, 81.1]", "seeds = []\naccuracy = []")
    refused(tmp_path, text, r'\[cells."hf.pretrained"\]: seeds = \[\] lists no seed; fix')


def test_an_inherited_parameter_that_fails_says_it_was_inherited(tmp_path):
    """The student's C3 compares the HF cells and never writes `learned`: the error must not read as
    if they had written learned = 'fairseq.random'."""
    text = SUITE.replace('[cells."hf.pretrained"]', '[cells."hf.random"]\nsection = "2.2"\nseeds = [0, 1, 2]\n'
                                                    'accuracy = [60.0, 61.0, 62.0]\n\n[cells."hf.pretrained"]')
    text = in_claim(text, "C3", 'cells = ["fairseq.pretrained", "fairseq.random"]', 'cells = ["hf.pretrained", "hf.random"]')
    text = re.sub(r'learned = "fairseq.random".*\n', "", text)
    msg = refused(tmp_path, text, r"\(C3\)", "inherited from the report under test", r"fix: .*learned = ")
    assert "hf.random" in msg, msg


# --- item 7: non-finite numbers are refused naming the field --------------------------------------


@pytest.mark.parametrize("old, new, field", [
    ('mean = "67.7%"', 'mean = "nan"', "mean"), ('spread = "0.003%"', 'spread = "inf%"', "spread"),
    ('mean = "67.7%"', "mean = nan", "mean"), ('spread = "0.003%"', "spread = inf", "spread"),
])
def test_a_non_finite_printed_number_is_refused_naming_the_field(tmp_path, old, new, field):
    refused(tmp_path, SUITE.replace(old, new), rf"\(C6\): printed\[2\]\.{field} = ")


def test_an_infinite_accuracy_is_refused(tmp_path):
    refused(tmp_path, SUITE.replace("[67.5, 68.1, 67.4]", "[67.5, inf, 67.4]"), r"fairseq.random.*accuracy.*inf")


# --- item 1: C6 reads the report's characters ------------------------------------------------------


def c6(tmp_path, pretrained, random, printed):
    """C6's row on a file whose fairseq cells and printed aggregates are these."""
    text = SUITE.replace("[79.9, 80.0, 83.5]", str(pretrained)).replace("[67.5, 68.1, 67.4]", str(random))
    entries = ",\n".join(f'  {{ cell = "fairseq.{c}", mean = "{m}", spread = "{s}" }}'
                         for c, (m, s) in zip(("pretrained", "random"), printed))
    quote = " and ".join(f"{m} (± {s})" for m, s in printed)
    text = text.replace(C6_PRINTED, f"printed = [\n{entries},\n]\n")
    text = in_claim(text, "C6", re.search(r'quote = "Which yields a mean[^\n]*', SUITE).group(0), f'quote = "{quote}"')
    return ledger.report_row("C6", load(tmp_path, text))


RANDOM = [67.5, 68.1, 67.4]  # mean 67.67; population SD 0.31, sample SD 0.38; SE 0.18 / 0.22 points


@pytest.mark.parametrize("pretrained, printed, random_spread, verdict", [
    ([78.0, 79.5, 81.0], ("80.0%", "1.0%"), "0.3%", "REFUTED"),  # mean 79.5: "80.0" has one decimal, not none
    ([78.0, 79.5, 81.0], ("79.5%", "1.2%"), "0.3%", "REPRODUCED"),  # population SD 1.22
    ([79.9, 80.0, 80.25], ("80.1%", "0.1%"), "0.3%", "REPRODUCED"),  # exact mean 80.05, half up
    ([79.9, 80.0, 80.25], ("80.0%", "0.1%"), "0.3%", "REPRODUCED"),  # half to even
    ([79.9, 80.0, 80.25], ("80.2%", "0.1%"), "0.3%", "REFUTED"),
    ([79.9, 80.0, 83.5], ("81.1%", "1.18%"), "0.22%", "REPRODUCED"),  # SE: sample SD / sqrt(3)
    ([79.9, 80.0, 83.5], ("81.1%", "0.97%"), "0.18%", "REPRODUCED"),  # SE: population SD / sqrt(3)
    ([79.9, 80.0, 83.5], ("81.1%", "1.18%"), "0.3%", "REFUTED"),  # one convention for both spreads
    ([79.9, 80.0, 83.5], ("81.10%", "1.67%"), "0.3%", "REFUTED"),  # 81.133 is not 81.10 at two decimals
])
def test_c6_precision_and_rounding_come_from_the_printed_characters(tmp_path, pretrained, printed, random_spread,
                                                                    verdict):
    row = c6(tmp_path, pretrained, RANDOM, (printed, ("67.7%", random_spread)))
    assert row.verdict.startswith(verdict), (row.verdict, row.statistic)


def test_c6_names_the_standard_error_it_found(tmp_path):
    row = c6(tmp_path, [79.9, 80.0, 83.5], [67.5, 68.1, 67.4], (("81.1%", "1.18%"), ("67.7%", "0.22%")))
    assert row.verdict == "REPRODUCED" and "SE (sample SD/√n) in points" in row.statistic, row.statistic


def test_c6_never_invents_a_percent_sign(tmp_path):
    row = c6(tmp_path, [79.9, 80.0, 83.5], [67.5, 68.1, 67.4], (("81.1%", "0.02"), ("67.7%", "0.003")))
    assert '"81.1% (± 0.02)"' in row.says and "± 0.02%" not in row.says, row.says
    assert row.verdict.startswith("WRONG AS PRINTED") and "% sign" not in row.verdict, row.verdict
    with_sign = c6(tmp_path, [79.9, 80.0, 83.5], [67.5, 68.1, 67.4], (("81.1%", "0.02%"), ("67.7%", "0.003%")))
    assert "printed with a % sign" in with_sign.verdict, with_sign.verdict


def test_a_printed_number_without_its_characters_is_refused_with_the_fix(tmp_path):
    text = SUITE.replace('mean = "81.1%", spread = "0.02%"', "mean = 80.0, spread = 0.02")
    refused(tmp_path, text, r"\(C6\): printed\[1\]\.mean = 80\.0 is a TOML number", r'fix: .*mean = "80\.0%"')


# --- item 4: C3 says when the other arm wins --------------------------------------------------------


def test_a_reversed_superiority_says_who_wins_and_by_how_much():
    params = claimsfile.load().claim("C3").params
    a, b = {0: 66.0, 1: 66.5, 2: 66.4}, {0: 80.0, 1: 80.2, 2: 80.4}
    verdict = superiority.judge(a, b, params, 0.05)[0]
    assert verdict == "REFUTED (fairseq.random beats fairseq.pretrained by 13.9 points)", verdict
    level = superiority.judge({0: 79.0, 1: 81.0, 2: 80.0}, {0: 80.5, 1: 79.5, 2: 80.3}, params, 0.05)[0]
    assert level.startswith("REFUTED (the gap is below 5 points") and "beats" not in level, level


# --- item 6: the plan's interval uses the df of the variance it plans with -------------------------


def test_the_plans_interval_uses_welch_satterthwaite_df():
    plan = power.plan([79.9, 79.0, 81.1], [79.9, 80.0, 83.5], 3.0, 0.05, 0.8)
    assert plan.df == pytest.approx(2.99, abs=0.005), plan
    assert "(4 to 72 across the 95% CI of the seed SD, Welch–Satterthwaite df 2.99)" in plan.describe(), plan.describe()


def test_a_plan_with_a_constant_arm_claims_no_interval():
    plan = power.plan([80.0, 80.0, 80.0], [79.9, 80.0, 83.5], 3.0, 0.05, 0.8, ("hf.pretrained", "fairseq.pretrained"))
    text = plan.describe()
    assert " df" not in text and "hf.pretrained" in text and "SD 0" in text, text
    assert "no interval" in text, text


# --- item 7: an unexpected exception is that claim's row -------------------------------------------


def test_a_crash_inside_one_evaluator_is_that_claims_row(monkeypatch):
    def boom(claim, ctx):
        raise KeyError("lost")

    monkeypatch.setattr(relations.RELATIONS["superiority"], "report_rows", boom)
    rows = {r.claim: r.verdict for r in ledger.build(claimsfile.load()).rows}
    assert rows["C3"].startswith("HARNESS ERROR (KeyError: 'lost'") and rows["C3"].endswith("please report)"), rows
    assert rows["C4"] == "NOT ESTABLISHED at ±3" and len(rows) == 13, rows


@pytest.fixture
def c3_raises(monkeypatch):
    def boom(claim, ctx):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(relations.RELATIONS["superiority"], "report_rows", boom)


def test_a_harness_error_exits_3_from_ledger_unless_fail_on_applies(c3_raises, capsys):
    from harness.__main__ import main as cli

    assert cli(["ledger", "--format", "markdown"]) == 3
    out, err = capsys.readouterr()
    assert "HARNESS ERROR (ZeroDivisionError" in out and "exit 3" in err and "C3" in err, err
    assert "| C4 |" in out and "| C6 |" in out, out  # the other claims are judged
    assert cli(["ledger", "--format", "markdown", "--fail-on", "WRONG AS PRINTED"]) == 1  # --fail-on first


def test_audit_keeps_a_files_other_verdicts_and_exits_3(c3_raises, tmp_path, capsys):
    from harness.__main__ import main as cli

    (tmp_path / "a.toml").write_text(SUITE)
    assert cli(["audit", str(tmp_path / "a.toml"), "--format", "json"]) == 3
    out = capsys.readouterr().out
    import json

    report = json.loads(out)["reports"][0]
    verdicts = {k: (v["verdict"] if isinstance(v, dict) else v) for k, v in report["verdicts"].items()}
    assert verdicts["C3"].startswith("HARNESS ERROR") and verdicts["C6"].startswith("WRONG AS PRINTED"), verdicts
    assert len(verdicts) == 13, verdicts


@pytest.mark.parametrize("quote, message", [
    ("Which yields a mean test accuracy of 81.1% (± 0.02) for the pretrained model and 67.7% (± 0.003%)",
     r'printed\[1\]\.spread = "0\.02%", but the quote prints it "0\.02"'),
    ("Which yields a mean test accuracy of 81.10% (± 0.02%) for the pretrained model and 67.7% (± 0.003%)",
     r'printed\[1\]\.mean = "81\.1%", but the quote prints it "81\.10%"'),
])
def test_printed_characters_that_the_quote_prints_otherwise_are_refused(tmp_path, quote, message):
    """Where the quote holds the printed number, its characters (digits, % sign) must be the file's."""
    old = re.search(r'quote = "Which yields a mean[^\n]*', SUITE).group(0)
    refused(tmp_path, in_claim(SUITE, "C6", old, f'quote = "{quote}."'), r"\(C6\): " + message, "fix: ")


def test_c4s_row_with_a_constant_arm_claims_no_df(tmp_path):
    row = ledger.report_row("C4", load(tmp_path, SUITE.replace("[79.9, 79.0, 81.1]", "[80.0, 80.0, 80.0]")))
    assert "no interval: hf.pretrained's seeds are all equal, SD 0" in row.computed and " df" not in row.computed, row
