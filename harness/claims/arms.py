"""The arms a claim speaks of: the report's per-seed numbers, or the suite's fresh runs of a cell
("<framework>.<init>") of a profile, as ``{seed: accuracy in points}``; and what a relation's
evaluator is given (:class:`Context`).

Results store fractions, the report and claims files percent: fresh arms are converted here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.claims import stats
from harness.claims.row import p
from harness.core.records import RunResult


@dataclass(frozen=True)
class Context:
    cells: dict  # cell name -> the report's Cell (``harness.claims.claimsfile``)
    alpha: float
    power: float
    claims_name: str  # the claims file, as commands name it
    is_suite: bool  # the report under test's own file (its rules are what the suite's tests check)
    runs: dict[str, list[RunResult]] | None = None  # fresh runs by profile; None: no results given
    results_name: str = ""  # the results directory, as commands name it
    plan: bool = True  # print the seed plan (``harness.claims.power``); the gate reads no plan and skips it

    def report(self, cell: str) -> dict[int, float]:
        return self.cells[cell].by_seed()

    def command(self, fresh: bool = False) -> str:
        """The command that reproduces a row of this claims file."""
        results = f" --results {self.results_name or 'DIR'}" if fresh else ""
        return f"`python -m harness ledger --claims {self.claims_name}{results}`"

    def checked_by(self, claim, profile: str | None = None, needs_results: bool = False) -> str:
        """What checks a claim's row: on the report under test's own file, the test of the rule
        (``checked_by``, or ``fresh_checked_by[profile]`` for the suite's runs of a profile); on any
        other claims file, the command that reproduces the row (with ``--results`` for a row that
        needs fresh runs)."""
        test = claim.checked_by if profile is None else claim.fresh_checked_by.get(profile, "")
        return test if self.is_suite and test else self.command(fresh=needs_results or profile is not None)


def split_cell(cell: str) -> tuple[str, str]:
    framework, init = cell.split(".")
    return framework, init


def cell_runs(runs: list[RunResult], cell: str) -> list[RunResult]:
    framework, init = split_cell(cell)
    return sorted((r for r in runs if (r.spec.framework, r.spec.init) == (framework, init)), key=lambda r: r.spec.seed)


def points(runs: list[RunResult], cell: str) -> dict[int, float]:
    """``{seed: test accuracy in points}`` of a cell's runs."""
    return {r.spec.seed: 100.0 * r.test_accuracy for r in cell_runs(runs, cell)}


def not_user_files(run: RunResult) -> str | None:
    """Why a run is not on the user's own data and checkpoint (``provenance["inputs"]``: each with
    ``source = "user"`` and its ``sha256``), or None when it is."""
    inputs = (run.provenance or {}).get("inputs")
    if not isinstance(inputs, dict):
        return "record no inputs"
    for what in ("data", "checkpoint"):
        item = inputs.get(what) or {}
        if item.get("source") != "user":
            return f"{what}: {item.get('source', 'unrecorded')}"
        if not item.get("sha256"):
            return f"{what}: user, no sha256"
    return None


def fresh_label(profile: str, runs: list[RunResult]) -> str:
    """How the ledger names the suite's runs of a profile: on the user's files or the embedded default."""
    on_user = runs and all(not_user_files(r) is None for r in runs)
    where = "the user's data and checkpoint" if on_user else "the embedded default (English sentences, MiniLM)"
    return f"the suite's fresh runs, profile {profile!r}, on {where}"


# --- did a cell learn? (fresh runs: each run above its test set's majority-class rate) --------------


@dataclass(frozen=True)
class Learned:
    seed: int
    accuracy: float  # fraction
    correct: int
    n: int
    majority: float  # the test set's majority-class rate (fraction)
    pvalue: float  # one-sided exact binomial: accuracy above the majority rate

    def describe(self) -> str:
        return f"seed {self.seed} {100 * self.accuracy:.2f}% ({self.correct}/{self.n}), p={p(self.pvalue)}"


def majority_rate(run: RunResult) -> float | None:
    """The majority-class rate of a run's test set (``provenance["test_label_counts"]``), or None."""
    counts = (run.provenance or {}).get("test_label_counts")
    if not counts:
        return None
    total = sum(counts.values())
    if total != run.test_size or min(counts.values()) < 0:
        raise ValueError(f"{run.spec.name}: provenance test_label_counts {counts} sum to {total}, "
                         f"but test_size is {run.test_size}")
    return max(counts.values()) / total


def learned(runs: list[RunResult]) -> tuple[list[Learned], str | None]:
    """One :class:`Learned` per run, or ([], reason) when a run records no label counts."""
    lacking = [r.spec.seed for r in runs if majority_rate(r) is None]
    if lacking:
        return [], (f"runs of seeds {lacking} record no provenance test_label_counts: the majority-class "
                    "rate is unknown, so whether they learned cannot be checked")
    out = []
    for r in runs:
        correct, rate = round(r.test_accuracy * r.test_size), majority_rate(r)
        out.append(Learned(r.spec.seed, r.test_accuracy, correct, r.test_size, rate,
                           stats.binomial_above(correct, r.test_size, rate).pvalue))
    return out, None
