"""harness.claims.ledger: one row per claim, each judged by its relation; the suite's fresh runs in a
section of their own; every row names what checks it; C2 and C2b only on the report's own files;
results directories checked; the CLI's Markdown written atomically."""

import re
import shutil
from pathlib import Path

import pytest

from harness.__main__ import main as cli
from harness.claims import claimsfile, ledger, stats
from harness.claims.row import FRESH, REPORT, Row
from harness.core import env
from harness.core.config import ConfigError
from harness.core.paths import ROOT
from harness.core.records import RunResult, RunSpec, save_result

CLAIMS = claimsfile.load()
BALANCED = {"0": 1000, "1": 1000}
USER_INPUTS = {"data": {"source": "user", "sha256": "d" * 64}, "checkpoint": {"source": "user", "sha256": "c" * 64}}


@pytest.fixture(scope="module")
def led(report_ledger):
    return report_ledger


def test_one_row_per_claim_in_the_files_order(led):
    """The ledger's shape. Each verdict is asserted once: by its claim's test (tests/test_c*.py, the
    test each row names) and, as the ledger prints it, by the README's table (below)."""
    assert [r.claim for r in led.rows] == [c.id for c in CLAIMS.claims] and not led.fresh
    assert all(r.verdict and r.section == REPORT for r in led.rows), [(r.claim, r.verdict, r.section) for r in led.rows]


def _exists(test: str) -> bool:
    path, _, name = test.partition("::")
    name = name.split("[")[0]
    return bool(re.search(rf"^def {re.escape(name)}\(", (ROOT / path).read_text(), re.MULTILINE))


def test_every_row_names_a_test_that_exists(led, tmp_path):
    lab = {"test_label_counts": BALANCED, "inputs": USER_INPUTS}
    _save(tmp_path, "lab", "fairseq", "pretrained", [0.80, 0.81, 0.79], lab)
    _save(tmp_path, "lab", "fairseq", "random", [0.60, 0.62, 0.61], lab)
    _synthetic_runs(tmp_path)
    rows = led.rows + ledger.build(CLAIMS, tmp_path).fresh
    assert all(_exists(r.test) for r in rows), [(r.claim, r.test) for r in rows if not _exists(r.test)]


def test_the_readme_table_is_the_ledgers_output(monkeypatch, tmp_path):
    """README.md's claim table (between the ledger markers) is what the ledger prints with an empty
    run cache: C4's "to decide" line times its runs from this machine's cached lab runs when there
    are any, so the README's table is the one any machine prints before it has run the lab. The
    library facts (fairseq's count, peft's behaviour: keyed by their inputs, code and versions, no run)
    are copied in when this machine holds them, so they are read rather than computed again (~5 s)."""
    facts = env.cache_dir() / "facts"
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "empty-cache"))
    if facts.is_dir():
        shutil.copytree(facts, env.cache_dir() / "facts", dirs_exist_ok=True)
    assert not (env.cache_dir() / "runs").exists()
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- ledger:start -->\n", 1)[1].split("<!-- ledger:end -->", 1)[0]
    report_part = block.split("\nThe suite's fresh runs", 1)[0].rstrip() + "\n"
    assert report_part == ledger.to_markdown(ledger.build(CLAIMS)), (
        "README.md's claim table is stale: regenerate it (docs/ledger.md)")


def test_a_row_with_an_unknown_verdict_is_rejected():
    with pytest.raises(ValueError, match="MOSTLY TRUE"):
        Row("C3", "-", "-", "-", "MOSTLY TRUE", "-")


def _save(root: Path, profile: str, framework: str, init: str, accuracies, provenance=None):
    provenance = {"test_label_counts": BALANCED} if provenance is None else provenance
    for seed, acc in enumerate(accuracies):
        spec = RunSpec(profile, framework, init, seed)
        save_result(root / profile / f"{spec.name}.json", RunResult(spec, (acc,), 1, acc, 2000, 225, 225, 1.0, provenance))


def _synthetic_runs(root: Path, random=(0.61, 0.63, 0.60), provenance=None) -> list[RunResult]:
    _save(root, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78], provenance)
    _save(root, "smoke", "fairseq", "random", list(random), provenance)
    _save(root, "smoke", "hf", "pretrained", [0.79, 0.795, 0.785], provenance)
    return ledger.load_runs(root)["smoke"]


def test_fresh_runs_are_their_own_section_labelled_as_the_suites_runs(tmp_path):
    _synthetic_runs(tmp_path)
    led = ledger.build(CLAIMS, tmp_path)
    assert {r.section for r in led.rows} == {REPORT} and {r.section for r in led.fresh} == {FRESH}
    fresh = {r.claim: r for r in led.fresh}
    assert set(fresh) == {"C3", "C4"}, fresh  # C2b speaks of the lab profile
    assert fresh["C3"].says == "C3 on the suite's fresh runs, profile 'smoke', on the embedded default (English sentences, MiniLM)"
    assert fresh["C3"].verdict == "REPRODUCED" and fresh["C4"].verdict == "HOLDS WITHIN ±3", fresh
    text = ledger.to_markdown(led)
    assert text.index("The suite's fresh runs, judged by the same rules") > text.index("| C6 |"), text
    # the report's own rows are not changed by the results
    assert [(r.claim, r.verdict) for r in led.rows if r.claim not in ("C2", "C2b")] == \
        [(r.claim, r.verdict) for r in ledger.build(CLAIMS).rows if r.claim not in ("C2", "C2b")]


