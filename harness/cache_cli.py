"""``python -m harness cache list|prune``: the run cache's entries, and removing the dead ones.

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

from harness.config import ConfigError


@dataclass(frozen=True)
class Entry:
    path: Path
    status: str  # ok | stale (code) | stale (libraries) | corrupt
    profile: str
    run: str
    size: int
    age_s: float


def runs_root(cache: str | Path | None = None) -> Path:
    from harness import env

    return Path(cache) if cache else env.cache_dir() / "runs"


def status(path: Path) -> tuple[str, str, str]:
    """(status, profile, run name) of one entry file."""
    from harness import runs

    try:
        result = runs.read_entry(path)
    except ConfigError:
        run = path.stem.rsplit("-", 1)[0]  # <profile>-<framework>-<init>-seed<N>-<key16>
        return "corrupt", run.rsplit("-", 3)[0], run
    parts = result.provenance.get("key_parts") or {}
    current = {**parts, "source": runs.source_hash(result.spec.framework)}
    if runs.cache_key(current) != result.provenance.get("cache_key"):
        return "stale (code)", result.spec.profile, result.spec.name
    current["versions"] = runs.keyed_versions()
    if runs.cache_key(current) != result.provenance.get("cache_key"):
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
    from harness import checkpoints, env

    current = checkpoints.embedded_dir()
    return [d for d in sorted((env.cache_dir() / "checkpoints").glob("embedded-minilm*"))
            if d.is_dir() and d != current]


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def _age(s: float) -> str:
    return f"{s / 86400:.1f} d" if s >= 86400 else f"{s / 3600:.1f} h" if s >= 3600 else f"{s / 60:.0f} min"


def table(items: list[Entry]) -> str:
    rows = [("run", "profile", "size", "age", "status", "file")]
    rows += [(e.run, e.profile, _human(e.size), _age(e.age_s), e.status, e.path.name) for e in items]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("list", "prune"), help="list entries, or remove dead ones")
    parser.add_argument("--cache", help="run cache directory (default: the harness cache's runs/)")
    parser.add_argument("--dry-run", action="store_true", help="prune: print what would go, remove nothing")


def main(args) -> int:
    root = runs_root(args.cache)
    if not root.is_dir():
        print(f"{root}: no run cache yet (nothing cached)")
        return 0
    items = entries(root)
    if args.action == "list":
        print(table(items))
        total = sum(e.size for e in items)
        counts = {s: sum(e.status == s for e in items) for s in sorted({e.status for e in items})}
        print(f"{len(items)} entries, {_human(total)} in {root}: "
              + (", ".join(f"{n} {s}" for s, n in counts.items()) or "none"))
        return 0
    dead = [e.path for e in items if e.status != "ok"] + leftovers(root)
    dead += stale_imports() if args.cache is None else []
    freed = 0
    for path in dead:
        freed += _size(path)
        print(f"{'would remove' if args.dry_run else 'removed'} {path}")
        if not args.dry_run:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    kept = sum(e.status == "ok" for e in items)
    print(f"{'would free' if args.dry_run else 'freed'} {_human(freed)}; {kept} reachable entries kept")
    return 0
