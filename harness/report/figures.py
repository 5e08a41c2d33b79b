"""The report's two figures, drawn from results (matplotlib, Agg backend: no display needed).

Figure 1: test accuracy per seed, the report's numbers beside this reproduction's, one pair of
bars per (framework, init) and a "mean" group. Error bars are labelled on the figure: per seed,
±1 binomial SE of the reproduction's accuracy (n = its test set); on the means, ±1 sample SD over
the seeds (n = seeds), for the report's numbers too. The report's per-seed numbers carry no bar:
it does not state its test set's size.

Figure 2: validation accuracy per epoch, one line per (framework, init, seed), each run's best
epoch (the checkpoint that is tested) starred, and the epoch the report states as the best. Runs
of one epoch (the smoke scale) have no curve and no best epoch to choose: the figure then shows
each run's one validation accuracy by cell and seed, and says that the report's epoch lies beyond.

The builders return matplotlib Figures (tests inspect their artists); :func:`png` renders one.
"""

from __future__ import annotations

import io
import statistics
import textwrap

from harness.core.records import RunResult

COLORS = {("fairseq", "pretrained"): "#1f77b4", ("fairseq", "random"): "#d62728",
          ("hf", "pretrained"): "#2ca02c", ("hf", "random"): "#ff7f0e"}
MARKERS = "osD^v<>"
ERRORS_NOTE = ("error bars: per seed ±1 binomial SE (n = {n} test sentences); "
               "means ±1 sample SD over seeds (n = {k} seeds); the report states no n per seed")
CLAIMS_ONLY_NOTE = ("the report's numbers alone (no results given); means ±1 sample SD over seeds (n = {k} seeds); "
                    "the report states no n per seed, so its seeds carry no bar")


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png(fig) -> bytes:
    """The figure as PNG bytes (and closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    pyplot().close(fig)
    return buf.getvalue()


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def figure1(runs: dict[tuple[str, str], list[RunResult]], stated: dict[tuple[str, str], dict[int, float]],
            title: str, source: str = ""):
    """``runs``: (framework, init) -> this reproduction's runs; ``stated``: (framework, init) ->
    {seed: the report's test accuracy in points}; ``source``: where the report's numbers come from
    (the claims file's ``source``), the legend's title. Bars in percent; the last group is the mean.
    Without runs, the report's cells alone (``report --claims FILE`` without results)."""
    plt = pyplot()
    cells = [c for c in COLORS if runs.get(c)] or [c for c in COLORS if stated.get(c)]
    seeds = sorted({r.spec.seed for c in cells for r in runs.get(c, ())} | {s for c in cells for s in stated.get(c, {})})
    groups = [f"Seed {s}" for s in seeds] + ["mean"]
    series = [(c, who) for c in cells for who in ("report", "reproduction") if who == "report" or runs.get(c)]
    width = 0.84 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(max(6.4, 1.4 * len(groups) + 0.3 * len(series)), 4.4))
    sizes = sorted({r.test_size for c in cells for r in runs.get(c, ())})
    for i, ((fw, init), who) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        if who == "report":
            by_seed = stated.get((fw, init), {})
            values, errs = [by_seed.get(s) for s in seeds], [float("nan")] * len(seeds)  # no n: no bar
            style = dict(color="white", edgecolor=COLORS[(fw, init)], hatch="///", lw=1.2)
        else:
            mine = {r.spec.seed: r for r in runs[(fw, init)]}
            values = [100 * mine[s].test_accuracy if s in mine else None for s in seeds]
            errs = [100 * mine[s].test_se if s in mine else 0.0 for s in seeds]
            style = dict(color=COLORS[(fw, init)])
        present = [v for v in values if v is not None]
        values, errs = values + [statistics.fmean(present) if present else None], errs + [_sd(present)]
        xs = [g + offset for g, v in enumerate(values) if v is not None]
        ys, es = [v for v in values if v is not None], [e for v, e in zip(values, errs) if v is not None]
        if not ys:
            continue
        label = f"{'the report' if who == 'report' else 'this reproduction'}: {fw} {init}"
        bars = ax.bar(xs, ys, width, yerr=es, capsize=3, label=label, gid=f"{who}:{fw}:{init}", **style)
        ax.bar_label(bars, labels=[f"{y:.1f}" for y in ys], padding=2, fontsize=7, rotation=90)
    ax.axhline(50, color="grey", lw=0.8, ls=":", label="chance (binary)")
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), title_fontsize=7,
              title=textwrap.fill(f"the report: {source}", 42) if source else None)
    note = (ERRORS_NOTE.format(n=" / ".join(f"{n:,}" for n in sizes), k=len(seeds)) if sizes else
            CLAIMS_ONLY_NOTE.format(k=len(seeds)))
    ax.text(0.0, -0.09, note, transform=ax.transAxes, ha="left", va="top", fontsize=7, gid="errors-note")
    return fig


