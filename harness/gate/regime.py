"""Which expected file gates a result set, and how strictly: the regime, chosen from the results'
own provenance (docs/gate.md, "Regimes").

- **exact**: the results' numerics key (``harness.gate.expected.numerics_key``: fp32 on a CPU of
  any class, bf16 and the CPU class, the precision and GPU model on a GPU) is that of an expected
  file of their profile. Any move is drift: computations of one key agreed to the sentence
  (``tolerances.toml`` ``same_numerics``).
- **cross_numerics**: no expected file has the results' key. They are gated against the profile's
  file of a key for which ``tolerances.toml`` holds a measured move set between the two keys at the
  profile's scale (the smallest s when several), each score within the tolerance that set gives.

``--expected`` is a directory (``expected/results/``: the profile from the results, the file from
their numerics), a profile path (``expected/results/smoke``), or an expected file. An explicit file
of other numerics is refused when the results' own file exists (the exact regime would call the
change of numerics drift), and gated in the cross-numerics regime when it does not.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.config import ConfigError
from harness.gate import replay, tolerances
from harness.gate.expected import (Expected, describe_numerics, file_name, is_record, is_text, is_verdict,
                                   lacks_records, load_expected, numerics_key, run_numerics, split_name)
from harness.runs.results import Results, load_results, results_path

EXACT, CROSS = "exact", "cross_numerics"


@dataclass(frozen=True)
class Regime:
    name: str  # EXACT | CROSS
    reason: str  # which file, and why this regime
    scale: str  # the profile whose measured moves it rests on
    s: float = 0.0  # per-seed spread of the moves it tolerates, points (0: exact)
    tolerance: dict[str, float] = field(default_factory=dict)  # score kind -> tolerance (fraction)
    ledger: dict[str, float] = field(default_factory=dict)  # ledger score metric -> tolerance
    pair: tuple[str, str] = ()  # cross: (the expected file's numerics key, the results')
    measurement: str = ""  # cross: the pair's source (what was computed, where, when)

    def tolerance_of(self, metric: str) -> float | None:
        """A score's tolerance in this regime (0: exact); None for a verdict (always compared as a string)."""
        if is_text(metric):
            return None
        if self.name == EXACT or is_record(metric):
            return 0.0  # records: equal or drift (across numerics the validation ones are not gated: drift.compare)
        if metric.startswith("ledger."):
            return self.ledger.get(metric, 0.0)
        return self.tolerance[tolerances.kind(metric)]


def z_scored(expected: Expected) -> list[str]:
    """The scores a cross-numerics gate run of ``expected`` holds to a z-based tolerance (the m of the
    Bonferroni rule, ``tolerances.toml`` [rule] metrics): every accuracy score of a tolerance kind and
    every ledger score but a held claim's (not gated across numerics, ``replay.held_claim``)."""
    return sorted(n for n in expected.metrics if not is_verdict(n) and (
        replay.held_claim(n) is None if n.startswith("ledger.") else tolerances.kind(n) in tolerances.KINDS))


def results_numerics(results: Results, profile: str) -> dict:
    """The one numerics of ``profile``'s runs (precision, device, GPU, the CPU classes seen); a
    ConfigError naming the files when a run records no precision (or, for bf16 on a CPU, no CPU
    class) or the runs mix numerics keys."""
    runs = results.all(profile)
    where = {r.spec.name: results_path(results.root, r.spec) for r in runs}
    lacking = [str(where[r.spec.name]) for r in runs if not run_numerics(r)["precision"]]
    if lacking:
        raise ConfigError(f"{lacking[0]}: precision not recorded in its provenance ({len(lacking)} run(s)); the gate "
                          "chooses its expected file and regime from it: recompute with this harness "
                          "(harness reproduce)")
    classless = [str(where[r.spec.name]) for r in runs if (n := run_numerics(r))["device"] == "cpu"
                 and n["precision"] != "fp32" and not n["cpu_class"]]
    if classless:
        raise ConfigError(f"{classless[0]}: CPU class not recorded in its provenance ({len(classless)} run(s)); bf16 "
                          "numerics on a CPU depend on it (AMX and AVX512-BF16 kernels differ): recompute with this "
                          "harness (harness reproduce)")
    keys: dict[str, list] = {}
    for r in runs:
        keys.setdefault(numerics_key(run_numerics(r)), []).append(r)
    if len(keys) > 1:
        listed = "; ".join(f"{k}: {len(v)} run(s), e.g. {where[v[0].spec.name]}" for k, v in sorted(keys.items()))
        raise ConfigError(f"{results.root / profile}: the runs mix numerics ({listed}); one result set, one "
                          "numerics: gate each part against its own expected file")
    first = run_numerics(runs[0])
    classes = sorted({c for r in runs if (c := run_numerics(r)["cpu_class"])})
    return {"precision": first["precision"], "device": first["device"], "gpu": first["gpu"], "cpu_classes": classes}


