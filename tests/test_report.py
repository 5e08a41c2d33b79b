"""The reproducibility report (harness/report.py): Markdown + HTML with both figures, the per-seed
table in the report's shape, provenance, the claim ledger, a note for every claim not run.
"""

import re
import types

import pytest

from harness.report import figures
from harness.report import build as report_module
from harness.__main__ import main as cli
from harness.claims import claimsfile
from harness.core.config import ConfigError
from harness.report.build import write_report
from tests import synthetic
from tests.synthetic import write_results

REPORT = claimsfile.load()


@pytest.fixture
def fake_ledger(monkeypatch):
    """A stand-in ledger (the real one builds the C1 and C5 models: seconds per report)."""
    calls = []
    rows = [types.SimpleNamespace(claim="C3", says="fresh", verdict="REPRODUCED"),
            types.SimpleNamespace(claim="C2", says="lab table", verdict="NOT RUN (no lab-profile runs)")]
    fake = types.SimpleNamespace(
        build=lambda claims, results_dir=None: calls.append((claims, results_dir)) or _led(rows, claims),
        to_markdown=lambda led: "| claim | verdict |\n| --- | --- |\n"
        + "\n".join(f"| {r.claim} | {r.verdict} |" for r in led.all),
    )
    monkeypatch.setattr(report_module, "ledger", fake)
    return calls


def _led(rows, claims=REPORT):
    return types.SimpleNamespace(claims=claims, rows=rows, fresh=[], all=rows)


def _has_colour(png, hex_colour, min_pixels=500):
    import matplotlib.image
    import numpy as np

    img = matplotlib.image.imread(png)[..., :3]
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(img - rgb).max(axis=-1) < 0.02).sum()) >= min_pixels


def test_report_renders_with_both_figures(tmp_path, fake_ledger):
    md = write_report(write_results(tmp_path / "res"), tmp_path / "out")
    text = md.read_text()
    page = (tmp_path / "out" / "report.html").read_text()
    for n in (1, 2):
        png = tmp_path / "out" / f"figure{n}-smoke.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert f"](figure{n}-smoke.png)" in text and f'<img src="figure{n}-smoke.png"' in page
        # every cell is drawn: each (framework, init) colour covers real area
        for cell, colour in figures.COLORS.items():
            assert _has_colour(png, colour, 200), f"{png}: no {cell} ({colour}) pixels"
    assert "| C3 | REPRODUCED |" in text and re.search(r"<td>C3</td>\s*<td>REPRODUCED</td>", page)


def test_per_seed_table_in_the_reports_shape(tmp_path, fake_ledger):
    text = write_report(write_results(tmp_path / "res"), tmp_path / "out").read_text()
    section = text.split("## Profile `smoke`")[1].split("### Figures")[0]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in section.splitlines() if line.startswith("| ")}
    assert rows[""][:3] == ["Seed 0", "Seed 1", "Seed 2"]
    for label, counts in (("Pretrained (fairseq)", synthetic.PRETRAINED), ("Random (fairseq)", synthetic.RANDOM),
                          ("Pretrained (HF)", synthetic.HF_PRETRAINED)):
        want = [f"{100 * c / synthetic.TEST_SIZE:.2f}%" for c in counts]  # at n = 2,000's resolution
        assert rows[label][:3] == want, (label, rows[label], want)
    stated = [f"{v:g}%" for v in REPORT.cells["fairseq.pretrained"].accuracy]
    assert f"| Pretrained (fairseq) | {' | '.join(stated)} |" in text, "the report's own numbers are shown"
    assert "| data hash | " + "d" * 64 + " |" in text and "| library: torch | 2.13.0 |" in text


def test_every_claim_not_run_is_noted_with_its_reason(tmp_path, fake_ledger):
    text = write_report(write_results(tmp_path / "res"), tmp_path / "out").read_text()
    notes = text.split("## Claims not run")[1].split("## ")[0]
    assert "C2 (lab table): NOT RUN (no lab-profile runs)" in notes and "C3" not in notes, notes


