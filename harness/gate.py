"""The drift gate: a results directory against ``expected/results/<profile>.json``.

Metrics of one profile, per framework (fairseq, hf) and init (pretrained, random):
``<fw>.<init>.seed<N>.test_accuracy``, ``<fw>.<init>.mean_test_accuracy``,
``<fw>.<init>.sd_test_accuracy`` (sample SD, ddof = 1), and with both inits
``<fw>.pretrained_vs_random.p_value`` (Welch, one-sided) and ``.verdict`` (the decision at the
significance level of ``expected/thresholds.toml``). Scores pass within their tolerance (stored
per metric in the expected file), decisions only when equal.

Exit codes: 0 pass; 1 drift (a metric outside its tolerance, a decision changed, or a metric or
run missing); 2 bad input (missing, truncated or corrupt results or expected file; ``--regen``
refused); 3 regenerated (the expected file was rewritten: review the diff, commit, rerun).
Unexpected metrics (e.g. an extra seed) are reported and do not fail.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from harness import EXPECTED_DIR, env, stats
from harness.claims import load_thresholds
from harness.config import ConfigError, read_toml
from harness.results import Results, git_commit, load_results
from harness import atomic
from harness.runs import FRAMEWORKS, INITS, read_json

SCHEMA_VERSION = 1
PASS, DRIFT, BAD_INPUT, REGENERATED = 0, 1, 2, 3
TOLERANCES = EXPECTED_DIR / "results" / "tolerances.toml"
BETTER, NO_CLEAR = "pretrained better", "no clear difference"


def alpha() -> float:
    return load_thresholds().significance.alpha


def welch_greater(a: list[float], b: list[float]) -> float | None:
    """One-sided Welch p-value for mean(a) > mean(b); None when undefined (no variance at all)."""
    if len(set(a)) == 1 and len(set(b)) == 1:
        return None
    return stats.welch(a, b, "greater").pvalue


def metrics(results: Results, profile: str, level: float) -> dict[str, float | str | None]:
    """Every gated metric of ``profile``'s runs, by name."""
    out: dict[str, float | str | None] = {}
    for fw in FRAMEWORKS:
        accs = {}
        for init in INITS:
            runs = results.group(profile, fw, init)
            accs[init] = [r.test_accuracy for r in runs]
            for r in runs:
                out[f"{fw}.{init}.seed{r.spec.seed}.test_accuracy"] = r.test_accuracy
            if runs:
                out[f"{fw}.{init}.mean_test_accuracy"] = statistics.fmean(accs[init])
            if len(runs) >= 2:
                out[f"{fw}.{init}.sd_test_accuracy"] = statistics.stdev(accs[init])
        if all(len(a) >= 2 for a in accs.values()):
            p = welch_greater(accs["pretrained"], accs["random"])
            out[f"{fw}.pretrained_vs_random.p_value"] = p
            verdict = "undefined (no variance)" if p is None else BETTER if p < level else NO_CLEAR
            out[f"{fw}.pretrained_vs_random.verdict"] = verdict
    return out


@dataclass(frozen=True)
class Expected:
    profile: str
    metrics: dict[str, tuple[float | str | None, float | None]]  # name -> (value, tolerance)
    stamp: dict


