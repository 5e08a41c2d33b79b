"""harness.ledger: one row per claim, verdicts that follow the claim tests' rules, fresh runs,
another report's claims file, the optional LoRA hook, and the CLI's atomic Markdown output."""

import re
from pathlib import Path

import pytest

from harness.core.paths import ROOT
from harness.claims import ledger
from harness.claims import stats
from harness.__main__ import main as cli
from harness.claims.expected import load_report, load_thresholds
from harness.core.config import ConfigError
from harness.core.records import RunResult, RunSpec, save_result
from harness.claims import count as convention
from harness.claims import power

REPORT_TOML = (ROOT / "expected" / "report.toml").read_text()
T = load_thresholds()


@pytest.fixture(scope="module")
def rows():
    return ledger.build_ledger(load_report())


@pytest.fixture
def fast_rows(monkeypatch):
    """C1 and C5 build models (seconds); tests about other rows stub them."""
    for claim in ("C1", "C5"):
        row = ledger.LedgerRow(claim, "-", "-", "-", "REPRODUCED", "-")
        monkeypatch.setattr(ledger, f"{claim.lower()}_row", lambda report, row=row: row)


def _verdicts(rows):
    return {r.claim: r.verdict for r in rows}


def test_one_row_per_claim_with_lab_md_verdicts(rows):
    assert [r.claim for r in rows] == ["C1", "C2", "C2b", "C3", "C4", "C5", "C6"]
    v = _verdicts(rows)
    eq = T.equivalence
    assert v["C1"] == v["C3"] == "REPRODUCED", v
    assert v["C2"].startswith("NOT RUN (no results"), v
    # LAB.md: TOST ±3 p = 0.13, ±5 p = 0.031: the claim as the suite defines it is not established
    assert v["C4"] == f"NOT ESTABLISHED at ±{eq.margin:g} (holds within ±{max(eq.ladder):g})", v
    assert v["C5"].startswith("REFUTED (bias"), v
    assert v["C6"] == "WRONG AS PRINTED (population SD as a fraction, printed with a % sign)", v


def test_every_row_names_a_test_that_exists(rows):
    for r in rows:
        if r.verdict.startswith("NOT RUN") and r.test == "-":
            continue
        path, _, name = r.test.partition("::")
        source = (ROOT / path).read_text()
        assert name and re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), f"{r.claim}: {r.test}"


def test_c4_row_gives_a_welch_ci_and_power_at_zero_and_at_the_observed_difference():
    report = load_report()
    hf, fs = list(report.hf.pretrained), list(report.fairseq.pretrained)
    row = ledger.c4_row(hf, fs, T, "-", "-")
    ci = stats.welch_ci(hf, fs, 0.95)
    sd, eq = stats.pooled_sd(hf, fs), T.equivalence
    diff = stats.tost(hf, fs, eq.margin).diff
    p0 = power.tost_power(sd, eq.margin, len(hf), T.significance.alpha, 0.0)
    pd = power.tost_power(sd, eq.margin, len(hf), T.significance.alpha, diff)
    assert "bootstrap" not in row.computed, row.computed
    assert f"Welch 95% CI {ci.low:+.2f} to {ci.high:+.2f}, n={len(hf)}+{len(fs)}" in row.computed, row.computed
    assert f"power {p0:.2f} at no difference, {pd:.2f} at the observed {diff:+.2f}" in row.computed, row.computed
    assert f"pooled seed SD {sd:.2f}" in row.computed, row.computed


# a number, then ± and a number: a spread, which must say what it is (SD, SE or CI) and its n.
# Text in double quotes is the report's own, quoted as printed.
_SPREAD = re.compile(r"\d%?\s*±\s*\d[\d.]*%?(?P<tail>[^|]*)")


def _unlabelled(text: str) -> list[str]:
    bare = re.sub(r'"[^"]*"', '""', text)
    return [m.group(0)[:60] for m in _SPREAD.finditer(bare)
            if not re.match(r"\s*(points\s*)?\((?=[^)]*\b(SD|SE|CI)\b)(?=[^)]*\bn ?= ?\d)", m.group("tail"))]


