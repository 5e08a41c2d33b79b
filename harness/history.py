"""The history of the gated metrics: ``gate --history FILE`` appends one JSON line per gate run
(the commit, the results' provenance, every gated metric with its expected value and tolerance);
``report --history FILE`` plots each metric over the commits with its tolerance band, the trend
view that benchmark trackers give and a single diff does not.

A line: ``{"schema": 1, "date", "commit", "profile", "expected", "exit_code", "provenance",
"libraries", "metrics": {name: {"value", "expected", "tolerance", "status"}}}``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

from harness import atomic, env
from harness.config import ConfigError
from harness.gate import Outcome, is_verdict
from harness.results import git_commit

SCHEMA_VERSION = 1
REQUIRED = ("schema", "date", "commit", "profile", "exit_code", "provenance", "metrics")


def record(o: Outcome) -> dict:
    return {"schema": SCHEMA_VERSION, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "commit": git_commit(), "profile": o.profile, "expected": str(o.expected_path), "exit_code": o.code,
            "provenance": o.provenance, "libraries": env.library_versions(),
            "metrics": {r.metric: {"value": r.obtained, "expected": r.expected, "tolerance": r.tolerance,
                                   "status": r.status} for r in o.rows}}


def append(path: str | Path, o: Outcome) -> Path:
    """Append one line (a single write on a file opened for appending: lines never interleave)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record(o), sort_keys=True) + "\n")
    return path


def read(path: str | Path) -> list[dict]:
    """Every record, oldest first; an error names file:line for a line that is not a record."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"{path}: history file not found (write it with `harness gate ... --history {path}`)") from None
    records = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{n}: not a JSON line ({exc}); truncated?") from None
        if not isinstance(rec, dict) or any(k not in rec for k in REQUIRED) or rec["schema"] != SCHEMA_VERSION:
            raise ConfigError(f"{path}:{n}: not a gate history record (needs {', '.join(REQUIRED)}, schema 1)")
        records.append(rec)
    if not records:
        raise ConfigError(f"{path}: no records")
    return records


def figure(records: list[dict], title: str) -> bytes:
    """One panel per gated metric over the records (x: commit): the obtained value, the expected
    value and its tolerance band (scores), or the verdict string (verdicts); failures in red."""
    from harness.figures import _pyplot, png

    plt = _pyplot()
    names = sorted({n for rec in records for n in rec["metrics"]})
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
