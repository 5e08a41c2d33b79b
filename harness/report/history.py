"""The gate's history as a figure: each gated metric over the commits of a ``gate --history`` file,
with its expected value and tolerance band (scores) or its verdict string (verdicts)."""

from __future__ import annotations

import math
from pathlib import Path

from harness.core import atomic
from harness.gate.expected import is_record, is_verdict
from harness.gate.history import read
from harness.report.figures import png, pyplot


def figure(records: list[dict], title: str) -> bytes:
    """One panel per gated metric over the records (x: commit): the obtained value, the expected
    value and its tolerance band (scores), or the verdict string (verdicts); failures in red. A
    run's records (updates, best epoch, validation curve and predictions: equal or drift) get a panel
    only where one of them failed: dozens of flat lines would hide the scores."""
    plt = pyplot()
    names = sorted({n for rec in records for n, m in rec["metrics"].items()
                    if not is_record(n) or (m or {}).get("status", "ok") != "ok"})
    cols = 3
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 2.6 * rows), squeeze=False)
    labels = [f"{i}:{str(rec['commit'])[:7]}" for i, rec in enumerate(records)]
    xs = list(range(len(records)))
    for ax, name in zip(axes.flat, names):
        ms = [rec["metrics"].get(name) or {} for rec in records]
        bad = [i for i, m in enumerate(ms) if m and m.get("status") != "ok"]
        if is_verdict(name):
            cats = sorted({str(v) for m in ms for v in (m.get("value"), m.get("expected")) if v is not None})
            ys = [cats.index(str(m["value"])) if m.get("value") is not None else math.nan for m in ms]
            ax.step(xs, [cats.index(str(m["expected"])) if m.get("expected") is not None else math.nan for m in ms],
                    where="mid", color="grey", lw=6, alpha=0.3, label="expected")
            ax.plot(xs, ys, "o", color="#1f77b4")
            ax.set_yticks(range(len(cats)), cats, fontsize=7)
        else:
            ys = [m.get("value") if isinstance(m.get("value"), (int, float)) else math.nan for m in ms]
            exp = [m.get("expected") if isinstance(m.get("expected"), (int, float)) else math.nan for m in ms]
            tol = [m.get("tolerance") if isinstance(m.get("tolerance"), (int, float)) else math.nan for m in ms]
            ax.fill_between(xs, [e - t for e, t in zip(exp, tol)], [e + t for e, t in zip(exp, tol)],
                            step="mid", color="grey", alpha=0.25, label="expected ± tolerance")
            ax.step(xs, exp, where="mid", color="grey", lw=0.8)
            ax.plot(xs, ys, "o-", color="#1f77b4", ms=4)
        ax.plot([xs[i] for i in bad], [ys[i] for i in bad], "o", color="#d62728", ms=7, label="fails the gate")
        ax.set_title(name, fontsize=8)
        ax.set_xticks(xs, labels, fontsize=6, rotation=45)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    return png(fig)


def report_blocks(path: str | Path, out_dir: Path) -> list:
    """The report's section for a history file (``harness.report`` block format)."""
    records = read(path)
    name = "history.png"
    atomic.write_bytes(Path(out_dir) / name, figure(records, f"Gated metrics over {len(records)} gate runs"))
    profiles = ", ".join(sorted({r["profile"] for r in records}))
    first, last = records[0], records[-1]
    return [("p", f"`{path}`: {len(records)} gate runs (profiles: {profiles}), commits "
                  f"`{str(first['commit'])[:12]}` ({first['date']}) to `{str(last['commit'])[:12]}` ({last['date']}). "
                  "Grey: the expected value and its tolerance band; red: a run that failed the gate."),
            ("img", name, "Each gated metric over the commits, with its tolerance band")]