def test_every_spread_in_the_ledger_says_what_it_is_and_its_n(rows, tmp_path):
    text = ledger.to_markdown(rows + ledger._fresh_rows("smoke", _synthetic_runs(tmp_path), T))
    assert "±" in text and not _unlabelled(text), _unlabelled(text)


def test_markdown_has_a_row_per_claim_and_escapes_pipes():
    rows = [ledger.LedgerRow("C9", "a | b", "c", "d", "REFUTED", "tests/t.py::f")]
    text = ledger.to_markdown(rows)
    lines = text.splitlines()
    assert lines[0].startswith("| claim |") and len(lines) == 3
    assert "a \\| b" in lines[2] and "`tests/t.py::f`" in lines[2]


def test_unknown_verdict_is_rejected():
    with pytest.raises(ValueError, match="MOSTLY TRUE"):
        ledger.LedgerRow("C3", "-", "-", "-", "MOSTLY TRUE", "-")


@pytest.mark.parametrize(
    "pretrained, random, verdict",
    [([80.1, 79.5, 80.6], [79.0, 81.2, 80.0], "NOT ESTABLISHED"), ([60.0, 61.0, 60.5], [80.0, 81.0, 80.4], "REFUTED")],
)
def test_superiority_verdicts(pretrained, random, verdict):
    row = ledger.c3_row(dict(enumerate(pretrained)), dict(enumerate(random)), T, "-", "-")
    assert row.verdict == verdict, row


def test_claims_file_audits_another_report(tmp_path, fast_rows, capsys):
    student = REPORT_TOML
    for old, new in [
        ("pretrained = [79.9, 80.0, 83.5]", "pretrained = [80.1, 79.5, 80.6]"),
        ("random = [67.5, 68.1, 67.4]", "random = [79.0, 81.2, 80.0]"),
        ("pretrained = [79.9, 79.0, 81.1]", "pretrained = [70.2, 71.0, 70.5]"),
        ("stated_spread_pretrained = 0.02", "stated_spread_pretrained = 5.0"),
    ]:
        assert old in student
        student = student.replace(old, new)
    claims, out = tmp_path / "student.toml", tmp_path / "out" / "ledger.md"
    claims.write_text(student)
    assert cli(["ledger", "--claims", str(claims), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.read_text() == printed
    v = _verdicts(ledger.build_ledger(load_report(claims)))
    assert (v["C3"], v["C6"]) == ("NOT ESTABLISHED", "REFUTED"), v
    assert v["C4"].startswith(f"REFUTED at ±{T.equivalence.margin:g}"), v  # 10 points apart
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temp file left behind"


def test_bad_claims_file_is_one_clear_line(tmp_path, capsys):
    claims = tmp_path / "student.toml"
    claims.write_text(REPORT_TOML.replace("stated_total = 22807552", ""))
    assert cli(["ledger", "--claims", str(claims)]) == 2
    err = capsys.readouterr().err
    assert str(claims) in err and "stated_total" in err and "Traceback" not in err


BALANCED = {"0": 1000, "1": 1000}
USER_INPUTS = {"data": {"source": "user", "sha256": "d" * 64}, "checkpoint": {"source": "user", "sha256": "c" * 64}}


def _save(root: Path, profile: str, framework: str, init: str, accuracies, provenance=None):
    provenance = {"test_label_counts": BALANCED} if provenance is None else provenance
    for seed, acc in enumerate(accuracies):
        spec = RunSpec(profile, framework, init, seed)
        result = RunResult(spec, (acc,), 1, acc, 2000, 225, 225, 1.0, provenance)
        save_result(root / profile / f"{spec.name}.json", result)


def _synthetic_runs(root: Path, random=(0.61, 0.63, 0.60), provenance=None) -> list[RunResult]:
    _save(root, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78], provenance)
    _save(root, "smoke", "fairseq", "random", list(random), provenance)
    _save(root, "smoke", "hf", "pretrained", [0.79, 0.795, 0.785], provenance)
    return ledger.load_runs(root)["smoke"]


def test_fresh_results_rows(tmp_path, fast_rows):
    report = load_report()
    fs = report.fairseq
    lab = {"test_label_counts": BALANCED, "inputs": USER_INPUTS}
    _save(tmp_path, "lab", "fairseq", "pretrained", [v / 100 for v in fs.pretrained], lab)  # fractions on disk
    _save(tmp_path, "lab", "fairseq", "random", [v / 100 for v in fs.random], lab)
    _synthetic_runs(tmp_path)
    rows = ledger.build_ledger(report, tmp_path)
    fresh = {(r.claim, r.says): r for r in rows if r.says.startswith("fresh runs")}
    # C2: the lab runs on the user's files equal the report's table (in points); with its pretrained
    # spread (sample SD 2.05, n=3) TOST cannot establish ±3: the C4 rule per init, the weaker wins.
    c2 = next(r for r in rows if r.claim == "C2")
    assert c2.verdict == ledger.verdicts.equivalence(list(fs.pretrained), list(fs.pretrained), T).verdict, c2
    assert c2.verdict.startswith("NOT ESTABLISHED at ±"), c2
    assert fresh[("C3", "fresh runs, profile 'smoke'")].verdict == "REPRODUCED"
    assert fresh[("C4", "fresh runs, profile 'smoke'")].verdict == f"HOLDS WITHIN ±{min(T.equivalence.ladder):g}"
    assert fresh[("C3", "fresh runs, profile 'lab'")].verdict == "REPRODUCED"
    assert fresh[("C4", "fresh runs, profile 'lab'")].verdict == "NOT RUN (fewer than 2 runs of hf pretrained)"


def test_c2_is_not_run_without_lab_runs(tmp_path):
    _save(tmp_path, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78])
    row = ledger.c2_row(load_report(), ledger.load_runs(tmp_path), T)
    assert row.verdict.startswith("NOT RUN (no lab-profile runs"), row


