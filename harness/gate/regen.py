"""Guarded regeneration of an expected file (``python -m harness gate --regen A B --expected FILE``).

``--expected`` is the directory of expected files (the file is named for the results' profile and
numerics key: ``<profile>.fp32.json``, ``<profile>.bf16-<CPU class>.json``), a profile path (``expected/results/smoke``) or that file.
Refuses (ConfigError, exit 2, the file untouched) a dirty or unknown git tree, the same directory
twice, byte-identical runs (a copy or one shared cache), runs the two sets do not share, runs not
computed through the run cache (no cache key), provenance that differs between runs or between the
sets, numerics that differ between the sets or from the file's name, and metrics that disagree
beyond ``[regen].agreement``. Otherwise writes the file atomically with the metrics (values only: the
regime sets tolerances), the numerics, the test set's label counts, the provenance the gate checks,
and a stamp: date, library versions, the commit, ``alpha``, and both sources with their runs' cache
keys. Always exits 3, never 0.

``--spot-check`` is the documented alternative for profiles too costly to compute twice (the lab
profile on a CPU): A is one full computation, B a cold recomputation, with its own cache, of at
least ``SPOT_MIN_RUNS`` of A's runs covering every framework of A. Each of B's runs must agree with
A's run of the same name (test accuracy, validation accuracy per epoch, best epoch, updates) within
``[regen].agreement``; every other guard above still holds. The metrics are A's; the stamp records
the mode and which runs B recomputed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from harness.claims import claimsfile
from harness.core import atomic
from harness.core.atomic import read_json
from harness.core.config import ConfigError
from harness.core.paths import ROOT
from harness.gate import drift, expected, output, regime, tolerances
from harness.runs import provenance
from harness.runs.provenance import git_commit
from harness.runs.results import Results, load_results, results_path


def _recorded_provenance(results: Results, profile: str) -> dict[str, dict]:
    """{framework: provenance}, the same for every run of a framework and fully recorded."""
    out: dict[str, dict] = {}
    for r in results.all(profile):
        p, where = expected.run_provenance(r), results_path(results.root, r.spec)
        missing = [k for k, v in p.items() if v is None]
        if missing:
            raise ConfigError(f"--regen refused: {where}: {', '.join(missing)} not recorded in its provenance; "
                              "regenerate from runs computed through the run cache (harness reproduce)")
        first = out.setdefault(r.spec.framework, p)
        if p != first:
            differ = [k for k in p if p[k] != first[k]]
            raise ConfigError(f"--regen refused: {where}: {', '.join(differ)} differs from the other "
                              f"{r.spec.framework} runs of {results.root}: one experiment per result set")
    return out


def _cache_keys(results: Results, profile: str) -> dict[str, str]:
    keys = {}
    for r in results.all(profile):
        key = r.provenance.get("cache_key")
        if not key:
            raise ConfigError(f"--regen refused: {results_path(results.root, r.spec)}: no cache_key in its "
                              "provenance: not computed through the run cache (harness.runs.get_or_run)")
        keys[r.spec.name] = key
    return keys


def _previous(path: Path) -> tuple[expected.Expected | None, str]:
    """The expected file being replaced (None when absent or of an older schema), and a note."""
    if not path.exists():
        return None, "(new file)"
    raw = read_json(path)
    if isinstance(raw, dict) and raw.get("schema") != expected.SCHEMA_VERSION:
        return None, f"(replaced a schema {raw.get('schema')} file)"
    return expected.load_expected(path), ""


def _target(a, expected_arg) -> tuple[str, Path, str | None]:
    """(profile, directory, the numerics key the file is named for, or None) of ``--expected``."""
    path = Path(expected_arg)
    if path.is_dir():
        profiles = load_results(a).profiles
        if len(profiles) != 1:
            raise ConfigError(f"--regen refused: {a} holds the profiles {profiles}; name one: "
                              f"--expected {path / profiles[0]}")
        return profiles[0], path, None
    if path.suffix == "":
        return regime.profile_path(path, a), path.parent, None
    profile, key = expected.split_name(path)
    return profile, path.parent, key


def _numerics(ra: Results, rb: Results, profile: str, key: str | None, target: Path) -> dict:
    """The numerics both sets computed with (the same), and the file's name must say them."""
    na, nb = regime.results_numerics(ra, profile), regime.results_numerics(rb, profile)
    if expected.numerics_key(na) != expected.numerics_key(nb):
        raise ConfigError(f"--regen refused: {ra.root} is {expected.describe_numerics(na)}, {rb.root} "
                          f"{expected.describe_numerics(nb)}: one expected file holds one numerics")
    if key is not None and key != expected.numerics_key(na):
        raise ConfigError(f"--regen refused: {target} is named for {key!r}, the results are "
                          f"{expected.describe_numerics(na)}: write {target.parent / expected.file_name(profile, na)} "
                          f"(or give --expected {target.parent}/)")
    return {**na, "cpu_classes": sorted(set(na["cpu_classes"]) | set(nb["cpu_classes"]))}


