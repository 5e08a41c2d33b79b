"""Token ids computed once per (data, checkpoint, max length) and shared by every run.

Tokenizing and binarizing do not depend on the framework's seed or init, so they are cached beside
the fetched data (``<cache>/prepared/<kind>-<key>/``), built under a file lock and published whole
(``harness.atomic.directory``): nine smoke runs tokenize the 4,000 sentences once, not nine times.
The key hashes the data's content, the checkpoint (weights and tokenizer files), the max length
and the code that builds the entry.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from harness.core import atomic, env
from harness.inputs.data import data_hash, read_split

SPLITS = ("train", "valid", "test")
DONE = "DONE"  # written last: an entry without it is incomplete and rebuilt


def _key(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def cached(kind: str, parts: dict, build: Callable[[Path], None], root: Path | None = None) -> Path:
    """The directory of ``kind`` for ``parts``, calling ``build(tmp_dir)`` once if it is missing."""
    from filelock import FileLock

    root = Path(root) if root else env.cache_dir() / "prepared"
    out = root / f"{kind}-{_key(parts)}"
    if (out / DONE).is_file():
        return out
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out) + ".lock"):
        if not (out / DONE).is_file():
            with atomic.directory(out) as tmp:
                build(tmp)
                (tmp / DONE).write_text(json.dumps(parts, indent=2, sort_keys=True) + "\n")
    return out


def _source_hash() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def encoded(data_dir: str | Path, checkpoint, max_tokens: int) -> dict[str, dict[str, list]]:
    """``{split: {"ids": [[<s> ... </s>], ...], "labels": [str, ...]}}`` from ``checkpoint.encode``."""
    def build(tmp: Path) -> None:
        out = {}
        for split in SPLITS:
            reviews, labels = read_split(data_dir, split)
            out[split] = {"ids": [checkpoint.encode(t, max_tokens) for t in reviews], "labels": labels}
        (tmp / "ids.json").write_text(json.dumps(out))

    parts = {"data": data_hash(data_dir), "checkpoint": checkpoint.hash, "max_tokens": max_tokens,
             "code": _source_hash()}
    return json.loads((cached("ids", parts, build) / "ids.json").read_text())


def label_counts(labels: list[str]) -> dict[str, int]:
    """Gold labels of a split, counted (the majority-class rate is max / sum)."""
    return dict(sorted(Counter(labels).items()))
