"""The results store: a directory of :class:`~harness.core.records.RunResult` files.

Layout: ``<dir>/<profile>/<RunSpec.name>.json`` (:func:`results_path`); several profiles can sit
side by side. Every file is validated on read (``harness.core.records.load_result``: an error names
the file and the field), and its place in the tree must match its content (a file named for seed 0
that holds seed 1 is an error, never a silent mix-up). :func:`describe_provenance` reads one
result's provenance back as labelled rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError
from harness.core.records import RunResult, RunSpec, load_result


def results_path(results_dir: str | Path, spec: RunSpec) -> Path:
    """Where a collected result lives: ``<dir>/<profile>/<RunSpec.name>.json``."""
    return Path(results_dir) / spec.profile / f"{spec.name}.json"



@dataclass(frozen=True)
class Results:
    """Every run of one results directory, by profile."""

    root: Path
    runs: dict[str, dict[RunSpec, RunResult]]  # profile -> spec -> result

    @property
    def profiles(self) -> list[str]:
        return sorted(self.runs)

    def group(self, profile: str, framework: str, init: str) -> list[RunResult]:
        """The runs of one (framework, init) cell of a profile, ordered by seed."""
        cell = [r for s, r in self.runs.get(profile, {}).items() if (s.framework, s.init) == (framework, init)]
        return sorted(cell, key=lambda r: r.spec.seed)

    def all(self, profile: str | None = None) -> list[RunResult]:
        profiles = [profile] if profile else self.profiles
        return [r for p in profiles for r in sorted(self.runs.get(p, {}).values(), key=_order)]


def _order(r: RunResult):
    return (r.spec.framework, r.spec.init, r.spec.seed)


_READ: dict[tuple[str, bytes], RunResult] = {}  # (a file, the sha256 of its bytes) -> the result they hold


def _load(path: Path) -> RunResult:
    """``load_result(path)``, memoised on the file's path and bytes: the gate, the ledger and the report
    read the same results directories again and again (a result is immutable; a file rewritten while it
    was read is not memoised, a broken one raises each time)."""
    try:
        data = path.read_bytes()
    except OSError:
        return load_result(path)  # its error names the file
    key = (str(path), hashlib.sha256(data).digest())  # the digest, not the bytes: a few MB, not hundreds
    if key not in _READ:
        result = load_result(path)
        if path.read_bytes() != data:
            return result
        if len(_READ) >= 20_000:
            _READ.clear()
        _READ[key] = result
    return _READ[key]


def load_results(root: str | Path, profile: str | None = None) -> Results:
    """Read ``root/<profile>/*.json`` (all profiles, or only ``profile``).

    Raises :class:`ConfigError` naming the file for a missing directory, an empty one (naming
    ``root/results`` when that holds the results: ``reproduce --out`` passed one level too high), a
    corrupt or truncated file, a schema violation, or a file whose name or folder disagrees with its spec.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: results directory not found")
    dirs = [root / profile] if profile else sorted(p for p in root.iterdir() if p.is_dir())
    runs: dict[str, dict[RunSpec, RunResult]] = {}
    for d in dirs:
        loaded = [(path, _load(path)) for path in sorted(d.glob("*.json"))]
        placed = {r.spec: path for path, r in loaded if (r.spec.profile, r.spec.name) == (d.name, path.stem)}
        for path, result in loaded:
            spec = result.spec
            if spec not in placed or placed[spec] != path:
                raise ConfigError(
                    f"{path}: holds run {spec.name!r} (profile {spec.profile!r}); expected the file "
                    f"<dir>/{spec.profile}/{spec.name}.json"
                    + (f"; a duplicate of {placed[spec].name}: keep one of them" if spec in placed
                       else ": move it there")
                )
            runs.setdefault(d.name, {})[spec] = result
        _one_origin(loaded)
    if not runs and not profile and any(root.glob("*.json")):
        raise ConfigError(f"{root}: holds result files itself; pass its parent (<dir>/<profile>/<run>.json)")
    if not runs and not profile and any((root / "results").glob("*/*.json")):  # `reproduce --out` itself
        raise ConfigError(f"{root}: no result files here, but {root / 'results'} holds them: pass {root / 'results'} "
                          "(a results directory is <dir>/<profile>/<run>.json)")
    if not runs:
        where = root / profile if profile else root
        raise ConfigError(f"{where}: no result files (<dir>/<profile>/<run>.json)")
    return Results(root=root, runs=runs)


def _one_origin(loaded: list) -> None:
    """The runs of one profile must come from one data set and one checkpoint (when recorded)."""
    for label in ("data hash", "checkpoint hash"):
        seen = {}
        for path, result in loaded:
            value = describe_provenance(result)[label]
            if value != "not recorded":
                seen.setdefault(value, path)
        if len(seen) > 1:
            (a, pa), (b, pb) = list(seen.items())[:2]
            raise ConfigError(f"{pb}: {label} {b[:12]} differs from {pa.name}'s {a[:12]}: one profile's "
                              "results must come from the same inputs; rerun them or keep them apart")


def describe_provenance(result: RunResult) -> dict[str, str]:
    """One result's provenance as flat ``label -> value`` rows (for the report).

    Runners record ``hardware``, ``checkpoint_hash`` (and ``data_hash``); the run cache adds
    ``key_parts`` (data and checkpoint hashes, library versions, device) and :func:`stamp`.
    """
    p = result.provenance
    parts = p.get("key_parts") or {}
    rows = {
        "git commit": p.get("git_commit"),
        "data hash": p.get("data_hash") or parts.get("data"),
        "checkpoint hash": p.get("checkpoint_hash") or parts.get("checkpoint"),
    }
    rows.update({f"hardware: {k}": v for k, v in (p.get("hardware") or {}).items()})
    libraries = p.get("libraries") or parts.get("versions") or p.get("framework_version") or {}
    rows.update({f"library: {k}": v for k, v in libraries.items()})
    return {k: "not recorded" if v is None else str(v) for k, v in rows.items()}