def _label_counts(results: Results, profile: str) -> dict | None:
    seen = {json.dumps(r.provenance.get("test_label_counts"), sort_keys=True) for r in results.all(profile)}
    if len(seen) > 1:
        raise ConfigError(f"--regen refused: the runs of {results.root / profile} record different test_label_counts "
                          f"({sorted(seen)}): one test set per result set")
    return json.loads(seen.pop())


SPOT_MIN_RUNS = 2


def _run_values(r) -> dict:
    """What a recomputation of one run must reproduce."""
    return {"test_accuracy": r.test_accuracy, "valid_accuracy": list(r.valid_accuracy),
            "best_epoch": r.best_epoch, "updates": r.updates}


def _agree(x, y, tol: float) -> bool:
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_agree(u, v, tol) for u, v in zip(x, y))
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) <= tol
    return x == y


def _spot_checked(names_a: dict, names_b: dict, a, b, tol: float) -> None:
    """B recomputed a subset of A's runs, covering every framework, and each agrees with A's."""
    extra = sorted(set(names_b) - set(names_a))
    if extra:
        raise ConfigError(f"--regen --spot-check refused: {b} holds runs {a} does not: {extra}")
    missing_fw = sorted({r.spec.framework for r in names_a.values()} - {r.spec.framework for r in names_b.values()})
    if len(names_b) < SPOT_MIN_RUNS or missing_fw:
        raise ConfigError(f"--regen --spot-check refused: {b} recomputes {len(names_b)} run(s) "
                          f"({', '.join(sorted(names_b))}); it needs at least {SPOT_MIN_RUNS} covering "
                          f"every framework of {a}" + (f" (missing: {', '.join(missing_fw)})" if missing_fw else ""))
    differ = [f"{n}.{k}: {va!r} vs {vb!r}" for n in sorted(names_b)
              for (k, va), vb in zip(_run_values(names_a[n]).items(), _run_values(names_b[n]).values())
              if not _agree(va, vb, tol)]
    if differ:
        raise ConfigError("--regen --spot-check refused, the recomputed runs disagree with the full computation "
                          "(non-deterministic runs):\n  " + "\n  ".join(differ))


def source_label(results: str | Path) -> str:
    """How the stamp names a result set: its path in the project, or, outside it, its last two parts
    (a machine's own folders mean nothing in a clone; the runs' cache keys identify the computation)."""
    path = Path(results).resolve()
    if path.is_relative_to(ROOT):
        return path.relative_to(ROOT).as_posix()
    return f"{path.parent.name}/{path.name} (outside the project)"


def regenerate(a: str | Path, b: str | Path, expected_path: str | Path,
               spot_check: bool = False) -> tuple[int, str]:
    """Rewrite the expected file from two independent result sets that agree (or, with
    ``spot_check``, from A and a recomputation B of some of A's runs); never exits 0."""
    profile, directory, key = _target(a, expected_path)
    commit = git_commit()
    if commit == "unknown" or commit.endswith("+dirty"):
        raise ConfigError(f"--regen refused: the checkout's commit is {commit!r}; commit or stash every change "
                          "first, so that the expected file records the commit whose code computed it")
    tol = tolerances.load()
    if Path(a).resolve() == Path(b).resolve():
        raise ConfigError(f"--regen refused: {a} and {b} are the same directory; give two independent runs")
    ra, rb = load_results(a, profile), load_results(b, profile)
    numerics = _numerics(ra, rb, profile, key, Path(expected_path))
    expected_path = directory / expected.file_name(profile, numerics)
    names_a = {s.name: r for s, r in ra.runs[profile].items()}
    names_b = {s.name: r for s, r in rb.runs[profile].items()}
    if not spot_check and set(names_a) != set(names_b):
        raise ConfigError(f"--regen refused: {a} and {b} hold different runs: {sorted(set(names_a) ^ set(names_b))}")
    copies = sorted(n for n in names_b if n in names_a and names_a[n].to_dict() == names_b[n].to_dict())
    if copies:
        raise ConfigError(f"--regen refused: {copies} are identical files (wall time and provenance too): a copy "
                          "or one shared cache, not a second run; compute B with its own cache")
    keys = [_cache_keys(ra, profile), _cache_keys(rb, profile)]
    prov_a, prov_b = _recorded_provenance(ra, profile), _recorded_provenance(rb, profile)
    if spot_check:
        _spot_checked(names_a, names_b, a, b, tol.agreement)
    if prov_a != prov_b:
        differ = [f"{fw}.{k}: {expected.short(prov_a[fw][k])} vs {expected.short(prov_b.get(fw, {}).get(k))}"
                  for fw in prov_a for k in expected.PROVENANCE if prov_a[fw][k] != prov_b.get(fw, {}).get(k)]
        raise ConfigError(f"--regen refused: the provenance differs between {a} and {b}:\n  " + "\n  ".join(differ))
    ma, notes, decisions = drift.metrics(ra, profile)
    mb = ma if spot_check else drift.metrics(rb, profile)[0]  # spot-check: B's runs were compared one by one
    differ = [f"{n}: {ma[n]!r} vs {mb.get(n)!r}" for n in ma if not _agree(ma[n], mb.get(n), tol.agreement)]
    if differ:
        raise ConfigError("--regen refused, the two result sets disagree (non-deterministic runs):\n  "
                          + "\n  ".join(differ))
    old, note = _previous(expected_path)

    def entry(name, value):
        if not expected.is_verdict(name):
            return {"value": value}
        d = decisions.get(name)
        return {"value": value, "statistic": notes[name], **({"decision": list(d)} if d else {})}

    # the label counts are written once, beside the metrics (test_label_counts), and read back as metrics
    new = {n: entry(n, v) for n, v in sorted(ma.items()) if not n.startswith("test_label_count.")}
    stamp = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "libraries": provenance.library_versions(), "git_commit": commit, "alpha": claimsfile.load().rules.alpha,
             "sources": [{"results": source_label(d), "cache_keys": k} for d, k in zip((a, b), keys)],
             "mode": "spot-check" if spot_check else "two full computations"}
    atomic.write_json(expected_path, {"schema": expected.SCHEMA_VERSION, "profile": profile, "numerics": numerics,
                                      "test_label_counts": _label_counts(ra, profile), "provenance": prov_a,
                                      "stamp": stamp, "metrics": new})
    exact = regime.Regime(regime.EXACT, "regenerated", profile)
    changed = [r for r in drift.compare(old, ma, exact, notes) if r.status != "ok"] if old else []
    summary = output.table(changed) if changed else note or "(no metric changed value)"
    how = (f"{a} (full) and {b} (recomputed {len(names_b)} of {len(names_a)} runs, agreeing: {', '.join(sorted(names_b))})"
           if spot_check else f"{a} and {b}")
    return drift.REGENERATED, (f"{summary}\nREGENERATED {expected_path} from {how} ({len(new)} metrics, "
                              f"commit {commit[:12]}); review the diff, commit it, and rerun the gate (this run "
                              "fails on purpose)")


