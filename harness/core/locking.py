"""Inter-process locks that say who holds them.

``held(path, what)`` takes ``<path>.lock`` (filelock's ``UnixFileLock``: the kernel's ``flock``,
released when its owner dies, even by SIGKILL, so a lock file left on disk never blocks). While it
is held, ``<path>.owner`` names the holder (pid, host, what, since when). A caller that has to
wait prints one line naming the holder, so a long wait is never a silent hang.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from pathlib import Path


def owner_of(path: str | Path) -> dict | None:
    """The recorded holder of ``path``'s lock (None when not recorded or unreadable)."""
    try:
        owner = json.loads(Path(f"{path}.owner").read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(owner: dict | None) -> str:
    if not owner:
        return "an unrecorded holder"
    text = f"pid {owner.get('pid')} on {owner.get('host')} ({owner.get('what')}, since {owner.get('since')})"
    if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int) \
            and not pid_alive(owner["pid"]):
        text += ("; that process is gone, so a child it started holds the lock: end that child "
                 "or wait for it")
    return text


@contextlib.contextmanager
def held(path: str | Path, what: str, out=None):
    """Hold ``<path>.lock``; print one line to ``out`` (stderr) when another process holds it."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{path}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"waiting for {Path(path).name}: locked by {describe(owner_of(path))}",
              file=out or sys.stderr, flush=True)
        lock.acquire()
    owner = Path(f"{path}.owner")
    try:
        owner.write_text(json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(), "what": what,
            "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}))
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()
