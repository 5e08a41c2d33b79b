"""The claim ledger: one verdict per claim of the report (C1-C6), from its numbers and fresh runs.

``build_ledger(report, results_dir)`` turns a report's claims (``harness.claims.load_report``) and,
optionally, a results directory (``<dir>/<profile>/<RunSpec.name>.json``) into rows; ``to_markdown``
renders them. ``python -m harness ledger [--claims FILE] [--results DIR] [--out FILE.md]``.

Verdicts (docs/ledger.md): REPRODUCED; HOLDS WITHIN ±x (TOST establishes the narrowest ladder
margin x, x <= the suite's margin); NOT ESTABLISHED (the data cannot decide; "at ±m" for
equivalence, with "(holds within ±x)" when a wider ladder margin holds); REFUTED; WRONG AS
PRINTED (reading); NOT RUN (reason). The decision rules live in ``harness.verdicts``; the test each
row names asserts the same rule (a strict xfail when the data do not support the claim).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from harness.claims import count, lora_claims, plan, shape, stats, verdicts
from harness.claims.expected import Thresholds, load_lab, load_thresholds
from harness.claims.power import seeds_needed, smallest_tost_margin, tost_power
from harness.claims.schema import Report
from harness.core.records import RunResult
from harness.inputs import checkpoints, models
from harness.inputs.user import CHECKPOINT_ENV
from harness.runs.results import load_results

VERDICTS = ("REPRODUCED", "HOLDS WITHIN ±", "NOT ESTABLISHED", "REFUTED", "WRONG AS PRINTED (", "NOT RUN (")
# The tests that check each claim on fresh runs (C2: the lab profile on a GPU; C3, C4: any profile).
FRESH_TESTS = {
    "C2": "tests/gpu/test_lab_profile.py::test_lab_user_files_reproduce_the_reports_table",
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


def _tost_text(tost_p: dict[float, float]) -> str:
    return "TOST p " + ", ".join(f"±{m:g} {_p(p)}" for m, p in tost_p.items())


def _p(x: float) -> str:
    return f"{x:.2g}" if x < 0.01 else f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"


def _pts(values) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


# --- rows --------------------------------------------------------------------------------------


def _checkpoint_count(report: Report) -> tuple[str, bool] | None:
    """With ``$LAB_CHECKPOINT``: the formula at the checkpoint's real V and dimensions next to its
    counted weights (same convention) and the report's V; None without a checkpoint."""
    if not os.environ.get(CHECKPOINT_ENV):
        return None
    import torch

    ckpt = checkpoints.from_dir()
    cfg = ckpt.encoder_config()
    state = torch.load(ckpt.dir / "model.pt", map_location="cpu", weights_only=False)["model"]
    counted = count.count((n, t) for n, t in state.items() if n.endswith((".weight", ".bias")))
    by_formula = count.formula(cfg)
    text = (f"$LAB_CHECKPOINT: V = {cfg.vocab_size:,} (the report's V = {report.params.vocab_size:,}); "
            f"formula at its V and dimensions {by_formula:,}; its weights counted {counted:,}")
    return text, by_formula == counted


def c1_row(report: Report) -> LedgerRow:
    lab = load_lab()
    cfg = report.encoder(heads=lab.encoder.heads, padding_idx=lab.encoder.padding_idx)
    by_formula, counted = count.formula(cfg), count.count(models.build_fairseq(cfg).named_parameters())
    ok = by_formula == counted == report.params.stated_total
    computed = f"formula {by_formula:,}; fairseq RobertaModel counted {counted:,}"
    real = _checkpoint_count(report)
    if real is None:
        computed += "; no checkpoint ($LAB_CHECKPOINT unset): the report's V only"
    else:
        computed += "; " + real[0]
        ok = ok and real[1]
    return LedgerRow(
        "C1", f"{report.params.stated_total:,} parameters (§{report.params.section})", computed,
        "exact equality", "REPRODUCED" if ok else "REFUTED",
        "tests/test_c1_param_count.py::test_formula_equals_report_and_fairseq_count",
    )


