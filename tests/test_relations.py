"""The relations' decision rules (harness.claims.relations), on small made-up numbers, each in the
claim's own units at its claims-file parameter; and degenerate inputs, which give a row that says
what cannot be decided and never stop the ledger or print a library warning."""

import math
import re
import warnings

import pytest

from harness.claims import claimsfile, ledger
from harness.claims.relations import best_epoch, equivalence, superiority
from harness.core.paths import EXPECTED_DIR
from harness.core.records import RunResult, RunSpec

CLAIMS = claimsfile.load()
ALPHA, POWER = CLAIMS.rules.alpha, CLAIMS.rules.power
C3, C4 = CLAIMS.claim("C3").params, CLAIMS.claim("C4").params


def seeds(*values):
    return dict(enumerate(values))


# --- superiority (C3): the lower bound of the difference at least delta points ------------------


@pytest.mark.parametrize("a, b, verdict", [
    (seeds(80.1, 79.5, 80.6), seeds(67.0, 68.2, 66.9), "REPRODUCED"),  # 12.7 points, tight
    (seeds(80.3, 80.4, 80.5), seeds(80.0, 80.1, 80.2), "REFUTED"),  # 0.3 points: never "much better"
    (seeds(78.0, 84.0, 90.0), seeds(70.0, 76.0, 82.0), "NOT ESTABLISHED"),  # 8 points, the bounds straddle 5
    (seeds(60.0, 61.0, 60.5), seeds(80.0, 81.0, 80.4), "REFUTED"),  # the other way round
])
def test_superiority_is_decided_in_points_at_delta(a, b, verdict):
    got, computed, statistic, scores, decision = superiority.judge(a, b, C3, ALPHA)
    assert got.startswith(verdict), (got, statistic)
    assert decision[2] == C3.delta and decision[0] in scores, decision
    assert "Hedges' g" in statistic and "information" in statistic, statistic


# --- equivalence (C4): one verdict at the one margin, the CI and the narrowest margin as numbers -----


@pytest.mark.parametrize("a, b, verdict", [
    (seeds(80.0, 80.5, 79.5), seeds(80.2, 79.8, 80.1), "HOLDS WITHIN ±3"),
    (seeds(70.0, 70.5, 69.5), seeds(80.2, 79.8, 80.1), "REFUTED (beyond ±3)"),
    (seeds(79.9, 79.0, 81.1), seeds(79.9, 80.0, 83.5), "NOT ESTABLISHED at ±3"),  # the report's numbers
])
def test_equivalence_is_one_of_three_verdicts_at_the_margin(a, b, verdict):
    got, computed, statistic, scores, decision, plan = equivalence.judge(a, b, ("a", "b"), C4.margin, ALPHA, POWER)
    assert got == verdict, (got, statistic)
    low, high = map(float, re.search(r"90% CI ([+-][\d.]+) to ([+-][\d.]+)", statistic).groups())
    assert scores["narrowest_margin"] == pytest.approx(max(abs(low), abs(high)), abs=0.006), statistic
    assert decision == ("narrowest_margin", scores["narrowest_margin"], C4.margin)
    assert "at the observed" not in computed, computed  # no post-hoc power
    assert "needs" in computed and "across the 95% CI of the seed SD" in computed, computed
    # the gate asks for no plan (it never prints one): the same judgement, without the plan's text
    bare = equivalence.judge(a, b, ("a", "b"), C4.margin, ALPHA, POWER, with_plan=False)
    assert bare[0] == got and bare[2:5] == (statistic, scores, decision) and bare[5] is None, bare
    assert computed.startswith(bare[1] + "; TOST ±") and "needs" not in bare[1], (computed, bare[1])


def test_one_sentence_cannot_flip_the_verdict_between_rungs():
    """There are no rungs: the verdict is at the one margin, the narrowest margin is a number."""
    a, b = seeds(81.0, 81.15, 81.05), seeds(80.60, 80.50, 79.40)
    moved = seeds(81.0, 81.15, 81.1)  # one test sentence of 2,000 (0.05 points)
    v1, v2 = (equivalence.judge(x, b, ("a", "b"), C4.margin, ALPHA, POWER)[0] for x in (a, moved))
    assert v1 == v2 == "HOLDS WITHIN ±3"


# --- best epoch (C2b): exact McNemar of every other epoch vs the stated one, Holm over runs x epochs ---


