"""The run cache: one entry per (run spec, everything that determines its result).

An entry is ``<root>/<RunSpec.name>-<key[:16]>.json`` (the key: ``harness.runs.key``), holding the
result and a checksum of it, written atomically under a file lock (``harness.core.locking``), so
pytest-xdist workers, two shells or Slurm jobs asking for the same run train it once. A damaged
entry is named, moved aside and recomputed; a killed run leaves no entry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import warnings
from pathlib import Path

from harness.core import atomic, env, locking
from harness.core.config import ConfigError, build
from harness.core.records import RunResult, RunSpec
from harness.runs.key import cache_key, inputs, key_parts
from harness.runs.provenance import stamp
from harness import train


TRAIN_LOG_ENV = "LAB_REPRO_TRAIN_LOG"  # tests only: every training appends "<run> start|done <key> <pid>"
ENTRY_FORMAT = 1  # a cache entry is {"format", "sha256" (of the result's canonical JSON), "result"}


class CorruptEntryWarning(UserWarning):
    """A cache entry failed its checksum or its schema: it is moved aside and recomputed."""


def entry_path(root: str | Path, spec: RunSpec, key: str) -> Path:
    return Path(root) / f"{spec.name}-{key[:16]}.json"


def cache_root_of(cache_root: str | Path | None = None) -> Path:
    """The run cache directory: ``cache_root`` (``--cache``), else ``<harness cache>/runs``."""
    return Path(cache_root) if cache_root else env.cache_dir() / "runs"


def locate(spec: RunSpec, profile, data_dir: str | Path, checkpoint,
               cache_root: str | Path | None = None) -> tuple[Path, dict]:
    """(the cache entry ``<root>/<RunSpec.name>-<key[:16]>.json`` of ``spec`` on this machine, its key parts)."""
    parts = key_parts(spec, profile, data_dir, checkpoint)
    return cache_root_of(cache_root) / f"{spec.name}-{cache_key(parts)[:16]}.json", parts


def cached_result(spec: RunSpec, profile, data_dir: str | Path, checkpoint,
                  cache_root: str | Path | None = None) -> RunResult | None:
    """The cached result of ``spec`` (the entry ``get_or_run`` would return), or None: trains nothing."""
    entry, _ = locate(spec, profile, data_dir, checkpoint, cache_root)
    return valid_entry(entry)


def get_or_run(spec: RunSpec, profile, data_dir: str | Path, checkpoint,
               cache_root: str | Path | None = None, *, bar=None) -> RunResult:
    """The cached result of ``spec``, training it first if no entry matches its key.

    Entries are ``<cache_root>/<RunSpec.name>-<key[:16]>.json``, written atomically under a file
    lock, so pytest-xdist workers (or two shells) asking for the same run train it once. An entry
    whose checksum or schema fails is never returned: a warning names it, it is moved aside to
    ``<entry>.corrupt`` and the run is recomputed. A killed run leaves no entry (the lock is the
    kernel's ``flock``: it dies with its owner).
    """
    entry, parts = locate(spec, profile, data_dir, checkpoint, cache_root)
    key = cache_key(parts)
    root = entry.parent
    root.mkdir(parents=True, exist_ok=True)
    with locking.held(entry, spec.name):
        cached = valid_entry(entry)
        if cached is not None:
            return cached
        workdir = root / "work" / entry.stem
        _log_training(spec, key, "start")
        with recording_nondeterminism() as kernels:
            result = train.runner(spec.framework)(spec, profile, Path(data_dir), checkpoint, workdir,
                                            **({"bar": bar} if bar is not None else {}))
        result = dataclasses.replace(result, provenance={
            **result.provenance, **stamp(), "cache_key": key, "key_parts": parts,
            "nondeterministic_kernels": sorted(set(kernels)), "inputs": inputs(parts, data_dir, checkpoint)})
        write_entry(entry, result)
        _log_training(spec, key, "done")
        shutil.rmtree(workdir, ignore_errors=True)
        return read_entry(entry)  # as a warm run will see it (JSON: tuples come back as lists)


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def write_entry(path: Path, result: RunResult) -> Path:
    payload = result.to_dict()
    return atomic.write_json(path, {"format": ENTRY_FORMAT, "sha256": _digest(payload), "result": payload})


def read_entry(path: Path) -> RunResult:
    """A cache entry's result; :class:`ConfigError` when it is truncated, edited or invalid."""
    raw = atomic.read_json(path)
    if not isinstance(raw, dict) or raw.get("format") != ENTRY_FORMAT or not isinstance(raw.get("result"), dict):
        raise ConfigError(f"{path}: not a cache entry of format {ENTRY_FORMAT}")
    if _digest(raw["result"]) != raw.get("sha256"):
        raise ConfigError(f"{path}: checksum mismatch (the entry was edited or damaged)")
    try:
        return build(RunResult, raw["result"], str(path))
    except (ConfigError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def valid_entry(entry: Path) -> RunResult | None:
    """The entry's result, or None when there is none; a bad entry is reported and moved aside."""
    if not entry.exists():
        return None
    try:
        return read_entry(entry)
    except ConfigError as exc:
        aside = entry.with_name(entry.name + ".corrupt")
        os.replace(entry, aside)
        warnings.warn(f"corrupt cache entry {entry}: {exc}; moved to {aside.name}, recomputing",
                      CorruptEntryWarning, stacklevel=3)
        return None


def _log_training(spec: RunSpec, key: str, event: str) -> None:
    log = os.environ.get(TRAIN_LOG_ENV)
    if log:  # one short O_APPEND write per line: lines from several processes never interleave
        with open(log, "a") as fh:
            fh.write(f"{spec.name} {event} {key[:16]} {os.getpid()}\n")


NONDETERMINISTIC = r".*does not have a deterministic implementation"


@contextlib.contextmanager
def recording_nondeterminism():
    """Collect the ops that ran without a deterministic implementation (torch's ``warn_only``
    alerts) into the yielded list; every other warning is shown as usual afterwards."""
    kernels: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", message=NONDETERMINISTIC)
        yield kernels
    for w in caught:
        text = str(w.message)
        if re.match(NONDETERMINISTIC, text):
            kernels.append(text.split(" does not have", 1)[0].strip())
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