def c2_row(report: Report, runs: dict[str, list[RunResult]] | None, t: Thresholds) -> LedgerRow:
    fs = report.fairseq
    says = f"fairseq test accuracy (%, seeds {list(fs.seeds)}): pretrained {_pts(fs.pretrained)}, random {_pts(fs.random)}"

    def skip(reason):
        return LedgerRow("C2", says, "-", "-", not_run(reason), FRESH_TESTS["C2"])

    if runs is None:
        return skip("no results: pass --results DIR")
    if "lab" not in runs:
        return skip(f"no lab-profile runs in the results (profiles {sorted(runs)} use other data)")
    lab = [r for r in runs["lab"] if r.spec.framework == "fairseq"]
    why = {r.spec.name: w for r in lab if (w := verdicts.not_user_files(r))}
    if why:
        name, reason = next(iter(why.items()))
        return skip(f"{len(why)} lab fairseq runs {reason} (e.g. {name}): the report's table is compared "
                    "only with runs on its own data and checkpoint ($LAB_DATA, $LAB_CHECKPOINT, with hashes)")
    stated = {"pretrained": list(fs.pretrained), "random": list(fs.random)}
    fresh = {init: points(lab, "fairseq", init) for init in stated}
    short = [init for init, v in fresh.items() if len(v) < 2]
    if short:
        return skip(f"fewer than 2 lab fairseq {', '.join(short)} runs")
    verdict, results = verdicts.c2_verdict({i: list(v.values()) for i, v in fresh.items()}, stated, t)
    computed = "; ".join(f"{i} {_pts(v.values())} (seeds {sorted(v)}, n={len(v)})" for i, v in fresh.items())
    stat = "; ".join(f"{i}: {r.verdict}, {_tost_text(r.tost_p)}, beyond ±{t.equivalence.margin:g} p={_p(r.beyond_p)}"
                     for i, r in results.items())
    return LedgerRow("C2", says, computed, f"means, TOST vs the report's n={len(fs.seeds)}: {stat}", verdict, FRESH_TESTS["C2"])


def c2_shape_row(report: Report, runs: dict[str, list[RunResult]] | None) -> LedgerRow:
    """C2's shape, "the best validation accuracy is reached after 5 epochs": rule and row in harness.claims.shape."""
    return LedgerRow(**shape.ledger_row(report, runs))


def c3_row(pretrained: dict[int, float], random: dict[int, float], t: Thresholds, says: str, test: str) -> LedgerRow:
    a, b = list(pretrained.values()), list(random.values())
    welch = stats.welch(a, b, "greater")
    pair = stats.paired(pretrained, random, "greater")
    g = stats.hedges_g(a, b)
    verdict = verdicts.superiority_verdict(welch, pair, stats.welch(a, b, "less").pvalue, g, t)
    computed = (f"means {stats.summarize(a, 1).mean:.1f} vs {stats.summarize(b, 1).mean:.1f} points "
                f"(n={len(a)} and {len(b)} seeds)")
    stat = (
        f"Welch t={welch.statistic:.2f}, df={welch.df:.2f}, p={_p(welch.pvalue)} (one-sided); "
        f"paired t({pair.df:g})={pair.statistic:.2f}, p={_p(pair.pvalue)}; Hedges' g={g:.1f}; "
        f"alpha={t.significance.alpha:g}"
    )
    return LedgerRow("C3", says, computed, stat, verdict, test)


def fresh_c3_row(runs: list[RunResult], t: Thresholds, says: str, test: str) -> LedgerRow:
    """C3 on fresh runs: the superiority rule, and every random-init run above the majority rate."""
    row = c3_row(points(runs, "fairseq", "pretrained"), points(runs, "fairseq", "random"), t, says, test)
    random = [r for r in runs if (r.spec.framework, r.spec.init) == ("fairseq", "random")]
    alpha = t.significance.alpha
    checks, missing = verdicts.random_learned(random, alpha)
    if missing:
        return LedgerRow("C3", says, row.computed, row.statistic, not_run(missing), test)
    return LedgerRow("C3", says, row.computed, f"{row.statistic}; {verdicts.describe_learned(checks, alpha)}",
                     verdicts.learned_verdict(row.verdict, checks, alpha), test)


