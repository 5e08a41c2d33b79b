"""The claim ledger: every claim of a claims file, judged by its relation, one row each.

``build(claims, results_dir)`` loops over the claims (``harness.claims.claimsfile``): a claim's
relation (``harness.claims.relations``) turns it into rows on the report's own numbers; a claim the
report does not make gives NOT RUN (not stated in the report). With a results directory, the same
rules also judge the suite's fresh runs of each profile, in a section of their own (``fresh``):
those rows are verdicts on the suite's runs, never on the report's claims. The ledger has no
per-claim code. A degenerate input gets a row that says what cannot be decided; no library warning
reaches the terminal (one that fires is noted in its row's statistic).
"""

from __future__ import annotations

import shlex
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

from harness.claims import own, relations
from harness.claims.arms import Context
from harness.claims.claimsfile import SUITE, ClaimsFile, load
from harness.claims.row import FRESH, REPORT, Row, harness_error, not_run
from harness.core.records import RunResult
from harness.runs.results import load_results

SUITE_NAME = SUITE.relative_to(SUITE.parents[1]).as_posix()  # expected/report.toml, as rows name it
COLUMNS = {"claim": "claim", "says": "the report says", "computed": "the suite computed",
           "statistic": "statistic", "verdict": "verdict", "test": "checked by"}


@dataclass(frozen=True)
class Ledger:
    claims: ClaimsFile
    rows: list[Row]  # the report's claims, in the file's order
    fresh: list[Row]  # the suite's fresh runs, by profile (empty without results)

    @property
    def all(self) -> list[Row]:
        return self.rows + self.fresh


def load_runs(results_dir: str | Path) -> dict[str, list[RunResult]]:
    """Every run of a results directory, by profile (``harness.runs.results``: errors name the file)."""
    results = load_results(results_dir)
    return {profile: results.all(profile) for profile in results.profiles}


def _judged(evaluate, claim, section: str) -> list[Row]:
    """``evaluate()``'s rows. No warning is printed: a numerical one (RuntimeWarning, e.g. scipy on a
    degenerate sample) is noted in each row's statistic, the libraries' deprecation notices are
    dropped. Any exception (the rules decide every input they accept, degenerate ones included: one
    that raises is a bug) gives the claim one row, "HARNESS ERROR (...: please report)", never a
    verdict on the claim, and the other claims are judged (``ledger`` and ``audit`` then exit 3)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rows = evaluate()
        except Exception as exc:  # a bug in one rule: that claim's row says so, the others are judged
            return [Row(claim.id, f"§{claim.section}: {claim.quote!r}", "-", "-", harness_error(exc), "-", section)]
    notes = sorted({_first_sentence(str(w.message)) for w in caught if issubclass(w.category, RuntimeWarning)})
    if not notes:
        return rows
    return [_with_statistic(r, f"{r.statistic} (numerical warning: {'; '.join(notes)})") for r in rows]


def _first_sentence(message: str, limit: int = 160) -> str:
    """A warning's first sentence, whole words only (a longer one ends at a word, with "...")."""
    text = " ".join(message.split())
    first = text.split(". ")[0].rstrip(".")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + " ..."


def _context(claims: ClaimsFile, runs, results_dir, plan: bool = True) -> Context:
    # commands print these paths: shell-quoted, so a path with a space or a quote pastes as one word
    return Context(claims.cells, claims.rules.alpha, claims.rules.power, shlex.quote(claims.given), claims.is_suite,
                   runs, shlex.quote(str(results_dir)) if results_dir is not None else "", plan)


def report_rows(claims: ClaimsFile, ctx: Context, only: str | None = None) -> list[Row]:
    """The rows of the file's claims (``only``: of that claim id alone), in the file's order."""
    rows = []
    for claim in claims.claims:
        if only is not None and claim.id != only:
            continue
        if not claim.stated:
            rows.append(Row(claim.id, f"§{claim.section}" if claim.section else "-", "-", "-",
                            not_run("not stated in the report"), "-"))
            continue
        relation = relations.get(claim.relation)
        judged = _judged(lambda: relation.report_rows(claim, ctx), claim, REPORT)
        # a file's own rule marks the verdict (``harness.claims.own``), its inherited parameters are named
        rows += [own.with_marks(r, claim, SUITE_NAME) for r in judged]
    return rows


def _with_statistic(row: Row, statistic: str) -> Row:
    return Row(**{**{f.name: getattr(row, f.name) for f in fields(Row)}, "statistic": statistic})


def fresh_rows(profile: str, runs: list[RunResult], claims: ClaimsFile | None = None, plan: bool = True) -> list[Row]:
    """The rows of one profile's fresh runs, judged by the claims' own rules (``claims``: default the
    report under test): what the drift gate pins. ``plan=False``: no seed plan in the rows' computed
    text (the gate reads verdicts, statistics, scores and decisions, never the plan)."""
    claims = claims or load()
    ctx = _context(claims, {profile: runs}, None, plan)
    rows = []
    for claim in claims.claims:
        relation = relations.get(claim.relation)
        if claim.stated and hasattr(relation, "fresh_rows"):
            rows += [own.with_marks(r, claim, SUITE_NAME)
                     for r in _judged(lambda: relation.fresh_rows(claim, profile, runs, ctx), claim, FRESH)]
    return rows


def build(claims: ClaimsFile, results_dir: str | Path | None = None) -> Ledger:
    runs = load_runs(results_dir) if results_dir is not None else None
    ctx = _context(claims, runs, results_dir)
    fresh = [row for profile, profile_runs in (runs or {}).items() for row in fresh_rows(profile, profile_runs, claims)]
    return Ledger(claims, report_rows(claims, ctx), fresh)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> str:
    """A Markdown table of rows (the columns of :data:`COLUMNS`)."""
    lines = ["| " + " | ".join(COLUMNS.values()) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [getattr(row, name) for name in COLUMNS]
        cells[-1] = f"`{cells[-1]}`" if cells[-1].startswith("tests/") else cells[-1]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_markdown(ledger: Ledger) -> str:
    """The report's claims, then (with results) the suite's fresh runs under their own heading."""
    head = f"Claims: `{ledger.claims.name}` (source: {ledger.claims.source}).\n\n"
    out = head + table(ledger.rows)
    if ledger.fresh:
        out += ("\nThe suite's fresh runs, judged by the same rules (verdicts on the suite's runs, not on the "
                "report's claims):\n\n" + table(ledger.fresh))
    return out



def report_row(claim_id: str, claims: ClaimsFile | None = None, runs: dict | None = None) -> Row:
    """The row of one claim on the report's numbers (``runs``: fresh runs by profile, for the claims
    that are judged on them, C2 and C2b): what a claim's test asserts."""
    claims = claims or load()
    return report_rows(claims, _context(claims, runs, None), only=claim_id)[0]


def fresh_row(claim_id: str, profile: str, runs: list[RunResult], claims: ClaimsFile | None = None) -> Row:
    """The row of one claim on the suite's fresh runs of a profile."""
    return next(r for r in fresh_rows(profile, runs, claims) if r.claim == claim_id)
