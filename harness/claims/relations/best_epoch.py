"""``best_epoch`` (C2b, "for each seed the best validation accuracy is reached after 5 epochs").

Rule, on the fresh fairseq runs of the claim's cells and profile (each keeps every epoch's
per-sentence validation predictions), at the claims file's alpha:
- a run agrees when its accuracy at the stated epoch equals its best (a tie counts: fairseq keeps
  the last best checkpoint);
- the stated epoch is compared with every other epoch of every run on the same validation sentences
  by the exact one-sided McNemar test (is the other epoch right more often?), and the p-values of
  all runs x other epochs are Holm-adjusted together. Testing every epoch, not the run's best, keeps
  the selection out of the test: a best epoch picked on these sentences and then tested against the
  stated one on the same sentences is a best-of-four test, REFUTED 8.2% of the time at alpha 5%
  with five equally good epochs (tests/test_c2b_selection.py); Holm over the whole family holds
  the false-refutation rate to alpha under any dependence between the pairs;
- REPRODUCED when every run agrees; REFUTED when some Holm-adjusted p < alpha (that epoch of that run
  is significantly better than the stated one); NOT ESTABLISHED when runs peak elsewhere but no
  epoch significantly (one or two sentences of 200 do not tell a peak from the stated epoch).
The report's own statement is judged only on runs on its own data and checkpoint (as ``values``);
runs on the embedded default give a fresh row, labelled as the suite's runs.
"""

from __future__ import annotations

import numpy as np

from harness.claims import arms, stats
from harness.claims.plan import on_report_files
from harness.claims.row import FRESH, REPORT, Row, not_run, p

NAME = "best_epoch"


def pair_tests(correct, epoch: int) -> list[tuple[int, int, int, float]]:
    """(other epoch, sentences only it gets right, sentences only ``epoch`` gets right, exact one-sided
    McNemar p that it is right more often) for every other epoch of one run; ``correct`` is a
    (epochs x sentences) table of right answers."""
    c = np.asarray(correct, dtype=bool)
    stated = c[epoch - 1]
    out = []
    for e in range(len(c)):
        if e != epoch - 1:
            gain, loss = int((c[e] & ~stated).sum()), int((stated & ~c[e]).sum())
            out.append((e + 1, gain, loss, stats.mcnemar_counts(gain, loss)))
    return out


def decide(correct_runs, epoch: int, alpha: float):
    """(kind: REPRODUCED | REFUTED | NOT ESTABLISHED, the tests per run, the Holm-adjusted p per test in
    run-major order, the index of the smallest) of the rule on each run's (epochs x sentences) table."""
    tests = [pair_tests(c, epoch) for c in correct_runs]
    agree = all(np.asarray(c, dtype=bool).sum(1).max() == np.asarray(c, dtype=bool)[epoch - 1].sum()
                for c in correct_runs)
    adjusted = stats.holm([t[3] for run in tests for t in run]) or [1.0]
    low = int(np.argmin(adjusted))
    kind = "REPRODUCED" if agree else "REFUTED" if adjusted[low] < alpha else "NOT ESTABLISHED"
    return kind, tests, adjusted, low


