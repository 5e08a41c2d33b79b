"""The history of the gated metrics: ``gate --history FILE`` appends one JSON line per gate run
(the commit, the results' provenance, every gated metric with its expected value and tolerance);
``report --history FILE`` plots each metric over the commits with its tolerance band
(``harness.report.history``), the trend view that benchmark trackers give and a single diff does not.

A line: ``{"schema": 1, "date", "commit", "profile", "expected", "regime", "exit_code", "provenance",
"libraries", "metrics": {name: {"value", "expected", "tolerance", "status"}}}`` (``regime``: exact or
cross_numerics, cross_precision in lines written before the numerics keys; absent from lines
written before the regimes).
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

from harness.core.config import ConfigError
from harness.gate.drift import Outcome
from harness.runs import provenance
from harness.runs.provenance import git_commit

SCHEMA_VERSION = 1
REQUIRED = ("schema", "date", "commit", "profile", "exit_code", "provenance", "metrics")


def record(o: Outcome) -> dict:
    return {"schema": SCHEMA_VERSION, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "commit": git_commit(), "profile": o.profile, "expected": str(o.expected_path),
            "regime": o.regime.name if o.regime else None, "exit_code": o.code,
            "provenance": o.provenance, "libraries": provenance.library_versions(),
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
        raise ConfigError(f"{path}: history file not found (write it with `python -m harness gate ... --history {shlex.quote(str(path))}`)") from None
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


