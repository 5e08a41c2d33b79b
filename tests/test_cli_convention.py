"""One CLI convention (docs/cli.md): ``--results``, ``--claims``, ``--expected`` and ``--format`` mean
the same in every verb; the old spellings still work, with a note; a missing path is "not found";
printed commands quote their paths; ``upgrade-claims`` writes only a file that validates; ``report
--claims`` without results draws Figure 1 from the claims alone. In-process and cheap: the verbs'
own parsers, and ledgers of the report under test (facts cached)."""

import argparse
import json

import pytest

from harness.__main__ import main as cli
from harness.claims import claimsfile, ledger, upgrade
from harness.core.config import ConfigError
from tests.test_claims import SCHEMA_1

FORMATS = ["auto", "table", "markdown", "csv", "json"]


def _options(verb: str) -> dict[str, argparse.Action]:
    import importlib

    parser = argparse.ArgumentParser()
    importlib.import_module(f"harness.cli.{verb.replace('-', '_')}").add_arguments(parser)
    return {o: a for a in parser._actions for o in a.option_strings}


def test_the_shared_flags_mean_the_same_in_every_verb():
    verbs = {v: _options(v) for v in ("ledger", "audit", "gate", "report")}
    for verb, needs in {"ledger": ("--results", "--claims", "--format"), "audit": ("--claims", "--format"),
                        "gate": ("--results", "--expected", "--format"), "report": ("--results", "--claims")}.items():
        missing = [f for f in needs if f not in verbs[verb]]
        assert not missing, (verb, missing)
    assert verbs["gate"]["--expected"].default == "expected/results"
    for verb, opts in verbs.items():
        if "--format" in opts:
            choices = list(opts["--format"].choices)
            assert choices == [f for f in FORMATS if f in choices], (verb, choices)  # one vocabulary, one order
    assert list(verbs["ledger"]["--format"].choices) == FORMATS == list(verbs["audit"]["--format"].choices)
    assert {a.metavar for v in verbs.values() for o, a in v.items() if o == "--results"} == {"DIR"}


@pytest.mark.parametrize("argv, error", [
    (["gate", "{tmp}/none"], "{tmp}/none: results directory not found"),
    (["report", "{tmp}/none", "--out", "{tmp}/out"], "{tmp}/none: results directory not found"),
    (["gate", "{tmp}/a", "--results", "{tmp}/b"], "RESULTS given twice ({tmp}/a and --results {tmp}/b); give it once, "
                                                  "as --results"),
    (["gate", "--results", "{tmp}/none", "--format", "text"], "{tmp}/none: results directory not found"),
])
def test_old_spellings_still_work_with_a_note(tmp_path, capsys, argv, error):
    assert cli([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"error: {error.format(tmp=tmp_path)}", err
    old = "--format text is the old spelling of --format table" if "text" in argv else \
        "RESULTS without --results is the old spelling; write --results RESULTS"
    if "twice" not in error:
        assert err[0] == f"note: {old}", err
    assert not (tmp_path / "out").exists()


def test_audit_takes_claims_positionally_with_a_note(capsys, monkeypatch):
    from types import SimpleNamespace

    from harness.claims import audit

    monkeypatch.setattr(audit, "rows_for", lambda path, load=None: (  # the CLI's parsing, not the ledger
        [SimpleNamespace(claim="C1", verdict="REPRODUCED")], "| C1 | REPRODUCED |\n"))
    assert cli(["audit", "expected/report.toml", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == "note: CLAIMS without --claims is the old spelling; write --claims CLAIMS\n", err
    assert json.loads(out)["reports"][0]["name"] == "report"


@pytest.mark.parametrize("argv", [["ledger", "--claims", "{tmp}/none.toml"], ["audit", "--claims", "{tmp}/none"],
                                  ["gate", "--results", "{tmp}/none"], ["report", "--claims", "{tmp}/none.toml"],
                                  ["upgrade-claims", "{tmp}/none.toml", "--out", "{tmp}/new.toml"]])
def test_a_missing_path_is_not_found(tmp_path, capsys, argv):
    assert cli([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}/none" in err and "not found" in err and "directory with no" not in err, err


def test_printed_commands_quote_their_paths(tmp_path):
    folder = tmp_path / "my class"
    folder.mkdir()
    (folder / "zoé's report.toml").write_text(claimsfile.SUITE.read_text())
    path = folder / "zoé's report.toml"
    c2 = ledger.report_row("C2", claimsfile.load(path)).verdict
    quoted = "'" + str(path).replace("'", "'\"'\"'") + "'"
    assert f"python -m harness ledger --claims {quoted} --results out-lab/results" in c2, c2


def test_the_upgrade_and_regeneration_hints_quote_their_paths(tmp_path):
    from harness.gate.expected import load_expected

    folder = tmp_path / "my class"
    folder.mkdir()
    (folder / "old one.toml").write_text(SCHEMA_1)
    with pytest.raises(ConfigError) as err:
        claimsfile.load(folder / "old one.toml")
    assert f"upgrade-claims '{folder / 'old one.toml'}' --out NEW.toml" in str(err.value), err.value
    (folder / "smoke.fp32.json").write_text('{"schema": -1}')
    with pytest.raises(ConfigError) as err:
        load_expected(folder / "smoke.fp32.json")
    assert f"--regen A B --expected '{folder}/'" in str(err.value), err.value


def test_the_ledger_prints_csv_and_json_rows(capsys):
    assert cli(["ledger", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffreport,path,claim,verdict,cause,statistic,quote,own rule\r\n"), out[:90]
    assert ',C6,"WRONG AS PRINTED (population SD as a fraction' in out and ",population SD as a fraction," in out
    assert cli(["ledger", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["reports"][0]["rows"]
    assert [r["claim"] for r in rows][:3] == ["C1", "C2", "C2b"] and rows[0]["quote"], rows[0]


def test_upgrade_writes_only_a_file_that_validates(tmp_path, capsys):
    old = tmp_path / "old.toml"
    old.write_text(SCHEMA_1.replace("layers = 4", 'layers = "4"'))
    with pytest.raises(ConfigError, match=r"new\.toml.*layers.*\(.*new\.toml not written\)"):
        upgrade.write(old, tmp_path / "new.toml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.toml"], "no output, no temporary file left"
    old.write_text(SCHEMA_1)
    assert cli(["upgrade-claims", str(old), "--out", str(tmp_path / "my new.toml")]) == 0
    assert f"python -m harness ledger --claims '{tmp_path / 'my new.toml'}'" in capsys.readouterr().out


def test_report_from_the_claims_alone_draws_figure_1_with_the_source_in_the_legend(tmp_path, capsys):
    from harness.report import figures

    stated = {("fairseq", "pretrained"): {0: 79.9, 1: 80.0, 2: 83.5}, ("fairseq", "random"): {0: 67.5, 1: 68.1, 2: 67.4}}
    ax = figures.figure1({}, stated, "t", source="23-zoé-martin.pdf").axes[0]
    legend = ax.get_legend()
    assert "23-zoé-martin.pdf" in legend.get_title().get_text()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["chance (binary)", "the report: fairseq pretrained", "the report: fairseq random"], labels
    assert not [c for c in ax.containers if "reproduction" in str(c.get_label())]
    assert cli(["report", "--claims", str(claimsfile.SUITE), "--out", str(tmp_path / "out")]) == 0
    md = (tmp_path / "out" / "report.md").read_text()
    assert "figure1-claims.png" in md and "Results: none given" in md and (tmp_path / "out" / "figure1-claims.png").exists()
