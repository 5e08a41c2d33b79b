"""Figures 1-2 (harness/figures.py) on synthetic results: the labelled elements, read back from the
matplotlib artists (bar heights, error-bar lengths, legend and note text, best-epoch markers)."""

import dataclasses
import statistics

import pytest
from matplotlib.container import BarContainer

from harness.report import figures
from harness.report.build import _stated_by_cell
from harness.claims import claimsfile
from harness.runs.results import load_results
from tests import synthetic

REPORT = claimsfile.load()
EPOCH = REPORT.claim("C2b").params.epoch
STATED = _stated_by_cell(REPORT)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return load_results(synthetic.write_results(tmp_path_factory.mktemp("res")))


def _cells(results):
    return {c: results.group("smoke", *c) for c in figures.COLORS}


def _bars(ax) -> dict:
    """{legend label: (heights, error half-lengths)} of every bar series."""
    out = {}
    for c in ax.containers:
        if isinstance(c, BarContainer):
            heights = [p.get_height() for p in c.patches]
            drawn = {round(s[0][0], 6): (s[1][1] - s[0][1]) / 2 for s in c.errorbar.lines[2][0].get_segments() if len(s)}
            centres = [round(p.get_x() + p.get_width() / 2, 6) for p in c.patches]
            out[c.get_label()] = (heights, [drawn.get(x, float("nan")) for x in centres])  # nan: no bar drawn
    return out


def test_figure1_puts_the_reports_numbers_beside_the_reproductions(results):
    fig = figures.figure1(_cells(results), STATED, "t")
    ax = fig.axes[0]
    bars = _bars(ax)
    for (fw, init), runs in _cells(results).items():
        mine = [100 * r.test_accuracy for r in runs]
        heights, errs = bars[f"this reproduction: {fw} {init}"]
        assert heights == pytest.approx(mine + [statistics.fmean(mine)]), (fw, init, heights, mine)
        want = [100 * r.test_se for r in runs] + [statistics.stdev(mine)]
        assert errs == pytest.approx(want), f"{fw} {init}: error bars {errs}, want ±1 SE per seed, seed SD on the mean {want}"
        stated = STATED.get((fw, init))
        if stated is None:
            assert f"the report: {fw} {init}" not in bars, f"{fw} {init}: the report states no such numbers"
            continue
        heights, errs = bars[f"the report: {fw} {init}"]
        values = [stated[s] for s in sorted(stated)]
        assert heights == pytest.approx(values + [statistics.fmean(values)]), (fw, init, heights, values)
        want = [float("nan")] * len(values) + [statistics.stdev(values)]  # no n stated: no bar per seed
        assert errs == pytest.approx(want, nan_ok=True), (fw, init, errs)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Seed 0", "Seed 1", "Seed 2", "mean"]


def test_figure1_labels_its_error_bars_with_n(results):
    ax = figures.figure1(_cells(results), STATED, "t").axes[0]
    note = next(t.get_text() for t in ax.texts if t.get_gid() == "errors-note")
    n = f"{synthetic.TEST_SIZE:,}"
    assert f"per seed ±1 binomial SE (n = {n} test sentences)" in note, note
    assert "means ±1 sample SD over seeds (n = 3 seeds)" in note, note
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "the report: fairseq random" in legend and "this reproduction: hf pretrained" in legend, legend


def test_figure1_without_hf_runs_draws_no_hf_bars(results):
    cells = {c: r for c, r in _cells(results).items() if c[0] == "fairseq"}
    labels = set(_bars(figures.figure1(cells, STATED, "t").axes[0]))
    assert not any(" hf " in label for label in labels), labels
    assert "the report: fairseq pretrained" in labels and "this reproduction: fairseq random" in labels, labels


def test_figure2_one_line_per_run_with_its_best_epoch_marked(results):
    runs = results.all("smoke")
    early = dataclasses.replace(runs[0], best_epoch=1)  # the marker follows the run's best epoch
    runs = [early] + runs[1:]
    ax = figures.figure2(runs, EPOCH, "t").axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    for r in runs:
        fw, init, seed = r.spec.framework, r.spec.init, r.spec.seed
        line = lines[f"{fw} {init}, seed {seed}"]
        assert list(line.get_ydata()) == pytest.approx([100 * a for a in r.valid_accuracy]), r.spec.name
        best = next(ln for ln in ax.get_lines() if ln.get_gid() == f"best:{r.spec.name}")
        got = (list(best.get_xdata()), list(best.get_ydata()))
        want = ([r.best_epoch], [pytest.approx(100 * r.valid_accuracy[r.best_epoch - 1])])
        assert got == want, f"{r.spec.name}: best-epoch marker at {got}, want {want}"
    stated = lines[f"the report: best after {EPOCH} epochs"]
    assert list(stated.get_xdata()) == [EPOCH] * 2, stated.get_xdata()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "best validation epoch (its checkpoint is tested)" in legend, legend
    assert len([t for t in legend if ", seed " in t]) == len(runs), legend


def test_png_is_a_png(results):
    assert figures.png(figures.figure2(results.all("smoke"), 5, "t"))[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure2_at_one_epoch_draws_what_one_epoch_has():
    """The smoke scale trains one epoch: no curve, no best epoch to choose. The figure shows each
    run's one validation accuracy by cell and seed, on an axis of cells (not of epochs up to the
    report's 5), and says that the report's epoch lies beyond."""
    runs = [synthetic.run("smoke", fw, init, seed, 1500 + 10 * seed, epochs=1)
            for fw, init in (("fairseq", "pretrained"), ("fairseq", "random"), ("hf", "pretrained")) for seed in range(3)]
    ax = figures.figure2(runs, EPOCH, "t").axes[0]
    assert not [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("best:")], "stars on a one-epoch run"
    for r in runs:
        point = next(ln for ln in ax.get_lines() if ln.get_gid() == f"valid:{r.spec.name}")
        assert list(point.get_ydata()) == pytest.approx([100 * r.valid_accuracy[0]]), r.spec.name
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fairseq pretrained", "fairseq random", "hf pretrained"]
    assert ax.get_xlim()[1] < 3, ax.get_xlim()  # three columns, not epochs up to 5
    note = next(t.get_text() for t in ax.texts if t.get_gid() == "one-epoch-note")
    assert f"the report's best epoch ({EPOCH}) lies beyond these runs" in note, note