def test_the_real_ledger_and_its_not_run_claims(tmp_path):
    """With harness.ledger: its table, and a note for each row it could not run, with the reason."""
    text = write_report(write_results(tmp_path / "res", frameworks=("fairseq",)), tmp_path / "out").read_text()
    ledger_rows = [line for line in text.split("## Claim ledger")[1].split("## ")[0].splitlines()
                   if line.startswith("| C")]
    assert {row.split("|")[1].strip() for row in ledger_rows} == {c.id for c in REPORT.claims}
    notes = text.split("## Claims not run")[1].split("## ")[0]
    assert "C2 (" in notes and "NOT RUN (the results hold no lab-profile runs" in notes, notes
    assert ("C4 (C4 on the suite's fresh runs, profile 'smoke', on the embedded default (English sentences, MiniLM)): "
            "NOT RUN (no runs of hf.pretrained)") in notes, notes


def test_missing_hf_runs_leave_the_hf_rows_and_colours_out(tmp_path, fake_ledger):
    text = write_report(write_results(tmp_path / "res", frameworks=("fairseq",)), tmp_path / "out").read_text()
    assert "| Pretrained (HF) | not run | not run | not run | not run |" in text
    for n in (1, 2):
        png = tmp_path / "out" / f"figure{n}-smoke.png"
        assert _has_colour(png, figures.COLORS[("fairseq", "random")], 200), png
        assert not _has_colour(png, figures.COLORS[("hf", "pretrained")], 1), f"{png}: HF drawn without HF runs"


def test_uses_the_ledger_on_the_results(tmp_path, fake_ledger):
    results = write_results(tmp_path / "res")
    write_report(results, tmp_path / "out")
    assert fake_ledger and fake_ledger[0][1] == results and fake_ledger[0][0].path == REPORT.path


def test_given_ledger_rows_are_not_recomputed(tmp_path, fake_ledger):
    row = types.SimpleNamespace(claim="C1", says="count", verdict="REPRODUCED")
    text = write_report(write_results(tmp_path / "res"), tmp_path / "out", led=_led([row])).read_text()
    assert not fake_ledger and "| C1 | REPRODUCED |" in text and "None: every claim has a verdict." in text



def test_cli_writes_and_prints_the_path(tmp_path, capsys, fake_ledger):
    results = write_results(tmp_path / "res")
    assert cli(["report", "--results", str(results), "--out", str(tmp_path / "out")]) == 0
    assert str(tmp_path / "out" / "report.md") in capsys.readouterr().out


def test_corrupt_results_are_an_error_not_a_report(tmp_path, capsys, fake_ledger):
    results = write_results(tmp_path / "res")
    victim = results / "smoke" / "smoke-hf-random-seed1.json"
    victim.write_text(victim.read_text()[:100])
    with pytest.raises(ConfigError, match="not valid JSON"):
        write_report(results, tmp_path / "out")
    assert cli(["report", "--results", str(results), "--out", str(tmp_path / "out2")]) == 2
    assert str(victim) in capsys.readouterr().err
    assert not (tmp_path / "out2" / "report.md").exists()


def test_every_spread_in_the_report_says_what_it_is_and_its_n(tmp_path, fake_ledger):
    """Each "x ± y" names its kind (SD, SE or CI) and its n; a table header may say it once."""
    import re

    text = write_report(write_results(tmp_path / "res"), tmp_path / "out").read_text()
    spreads = re.findall(r"\d\s*±\s*\d[\d.]*(?:\s*\([^)]*\))?", text)
    assert spreads and all(re.search(r"\((?:sample )?SD, n=\d+\)", s) for s in spreads), spreads
    assert "±1 binomial SE, n=" in text, text