def c4_row(hf: list[float], fairseq: list[float], t: Thresholds, says: str, test: str,
           plan_for: tuple | None = None) -> LedgerRow:
    """``plan_for``: (profile, its runs[, a prefix for the command]) that a NOT ESTABLISHED verdict for lack of seeds is decided
    with: the row then names the command (``harness.plan.decide``)."""
    alpha, eq = t.significance.alpha, t.equivalence
    r = verdicts.equivalence(hf, fairseq, t)
    ci = stats.welch_ci(hf, fairseq, 0.95)
    diff = stats.tost(hf, fairseq, eq.margin).diff
    n = f"n={len(hf)}+{len(fairseq)}"
    sd = stats.pooled_sd(hf, fairseq)  # seed-to-seed, measured: the planning SD
    k = min(len(hf), len(fairseq))
    p0, pd = (tost_power(sd, eq.margin, k, alpha, d) for d in (0.0, diff))
    need = seeds_needed(sd, eq.margin, alpha, eq.power)
    computed = (
        f"HF - fairseq = {diff:+.2f} points (Welch 95% CI {ci.low:+.2f} to {ci.high:+.2f}, {n}); "
        f"pooled seed SD {sd:.2f} ({n}); TOST at ±{eq.margin:g} with {k} seeds: power {p0:.2f} at no difference, "
        f"{pd:.2f} at the observed {diff:+.2f}; ±{eq.margin:g} needs ~{need} "
        f"seeds per framework (power {eq.power:g}); narrowest establishable "
        f"±{smallest_tost_margin(hf, fairseq, alpha):.2f}"
    )
    if plan_for and r.verdict.startswith("NOT ESTABLISHED") and need > k:  # lacks power: say what decides it
        computed += f"; {plan.decide(plan_for[0], need, plan_for[1], prefix=''.join(plan_for[2:])).describe()}"
    stat = (f"{_tost_text(r.tost_p)}; beyond ±{eq.margin:g} p={_p(r.beyond_p)} (one-sided Welch); "
            f"Welch two-sided p={_p(r.welch_p)} (a difference test: not evidence of agreement)")
    return LedgerRow("C4", says, computed, stat, r.verdict, test)


def c5_row(report: Report) -> LedgerRow:
    """The LoRA row: ``harness.claims.lora_claims.ledger_row(report)`` (a dict of the row's fields)."""
    row = lora_claims.ledger_row(report)
    return row if isinstance(row, LedgerRow) else LedgerRow(**row)


def c6_row(report: Report) -> LedgerRow:
    """The printed aggregates: the conventions that reproduce both, and the reading they imply."""
    fs = report.fairseq
    groups = (
        (fs.pretrained, fs.stated_mean_pretrained, fs.stated_spread_pretrained),
        (fs.random, fs.stated_mean_random, fs.stated_spread_random),
    )
    common = set.intersection(*(set(stats.conventions_reproducing(*g)) for g in groups))
    says = ", ".join(f'"{mean:g}% (± {spread:g}%)"' for _, mean, spread in groups)
    tried = ", ".join(f"ddof={d} {u}" for d, u in stats.CONVENTIONS)
    found = ", ".join(f"ddof={d} as {u}" for d, u in sorted(common)) or "none"
    parts = []
    for values, _, _ in groups:
        pop, smp = stats.summarize(values, 0), stats.summarize(values, 1)
        parts.append(f"{pop.mean:.1f} ± {pop.sd:.2f} points (population SD, n={pop.n}; sample SD {smp.sd:.2f})")
    verdict = verdicts.aggregates_verdict(common)
    if verdict.startswith("WRONG AS PRINTED"):
        computed = ("the printed ± values are wrong as printed: they are SDs as fractions with a % sign; "
                    "in points: " + "; ".join(parts))
    elif verdict == "REFUTED":
        computed = "not reproducible; the per-seed table gives " + "; ".join(parts)
    else:
        computed = "as printed: " + "; ".join(parts)
    return LedgerRow(
        "C6", says, computed, f"conventions tried: {tried}; reproduces both: {found}", verdict,
        "tests/test_c6_report_arithmetic.py::test_stated_aggregates_are_correct_as_printed",
    )


# --- assembling --------------------------------------------------------------------------------


def load_runs(results_dir: str | Path) -> dict[str, list[RunResult]]:
    """Every run of a results directory, by profile (``harness.runs.results``: errors name the file)."""
    results = load_results(results_dir)
    return {profile: results.all(profile) for profile in results.profiles}


def points(runs: list[RunResult], framework: str, init: str) -> dict[int, float]:
    """``{seed: test accuracy in points}``: results store fractions, the report prints percent."""
    cell = [r for r in runs if (r.spec.framework, r.spec.init) == (framework, init)]
    return {r.spec.seed: 100.0 * r.test_accuracy for r in cell}


REPORT_FILES = "LAB_DATA=<the lab's data> LAB_CHECKPOINT=<its RoBERTa_small_fr> "
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
            rows.append(fresh_c3_row(runs, t, says, FRESH_TESTS[claim]))
        else:
            rows.append(c4_row(list(a.values()), list(b.values()), t, says, FRESH_TESTS[claim], (profile, runs)))
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
        c2_shape_row(report, runs),
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
            ("lab", [r for r in (runs or {}).get("lab", []) if not verdicts.not_user_files(r)],  # the report's
             REPORT_FILES),  # scale on its own files: lab runs on the embedded default are not its seeds
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


