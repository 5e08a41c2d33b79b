"""Provenance that every stored result and expected file records: the checkout's git commit, and
the stamp the run cache adds to a runner's ``RunResult.provenance`` (commit, library versions, time)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import subprocess
from pathlib import Path

from harness.core import env
from harness.core.paths import ROOT


def git_commit(repo: Path = ROOT) -> str:
    """The checkout's commit, with ``+dirty`` when tracked files have changes; "unknown" outside git."""
    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


_VERSIONS: dict = {}  # (the lookup functions, the names) -> the versions they gave


def library_versions(names: tuple[str, ...] = env.LIBRARIES) -> dict[str, str]:
    """``env.library_versions(names)``, read once per process (each read parses every installed
    distribution's metadata: a ledger's facts and every gate run ask), memoised by the lookup functions
    themselves, so a test that replaces ``importlib.metadata.version`` or ``env.library_versions``
    gets what its replacement says (as ``harness.runs.key.keyed_versions``)."""
    lookup = (importlib.metadata.version, env.library_versions, tuple(names))
    if lookup not in _VERSIONS:
        _VERSIONS[lookup] = env.library_versions(tuple(names))
    return dict(_VERSIONS[lookup])


def stamp() -> dict:
    """What every stored result records beyond its runner's own provenance: the harness commit, the
    library versions and the time (``get_or_run`` merges it into ``RunResult.provenance``)."""
    return {
        "git_commit": git_commit(),
        "libraries": library_versions(),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
