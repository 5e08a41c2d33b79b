"""Facts only a library can tell -- a fairseq model's parameter count, what peft does with a
LoraConfig -- computed once and cached on disk, so a ledger answers without importing fairseq,
transformers or peft when nothing they decide has changed.

An entry is ``<cache>/facts/<kind>-<key>.json`` (written atomically). Its key hashes the fact's
inputs, the versions of the libraries that compute it and the bytes of the harness code that does:
a new library version or an edit to that code recomputes it. The value is what ``compute()``
returned (JSON), never anything typed by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from harness.core import atomic, env
from harness.core.config import ConfigError
from harness.runs import provenance


def cached(kind: str, inputs: dict, compute: Callable[[], dict], code: tuple[Path, ...],
           libraries: tuple[str, ...]) -> dict:
    """The fact ``kind`` for ``inputs``: from the cache, else ``compute()`` (then stored)."""
    parts = {"kind": kind, "inputs": inputs, "libraries": provenance.library_versions(libraries),
             "code": {p.name: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in code}}
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    path = env.cache_dir() / "facts" / f"{kind}-{key}.json"
    if path.is_file():
        try:
            stored = atomic.read_json(path)
            if isinstance(stored, dict) and stored.get("parts") == parts:
                return stored["value"]
        except ConfigError:
            pass  # a damaged entry is recomputed and replaced
    env.setup()  # the work-arounds and quiet logging, before fairseq / transformers / peft load
    value = compute()
    atomic.write_json(path, {"parts": parts, "value": value})
    return value