def load_expected(path: str | Path) -> Expected:
    path = Path(path)
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    for key in ("schema", "profile", "metrics", "stamp"):
        if key not in raw:
            raise ConfigError(f"{path}: missing required field {key!r}")
    if raw["schema"] != SCHEMA_VERSION:
        raise ConfigError(f"{path}.schema: version {raw['schema']!r}, this gate reads {SCHEMA_VERSION}")
    if raw["profile"] != path.stem:
        raise ConfigError(f"{path}.profile: {raw['profile']!r}, but the file is named for {path.stem!r}")
    if not isinstance(raw["metrics"], dict) or not raw["metrics"]:
        raise ConfigError(f"{path}.metrics: expected a non-empty table of metrics")
    out = {}
    for name, m in raw["metrics"].items():
        where = f"{path}.metrics.{name}"
        if not isinstance(m, dict) or set(m) != {"value", "tolerance"}:
            raise ConfigError(f"{where}: expected {{'value': ..., 'tolerance': ...}}, got {m!r}")
        value, tol = m["value"], m["tolerance"]
        if isinstance(value, bool) or not isinstance(value, (int, float, str, type(None))):
            raise ConfigError(f"{where}.value: expected a number, a string or null, got {value!r}")
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0):
            raise ConfigError(f"{where}.tolerance: expected a number >= 0 or null, got {tol!r}")
        if tol is not None and not isinstance(value, (int, float)):
            raise ConfigError(f"{where}.tolerance: only numbers take a tolerance; {value!r} must match exactly")
        out[name] = (value, tol)
    return Expected(profile=raw["profile"], metrics=out, stamp=raw["stamp"])


@dataclass(frozen=True)
class Row:
    metric: str
    expected: float | str | None
    obtained: float | str | None
    tolerance: float | None
    status: str  # ok | DRIFT | MISSING | UNEXPECTED


def compare(expected: Expected, obtained: dict) -> list[Row]:
    rows = []
    for name, (value, tol) in expected.metrics.items():
        if name not in obtained:
            rows.append(Row(name, value, None, tol, "MISSING"))
            continue
        got = obtained[name]
        if tol is None or not isinstance(got, (int, float)):
            ok = got == value
        else:
            ok = abs(got - value) <= tol
        rows.append(Row(name, value, got, tol, "ok" if ok else "DRIFT"))
    rows += [Row(n, None, v, None, "UNEXPECTED") for n, v in obtained.items() if n not in expected.metrics]
    return rows


def failed(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.status in ("DRIFT", "MISSING")]


def _fmt(v) -> str:
    if v is None:
        return "-"
    if not isinstance(v, float):
        return str(v)
    return f"{v:.4f}" if v == 0 or abs(v) >= 1e-3 else f"{v:.2e}"


