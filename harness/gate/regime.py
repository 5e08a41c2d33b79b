"""Which expected file gates a result set, and how strictly: the regime, chosen from the results'
own provenance (docs/gate.md, "Regimes").

- **exact**: the results' numerics (resolved precision; the GPU model on a GPU) are those of an
  expected file of their profile. Any move is drift: at one precision, computations on other
  machines and CPU classes agreed to the sentence (``tolerances.toml`` ``same_numerics``).
- **cross_precision**: no expected file has the results' precision (CPU, bf16 vs fp32). Each score
  is gated against the other precision's file within the tolerance measured at the profile's scale.

``--expected`` is a directory (``expected/results/``: the profile from the results, the file from
their numerics), a profile path (``expected/results/smoke``), or an expected file. An explicit file
of other numerics is refused when the results' own file exists (the exact regime would call the
precision's move drift), and gated in the cross-precision regime when it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.core.config import ConfigError
from harness.gate import replay, tolerances
from harness.gate.expected import (Expected, describe_numerics, file_name, is_verdict, load_expected,
                                   numerics_key, run_numerics, split_name)
from harness.runs.results import Results, load_results, results_path

EXACT, CROSS = "exact", "cross_precision"


@dataclass(frozen=True)
class Regime:
    name: str  # EXACT | CROSS
    reason: str  # which file, and why this regime
    scale: str  # the profile whose measured moves it rests on
    s: float = 0.0  # per-seed spread of the moves it tolerates, points (0: exact)
    tolerance: dict[str, float] = field(default_factory=dict)  # score kind -> tolerance (fraction)
    ledger: dict[str, float] = field(default_factory=dict)  # ledger score metric -> tolerance

    def tolerance_of(self, metric: str) -> float | None:
        """A score's tolerance in this regime (0: exact); None for a verdict (always compared as a string)."""
        if is_verdict(metric):
            return None
        if self.name == EXACT:
            return 0.0
        if metric.startswith("ledger."):
            return self.ledger.get(metric, 0.0)
        return self.tolerance[tolerances.kind(metric)]


def results_numerics(results: Results, profile: str) -> dict:
    """The one numerics of ``profile``'s runs (precision, device, GPU, the CPU classes seen); a
    ConfigError naming the files when a run records no precision or the runs mix numerics."""
    runs = results.all(profile)
    where = {r.spec.name: results_path(results.root, r.spec) for r in runs}
    lacking = [str(where[r.spec.name]) for r in runs if not run_numerics(r)["precision"]]
    if lacking:
        raise ConfigError(f"{lacking[0]}: precision not recorded in its provenance ({len(lacking)} run(s)); the gate "
                          "chooses its expected file and regime from it: recompute with this harness "
                          "(harness reproduce)")
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
    same = [m for m in (scale.same_numerics if scale else []) if m["precision"] == numerics["precision"]]
    evidence = (f"at {numerics['precision']}, computations on other machines and CPU classes agreed to the sentence "
                f"({sum(m['identical'] for m in same)} of {sum(m['runs'] for m in same)} runs compared at the "
                f"{expected.profile} scale)") if same else "runs are deterministic at one numerics"
    return Regime(EXACT, f"exact: the results' numerics ({describe_numerics(numerics)}) are those of "
                         f"{expected.path} ({describe_numerics(expected.numerics)}); {evidence}: any move is drift",
                  expected.profile)


def _cross(expected: Expected, numerics: dict, tol: tolerances.Tolerances, why: str) -> Regime | str:
    """The cross-precision regime, or (a string) why it does not apply."""
    scale = tol.scales.get(expected.profile)
    cross = scale.cross_precision if scale else None
    if "cuda" in (numerics["device"], expected.numerics["device"]):
        return "no cross-precision move has been measured on a GPU"
    if cross is None:
        return f"{tol.path} has no cross-precision measurement at the {expected.profile} scale"
    n, s, _ = cross.spread()
    ledger = replay.ledger_tolerances(expected, s, tol.z)
    return Regime(CROSS, f"cross-precision: the results are {describe_numerics(numerics)} and {why}; gated against "
                         f"{expected.path} ({describe_numerics(expected.numerics)}) within the tolerances measured "
                         f"between bf16 and fp32 at the {expected.profile} scale ({n} per-seed moves, s = {s:.2f} "
                         f"points; {tol.path.name})", expected.profile, s, dict(cross.tolerance), ledger)


def cross_precision(expected: Expected, tol: tolerances.Tolerances | None = None) -> Regime | str:
    """The regime in which ``expected`` gates results of the other precision on a CPU (or why none applies)."""
    tol = tol or tolerances.load()
    other = {**expected.numerics, "precision": "fp32" if expected.numerics["precision"] == "bf16" else "bf16",
             "cpu_classes": []}
    return _cross(expected, other, tol, "have no expected file of their own")


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


def resolve(results_dir, expected_arg, tol: tolerances.Tolerances | None = None) -> tuple[Expected, Regime, Results]:
    """The expected file, the regime and the results of a gate run (ConfigError: bad input, exit 2)."""
    tol = tol or tolerances.load()
    profile, directory, explicit = _target(expected_arg, results_dir)
    results = load_results(results_dir, profile)
    numerics = results_numerics(results, profile)
    own = directory / file_name(profile, numerics)
    if explicit is not None:
        expected = load_expected(explicit)
        if expected.key == numerics_key(numerics):
            return expected, _exact(expected, numerics, tol), results
        if own.is_file():
            raise ConfigError(f"{explicit}: holds {describe_numerics(expected.numerics)} results, these are "
                              f"{describe_numerics(numerics)} ({results.root / profile}): compared exactly they would "
                              f"differ by the precision, not by drift; gate them against {own} (or give "
                              f"--expected {directory}/ to pick the file for the results' numerics)")
        candidates = [explicit]
    elif own.is_file():
        expected = load_expected(own)
        return expected, _exact(expected, numerics, tol), results
    else:
        candidates = sorted(p for p in directory.glob(f"{profile}.*.json") if p != own)
    reasons = []
    for path in candidates:
        regime = _cross(load_expected(path), numerics, tol, f"there is no {own}")
        if isinstance(regime, Regime):
            return load_expected(path), regime, results
        reasons.append(f"{path.name}: {regime}")
    have = ", ".join(p.name for p in candidates) or "none"
    raise ConfigError(f"{own}: no expected file for these results' numerics ({describe_numerics(numerics)}, "
                      f"{results.root / profile}), and no measured regime from the others (expected files of "
                      f"{profile}: {have}{'; ' if reasons else ''}{'; '.join(reasons)}); write it with "
                      f"`python -m harness gate --regen A B --expected {directory}/` (docs/gate.md)")
