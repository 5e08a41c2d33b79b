"""The gate on the real claim ledger (``harness.claims.ledger.fresh_rows``, no stand-in): every score
of every fresh-run row is gated as ``ledger.<claim>.<score>``, each verdict's decision is recorded,
a C4 verdict near its margin is FRAGILE across numerics with its distance, and the lab's C2b row
(judged on the runs' validation predictions) is pinned and read back."""

import json

import pytest

from harness.claims import ledger
from harness.gate import drift as gate
from harness.gate import output as gate_output
from harness.gate.expected import load_expected
from tests.synthetic import HF_PRETRAINED, PRETRAINED, RANDOM, SHAPE, run, write_results
from tests.test_gate import regenerated


def _c4(hf_shift: int):
    """The real ledger's C4 row when every HF pretrained seed is shifted by ``hf_shift`` sentences."""
    runs = [run("smoke", "fairseq", "pretrained", s, c) for s, c in enumerate(PRETRAINED)]
    runs += [run("smoke", "fairseq", "random", s, c) for s, c in enumerate(RANDOM)]
    runs += [run("smoke", "hf", "pretrained", s, c + hf_shift) for s, c in enumerate(HF_PRETRAINED)]
    return next(r for r in ledger.fresh_rows("smoke", runs) if r.claim == "C4")


@pytest.fixture(scope="module")
def near(tmp_path_factory):
    """(shift, the expected directory): HF shifted until C4's narrowest margin is just under its
    margin (the ledger's numbers decide where), with the file regenerated from two computations."""
    margin = _c4(0).decision[2]
    shift = next((k for k in range(0, -200, -1) if margin - 0.15 < _c4(k).scores["narrowest_margin"] < margin), None)
    assert shift is not None, f"no HF shift puts C4's narrowest margin within 0.15 under {margin}: {_c4(0)}"
    root = tmp_path_factory.mktemp("near")
    hf = {("hf", "pretrained", s): c + shift for s, c in enumerate(HF_PRETRAINED)}
    a, b = (write_results(root / f"A{i}", overrides=hf, wall=5.0 + i) for i in (0, 1))
    return shift, regenerated(root / "expected", a, b).parent


def test_every_score_of_every_row_is_gated_with_its_decision(near):
    _, directory = near
    path = next(directory.glob("smoke.*.json"))
    raw = json.loads(path.read_text())["metrics"]
    expected = load_expected(path)
    for name in ("ledger.C3.difference", "ledger.C3.lower_bound", "ledger.C3.upper_bound", "ledger.C4.difference",
                 "ledger.C4.narrowest_margin"):
        assert isinstance(expected.metrics.get(name), float), (name, sorted(expected.metrics))
    assert raw["ledger.C4.verdict"]["decision"][0] == "ledger.C4.narrowest_margin", raw["ledger.C4.verdict"]
    assert raw["ledger.C3.verdict"]["decision"][0] in ("ledger.C3.lower_bound", "ledger.C3.upper_bound")


def test_a_c4_verdict_near_its_margin_is_fragile_across_numerics_with_its_distance(near, tmp_path):
    shift, directory = near
    hf = {("hf", "pretrained", s): c + shift for s, c in enumerate(HF_PRETRAINED)}
    outcome = gate.evaluate(write_results(tmp_path / "F", precision="fp32", overrides=hf), directory)
    text = gate_output.text(outcome)
    row = next(r for r in outcome.rows if r.metric == "ledger.C4.verdict")
    narrowest = _c4(shift).scores["narrowest_margin"]
    tol = outcome.regime.tolerance_of("ledger.C4.narrowest_margin")
    assert outcome.regime.name == "cross_numerics" and outcome.code == gate.PASS and row.status == "FRAGILE", text
    assert row.obtained == "HOLDS WITHIN ±3", row
    assert (f"ledger.C4.verdict: FRAGILE, obtained narrowest_margin {narrowest:.4g} vs the rule's boundary 3: "
            f"distance {3 - narrowest:.4g} <= the score's tolerance {tol:.4g} (cross_numerics)") in text, text


def test_a_c4_verdict_that_crosses_its_margin_is_fragile_across_numerics_and_drift_when_exact(near, tmp_path):
    shift, directory = near
    over = next(k for k in range(shift, shift - 20, -1) if _c4(k).scores["narrowest_margin"] > 3)
    hf = {("hf", "pretrained", s): c + over for s, c in enumerate(HF_PRETRAINED)}
    cross = gate.evaluate(write_results(tmp_path / "F", precision="fp32", overrides=hf), directory)
    row = next(r for r in cross.rows if r.metric == "ledger.C4.verdict")
    assert (row.expected, row.obtained) == ("HOLDS WITHIN ±3", "NOT ESTABLISHED at ±3"), row
    assert cross.code == gate.PASS and row.status == "FRAGILE", gate_output.text(cross)
    exact = gate.evaluate(write_results(tmp_path / "E", overrides=hf), directory)
    row = next(r for r in exact.rows if r.metric == "ledger.C4.verdict")
    assert exact.code == gate.DRIFT and row.status == "DRIFT", gate_output.text(exact)
    bad = {r.metric for r in gate.failed(exact.rows)}
    assert {"ledger.C4.difference", "ledger.C4.narrowest_margin"} <= bad, sorted(bad)