def table(rows: list[Row]) -> str:
    """The diff table: expected / obtained / tolerance / status for every metric."""
    cells = [("metric", "expected", "obtained", "tolerance", "status")]
    cells += [(r.metric, _fmt(r.expected), _fmt(r.obtained),
               "exact" if r.tolerance is None and r.status != "UNEXPECTED" else _fmt(r.tolerance), r.status)
              for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def check(results_dir: str | Path, expected_path: str | Path) -> tuple[int, str]:
    """Gate ``results_dir`` against an expected file: (exit code, the diff table and verdict)."""
    expected = load_expected(expected_path)
    results = load_results(results_dir, expected.profile)
    rows = compare(expected, metrics(results, expected.profile, alpha()))
    bad = failed(rows)
    unexpected = sum(r.status == "UNEXPECTED" for r in rows)
    verdict = (f"DRIFT: {len(bad)} of {len(expected.metrics)} expected metrics fail" if bad
               else f"PASS: {len(expected.metrics)} expected metrics within tolerance")
    if unexpected:
        verdict += f" ({unexpected} unexpected metric(s) reported, not gated)"
    verdict += nondeterminism_note(results.all(expected.profile))
    now, then = env.library_versions(), expected.stamp.get("libraries") or {}
    moved = [f"{k} {then[k]} -> {now.get(k, 'absent')}" for k in sorted(then) if then[k] != now.get(k, "absent")]
    if moved:
        verdict += "\nlibrary versions differ from the expected file's stamp: " + ", ".join(moved)
    return (DRIFT if bad else PASS), f"{table(rows)}\n{verdict}"


def nondeterminism_note(runs) -> str:
    """A line naming the results during which a kernel without a deterministic implementation ran
    (``harness.runs`` records them): those may differ on a rerun, within the tolerances."""
    hit = {r.spec.name: r.provenance.get("nondeterministic_kernels") for r in runs}
    hit = {name: kernels for name, kernels in hit.items() if kernels}
    if not hit:
        return ""
    kernels = sorted({k for ks in hit.values() for k in ks})
    return (f"\nnon-deterministic kernels ({', '.join(kernels)}) ran in {len(hit)} result(s) "
            f"({', '.join(sorted(hit))}): a rerun may differ from them within the tolerances, not bitwise")


def _default_tolerances() -> dict[str, float]:
    return {k: float(v) for k, v in read_toml(TOLERANCES)["score"].items()}


def regenerate(a: str | Path, b: str | Path, expected_path: str | Path) -> tuple[int, str]:
    """Rewrite the expected file from two independent result sets that agree; never exits 0."""
    expected_path = Path(expected_path)
    profile = expected_path.stem
    if Path(a).resolve() == Path(b).resolve():
        raise ConfigError(f"--regen: {a} and {b} are the same directory; give two independent runs")
    ra, rb = load_results(a, profile), load_results(b, profile)
    names_a = {s.name: r for s, r in ra.runs[profile].items()}
    names_b = {s.name: r for s, r in rb.runs[profile].items()}
    if set(names_a) != set(names_b):
        raise ConfigError(f"--regen: {a} and {b} hold different runs: {sorted(set(names_a) ^ set(names_b))}")
    copies = sorted(n for n in names_a if names_a[n].to_dict() == names_b[n].to_dict())
    if copies:
        raise ConfigError(f"--regen: {copies} are identical files (wall time and provenance too): a copy "
                          "or one shared cache, not a second run; compute B with its own cache")
    level, agree = alpha(), float(read_toml(TOLERANCES)["regen"]["agreement"])
    ma, mb = metrics(ra, profile, level), metrics(rb, profile, level)
    differ = [f"{n}: {ma[n]!r} vs {mb[n]!r}" for n in ma
              if not (ma[n] == mb[n] or (isinstance(ma[n], float) and isinstance(mb[n], float)
                                         and abs(ma[n] - mb[n]) <= agree))]
    if differ:
        raise ConfigError("--regen refused, the two result sets disagree (non-deterministic runs):\n  "
                          + "\n  ".join(differ))
    old = load_expected(expected_path).metrics if expected_path.exists() else {}
    defaults = _default_tolerances()

    def tol(name, value):
        if name in old:
            return old[name][1]
        return defaults[name.rsplit(".", 1)[1]] if isinstance(value, float) else None

    new = {n: {"value": v, "tolerance": tol(n, v)} for n, v in sorted(ma.items())}
    stamp = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "libraries": env.library_versions(), "git_commit": git_commit(),
             "alpha": level, "agreeing_result_sets": [str(a), str(b)]}
    atomic.write_json(expected_path, {"schema": SCHEMA_VERSION, "profile": profile, "stamp": stamp,
                                      "metrics": new})
    rows = compare(Expected(profile, old, {}), ma) if old else []
    changed = [r for r in rows if r.status != "ok"]
    summary = table(changed) if changed else "(no metric changed value)" if old else "(new file)"
    return REGENERATED, (f"{summary}\nREGENERATED {expected_path} from {a} and {b} ({len(new)} metrics); "
                         "review the diff, commit it, and rerun the gate (this run fails on purpose)")


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="?", help="results directory (<dir>/<profile>/<run>.json)")
    parser.add_argument("--expected", required=True, help="expected/results/<profile>.json")
    parser.add_argument("--regen", nargs=2, metavar=("RESULTS_A", "RESULTS_B"),
                        help="rewrite --expected from two independently computed result sets that agree")


def main(args) -> int:
    if bool(args.results) == bool(args.regen):
        print("error: give either RESULTS (check) or --regen RESULTS_A RESULTS_B", file=sys.stderr)
        return BAD_INPUT
    try:
        code, text = regenerate(*args.regen, args.expected) if args.regen else check(args.results, args.expected)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    print(text)
    return code
