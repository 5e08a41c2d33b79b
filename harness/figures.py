"""The report's two figures, drawn from results (matplotlib, Agg backend: no display needed).

Figure 1: test accuracy per seed, pretrained vs random init (one framework), with each run's
binomial standard error. Figure 2: validation accuracy per epoch of the HF runs, best epoch marked.
Both return PNG bytes; the caller writes them (atomically).
"""

from __future__ import annotations

import io

from harness.runs import RunResult

COLORS = {"pretrained": "#1f77b4", "random": "#d62728"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    _pyplot().close(fig)
    return buf.getvalue()


def figure1_test_accuracy(groups: dict[str, list[RunResult]], title: str) -> bytes:
    """Figure 1: ``groups`` maps init -> runs (ordered by seed); bars in percent with ±1 SE."""
    plt = _pyplot()
    seeds = sorted({r.spec.seed for runs in groups.values() for r in runs})
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    width = 0.8 / max(len(groups), 1)
    for i, (init, runs) in enumerate(groups.items()):
        xs = [seeds.index(r.spec.seed) + (i - (len(groups) - 1) / 2) * width for r in runs]
        ys = [100 * r.test_accuracy for r in runs]
        bars = ax.bar(xs, ys, width, yerr=[100 * r.test_se for r in runs], capsize=3,
                      color=COLORS.get(init), label=init)
        ax.bar_label(bars, labels=[f"{y:.1f}" for y in ys], padding=2, fontsize=8)
    ax.axhline(50, color="grey", lw=0.8, ls=":", label="chance (binary)")
    ax.set_xticks(range(len(seeds)), [f"Seed {s}" for s in seeds])
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title(title)
    ax.legend(loc="upper center", ncol=3, fontsize=8)
    return _png(fig)


def figure2_validation(runs: list[RunResult], title: str) -> bytes:
    """Figure 2: one line per run (colour: init, marker: seed); the best epoch circled."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    markers = "osD^v<>"
    for r in runs:
        epochs = list(range(1, len(r.valid_accuracy) + 1))
        ys = [100 * a for a in r.valid_accuracy]
        ax.plot(epochs, ys, color=COLORS.get(r.spec.init), marker=markers[r.spec.seed % len(markers)],
                ls="-" if r.spec.init == "pretrained" else "--", label=f"{r.spec.init}, seed {r.spec.seed}")
        ax.scatter([r.best_epoch], [ys[r.best_epoch - 1]], s=160, facecolors="none", edgecolors="black")
    longest = max((len(r.valid_accuracy) for r in runs), default=1)
    ax.set_xticks(range(1, longest + 1))
    ax.set_xlabel("epoch (circled: best validation epoch, whose checkpoint is tested)")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _png(fig)