@pytest.mark.parametrize("inputs, reason", [
    (None, "record no inputs"),
    ({**USER_INPUTS, "data": {"source": "embedded", "sha256": "d" * 64}}, "data: embedded"),
    ({**USER_INPUTS, "checkpoint": {"source": "embedded", "sha256": "c" * 64}}, "checkpoint: embedded"),
    ({**USER_INPUTS, "checkpoint": {"source": "user"}}, "checkpoint: user, no sha256"),
])
def test_c2_compares_the_reports_table_only_with_runs_on_user_files(tmp_path, inputs, reason):
    """The report's per-seed table is on CLS-Books and RoBERTa_small_fr: only runs on the user's
    data and checkpoint (recorded with their hashes) are compared with it, never the embedded ones."""
    fs = load_report().fairseq
    prov = {"test_label_counts": BALANCED, **({"inputs": inputs} if inputs else {})}
    _save(tmp_path, "lab", "fairseq", "pretrained", [v / 100 for v in fs.pretrained], prov)
    _save(tmp_path, "lab", "fairseq", "random", [v / 100 for v in fs.random], prov)
    row = ledger.c2_row(load_report(), ledger.load_runs(tmp_path), T)
    assert row.verdict.startswith("NOT RUN (") and reason in row.verdict, row


def test_fresh_c3_random_init_that_did_not_learn_is_not_established(tmp_path):
    """Random init at chance (a balanced test set: majority rate 0.5) makes "pretrained beats
    random" a comparison with a constant classifier: NOT ESTABLISHED, with every run's numbers."""
    runs = _synthetic_runs(tmp_path, random=(0.513, 0.499, 0.5745))
    row = {r.claim: r for r in ledger._fresh_rows("smoke", runs, T)}["C3"]
    assert row.verdict == "NOT ESTABLISHED (random init did not learn)", row
    for text in ("seed 0 51.30%", "seed 1 49.90%", "majority-class rate 50.00%", "n=2000"):
        assert text in row.statistic, row.statistic
    p0 = stats.binomial_above(1026, 2000, 0.5).pvalue
    assert f"p={p0:.2g}" in row.statistic or f"p={p0:.2f}" in row.statistic, (p0, row.statistic)


def test_fresh_c3_random_init_above_the_majority_rate_learned(tmp_path):
    """The majority rate comes from the test labels: 1,200 of 2,000 in one class -> 60%."""
    counts = {"test_label_counts": {"0": 800, "1": 1200}}
    runs = _synthetic_runs(tmp_path, random=(0.63, 0.64, 0.625), provenance=counts)
    row = {r.claim: r for r in ledger._fresh_rows("smoke", runs, T)}["C3"]
    assert row.verdict == "REPRODUCED" and "majority-class rate 60.00%" in row.statistic, row
    runs = _synthetic_runs(tmp_path / "b", random=(0.605, 0.64, 0.625), provenance=counts)
    row = {r.claim: r for r in ledger._fresh_rows("smoke", runs, T)}["C3"]
    assert row.verdict == "NOT ESTABLISHED (random init did not learn)", row  # 60.5% is not above 60%


def test_fresh_c3_without_test_label_counts_is_not_run(tmp_path):
    runs = _synthetic_runs(tmp_path, provenance={})
    row = {r.claim: r for r in ledger._fresh_rows("smoke", runs, T)}["C3"]
    assert row.verdict.startswith("NOT RUN (") and "test_label_counts" in row.verdict, row


def test_c1_with_a_user_checkpoint_counts_it_at_its_vocabulary(tmp_path, monkeypatch):
    import torch

    from harness.inputs import checkpoints
    from harness.inputs import models as params
    from harness.core.config import EncoderConfig

    from fairseq.data import Dictionary

    (tmp_path / "dict.txt").write_text("".join(f"w{i} {100 - i}\n" for i in range(50)))
    (tmp_path / checkpoints.SPM_MODEL).write_bytes(b"placeholder: C1 reads no tokens")
    d = Dictionary.load(str(tmp_path / "dict.txt"))
    d.add_symbol("<mask>")
    cfg = EncoderConfig(vocab_size=len(d), d_model=16, d_ff=32, max_positions=64, layers=2, heads=4)
    model = params.build_fairseq(cfg, d)
    torch.save({"args": params.fairseq_args(cfg, task="masked_lm", criterion="masked_lm"),
                "model": model.state_dict()}, tmp_path / "model.pt")
    monkeypatch.setenv(checkpoints.CHECKPOINT_ENV, str(tmp_path))
    row = ledger.c1_row(load_report())
    real = convention.formula(cfg)
    assert f"$LAB_CHECKPOINT: V = {len(d):,} (the report's V = {load_report().params.vocab_size:,})" in row.computed, row
    assert f"formula at its V and dimensions {real:,}; its weights counted {real:,}" in row.computed, row
    assert row.verdict == "REPRODUCED", row


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


def test_c5_uses_the_lora_hook_when_present(monkeypatch):
    fields = dict(claim="C5", says="s", computed="c", statistic="exact", verdict="REPRODUCED", test="tests/test_c5_lora.py::t")
    monkeypatch.setattr("harness.claims.lora_claims.ledger_row", lambda report: fields)
    assert ledger.c5_row(load_report()) == ledger.LedgerRow(**fields)


def test_fresh_c3_with_unpaired_seeds_is_not_run(tmp_path):
    _save(tmp_path, "smoke", "fairseq", "pretrained", [0.79, 0.80, 0.78])
    _save(tmp_path, "smoke", "fairseq", "random", [0.50, 0.52])
    rows = {r.claim: r for r in ledger._fresh_rows("smoke", ledger.load_runs(tmp_path)["smoke"], T)}
    assert rows["C3"].verdict == "NOT RUN (pretrained seeds [0, 1, 2] and random seeds [0, 1] differ)", rows["C3"]
