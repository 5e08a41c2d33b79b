"""Atomic writes: a file or a whole directory appears complete or not at all; and JSON reads that
name the file when it is missing or damaged.

Everything the harness writes (results, reports, figures, fetched data, imported checkpoints)
goes through here: written beside its destination under a temporary name, then ``os.replace``-d.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from harness.core.config import ConfigError


def write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; results and reports are meant to be shared
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def read_json(path: str | Path):
    """The JSON in ``path``; a :class:`ConfigError` naming the file when it is missing or not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); truncated or corrupt?") from None


def write_json(path: str | Path, payload) -> Path:
    """JSON (sorted keys, indented); a payload that does not serialise leaves nothing behind."""
    return write_text(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def directory(out: str | Path):
    """Yield a fresh temporary directory beside ``out``; when the block succeeds it replaces
    ``out`` whole, when it fails it is removed and ``out`` is left as it was."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    tmp.chmod(0o755)
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def writable_dir(path: str | Path, flag: str = "--out") -> Path:
    """Check before any work that ``path`` is, or can become, a directory this process writes in
    (a probe file is created and removed: permission bits, ACLs and read-only mounts all count)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path}: {flag} is a file, not a directory: give a directory (new or existing)")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise ConfigError(f"{existing}: {flag} {path} lies under a file: give a directory path")
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=existing)
    except OSError as exc:
        raise ConfigError(f"{existing}: {flag} {path} is not writable ({exc.strerror}): choose a "
                          "directory you can write to") from None
    os.close(fd)
    os.unlink(probe)
    return path