def _with_inputs(results, data="embedded", checkpoint="embedded", source="pang-lee-en"):
    """The runs' provenance as the run cache records it: ``inputs`` and the data spec's source."""
    import dataclasses

    from harness.core.records import load_result, save_result

    for path in results.rglob("*.json"):
        r = load_result(path)
        prov = {**r.provenance, "inputs": {"data": {"source": data, "sha256": "d" * 64},
                                           "checkpoint": {"source": checkpoint, "sha256": "c" * 64}}}
        prov["key_parts"] = {**prov["key_parts"], "data_spec": {"source": source, "test": synthetic.TEST_SIZE}}
        save_result(path, dataclasses.replace(r, provenance=prov))
    return results


def _caption(text, n):
    return next(line for line in text.splitlines() if line.startswith(f"*Figure {n}:"))


@pytest.mark.parametrize("inputs, says", [
    ({}, "Not the same experiment: the report's bars are its own runs on French book reviews (CLS-Books) with "
         "RoBERTa_small_fr; this reproduction's are on the embedded data (English movie-review sentences (Pang & "
         "Lee)) and the embedded encoder (MiniLM)."),
    ({"data": "user", "checkpoint": "user"}, "This reproduction's runs are on the user's data and checkpoint"),
    (None, "These runs do not record their inputs (provenance `inputs`)"),
])
def test_figure1_caption_says_what_the_runs_were_trained_on(tmp_path, fake_ledger, inputs, says):
    results = write_results(tmp_path / "res")
    if inputs is not None:
        _with_inputs(results, **inputs)
    text = write_report(results, tmp_path / "out").read_text()
    assert says in _caption(text, 1), _caption(text, 1)


def test_figure2_caption_at_one_epoch(tmp_path, fake_ledger):
    from harness.core.records import save_result

    for fw, init in (("fairseq", "pretrained"), ("fairseq", "random")):
        for seed in range(3):
            r = synthetic.run("smoke", fw, init, seed, 1500, epochs=1)
            save_result(tmp_path / "res" / "smoke" / f"{r.spec.name}.json", r)
    caption = _caption(write_report(tmp_path / "res", tmp_path / "out").read_text(), 2)
    assert "after the one epoch of each run" in caption and "stars" not in caption, caption


def test_the_claims_file_is_named_relative_to_the_project(tmp_path, fake_ledger):
    from harness.core.paths import ROOT

    text = write_report(write_results(tmp_path / "res"), tmp_path / "out").read_text()
    assert f"Claims: `expected/report.toml` (source: {REPORT.source})" in text, text[:600]
    assert str(ROOT) not in text, "this machine's checkout path in the report"


def test_report_claims_file_numbers_go_into_figure1_and_the_tables(tmp_path, fake_ledger, monkeypatch, capsys):
    from tests.claims_files import write as write_claims

    claims = write_claims(tmp_path / "students" / "ada.toml", "random-wins")  # random = [88.0, 89.1, 87.9]
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))  # an empty figure cache: Figure 1 is drawn
    drawn = []
    figure1 = figures.figure1
    monkeypatch.setattr(figures, "figure1", lambda runs, stated, title: drawn.append(stated) or figure1(runs, stated, title))
    assert cli(["report", "--results", str(write_results(tmp_path / "res")), "--claims", str(claims), "--out", str(tmp_path / "out")]) == 0
    assert drawn and drawn[0][("fairseq", "random")] == {0: 88.0, 1: 89.1, 2: 87.9}, drawn
    text = (tmp_path / "out" / "report.md").read_text()
    assert "| Random (fairseq) | 88% | 89.1% | 87.9% |" in text and "Claims: `ada.toml` (source: " in text, text[:800]
    assert fake_ledger[0][0].path == claims, "the ledger judged another claims file"


def test_report_with_a_bad_claims_file_writes_nothing(tmp_path, capsys):
    from tests.claims_files import write as write_claims

    bad = write_claims(tmp_path / "bad.toml", "malformed")
    assert cli(["report", "--results", str(write_results(tmp_path / "res")), "--claims", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {bad}: [[claim]] #1 (C1).encoder.layers") and not (tmp_path / "out").exists()
