"""``python -m harness cache list|prune``: the run cache's entries, and removing the dead ones.

``list`` shows every entry of the run cache (``<cache>/runs`` or ``--cache DIR``) with its profile,
size, age and status (``harness.runs.admin``: ok, stale (code), stale (libraries), corrupt).
``prune`` removes the stale and corrupt entries, killed runs' leftovers and, on the default cache,
imports of the embedded encoder made by another harness version; ``--dry-run`` only prints.
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("list", "prune"), help="list entries, or remove dead ones")
    parser.add_argument("--cache", help="run cache directory (default: the harness cache's runs/)")
    parser.add_argument("--dry-run", action="store_true", help="prune: print what would go, remove nothing")


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def _age(s: float) -> str:
    return f"{s / 86400:.1f} d" if s >= 86400 else f"{s / 3600:.1f} h" if s >= 3600 else f"{s / 60:.0f} min"


def table(items) -> str:
    rows = [("run", "profile", "size", "age", "status", "file")]
    rows += [(e.run, e.profile, _human(e.size), _age(e.age_s), e.status, e.path.name) for e in items]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def main(args) -> int:
    from harness.runs import admin

    root = admin.runs_root(args.cache)
    if not root.is_dir():
        print(f"{root}: no run cache yet (nothing cached)")
        return 0
    items = admin.entries(root)
    if args.action == "list":
        print(table(items))
        total = sum(e.size for e in items)
        counts = {s: sum(e.status == s for e in items) for s in sorted({e.status for e in items})}
        print(f"{len(items)} entries, {_human(total)} in {root}: "
              + (", ".join(f"{n} {s}" for s, n in counts.items()) or "none"))
        return 0
    freed = 0
    for path in admin.dead(root, imports=args.cache is None):
        freed += admin.size(path) if args.dry_run else admin.remove(path)
        print(f"{'would remove' if args.dry_run else 'removed'} {path}")
    kept = sum(e.status == "ok" for e in items)
    print(f"{'would free' if args.dry_run else 'freed'} {_human(freed)}; {kept} reachable entries kept")
    return 0
