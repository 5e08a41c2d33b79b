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
        assert "python -m harness audit --claims FILE..." in err, err


@pytest.mark.parametrize("verb", ["ledger", "audit"])
@pytest.mark.parametrize("names", ["PASSED", "REFUTEDX", "REFUTED;WRONG AS PRINTED", "REFUTED WRONG AS PRINTED",
                                   "REFUTED,", "NOT"])
def test_fail_on_with_an_unknown_verdict_is_an_error_listing_the_valid_ones(capsys, verb, names):
    """A typo never turns the gate into a silent pass (the report has REFUTED and WRONG AS PRINTED)."""
    argv = ["ledger"] if verb == "ledger" else ["audit", "--claims", "expected/report.toml"]
    code = cli([*argv, "--fail-on", names])
    err = capsys.readouterr().err
    if names == "REFUTED,":  # a trailing comma is harmless: REFUTED is a name
        assert code == 1, err
        return
    assert code == 2, err
    bad = " ".join(names.split(",")[0].split()).upper()
    assert err.startswith(f"error: --fail-on: {bad!r} is not a verdict") and err.count("\n") == 1, err
    assert "REPRODUCED, HOLDS WITHIN, NOT ESTABLISHED, REFUTED, WRONG AS PRINTED, NOT RUN, NOT READ" in err, err
    if ";" in names or " WRONG" in names:
        assert "(separate names with commas)" in err, err


def test_fail_on_matches_the_base_name_whatever_follows_it():
    from harness.claims.failon import base, failing, parse_fail_on

    names = parse_fail_on("reproduced, harness error")
    assert names == ("REPRODUCED", "HARNESS ERROR", "NOT READ"), names
    verdicts = {"C1": "REPRODUCED (own delta 0.1)", "C2": "REPRODUCEDX", "C3": "harness error: KeyError 'x', please "
                "report", "C4": "HOLDS WITHIN ±3 (own alpha 0.49)", "C5": "NOT READ (a.toml: not found)"}
    assert failing(verdicts, names) == [("C1", verdicts["C1"]), ("C3", verdicts["C3"]), ("C5", verdicts["C5"])]
    assert base("HOLDS WITHIN ±3 (own alpha 0.49)") == "HOLDS WITHIN" and base("REFUTEDX") == ""


@pytest.mark.parametrize("argv, message", [
    (["ledger", "--claims", "{tmp}"], "{tmp}: is a directory; --claims: a claims file is a file"),
    (["ledger", "--claims", "{tmp}/none.toml"], "{tmp}/none.toml: not found (--claims: a claims file)"),
    (["ledger", "--out", "{tmp}/f/x.md"], "{tmp}/f/x.md: --out cannot be written: {tmp}/f is a file, not a directory"),
    (["ledger", "--out", "{tmp}"], "{tmp}: --out is a directory; give a file path"),
    (["ledger", "--results", "{tmp}/f"], "{tmp}/f: is a file; --results: a results directory is a directory"),
    (["report", "--claims", "{tmp}", "--out", "{tmp}/r"], "{tmp}: is a directory; --claims: a claims file is a file"),
    (["audit", "/nonexistent"], "/nonexistent: not found"),
])
def test_a_bad_path_is_one_line_naming_it_and_nothing_is_written(tmp_path, capsys, argv, message):
    (tmp_path / "f").write_text("keep")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli([a.format(tmp=tmp_path) for a in argv]) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert lines[0] == f"error: {message.format(tmp=tmp_path)}" and out == "", (err, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before and (tmp_path / "f").read_text() == "keep"


HEAVY = {"torch", "fairseq", "transformers", "peft", "scipy", "matplotlib"}


# One interpreter runs each command line as ``python -m harness ARGV`` does (runpy, as ``-m``), one after
# the other, and writes the heavy packages loaded after each: what one command imports is in the union of
# what it and the ones before it loaded, so a heavy package absent after the last is absent from every one.
# Last, it imports a module that loads scipy: the check must see that one.
_EACH = """import json, runpy, sys
argvs, out, heavy, found = json.loads(sys.argv[1]), sys.argv[2], set(json.loads(sys.argv[3])), []
loaded = lambda: sorted(heavy & {m.split(".")[0] for m in sys.modules})
for argv in argvs:
    sys.argv = ["harness", *argv]
    try:
        runpy.run_module("harness", run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    found.append(loaded())
import harness.claims.stats
found.append(loaded())
open(out, "w").write(json.dumps(found))
"""


@pytest.mark.heavy  # an interpreter: what each command imports
def test_help_and_bad_input_import_nothing_heavy(tmp_path):
    import json

    bad = write(tmp_path / "bad.toml", "malformed")
    bad_expected = tmp_path / "smoke.fp32.json"
    bad_expected.write_text("{")
    argvs = (["--help"], ["ledger", "--claims", str(bad)], ["ledger", "--results", str(tmp_path / "none")],
             ["audit", str(bad)], ["ledger", "--fail-on", "x"], ["doctor"],
             ["gate", str(tmp_path), "--expected", str(bad_expected)])
    out = tmp_path / "heavy.json"
    proc = subprocess.run([sys.executable, "-c", _EACH, json.dumps(argvs), str(out), json.dumps(sorted(HEAVY))],
                          env=child_env(tmp_path / "c"), capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stderr[-2000:]
    *found, sees = json.loads(out.read_text())
    assert len(found) == len(argvs) and not any(found), {" ".join(a): f for a, f in zip(argvs, found) if f}
    assert "scipy" in sees, f"the check sees imports: {sees}"
