"""harness.claims: a malformed or incomplete claims file is one ConfigError naming file and field."""

import re

import pytest

from harness import EXPECTED_DIR
from harness.claims import load_report, load_thresholds
from harness.config import ConfigError

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


@pytest.mark.parametrize(
    "pattern, replacement, message",
    [
        (r"^stated_total = .*$", "", r"params: missing required field 'stated_total'"),
        (r"^layers = 4$", 'layers = "4"', r"params\.layers: expected int"),
        (r"^random = .*$", "random = [67.5, 68.1]", r"fairseq\.random has 2 values for 3 seeds"),
        (r"^pretrained = \[79.9.*$", "pretrained = [0.799, 0.8, 0.835]", r"fairseq\.pretrained: .* look like fractions"),
        (r"^pretrained = \[79.9.*$", "pretrained = [79.9, 180.0, 83.5]", r"fairseq\.pretrained: accuracies must be percentages"),
        (r"^pretrained = \[79.9.*$", "pretrained = [nan, 80.0, 83.5]", r"fairseq\.pretrained: accuracies must be percentages"),
        (r"^seeds = \[0, 1, 2\]$", "seeds = [0, 1, 1]", r"fairseq\.seeds: repeated seeds"),
        (r"^best_epoch = 5$", "best_epcoh = 5", r"fairseq: unknown field\(s\) best_epcoh"),
        (r"(?s)^\[hf\].*?(?=^\[lora\])", "", r"missing required field 'hf'"),
        (r"^source = .*$", "source = [", r"not valid TOML"),
    ],
)
def test_malformed_report_names_file_and_field(tmp_path, pattern, replacement, message):
    path = tmp_path / "student.toml"
    path.write_text(_edit(REPORT_TOML, pattern, replacement))
    with pytest.raises(ConfigError, match=message) as info:
        load_report(path)
    assert str(path) in str(info.value), info.value


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
