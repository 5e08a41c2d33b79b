"""The claim ledger: one verdict per claim of the report (C1-C6), from its numbers and fresh runs.

``build_ledger(report, results_dir)`` turns a report's claims (``harness.claims.load_report``) and,
optionally, a results directory (``<dir>/<profile>/<RunSpec.name>.json``) into rows; ``to_markdown``
renders them. ``python -m harness ledger [--claims FILE] [--results DIR] [--out FILE.md]``.

Verdicts: REPRODUCED; HOLDS WITHIN ±x (equivalence established at the narrowest margin x of the
ladder in ``expected/thresholds.toml``); NOT ESTABLISHED (the data cannot decide); REFUTED;
NOT RUN (reason). The decision rules below are the ones the tests named in each row assert.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from harness import atomic, params, stats
from harness.claims import Report, Thresholds, load_lab, load_report, load_thresholds
from harness.results import load_results
from harness.runs import RunResult

VERDICTS = ("REPRODUCED", "HOLDS WITHIN ±", "NOT ESTABLISHED", "REFUTED", "NOT RUN (")
# The tests that check each claim on fresh runs (C2: the lab profile on a GPU; C3, C4: any profile).
FRESH_TESTS = {
    "C2": "tests/gpu/test_lab_profile.py::test_lab_user_files_match_the_report_per_seed",
    "C3": "tests/test_c3_fresh_runs.py::test_fresh_pretrained_clearly_beats_random",
    "C4": "tests/test_c4_fresh_runs.py::test_fresh_equivalent_within_margin",
}


@dataclass(frozen=True)
class LedgerRow:
    claim: str  # C1..C6
    says: str  # what the report says
    computed: str  # what the suite computed
    statistic: str  # the statistic behind the verdict
    verdict: str  # one of VERDICTS
    test: str  # the test that checks it: tests/test_cN_....py::test_name

    def __post_init__(self):
        if not self.verdict.startswith(VERDICTS):
            raise ValueError(f"{self.claim}: verdict {self.verdict!r} is not one of {VERDICTS}")


def not_run(reason: str) -> str:
    return f"NOT RUN ({reason})"


# --- decision rules (pure; the tests assert the same rules) ---------------------------------------


def superiority_verdict(
    welch: stats.Comparison, paired: stats.Comparison, reverse_p: float, g: float, t: Thresholds
) -> str:
    """"a clearly beats b": both one-sided tests below alpha and a large effect; REFUTED when b is
    significantly better (``reverse_p``: Welch one-sided p in the other direction)."""
    alpha = t.significance.alpha
    if welch.pvalue < alpha and paired.pvalue < alpha and g >= t.effect.large:
        return "REPRODUCED"
    return "REFUTED" if reverse_p < alpha else "NOT ESTABLISHED"


def equivalence_verdict(welch_p: float, tost_p: dict[float, float], alpha: float) -> str:
    """HOLDS WITHIN the narrowest margin TOST establishes; else REFUTED when the difference is
    detectable (Welch two-sided p < alpha); else NOT ESTABLISHED."""
    held = [m for m in sorted(tost_p) if tost_p[m] < alpha]
    if held:
        return f"HOLDS WITHIN ±{held[0]:g}"
    return "REFUTED" if welch_p < alpha else "NOT ESTABLISHED"


def equivalence(a, b, t: Thresholds) -> tuple[str, float, dict[float, float]]:
    """(verdict, Welch two-sided p, TOST p by ladder margin) for "a is consistent with b"."""
    welch_p = stats.welch(a, b).pvalue
    tost_p = {m: stats.tost(a, b, m).pvalue for m in t.equivalence.ladder}
    return equivalence_verdict(welch_p, tost_p, t.significance.alpha), welch_p, tost_p


def _tost_text(tost_p: dict[float, float]) -> str:
    return "TOST p " + ", ".join(f"±{m:g} {_p(p)}" for m, p in tost_p.items())


def _p(x: float) -> str:
    return f"{x:.2g}" if x < 0.01 else f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"


def _pts(values) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


# --- rows --------------------------------------------------------------------------------------


def c1_row(report: Report) -> LedgerRow:
    lab = load_lab()
    cfg = report.encoder(heads=lab.encoder.heads, padding_idx=lab.encoder.padding_idx)
    by_formula, counted = params.formula(cfg), params.count(params.build_fairseq(cfg).named_parameters())
    ok = by_formula == counted == report.params.stated_total
    return LedgerRow(
        "C1", f"{report.params.stated_total:,} parameters (§{report.params.section})",
        f"formula {by_formula:,}; fairseq RobertaModel counted {counted:,}",
        "exact equality", "REPRODUCED" if ok else "REFUTED",
        "tests/test_c1_param_count.py::test_formula_equals_report_and_fairseq_count",
    )


def c2_row(report: Report, runs: dict[str, list[RunResult]] | None, t: Thresholds) -> LedgerRow:
    fs = report.fairseq
    says = f"fairseq test accuracy (%, seeds {list(fs.seeds)}): pretrained {_pts(fs.pretrained)}, random {_pts(fs.random)}"
    if runs is None:
        return LedgerRow("C2", says, "-", "-", not_run("no results: pass --results DIR"), FRESH_TESTS["C2"])
    if "lab" not in runs:
        reason = f"no lab-profile runs in the results (profiles {sorted(runs)} use other data)"
        return LedgerRow("C2", says, "-", "-", not_run(reason), FRESH_TESTS["C2"])
    computed, stat, verdicts = [], [], []
    for init, stated in (("pretrained", fs.pretrained), ("random", fs.random)):
        fresh = points(runs["lab"], "fairseq", init)
        if len(fresh) < 2:
            return LedgerRow("C2", says, "-", "-", not_run(f"fewer than 2 lab fairseq {init} runs"), FRESH_TESTS["C2"])
        verdict, welch_p, tost_p = equivalence(list(fresh.values()), stated, t)
        verdicts.append(verdict)
        computed.append(f"{init} {_pts(fresh.values())} (seeds {sorted(fresh)})")
        stat.append(f"{init}: Welch p={_p(welch_p)}, {_tost_text(tost_p)}")
    if "REFUTED" in verdicts:
        verdict = "REFUTED"
    elif all(v.startswith("HOLDS") for v in verdicts):
        verdict = max(verdicts, key=lambda v: float(v.split("±")[1]))
    else:
        verdict = "NOT ESTABLISHED"
    return LedgerRow("C2", says, "; ".join(computed), "; ".join(stat), verdict, FRESH_TESTS["C2"])


def c3_row(pretrained: dict[int, float], random: dict[int, float], t: Thresholds, says: str, test: str) -> LedgerRow:
    a, b = list(pretrained.values()), list(random.values())
    welch = stats.welch(a, b, "greater")
    pair = stats.paired(pretrained, random, "greater")
    g = stats.hedges_g(a, b)
    verdict = superiority_verdict(welch, pair, stats.welch(a, b, "less").pvalue, g, t)
    computed = f"means {stats.summarize(a, 1).mean:.1f} vs {stats.summarize(b, 1).mean:.1f} points"
    stat = (
        f"Welch t={welch.statistic:.2f}, df={welch.df:.2f}, p={_p(welch.pvalue)} (one-sided); "
        f"paired t({pair.df:g})={pair.statistic:.2f}, p={_p(pair.pvalue)}; Hedges' g={g:.1f}; "
        f"alpha={t.significance.alpha:g}"
    )
    return LedgerRow("C3", says, computed, stat, verdict, test)


def c4_row(hf: list[float], fairseq: list[float], t: Thresholds, says: str, test: str) -> LedgerRow:
    alpha, eq = t.significance.alpha, t.equivalence
    verdict, welch_p, tost_p = equivalence(hf, fairseq, t)
    low, high = stats.bootstrap_ci(hf, fairseq)
    smallest = stats.smallest_tost_margin(hf, fairseq, alpha)
    sd = stats.pooled_sd(hf, fairseq)
    seeds = stats.seeds_needed(sd, eq.margin, alpha, eq.power)
    held = "established" if tost_p[eq.margin] < alpha else "not established"
    computed = (
        f"HF - fairseq = {stats.tost(hf, fairseq, eq.margin).diff:+.2f} points (descriptive bootstrap 95% CI "
        f"{low:+.2f} to {high:+.2f}); ±{eq.margin:g} {held}; narrowest establishable ±{smallest:.2f}; "
        f"±{eq.margin:g} needs ~{seeds} seeds per framework (power {eq.power:g})"
    )
    stat = f"Welch p={_p(welch_p)} (two-sided); {_tost_text(tost_p)}"
    return LedgerRow("C4", says, computed, stat, verdict, test)


def c5_row(report: Report) -> LedgerRow:
    """The LoRA row: ``harness.lora.ledger_row(report)`` (a dict of the row's fields)."""
    from harness import lora  # peft and transformers: imported only when the row is built

    row = lora.ledger_row(report)
    return row if isinstance(row, LedgerRow) else LedgerRow(**row)


def c6_row(report: Report) -> LedgerRow:
    """The printed aggregates: the conventions that reproduce both, and the reading they imply."""
    fs = report.fairseq
    groups = (
        (fs.pretrained, fs.stated_mean_pretrained, fs.stated_spread_pretrained),
        (fs.random, fs.stated_mean_random, fs.stated_spread_random),
    )
    common = sorted(set.intersection(*(set(stats.conventions_reproducing(*g)) for g in groups)))
    says = ", ".join(f"{mean:g}% (± {spread:g}%)" for _, mean, spread in groups)
    tried = ", ".join(f"ddof={d} {u}" for d, u in stats.CONVENTIONS)
    found = ", ".join(f"ddof={d} as {u}" for d, u in common) or "none"
    parts = []
    for values, _, _ in groups:
        pop, smp = stats.summarize(values, 0), stats.summarize(values, 1)
        parts.append(f"{pop.mean:.1f} ± {pop.sd:.2f} points (population SD; sample SD {smp.sd:.2f})")
    if not common:
        computed = "not reproducible; per-seed table gives " + "; ".join(parts)
    elif all(unit == "fraction" for _, unit in common):
        computed = "the ± values are fractions printed with a % sign; corrected reading: " + "; ".join(parts)
    else:
        computed = "as printed: " + "; ".join(parts)
    return LedgerRow(
        "C6", says, computed, f"conventions tried: {tried}; reproduces both: {found}",
        "REPRODUCED" if common else "REFUTED",
        "tests/test_c6_report_arithmetic.py::test_stated_aggregates_reproduce_under_one_convention",
    )


# --- assembling --------------------------------------------------------------------------------


def load_runs(results_dir: str | Path) -> dict[str, list[RunResult]]:
    """Every run of a results directory, by profile (``harness.results``: errors name the file)."""
    results = load_results(results_dir)
    return {profile: results.all(profile) for profile in results.profiles}


def points(runs: list[RunResult], framework: str, init: str) -> dict[int, float]:
    """``{seed: test accuracy in points}``: results store fractions, the report prints percent."""
    cell = [r for r in runs if (r.spec.framework, r.spec.init) == (framework, init)]
    return {r.spec.seed: 100.0 * r.test_accuracy for r in cell}


FRESH_CLAIMS = {"C3": (("fairseq", "pretrained"), ("fairseq", "random")), "C4": (("hf", "pretrained"), ("fairseq", "pretrained"))}


def _fresh_rows(profile: str, runs: list[RunResult], t: Thresholds) -> list[LedgerRow]:
    says, rows = f"fresh runs, profile {profile!r}", []
    for claim, cells in FRESH_CLAIMS.items():
        a, b = (points(runs, *cell) for cell in cells)
        lacking = [" ".join(cell) for cell, v in zip(cells, (a, b)) if len(v) < 2]
        unpaired = claim == "C3" and set(a) != set(b)  # the paired test needs one run per seed in each
        if lacking or unpaired:
            reason = not_run(f"fewer than 2 runs of {', '.join(lacking)}" if lacking else
                             f"pretrained seeds {sorted(a)} and random seeds {sorted(b)} differ")
            rows.append(LedgerRow(claim, says, "-", "-", reason, FRESH_TESTS[claim]))
        elif claim == "C3":
            rows.append(c3_row(a, b, t, says, FRESH_TESTS[claim]))
        else:
            rows.append(c4_row(list(a.values()), list(b.values()), t, says, FRESH_TESTS[claim]))
    return rows


def fresh_rows(profile: str, runs: list[RunResult]) -> list[LedgerRow]:
    """The rows of one profile's fresh runs (C3, C4), as ``build_ledger`` builds them: what the
    drift gate (``harness.gate``) pins verdict for verdict."""
    return _fresh_rows(profile, runs, load_thresholds())


def build_ledger(report: Report, results_dir: str | Path | None = None) -> list[LedgerRow]:
    t = load_thresholds()
    runs = load_runs(results_dir) if results_dir is not None else None
    fs, hf = report.fairseq, report.hf
    rows = [
        c1_row(report),
        c2_row(report, runs, t),
        c3_row(
            stats.by_seed(fs.seeds, fs.pretrained, "fairseq.pretrained"),
            stats.by_seed(fs.seeds, fs.random, "fairseq.random"),
            t, f"§{fs.section}: {fs.claim!r} ({_pts(fs.pretrained)} vs {_pts(fs.random)})",
            "tests/test_c3_significance.py::test_pretrained_clearly_beats_random",
        ),
        c4_row(
            list(hf.pretrained), list(fs.pretrained), t,
            f"§{hf.section}: {hf.claim!r} (HF {_pts(hf.pretrained)} vs fairseq {_pts(fs.pretrained)})",
            "tests/test_c4_agreement.py::test_report_hf_equivalent_to_fairseq_within_margin",
        ),
    ]
    for profile, profile_runs in (runs or {}).items():
        rows += _fresh_rows(profile, profile_runs, t)
    return rows + [c5_row(report), c6_row(report)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[LedgerRow]) -> str:
    heads = ["claim", "the report says", "the suite computed", "statistic", "verdict", "checked by"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for row in rows:
        cells = [getattr(row, f.name) for f in fields(LedgerRow)]
        cells[-1] = f"`{cells[-1]}`"
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def add_arguments(parser) -> None:
    parser.add_argument("--claims", metavar="FILE", help="a report's claims file (default: expected/report.toml)")
    parser.add_argument("--results", metavar="DIR", help="results directory <DIR>/<profile>/<run>.json")
    parser.add_argument("--out", metavar="FILE.md", help="also write the Markdown table here (atomically)")


def main(args) -> int:
    text = to_markdown(build_ledger(load_report(args.claims), args.results))
    print(text, end="")
    if args.out:
        atomic.write_text(args.out, text)
    return 0
