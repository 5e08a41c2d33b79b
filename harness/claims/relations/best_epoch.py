"""``best_epoch`` (C2b, "for each seed the best validation accuracy is reached after 5 epochs").

Rule, on the fresh fairseq runs of the claim's cells and profile (each keeps every epoch's
per-sentence validation predictions), at the claims file's alpha:
- a run agrees when its accuracy at the stated epoch equals its best (a tie counts: fairseq keeps
  the last best checkpoint);
- otherwise its earliest best epoch is compared with the stated epoch on the same validation
  sentences by the exact one-sided McNemar test (is the earlier epoch right more often?), and the
  p-values of all the claim's runs are Holm-adjusted (runs that agree count as p = 1);
- REPRODUCED when every run agrees; REFUTED when some Holm-adjusted p < alpha (that run's best epoch
  is significantly better than the stated one); NOT ESTABLISHED when runs peak elsewhere but none
  significantly (one or two sentences of 200 do not tell a peak from the stated epoch).
The report's own statement is judged only on runs on its own data and checkpoint (as ``values``);
runs on the embedded default give a fresh row, labelled as the suite's runs.
"""

from __future__ import annotations


from harness.claims import arms, stats
from harness.claims.plan import on_report_files
from harness.claims.row import FRESH, REPORT, Row, not_run, p

NAME = "best_epoch"


def judge(runs, epoch: int, alpha: float):
    """(verdict, computed, statistic, scores, decision) of the rule on runs (RunResult)."""
    short = {r.spec.name: len(r.valid_accuracy) for r in runs if len(r.valid_accuracy) < epoch}
    if short:
        return not_run(f"runs with fewer than {epoch} epochs: {short}"), "-", "-", {}, None
    bare = [r.spec.name for r in runs if not r.valid_predictions]
    if bare:
        return not_run(f"{len(bare)} runs keep no per-sentence validation predictions (e.g. {bare[0]}): recompute "
                       "them with this harness"), "-", "-", {}, None
    lines, pvalues, agree = [], [], []
    for r in runs:
        curve = r.valid_accuracy
        best = max(range(len(curve)), key=lambda i: (curve[i], -i)) + 1
        name = f"{r.spec.init} seed {r.spec.seed}"
        agree.append(curve[epoch - 1] == curve[best - 1])
        if agree[-1]:
            pvalues.append(1.0)
            lines.append(f"{name}: best at epoch {epoch}" + (f" (tied with {best})" if best != epoch else ""))
            continue
        test = stats.mcnemar_greater(r.correct(best), r.correct(epoch))
        pvalues.append(test.pvalue)
        gain = round(test.statistic * test.df) if test.df else 0
        lines.append(f"{name}: best epoch {best} ({100 * curve[best - 1]:.1f} vs {100 * curve[epoch - 1]:.1f} at epoch "
                     f"{epoch}; {gain} vs {int(test.df) - gain} discordant sentences, McNemar p={p(test.pvalue)})")
    adjusted = stats.holm(pvalues)
    if all(agree):
        verdict = "REPRODUCED"
    elif min(adjusted) < alpha:
        worst = lines[adjusted.index(min(adjusted))].split(":")[0]
        verdict = f"REFUTED ({worst} peaks significantly before epoch {epoch})"
    else:
        verdict = f"NOT ESTABLISHED (peaks elsewhere, within the noise of epoch {epoch})"
    n = len(runs[0].valid_labels)
    statistic = (f"exact one-sided McNemar, earliest best epoch vs epoch {epoch}, on the same {n} validation sentences, "
                 f"Holm over {len(runs)} runs: adjusted p " + ", ".join(p(x) for x in adjusted) + f"; alpha {alpha:g}")
    return verdict, "; ".join(lines), statistic, {"min_holm_p": min(adjusted)}, ("min_holm_p", min(adjusted), alpha)


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