def _run(seed, curve_correct, n=200, init="pretrained"):
    """A run whose per-epoch validation predictions get ``curve_correct[e]`` of n right: sentence i
    right at epoch e iff i < correct (so a later epoch's right answers include an earlier one's)."""
    labels = "01" * (n // 2)
    preds = tuple("".join(g if i < k else ("1" if g == "0" else "0") for i, g in enumerate(labels)) for k in curve_correct)
    acc = tuple(k / n for k in curve_correct)
    best = max(range(len(acc)), key=lambda i: (acc[i], -i)) + 1
    return RunResult(RunSpec("lab", "fairseq", init, seed), acc, best, 0.8, 2000, 225, 1125, 1.0, {},
                     valid_predictions=preds, valid_labels=labels)


@pytest.mark.parametrize("curves, verdict", [
    ([(150, 160, 170, 175, 180), (150, 170, 171, 172, 178)], "REPRODUCED"),
    ([(150, 160, 170, 168, 168)] * 2, "NOT ESTABLISHED"),  # 2 sentences above epoch 5: noise
    ([(150, 160, 171, 172, 172), (150, 160, 168, 170, 170)], "REPRODUCED"),  # ties with epoch 5 count
    ([(150, 185, 170, 165, 160), (150, 160, 170, 175, 180)], "REFUTED"),  # 25 sentences, all one way
])
def test_best_epoch_by_mcnemar_with_holm(curves, verdict):
    runs = [_run(s, c) for s, c in enumerate(curves)]
    got, computed, statistic, scores, decision = best_epoch.judge(runs, 5, ALPHA)
    assert got.startswith(verdict), (got, computed, statistic)
    assert "Holm over 2 runs" in statistic and decision == ("min_holm_p", scores["min_holm_p"], ALPHA)


def test_mcnemar_counts_only_the_discordant_sentences():
    runs = [_run(0, (150, 185, 170, 165, 160))]
    _, computed, *_ = best_epoch.judge(runs, 5, ALPHA)
    assert "25 vs 0 discordant sentences" in computed, computed


def test_best_epoch_needs_predictions_and_enough_epochs():
    bare = RunResult(RunSpec("lab", "fairseq", "pretrained", 0), (0.7, 0.8), 2, 0.8, 2000, 225, 450, 1.0, {})
    assert best_epoch.judge([bare], 2, ALPHA)[0].startswith("NOT RUN (1 runs keep no per-sentence validation")
    assert best_epoch.judge([bare], 5, ALPHA)[0].startswith("NOT RUN (runs with fewer than 5 epochs")


# --- degenerate inputs: a row each, never an abort, no warning printed ------------------------------


SUITE = (EXPECTED_DIR / "report.toml").read_text()
DEGENERATE = {
    "constant groups": {"[79.9, 80.0, 83.5]": "[80.0, 80.0, 80.0]", "[67.5, 68.1, 67.4]": "[50.0, 50.0, 50.0]"},
    "equal paired differences": {"[79.9, 80.0, 83.5]": "[80.3, 80.4, 80.5]", "[67.5, 68.1, 67.4]": "[80.0, 80.1, 80.2]"},
    "one seed": {"seeds = [0, 1, 2]\naccuracy = [67.5, 68.1, 67.4]": "seeds = [0]\naccuracy = [67.5]"},
    "two seeds": {"seeds = [0, 1, 2]\naccuracy = [67.5, 68.1, 67.4]": "seeds = [0, 1]\naccuracy = [67.5, 68.1]"},
    "identical arms": {"[79.9, 79.0, 81.1]": "[79.9, 80.0, 83.5]"},
    "seeds that differ between arms": {"seeds = [0, 1, 2]\naccuracy = [67.5, 68.1, 67.4]": "seeds = [3, 4, 5]\naccuracy = [67.5, 68.1, 67.4]"},
    "a non-finite number": {"[67.5, 68.1, 67.4]": "[67.5, nan, 67.4]"},
}


@pytest.mark.parametrize("edits", DEGENERATE.values(), ids=DEGENERATE.keys())
def test_a_degenerate_input_gets_a_row_never_an_abort(tmp_path, edits):
    text = SUITE
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "report.toml"
    path.write_text(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        led = ledger.build(claimsfile.load(path))
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    rows = {r.claim: r for r in led.rows}
    assert len(rows) == len(CLAIMS.claims) and rows["C1"].verdict == "REPRODUCED"  # the other rows are unaffected
    for row in rows.values():
        assert not row.verdict.startswith("HARNESS ERROR"), row  # every degenerate input is decided by its rule
        assert "nan" not in row.statistic.replace("non-finite values [nan]", ""), row
        assert not re.search(r"t\(\d+\)=\d{6,}", row.statistic), row.statistic  # no t from rounding noise
        if row.verdict.startswith("NOT ESTABLISHED (cannot decide"):
            assert len(row.verdict) > 40, row.verdict  # it says why


def test_constant_groups_say_why_nothing_can_be_decided(tmp_path):
    text = SUITE.replace("[79.9, 80.0, 83.5]", "[80.0, 80.0, 80.0]").replace("[67.5, 68.1, 67.4]", "[50.0, 50.0, 50.0]")
    (tmp_path / "r.toml").write_text(text)
    row = ledger.report_row("C3", claimsfile.load(tmp_path / "r.toml"))
    assert row.verdict.startswith("NOT ESTABLISHED (cannot decide: every group is constant over its seeds "
                                  "(fairseq.pretrained 80; fairseq.random 50)"), row.verdict


def test_a_nan_keeps_only_the_rows_that_use_it_from_deciding(tmp_path):
    (tmp_path / "r.toml").write_text(SUITE.replace("[67.5, 68.1, 67.4]", "[67.5, nan, 67.4]"))
    led = ledger.build(claimsfile.load(tmp_path / "r.toml"))
    rows = {r.claim: r.verdict for r in led.rows}
    assert rows["C3"] == "NOT ESTABLISHED (cannot decide: fairseq.random holds non-finite values [nan])", rows
    assert rows["C6"].startswith("NOT ESTABLISHED (cannot decide: fairseq.random holds non-finite"), rows
    assert rows["C4"] == "NOT ESTABLISHED at ±3" and math.isnan(claimsfile.load(tmp_path / "r.toml").cells["fairseq.random"].accuracy[1])


# --- numbers at their resolution (issue 25, item 13) -------------------------------------------------


@pytest.mark.parametrize("x", [0.0495, 0.04951, 0.0497, 0.04994, 0.0499, 0.049999, 0.00996, 0.0996, 0.000996])
def test_a_p_value_below_a_threshold_never_prints_at_or_above_it(x):
    from harness.claims.row import THRESHOLDS, p

    printed = p(x)
    assert all(float(printed) < t for t in THRESHOLDS if x < t), (x, printed)


def test_per_seed_accuracies_print_at_the_resolution_of_2000_sentences():
    """80.15 and 80.25 (one sentence apart twice) must not both read 80.2; the report's own
    one-decimal numbers keep their one decimal."""
    from harness.claims.row import pts

    assert pts([80.15, 80.25, 79.9]) == "80.15 / 80.25 / 79.90"
    assert pts([79.9, 79.0, 81.1]) == "79.9 / 79.0 / 81.1"
    _, computed, *_ = superiority.judge(seeds(80.15, 80.25, 80.35), seeds(67.0, 68.2, 66.9), C3, ALPHA)
    assert "80.15 / 80.25 / 80.35" in computed, computed


def test_a_numerical_warning_appears_only_when_it_changes_the_result(tmp_path):
    """A random init collapsed to exactly 50.0 on every seed: scipy warns of precision loss, but the
    constant group's variance is exactly 0 in floats, so the row (an exact decision) carries no note."""
    text = SUITE.replace("[67.5, 68.1, 67.4]", "[50.0, 50.0, 50.0]")
    (tmp_path / "r.toml").write_text(text)
    row = ledger.report_row("C3", claimsfile.load(tmp_path / "r.toml"))
    assert row.verdict.startswith("REPRODUCED") and "numerical warning" not in row.statistic, row


def test_a_numerical_warning_is_whole_words(monkeypatch):
    """A warning that does change the result is noted by its first sentence, never cut mid-word."""
    long = "Precision loss occurred in moment calculation due to catastrophic cancellation " + "x" * 3 + \
           " word" * 40 + ". This occurs when the data are nearly identical."

    def rows():
        warnings.warn(long, RuntimeWarning)
        return [ledger.Row("C3", "s", "c", "stat", "REPRODUCED", "t")]

    (row,) = ledger._judged(rows, CLAIMS.claim("C3"), "report")
    note = row.statistic.split("(numerical warning: ")[1].rstrip(")")
    assert note.endswith(" word ...") and "nearly identical" not in note, note