def _exact(expected: Expected, numerics: dict, tol: tolerances.Tolerances) -> Regime:
    scale = tol.scales.get(expected.profile)
    same = [m for m in (scale.same_numerics if scale else []) if m["numerics"] == expected.key]
    evidence = (f"independent computations of {expected.key} (other machines, caches or classes) agreed to the sentence "
                f"({sum(m['identical'] for m in same)} of {sum(m['runs'] for m in same)} runs compared at the "
                f"{expected.profile} scale)") if same else "runs are deterministic at one numerics"
    return Regime(EXACT, f"exact: the results' numerics ({describe_numerics(numerics)}: {expected.key}) are those of "
                         f"{expected.path} ({describe_numerics(expected.numerics)}); {evidence}: any move is drift",
                  expected.profile)


def _cross(expected: Expected, key: str, described: str, tol: tolerances.Tolerances, why: str) -> Regime | str:
    """The cross-numerics regime in which ``expected`` gates results of numerics ``key``, or (a
    string) why none applies."""
    scale = tol.scales.get(expected.profile)
    pair = scale.pair(expected.key, key) if scale else None
    if pair is None:
        return (f"{tol.path.name} has no move measured between {expected.key} and {key} at the {expected.profile} "
                "scale")
    n, s, _ = pair.spread()
    ledger = replay.ledger_tolerances(expected, s, tol.z)
    return Regime(CROSS, f"cross-numerics: the results are {described} ({key}) and {why}; gated against "
                         f"{expected.path} ({describe_numerics(expected.numerics)}: {expected.key}) within the "
                         f"tolerances of the move set measured between {pair.label} at the {expected.profile} scale "
                         f"({n} per-seed moves, s = {s:.3f} points; {tol.path.name}: {pair.source})",
                  expected.profile, s, dict(pair.tolerance), ledger, (expected.key, key), pair.source)


def cross_numerics(expected: Expected, tol: tolerances.Tolerances | None = None) -> list[Regime]:
    """Every regime in which ``expected`` gates results of other numerics: one per move set measured
    between its key and another at its scale."""
    tol = tol or tolerances.load()
    scale = tol.scales.get(expected.profile)
    others = [p.other(expected.key) for p in (scale.pairs if scale else []) if expected.key in p.keys]
    return [_cross(expected, key, f"{key} results", tol, "have no expected file of their own") for key in others]


def exact(expected: Expected, tol: tolerances.Tolerances | None = None) -> Regime:
    """The regime in which ``expected`` gates results of its own numerics."""
    return _exact(expected, expected.numerics, tol or tolerances.load())


def _target(expected_arg: str | Path, results_dir) -> tuple[str, Path, Path | None]:
    """(profile, directory of expected files, the explicit file or None) of ``--expected``."""
    path = Path(expected_arg)
    if path.is_file():
        return split_name(path)[0], path.parent, path
    if path.is_dir():
        profiles = load_results(results_dir).profiles
        if len(profiles) != 1:
            raise ConfigError(f"{results_dir}: holds the profiles {profiles}; with --expected {path}/ the gate takes "
                              f"one: name it, --expected {path / profiles[0]}")
        return profiles[0], path, None
    if path.suffix == "":
        return profile_path(path, results_dir), path.parent, None
    split_name(path)  # a malformed name says how files are named
    load_expected(path)  # not found: names the file and how to write it
    raise AssertionError("unreachable")