def judge(runs, epoch: int, alpha: float):
    """(verdict, computed, statistic, scores, decision) of the rule on runs (RunResult)."""
    short = {r.spec.name: len(r.valid_accuracy) for r in runs if len(r.valid_accuracy) < epoch}
    if short:
        return not_run(f"runs with fewer than {epoch} epochs: {short}"), "-", "-", {}, None
    bare = [r.spec.name for r in runs if not r.valid_predictions]
    if bare:
        return not_run(f"{len(bare)} runs keep no per-sentence validation predictions (e.g. {bare[0]}): recompute "
                       "them with this harness"), "-", "-", {}, None
    kind, tests, adjusted, low = decide([[r.correct(e + 1) for e in range(len(r.valid_accuracy))] for r in runs],
                                        epoch, alpha)
    lines, names, at = [], [], 0
    for r, run_tests in zip(runs, tests):
        curve, name = r.valid_accuracy, f"{r.spec.init} seed {r.spec.seed}"
        best = max(range(len(curve)), key=lambda i: (curve[i], -i)) + 1
        names += [(name, e) for e, *_ in run_tests]
        mine = adjusted[at:at + len(run_tests)]
        e, gain, loss, _ = run_tests[int(np.argmin(mine))] if run_tests else (epoch, 0, 0, 1.0)
        at += len(run_tests)
        if curve[epoch - 1] == curve[best - 1]:
            lines.append(f"{name}: best at epoch {epoch}" + (f" (tied with {best})" if best != epoch else ""))
        else:
            lines.append(f"{name}: best epoch {best} ({100 * curve[best - 1]:.1f} vs {100 * curve[epoch - 1]:.1f} at "
                         f"epoch {epoch}); closest to beating it: epoch {e}, {gain} vs {loss} discordant sentences, "
                         f"Holm p={p(min(mine, default=1.0))}")
    if kind == "REFUTED":
        name, e = names[low]
        verdict = f"REFUTED ({name}: epoch {e} is significantly better than epoch {epoch})"
    elif kind == "NOT ESTABLISHED":
        verdict = f"NOT ESTABLISHED (peaks elsewhere, within the noise of epoch {epoch})"
    else:
        verdict = kind
    n = len(runs[0].valid_labels)
    others = len(tests[0]) if tests else 0
    statistic = (f"exact one-sided McNemar, every other epoch vs epoch {epoch}, on the same {n} validation sentences, "
                 f"Holm over {len(runs)} runs x {others} other epochs ({len(adjusted)} tests): smallest adjusted p per "
                 "run " + ", ".join(p(min(adjusted[i * others:(i + 1) * others], default=1.0)) for i in range(len(runs)))
                 + f"; alpha {alpha:g}")
    return verdict, "; ".join(lines), statistic, {"min_holm_p": adjusted[low]}, ("min_holm_p", adjusted[low], alpha)


def _says(claim) -> str:
    steps = f" ({claim.params.updates:,} training steps)" if claim.params.updates else ""
    return f"§{claim.section}: best validation accuracy after {claim.params.epoch} epochs{steps}"


def _cell_runs(runs, params):
    return [r for cell in params.cells for r in arms.cell_runs(runs, cell)]


def report_rows(claim, ctx) -> list[Row]:
    params = claim.params
    test = ctx.checked_by(claim, needs_results=True)
    how = on_report_files(params.profile, ctx.claims_name)
    runs = (ctx.runs or {}).get(params.profile, [])
    user = [r for r in _cell_runs(runs, params) if arms.not_user_files(r) is None]
    if not user:
        found = "no results given" if ctx.runs is None else \
            f"the results hold no {params.profile}-profile runs of {', '.join(params.cells)} on the report's own files"
        return [Row(claim.id, _says(claim), "-", "-", not_run(f"{found}; needs them: {how}"), test, REPORT)]
    verdict, computed, statistic, scores, decision = judge(user, params.epoch, ctx.alpha)
    return [Row(claim.id, _says(claim), computed, statistic, verdict, test, REPORT, scores, decision)]


def fresh_rows(claim, profile: str, runs: list, ctx) -> list[Row]:
    params = claim.params
    mine = [r for r in _cell_runs(runs, params) if arms.not_user_files(r) is not None]
    if profile != params.profile or not mine:
        return []  # the claim speaks of its profile's runs; those on the report's files are its report row
    test = ctx.checked_by(claim, profile)
    says = f"{claim.id} on {arms.fresh_label(profile, mine)}"
    verdict, computed, statistic, scores, decision = judge(mine, params.epoch, ctx.alpha)
    return [Row(claim.id, says, computed, statistic, verdict, test, FRESH, scores, decision)]
