"""``values`` (C2, the report's per-seed table): fresh runs reproduce the stated numbers.

Only fresh runs of the claim's profile on the report's own data and checkpoint count (each run's
``provenance["inputs"]``: data and checkpoint with ``source = "user"`` and their sha256): the
embedded English sentences and MiniLM are never compared with the report's French table (NOT RUN,
with the commands that make the runs). Rule, per cell: the fresh runs' mean and the report's mean
within ±margin points, by the equivalence rule (TOST, ``relations.equivalence``; seed i of a fresh
run is not seed i of the report: two samples); the claim holds as its weakest cell does.
"""

from __future__ import annotations


from harness.claims import arms
from harness.claims.plan import on_report_files
from harness.claims.relations import equivalence
from harness.claims.row import REPORT, Row, not_run, pts

NAME = "values"
RANK = ("REFUTED", "NOT ESTABLISHED", "HOLDS WITHIN")  # weakest first


def weakest(verdicts: list[str]) -> str:
    """A claim made of several comparisons is as strong as its weakest (REFUTED < NOT ESTABLISHED < HOLDS)."""
    return min(verdicts, key=lambda v: next(i for i, head in enumerate(RANK) if v.startswith(head)))


def report_rows(claim, ctx) -> list[Row]:
    params = claim.params
    table = "; ".join(f"{cell} {pts(ctx.report(cell).values())}" for cell in params.cells)
    says = f"§{claim.section}: {claim.quote!r} ({table})"
    test = ctx.checked_by(claim, needs_results=True)
    how = on_report_files(params.profile, ctx.claims_name)

    def skip(reason):
        return [Row(claim.id, says, "-", "-", not_run(f"{reason}; needs {params.profile}-profile runs on the report's "
                                                       f"own data and checkpoint: {how}"), test, REPORT)]

    if ctx.runs is None:
        return skip("no results given")
    runs = ctx.runs.get(params.profile, [])
    user = [r for r in runs if arms.not_user_files(r) is None]
    if not user:
        found = f"{len(runs)} {params.profile} runs, on {arms.not_user_files(runs[0])}" if runs else \
            f"no {params.profile}-profile runs (profiles: {sorted(ctx.runs)})"
        return skip(f"the results hold {found}")
    rows, verdicts, stats_ = [], [], []
    for cell in params.cells:
        fresh, stated = arms.points(user, cell), ctx.report(cell)
        if len(fresh) < 2:
            return skip(f"fewer than 2 {params.profile} runs of {cell} on the report's files")
        verdict, computed, statistic, _, _, _ = equivalence.judge(fresh, stated, (f"fresh {cell}", "the report's"),
                                                                   params.margin, ctx.alpha, ctx.power, ctx.plan)
        verdicts.append(verdict)
        rows.append(f"{cell}: {pts(fresh.values())} (seeds {sorted(fresh)}); {computed}")
        stats_.append(f"{cell}: {verdict}; {statistic}")
    return [Row(claim.id, says, " | ".join(rows), " | ".join(stats_), weakest(verdicts), test, REPORT)]
