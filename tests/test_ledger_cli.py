"""``python -m harness ledger`` for a person and for CI: the short terminal table, Markdown in pipes,
``--fail-on`` (exit 1), an option given twice (exit 2), and bad input answered before torch."""

import subprocess
import sys

import pytest

from harness.__main__ import main as cli
from harness.claims import claimsfile, ledger
from tests.claims_files import write
from tests.faults import child_env


def test_not_a_terminal_gets_the_full_markdown(capsys):
    assert cli(["ledger"]) == 0
    out = capsys.readouterr().out
    assert out == ledger.to_markdown(ledger.build(claimsfile.load())), out


def test_the_terminal_table_is_short(capsys):
    assert cli(["ledger", "--format", "table"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "| claim |" not in out and "Claim ledger" in lines[0], out
    c6 = next(line for line in lines if "│ C6 " in line)
    assert "WRONG AS PRINTED" in c6 and "conventions tried" in c6, c6  # verdict and the statistic's first clause
    assert "reproduces every printed aggregate" not in out, "the statistic is cut to one clause"
    assert "tests/test_c6_report_arithmetic.py" not in out, "the test ids stay in the Markdown"


def test_fresh_rows_say_their_profile(tmp_path, capsys):
    from harness.claims.row import FRESH, Row
    from harness.report.terminal import claim_label

    row = Row("C3", "C3 on the suite's fresh runs, profile 'smoke', on ...", "-", "-", "REPRODUCED", "-", FRESH)
    assert claim_label(row) == "C3 (fresh, smoke)"


@pytest.mark.parametrize("fail_on, code", [("WRONG AS PRINTED", 1), ("refuted,wrong as printed", 1),
                                           ("REFUTED", 1), ("HOLDS WITHIN", 0), ("NOT ESTABLISHED", 1)])
def test_fail_on(capsys, fail_on, code):
    """The report's own verdicts: C4 NOT ESTABLISHED, C5.dropout and C5.bias REFUTED, C6 WRONG AS PRINTED."""
    assert cli(["ledger", "--fail-on", fail_on]) == code
    err = capsys.readouterr().err
    if code:
        assert err.startswith(f"--fail-on {fail_on.upper()}: ") and err.count("\n") == 1, err
        assert ("C6 WRONG AS PRINTED (population SD" in err) == ("WRONG" in fail_on.upper()), err
    else:
        assert err == "", err


@pytest.mark.parametrize("option", ["--claims", "--results", "--out"])
def test_an_option_given_twice_is_refused(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as info:
        cli(["ledger", option, "a", option, "b"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option} given twice (a and b): ") and err.count("\n") == 1, err
    if option == "--claims":
        assert "python -m harness audit FILE..." in err, err


def test_fail_on_with_an_unknown_verdict(capsys):
    assert cli(["ledger", "--fail-on", "PASSED"]) == 2
    assert capsys.readouterr().err.startswith("error: --fail-on: 'PASSED' is not a verdict; give one or more of")


def _imports(argv, tmp_path, how=("-m", "harness")) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *how, *argv], env=child_env(tmp_path / "c"),
                          capture_output=True, text=True, timeout=120)
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


HEAVY = {"torch", "fairseq", "transformers", "peft", "scipy", "matplotlib"}


def test_help_and_bad_input_import_nothing_heavy(tmp_path):
    bad = write(tmp_path / "bad.toml", "malformed")
    bad_expected = tmp_path / "smoke.fp32.json"
    bad_expected.write_text("{")
    for argv in (["--help"], ["ledger", "--claims", str(bad)], ["ledger", "--results", str(tmp_path / "none")],
                 ["audit", str(bad)], ["ledger", "--fail-on", "x"], ["doctor"],
                 ["gate", str(tmp_path), "--expected", str(bad_expected)]):
        heavy = HEAVY & _imports(argv, tmp_path)
        assert not heavy, f"{argv}: imports {sorted(heavy)}"
    assert "scipy" in _imports([], tmp_path, ("-c", "import harness.claims.stats")), "the check sees imports"