def add_records(results_dir: str | Path, expected_path: str | Path) -> str:
    """Add the records (``harness.gate.expected.RECORD``) to an expected file written before the gate
    compared them, from one result set of its numerics that reproduces every metric the file holds
    exactly (the exact regime's premise: one numerics, the same computation). Refuses (ConfigError, the
    file untouched) a file that has them, results of other numerics or provenance, and any stored metric
    they do not reproduce. The stamp records where the records came from; the stored metrics keep their
    two sources. Returns what was added."""
    path = Path(expected_path)
    old = expected.load_expected(path)
    if not expected.lacks_records(old.metrics):
        raise ConfigError(f"--add-records refused: {path} already holds every record")
    commit = git_commit()  # recorded, not required clean: the records are the runs' own (their cache keys say which)
    results = load_results(results_dir, old.profile)
    key = expected.numerics_key(regime.results_numerics(results, old.profile))
    if key != old.key:
        raise ConfigError(f"--add-records refused: {results_dir} is {key}, {path} {old.key}")
    drift.check_provenance(results, old)
    values, notes, _ = drift.metrics(results, old.profile)
    exact = regime.Regime(regime.EXACT, "add-records", old.profile)
    bad = [f"{r.metric}: {r.expected!r} vs {r.obtained!r}" for r in drift.compare(old, values, exact, notes)
           if r.status != "ok" and not (r.status == "UNEXPECTED" and expected.is_record(r.metric))]
    if bad:
        raise ConfigError(f"--add-records refused: {results_dir} does not reproduce {path} exactly:\n  "
                          + "\n  ".join(bad))
    raw = read_json(path)
    added = {n: v for n, v in values.items() if expected.is_record(n) and not n.startswith("test_label_count.")}
    raw["metrics"] = dict(sorted({**raw["metrics"], **{n: {"value": v} for n, v in added.items()}}.items()))
    raw["stamp"]["records"] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "git_commit": commit,
        "source": {"results": source_label(results_dir), "cache_keys": _cache_keys(results, old.profile)},
        "how": "one computation of the file's numerics that reproduced every stored metric exactly; the stored "
               "metrics' sources predate the records (harness.gate.regen.add_records)"}
    atomic.write_json(path, raw)
    return f"added {len(added)} records to {path} from {results_dir}"


if __name__ == "__main__":  # python -m harness.gate.regen RESULTS EXPECTED_FILE: add_records, once per older file
    import sys

    try:
        print(add_records(sys.argv[1], sys.argv[2]))
    except (ConfigError, IndexError) as exc:
        sys.exit(f"{exc}" if isinstance(exc, ConfigError) else "usage: python -m harness.gate.regen RESULTS FILE")