def test_c2_needs_lab_runs_on_the_reports_own_files_and_names_the_commands(tmp_path):
    _synthetic_runs(tmp_path)
    row = ledger.report_row("C2", runs=ledger.load_runs(tmp_path))
    assert row.verdict.startswith("NOT RUN (the results hold no lab-profile runs (profiles: ['smoke'])"), row.verdict
    assert "`LAB_DATA=<the report's data> LAB_CHECKPOINT=<its checkpoint> python -m harness reproduce --profile lab" \
           " --out out-lab`, then `python -m harness ledger --claims expected/report.toml --results out-lab/results`" \
           in row.verdict, row.verdict


@pytest.mark.parametrize("inputs, reason", [
    (None, "record no inputs"),
    ({**USER_INPUTS, "data": {"source": "embedded", "sha256": "d" * 64}}, "data: embedded"),
    ({**USER_INPUTS, "checkpoint": {"source": "embedded", "sha256": "c" * 64}}, "checkpoint: embedded"),
    ({**USER_INPUTS, "checkpoint": {"source": "user"}}, "checkpoint: user, no sha256"),
])
def test_c2_compares_the_reports_table_only_with_runs_on_user_files(tmp_path, inputs, reason):
    """The report's table is on CLS-Books and RoBERTa_small_fr: only runs on the user's data and
    checkpoint (recorded with their hashes) are compared with it, never the embedded ones."""
    prov = {"test_label_counts": BALANCED, **({"inputs": inputs} if inputs else {})}
    _save(tmp_path, "lab", "fairseq", "pretrained", [v / 100 for v in CLAIMS.cells["fairseq.pretrained"].accuracy], prov)
    _save(tmp_path, "lab", "fairseq", "random", [v / 100 for v in CLAIMS.cells["fairseq.random"].accuracy], prov)
    row = ledger.report_row("C2", runs=ledger.load_runs(tmp_path))
    assert row.verdict.startswith("NOT RUN (") and reason in row.verdict, row.verdict


def test_c2_on_the_reports_own_files_is_the_equivalence_rule_per_cell(tmp_path):
    """Fresh runs equal to the report's table: with its pretrained spread (sample SD 2.05, n=3) TOST
    cannot establish ±3, so the weaker cell's NOT ESTABLISHED is the claim's."""
    lab = {"test_label_counts": BALANCED, "inputs": USER_INPUTS}
    for cell in ("fairseq.pretrained", "fairseq.random"):
        _save(tmp_path, "lab", *cell.split("."), [v / 100 for v in CLAIMS.cells[cell].accuracy], lab)
    row = ledger.report_row("C2", runs=ledger.load_runs(tmp_path))
    assert row.verdict == "NOT ESTABLISHED at ±3", row
    assert "fairseq.random: HOLDS WITHIN ±3" in row.statistic and "fairseq.pretrained: NOT ESTABLISHED" in row.statistic, row


def test_fresh_c3_random_init_not_shown_to_learn(tmp_path):
    """Random init at chance (majority rate 0.5) makes "pretrained beats random" a comparison with a
    constant classifier: NOT ESTABLISHED, naming the seeds and their binomial p-values."""
    runs = _synthetic_runs(tmp_path, random=(0.513, 0.499, 0.5745))
    row = ledger.fresh_row("C3", "smoke", runs)
    p0, p1 = (stats.binomial_above(k, 2000, 0.5).pvalue for k in (1026, 998))
    assert row.verdict == "NOT ESTABLISHED (random init not shown to learn on seeds 0, 1)", row
    assert row.statistic.startswith(f"random init not shown to learn on seeds 0, 1 (p = {p0:.2f}, {p1:.2f});"), row
    for text in ("seed 0 51.30%", "seed 1 49.90%", "majority-class rate 50.00%", "n=2000"):
        assert text in row.statistic, row.statistic


def test_fresh_c3_majority_rate_comes_from_the_test_labels(tmp_path):
    counts = {"test_label_counts": {"0": 800, "1": 1200}}  # 60% in one class
    row = ledger.fresh_row("C3", "smoke", _synthetic_runs(tmp_path, (0.63, 0.64, 0.625), counts))
    assert row.verdict == "REPRODUCED" and "majority-class rate 60.00%" in row.statistic, row
    row = ledger.fresh_row("C3", "smoke", _synthetic_runs(tmp_path / "b", (0.605, 0.64, 0.625), counts))
    assert row.verdict.startswith("NOT ESTABLISHED (random init not shown to learn on seeds 0"), row


def test_fresh_c3_without_test_label_counts_is_not_run(tmp_path):
    row = ledger.fresh_row("C3", "smoke", _synthetic_runs(tmp_path, provenance={}))
    assert row.verdict.startswith("NOT RUN (") and "test_label_counts" in row.verdict, row


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "results directory not found"),
    (lambda d: d.mkdir(), "no result files"),
    (lambda d: (d / "smoke").mkdir(parents=True) or (d / "smoke" / "x.json").write_text("{"), "x.json: not valid JSON"),
])
def test_bad_results_dir(tmp_path, setup, message):
    where = tmp_path / "results"
    setup(where)
    with pytest.raises(ConfigError, match=message):
        ledger.load_runs(where)


def test_cli_writes_the_markdown_atomically(tmp_path, capsys):
    out = tmp_path / "out" / "ledger.md"
    assert cli(["ledger", "--out", str(out)]) == 0
    assert out.read_text() == capsys.readouterr().out == ledger.to_markdown(ledger.build(CLAIMS))
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temp file left behind"


def test_bad_claims_file_is_one_clear_line(tmp_path, capsys):
    claims = tmp_path / "student.toml"
    claims.write_text((ROOT / "expected" / "report.toml").read_text().replace("total = 22807552", ""))
    assert cli(["ledger", "--claims", str(claims)]) == 2
    err = capsys.readouterr().err
    assert str(claims) in err and "total" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