def test_the_lab_c2b_row_is_pinned_read_back_and_gated(tmp_path):
    """The lab profile's C2b (best epoch, on each run's per-epoch validation predictions): its verdict
    and score are written by --regen and read back (claim ids like C2b are metric names), and a run
    that now peaks before epoch 5 changes them."""
    a, b = (write_results(tmp_path / f"A{i}", "lab", wall=3.0 + i, **SHAPE["lab"]) for i in (0, 1))
    path = regenerated(tmp_path / "expected", a, b)
    expected = load_expected(path)
    assert expected.metrics["ledger.C2b.verdict"] == "REPRODUCED", expected.metrics
    assert expected.metrics["ledger.C2b.min_holm_p"] == 1.0 and expected.decisions["ledger.C2b.verdict"][2] == 0.05
    assert gate.evaluate(b, path).code == gate.PASS
    flat = write_results(tmp_path / "F", "lab", epochs=5, valid_size=200)
    victim = flat / "lab" / "lab-fairseq-random-seed0.json"
    data = json.loads(victim.read_text())
    labels, wrong = data["valid_labels"], "".join("1" if x == "0" else "0" for x in data["valid_labels"])
    data["valid_predictions"] = [labels[:160] + wrong[160:]] * 2 + [labels[:100] + wrong[100:]] * 3  # peaks at 1
    data["valid_accuracy"] = [0.8, 0.8, 0.5, 0.5, 0.5]
    data["best_epoch"] = 1
    victim.write_text(json.dumps(data))
    outcome = gate.evaluate(flat, path)
    rows = {r.metric: r for r in outcome.rows}
    assert outcome.code == gate.DRIFT and rows["ledger.C2b.verdict"].status == "DRIFT", gate_output.text(outcome)
    assert rows["ledger.C2b.verdict"].obtained.startswith("REFUTED"), rows["ledger.C2b.verdict"]


def _peaks_early(results, extra: int):
    """One lab run now peaks at epoch 1, ``extra`` sentences above epoch 5 (the same 100 right at
    epochs 2 to 5): C2b NOT ESTABLISHED while McNemar cannot tell ``extra`` vs 0 discordant sentences
    from noise (Holm over 6 runs x 4 other epochs: the smallest adjusted p is 24 / 2^extra)."""
    victim = results / "lab" / "lab-fairseq-random-seed0.json"
    data = json.loads(victim.read_text())
    labels = data["valid_labels"]
    wrong = "".join("1" if x == "0" else "0" for x in labels)
    right = [100 + extra, 100, 100, 100, 100]
    data["valid_predictions"] = [labels[:c] + wrong[c:] for c in right]
    data["valid_accuracy"] = [c / len(labels) for c in right]
    data["best_epoch"] = 1
    victim.write_text(json.dumps(data))
    return results


def test_c2b_scores_are_exact_at_one_numerics_and_ungated_across_numerics_its_verdict_gated_in_both(tmp_path):
    """C2b's min_holm_p rests on validation predictions; no measurement says how a change of numerics
    moves it (AMX bf16 to fp32 moved the lab's from 1.00 to 0.75). Exact regime: a move is drift.
    Across numerics: shown, UNGATED, with why; the verdict still gated, a changed one drift."""
    a, b = (_peaks_early(write_results(tmp_path / f"A{i}", "lab", wall=3.0 + i, **SHAPE["lab"]), 6) for i in (0, 1))
    path = regenerated(tmp_path / "expected", a, b)
    expected = load_expected(path)
    assert expected.metrics["ledger.C2b.verdict"].startswith("NOT ESTABLISHED"), expected.metrics
    moved = _peaks_early(write_results(tmp_path / "E", "lab", **SHAPE["lab"]), 5)
    exact = gate.evaluate(moved, path)
    rows = {r.metric: r for r in exact.rows}
    assert exact.regime.name == "exact" and exact.code == gate.DRIFT, gate_output.text(exact)
    assert rows["ledger.C2b.min_holm_p"].status == "DRIFT" and rows["ledger.C2b.verdict"].status == "ok", rows
    cross = gate.evaluate(_peaks_early(write_results(tmp_path / "F", "lab", precision="fp32", **SHAPE["lab"]), 5), path)
    rows = {r.metric: r for r in cross.rows}
    text = gate_output.text(cross)
    assert cross.regime.name == "cross_numerics" and cross.code == gate.PASS, text
    holm = rows["ledger.C2b.min_holm_p"]
    assert holm.status == "UNGATED" and holm.obtained > holm.expected and holm.tolerance is None, holm
    assert "ledger.C2b.min_holm_p: not gated across numerics: C2b's scores rest on per-sentence validation" in text, text
    assert "1 score(s) not gated across numerics (no measured move)" in cross.summary, cross.summary
    junit = gate_output.junit(cross)
    records = sum(r.status == "UNGATED" and r.metric.startswith(("fairseq.", "hf.")) for r in cross.rows)
    assert records == 12 * 7, records  # 12 runs: best epoch, 5 epochs' validation accuracy, predictions
    assert f'skipped="{1 + records}"' in junit and '<skipped message="not gated across numerics: C2b' in junit, junit
    flipped = _peaks_early(write_results(tmp_path / "G", "lab", precision="fp32", **SHAPE["lab"]), 0)
    changed = gate.evaluate(flipped, path)
    rows = {r.metric: r for r in changed.rows}
    assert changed.code == gate.DRIFT and rows["ledger.C2b.verdict"].status == "DRIFT", gate_output.text(changed)
