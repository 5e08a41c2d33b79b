"""The run cache's entries and their status, and what pruning removes (``python -m harness cache``).

``list`` shows every entry of the run cache (``<cache>/runs`` or ``--cache DIR``) with its
profile, size, age and status:

- ``ok``: this harness, with these libraries, computes the same key for its inputs: reachable;
- ``stale (code)`` / ``stale (libraries)``: the harness sources of its framework or the library
  versions changed since it was written, so no key computed now can reach it;
- ``corrupt``: it fails its checksum or schema (a run moves such an entry to ``*.corrupt``).

``prune`` removes the stale and corrupt entries, ``*.corrupt`` files, the leftovers of killed
runs (``work/<run>`` directories and temporary files whose lock nobody holds) and imports of the
embedded encoder made by another harness version. Lock files stay (they are empty; deleting one
that another process is about to take would break the once-only guarantee). ``--dry-run`` only
prints. Entries keyed by inputs (data, checkpoint, profile, environment) are kept: other data or
another shell may still ask for them.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from harness.core import env
from harness.core.config import ConfigError
from harness.inputs import checkpoints
from harness.runs import key
from harness.runs.cache import read_entry
from harness import train


@dataclass(frozen=True)
class Entry:
    path: Path
    status: str  # ok | stale (code) | stale (libraries) | corrupt
    profile: str
    run: str
    size: int
    age_s: float


def runs_root(cache: str | Path | None = None) -> Path:
    return Path(cache) if cache else env.cache_dir() / "runs"


def status(path: Path) -> tuple[str, str, str]:
    """(status, profile, run name) of one entry file."""
    try:
        result = read_entry(path)
    except ConfigError:
        run = path.stem.rsplit("-", 1)[0]  # <profile>-<framework>-<init>-seed<N>-<key16>
        return "corrupt", run.rsplit("-", 3)[0], run
    parts = result.provenance.get("key_parts") or {}
    current = {**parts, "source": train.source_hash(result.spec.framework)}
    if key.cache_key(current) != result.provenance.get("cache_key"):
        return "stale (code)", result.spec.profile, result.spec.name
    current["versions"] = key.keyed_versions()
    if key.cache_key(current) != result.provenance.get("cache_key"):
        return "stale (libraries)", result.spec.profile, result.spec.name
    return "ok", result.spec.profile, result.spec.name


def entries(root: Path) -> list[Entry]:
    now = time.time()
    out = []
    for path in sorted(root.glob("*.json")):
        st = path.stat()
        out.append(Entry(path, *status(path), st.st_size, now - st.st_mtime))
    return out


def _free(entry_path: Path) -> bool:
    """True when nobody holds the run's lock (so its leftovers belong to no live run)."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{entry_path}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    lock.release()
    return True


def leftovers(root: Path) -> list[Path]:
    """Files and directories no live run owns: ``*.corrupt``, ``work/<run>`` and atomic-write
    temporaries (``.<entry>.<random>``) whose entry lock is free."""
    found = sorted(root.glob("*.corrupt"))
    work = root / "work"
    for d in sorted(work.iterdir()) if work.is_dir() else []:
        if _free(root / f"{d.name}.json"):
            found.append(d)
    for tmp in sorted(root.glob(".*.json.*")):
        if _free(root / tmp.name[1:].rsplit(".", 1)[0]):
            found.append(tmp)
    return found


def stale_imports() -> list[Path]:
    """Imports of the embedded encoder that this harness would not use (another stamp)."""
    current = checkpoints.embedded_dir()
    return [d for d in sorted((env.cache_dir() / "checkpoints").glob("embedded-minilm*"))
            if d.is_dir() and d != current]


def size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def dead(root: Path, imports: bool = True) -> list[Path]:
    """What ``prune`` removes: stale and corrupt entries, killed runs' leftovers and, with
    ``imports``, the embedded encoder's imports made by another harness version."""
    found = [e.path for e in entries(root) if e.status != "ok"] + leftovers(root)
    return found + (stale_imports() if imports else [])


def remove(path: Path) -> int:
    """Delete a file or directory; the bytes freed."""
    freed = size(path)
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    return freed
