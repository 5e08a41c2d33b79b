"""harness.claims: a malformed or incomplete claims file is one ConfigError naming file and field."""

import re

import pytest

from harness.core.paths import EXPECTED_DIR
from harness.claims.expected import load_report, load_thresholds
from harness.core.config import ConfigError

REPORT_TOML = (EXPECTED_DIR / "report.toml").read_text()
THRESHOLDS_TOML = (EXPECTED_DIR / "thresholds.toml").read_text()


def _edit(text: str, pattern: str, replacement: str) -> str:
    edited, n = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert n == 1, f"pattern {pattern!r} not found"
    return edited


def test_the_report_loads_with_every_claim():
    r = load_report()
    assert len(r.fairseq.pretrained) == len(r.fairseq.random) == len(r.fairseq.seeds)
    assert len(r.hf.pretrained) == len(r.hf.seeds)
    assert all(s.section for s in (r.params, r.fairseq, r.hf, r.lora))


# docs/bad-input.md, "## Claims file": one row per case, the same order. Each error names the
# file, the key, and the fix.
CLAIMS_FILE_ROWS = [
    ("missing key", r"^stated_total = .*$", "",
     r"\[params\] stated_total: missing; fix: add 'stated_total = <an integer>' under \[params\]"),
    ("wrong type (a string for an integer)", r"^layers = 4$", 'layers = "4"',
     r"\[params\] layers = '4': expected an integer; fix: write layers = <an integer> \(no quotes\)"),
    ("wrong type (a number for a list)", r"^random = .*$", "random = 67.5",
     r"\[fairseq\] random = 67.5: expected a list of numbers; fix: write random = \[\.\.\.\]"),
    ("wrong type (a list for a string)", r"^claim = \"As expected.*$", "claim = [1]",
     r"\[fairseq\] claim = \[1\]: expected a string; fix: write claim = \"...\""),
    ("percentage over 100", r"^pretrained = \[79.9.*$", "pretrained = [79.9, 180.0, 83.5]",
     r"\[fairseq\] pretrained: 180\.0 is over 100; accuracies are percentages \(0-100\), e\.g\. 79\.9 for 79\.9%; fix: "),
    ("negative accuracy", r"^pretrained = \[79.9.*$", "pretrained = [79.9, -80.0, 83.5]",
     r"\[fairseq\] pretrained: -80\.0 is below 0; accuracies are percentages \(0-100\)"),
    ("not a number (nan)", r"^pretrained = \[79.9.*$", "pretrained = [nan, 80.0, 83.5]",
     r"\[fairseq\] pretrained: nan is not a number; accuracies are percentages \(0-100\)"),
    ("accuracies as fractions", r"^pretrained = \[79.9.*$", "pretrained = [0.799, 0.8, 0.835]",
     r"\[fairseq\] pretrained = \[0\.799, 0\.8, 0\.835\] are fractions, the claims file takes percentages; "
     r"fix: write pretrained = \[79\.9, 80\.0, 83\.5\]"),
    ("stated mean as a fraction", r"^stated_mean_pretrained = .*$", "stated_mean_pretrained = 0.811",
     r"\[fairseq\] stated_mean_pretrained = 0\.811 is a fraction, the claims file takes percentages; "
     r"fix: write stated_mean_pretrained = 81\.1"),
    ("fewer values than seeds", r"^random = .*$", "random = [67.5, 68.1]",
     r"\[fairseq\] random has 2 values for 3 seeds \[0, 1, 2\]; fix: give one value per seed, in the order of \[fairseq\] seeds"),
    ("seed list longer than the values", r"(?s)(\[hf\].*?)^seeds = \[0, 1, 2\]$", r"\1seeds = [0, 1, 2, 3]",
     r"\[hf\] pretrained has 3 values for 4 seeds \[0, 1, 2, 3\]; fix: give one value per seed"),
    ("repeated seeds", r"^seeds = \[0, 1, 2\]$", "seeds = [0, 1, 1]",
     r"\[fairseq\] seeds = \[0, 1, 1\]: seed 1 repeats; fix: list each seed once"),
    ("unknown key", r"^best_epoch = 5$", "best_epcoh = 5",
     r"\[fairseq\] best_epcoh: unknown key; fix: remove it or correct its name \(keys: section, seeds, pretrained"),
    ("unknown section", r"^source = (.*)$", r"source = \1\n[extra]\nx = 1",
     r"unknown section \[extra\]; fix: remove it or rename it to one of \[params\], \[fairseq\], \[hf\], \[lora\]"),
    ("missing section", r"(?s)^\[hf\].*?(?=^\[lora\])", "",
     r"missing section \[hf\]; fix: add \[hf\] with its keys \(docs/ledger\.md, the claims file\)"),
    ("unknown bias meaning", r"^bias_applies_to = .*$", 'bias_applies_to = "A and B"',
     r"\[lora\] bias_applies_to = 'A and B': expected one of 'adapters', 'base_layers'; fix: write "),
    ("not TOML", r"^source = .*$", "source = [", r"not valid TOML \(.*\); fix: correct the TOML syntax there"),
]


@pytest.mark.parametrize("what, pattern, replacement, message", CLAIMS_FILE_ROWS, ids=[r[0] for r in CLAIMS_FILE_ROWS])
def test_bad_claims_file_is_one_error_naming_file_key_and_fix(tmp_path, capsys, what, pattern, replacement, message):
    from harness.__main__ import main as cli

    path = tmp_path / "student.toml"
    path.write_text(_edit(REPORT_TOML, pattern, replacement))
    with pytest.raises(ConfigError, match=message) as info:
        load_report(path)
    assert str(info.value).startswith(f"{path}: "), info.value
    assert cli(["ledger", "--claims", str(path)]) == 2, what
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and "Traceback" not in err and err.count("\n") == 1, err


def test_bad_input_doc_lists_every_claims_file_row():
    doc = (EXPECTED_DIR.parent / "docs" / "bad-input.md").read_text()
    section = doc.split("## Claims file", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| input")]
    assert [r.split(" | ")[0].removeprefix("| ") for r in rows] == [r[0] for r in CLAIMS_FILE_ROWS], rows


def test_missing_claims_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found") as info:
        load_report(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value)


def test_thresholds_ignore_other_sections(tmp_path):
    path = tmp_path / "thresholds.toml"
    path.write_text(THRESHOLDS_TOML + "\n[gate]\naccuracy_points = 1.0\n")
    assert load_thresholds(path) == load_thresholds()


@pytest.mark.parametrize(
    "pattern, replacement, message",
    [
        (r"^\[effect\][^\[]*", "", r"missing section\(s\) \[effect\]"),
        (r"^margin = .*$", "margin = 4.0", r"equivalence\.margin 4\.0 is not on the ladder"),
        (r"^ladder = .*$", "ladder = [5.0, 3.0]", r"equivalence\.ladder must be positive margins, narrowest first"),
        (r"^alpha = .*$", "alpha = 0.7", r"significance\.alpha must be in"),
        (r"^power = .*$", 'power = "high"', r"equivalence\.power: expected float"),
    ],
)
def test_malformed_thresholds_name_file_and_field(tmp_path, pattern, replacement, message):
    path = tmp_path / "thresholds.toml"
    path.write_text(_edit(THRESHOLDS_TOML, pattern, replacement))
    with pytest.raises(ConfigError, match=message) as info:
        load_thresholds(path)
    assert str(path) in str(info.value), info.value