def figure2(runs: list[RunResult], stated_epoch: int | None, title: str):
    """One line per run (colour: framework and init; line: framework; marker: seed), each run's best
    epoch starred, and a dotted line at the epoch the report states as the best. Runs of one epoch:
    :func:`one_epoch`."""
    if runs and max(len(r.valid_accuracy) for r in runs) == 1:
        return one_epoch(runs, stated_epoch, title)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    for r in runs:
        fw, init, seed = r.spec.framework, r.spec.init, r.spec.seed
        epochs = list(range(1, len(r.valid_accuracy) + 1))
        ys = [100 * a for a in r.valid_accuracy]
        ax.plot(epochs, ys, color=COLORS.get((fw, init)), marker=MARKERS[seed % len(MARKERS)], ms=4,
                ls="-" if fw == "fairseq" else "--", label=f"{fw} {init}, seed {seed}")
        ax.plot([r.best_epoch], [ys[r.best_epoch - 1]], ls="none", marker="*", ms=14, mfc="none",
                mec="black", gid=f"best:{r.spec.name}")
    ax.plot([], [], ls="none", marker="*", ms=12, mfc="none", mec="black",
            label="best validation epoch (its checkpoint is tested)")
    if stated_epoch:
        ax.axvline(stated_epoch, color="grey", ls=":", lw=1, label=f"the report: best after {stated_epoch} epochs")
    longest = max([len(r.valid_accuracy) for r in runs] + [stated_epoch or 1])
    ax.set_xticks(range(1, longest + 1))
    ax.set_xlim(0.5, longest + 0.5)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


ONE_EPOCH_NOTE = ("one epoch per run: no curve, and no best epoch to choose (epoch 1 is the checkpoint tested); "
                  "the report's best epoch ({epoch}) lies beyond these runs")


def one_epoch(runs: list[RunResult], stated_epoch: int, title: str):
    """What one epoch has: each run's validation accuracy after it, one column per (framework, init),
    the seeds side by side (marker: seed), and a note that the report's best epoch lies beyond."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    cells = [c for c in COLORS if any((r.spec.framework, r.spec.init) == c for r in runs)]
    seeds = sorted({r.spec.seed for r in runs})
    for i, cell in enumerate(cells):
        for r in sorted((r for r in runs if (r.spec.framework, r.spec.init) == cell), key=lambda r: r.spec.seed):
            x = i + (seeds.index(r.spec.seed) - (len(seeds) - 1) / 2) * 0.12
            ax.plot([x], [100 * r.valid_accuracy[0]], ls="none", marker=MARKERS[r.spec.seed % len(MARKERS)], ms=7,
                    color=COLORS[cell], label=f"{cell[0]} {cell[1]}, seed {r.spec.seed}", gid=f"valid:{r.spec.name}")
    ax.set_xticks(range(len(cells)), [f"{fw} {init}" for fw, init in cells])
    ax.set_xlim(-0.5, len(cells) - 0.5)
    ax.set_ylabel("validation accuracy after epoch 1 (%)")
    ax.set_title(title)
    ax.text(0.0, -0.09, ONE_EPOCH_NOTE.format(epoch=stated_epoch), transform=ax.transAxes, ha="left", va="top",
            fontsize=7, gid="one-epoch-note")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig
