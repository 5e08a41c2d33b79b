"""The report's figures, drawn once per input: a PNG is kept in ``<cache>/figures/`` under a key
that hashes everything the drawing reads -- the numbers of each run it plots, the report's numbers,
the title, the bytes of ``harness/report/figures.py`` and matplotlib's version -- so a warm
``reproduce`` copies two files instead of importing matplotlib and drawing (about 2 s). A new run,
a new claims file or an edit to the figure code draws again. Entries are written atomically; a
damaged one is drawn again and replaced.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Callable
from pathlib import Path

from harness.core import atomic, env
from harness.core.records import RunResult
from harness.report import figures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_facts(r: RunResult) -> dict:
    """What a figure reads of a run."""
    return {"name": r.spec.name, "framework": r.spec.framework, "init": r.spec.init, "seed": r.spec.seed,
            "test_accuracy": r.test_accuracy, "test_size": r.test_size, "valid_accuracy": list(r.valid_accuracy),
            "best_epoch": r.best_epoch}


def key(kind: str, inputs) -> str:
    parts = {"kind": kind, "inputs": inputs, "code": hashlib.sha256(Path(figures.__file__).read_bytes()).hexdigest(),
             "matplotlib": importlib.metadata.version("matplotlib")}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def png(kind: str, inputs, draw: Callable[[], object]) -> bytes:
    """The PNG of ``draw()`` (a matplotlib Figure) for ``inputs`` (JSON-able): cached, else drawn."""
    path = env.cache_dir() / "figures" / f"{kind}-{key(kind, inputs)}.png"
    try:
        blob = path.read_bytes()
        if blob.startswith(PNG_MAGIC) and blob.rstrip().endswith(b"IEND\xaeB`\x82"):
            return blob
    except OSError:
        pass  # not drawn yet (or unreadable): draw it
    blob = figures.png(draw())
    atomic.write_bytes(path, blob)
    return blob