def profile_path(path: Path, results_dir) -> str:
    """The profile of ``--expected DIR/<profile>``, which the results must hold (else one clear error)."""
    profiles = load_results(results_dir).profiles
    if not path.parent.is_dir() or path.name not in profiles:
        raise ConfigError(f"{path}: not an expected file, a directory of them, or <directory>/<profile> of a profile "
                          f"in {results_dir} (its profiles: {', '.join(profiles)})")
    return path.name


def _smallest(found: list[tuple[Expected, Regime]]) -> tuple[Expected, Regime]:
    """The candidate whose measured move set is the tightest (the smallest s), named in its reason."""
    found = sorted(found, key=lambda c: (c[1].s, c[0].key))
    expected, reg = found[0]
    if len(found) > 1:
        others = ", ".join(f"{e.path.name} (s = {r.s:.3f})" for e, r in found[1:])
        reg = dataclasses.replace(reg, reason=f"{reg.reason}; of the measured candidates the smallest s (also: {others})")
    return expected, reg


def complete(expected: Expected) -> Expected:
    """``expected``, when it holds every record the gate compares (``harness.gate.expected.RECORD``);
    else bad input: a file written before the gate compared them cannot gate them, and gating less
    than regeneration demands would pass what ``--regen --spot-check`` refuses."""
    lacking = lacks_records(expected.metrics)
    if lacking:
        raise ConfigError(f"{expected.path}: lacks the records the gate compares (per run: updates, best epoch, "
                          f"validation accuracy per epoch, validation predictions; the test label counts) for "
                          f"{len(lacking)} run(s) (e.g. {lacking[0]}); regenerate it (`python -m harness gate --regen "
                          f"A B --expected {shlex.quote(str(expected.path.parent) + '/')}`, docs/gate-regen.md)")
    return expected


def resolve(results_dir, expected_arg, tol: tolerances.Tolerances | None = None,
            records: bool = True) -> tuple[Expected, Regime, Results]:
    """The expected file, the regime and the results of a gate run (ConfigError: bad input, exit 2).
    ``records=False`` accepts a file written before the gate compared records (:func:`complete`):
    for reading what it holds (a pinned verdict), never for gating."""
    expected, reg, results = _resolve(results_dir, expected_arg, tol)
    return (complete(expected) if records else expected), reg, results


def _resolve(results_dir, expected_arg, tol: tolerances.Tolerances | None = None) -> tuple[Expected, Regime, Results]:
    tol = tol or tolerances.load()
    profile, directory, explicit = _target(expected_arg, results_dir)
    results = load_results(results_dir, profile)
    numerics = results_numerics(results, profile)
    key = numerics_key(numerics)
    own = directory / file_name(profile, numerics)
    if explicit is not None:
        expected = load_expected(explicit)
        if expected.key == key:
            return expected, _exact(expected, numerics, tol), results
        if own.is_file():
            raise ConfigError(f"{explicit}: holds {describe_numerics(expected.numerics)} results ({expected.key}), these "
                              f"are {describe_numerics(numerics)} ({key}; {results.root / profile}): compared exactly "
                              f"they would differ by the numerics, not by drift; gate them against {own} (or give "
                              f"--expected {directory}/ to pick the file for the results' numerics)")
        candidates = [explicit]
    elif own.is_file():
        expected = load_expected(own)
        return expected, _exact(expected, numerics, tol), results
    else:
        candidates = sorted(p for p in directory.glob(f"{profile}.*.json") if p != own)
    found, reasons = [], []
    for path in candidates:
        expected = load_expected(path)
        regime = _cross(expected, key, describe_numerics(numerics), tol, f"there is no {own}")
        if isinstance(regime, Regime):
            found.append((expected, regime))
        else:
            reasons.append(f"{path.name}: {regime}")
    if found:
        return (*_smallest(found), results)
    have = ", ".join(p.name for p in candidates) or "none"
    raise ConfigError(f"{own}: no expected file for these results' numerics ({describe_numerics(numerics)}: {key}, "
                      f"{results.root / profile}), and no measured regime from the others (expected files of "
                      f"{profile}: {have}{'; ' if reasons else ''}{'; '.join(reasons)}); write it with "
                      f"`python -m harness gate --regen A B --expected {shlex.quote(str(directory) + '/')}` (docs/gate.md), or measure the "
                      f"move between {key} and another key at the {profile} scale ({tol.path.name})")
