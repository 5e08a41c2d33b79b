"""The ledger's decision rules (pure functions of the statistics; the claim tests assert the same).

- :func:`superiority_verdict` (C3, "a clearly beats b"): Welch and paired one-sided p < alpha and
  Hedges' g >= ``[effect].large``; REFUTED when b is significantly better.
- :func:`random_learned` / :func:`learned_verdict` (fresh C3): each random-init run must beat the
  test set's majority-class rate by a one-sided exact binomial test at alpha; otherwise the
  comparison is with a constant classifier and "pretrained beats random" is NOT ESTABLISHED.
- :func:`equivalence` / :func:`equivalence_verdict` (C4 and C2, "consistent"): answered at the
  suite's margin ``[equivalence].margin``. HOLDS WITHIN ±x (x <= margin: TOST p < alpha); else
  REFUTED at ±margin when the difference is shown to lie beyond it (:func:`harness.claims.stats.beyond_margin`
  p < alpha), else NOT ESTABLISHED at ±margin. A wider ladder margin TOST establishes is added as
  "(holds within ±x)": information, not the verdict. A non-significant difference test is never
  read as agreement.
- :func:`not_user_files` / :func:`c2_verdict` (C2): only runs on the user's own data and
  checkpoint (``provenance["inputs"]``, with hashes) are compared with the report's table; the
  rule is "consistent" (above) for each init, means by TOST, and the weakest init's verdict holds.
- :func:`aggregates_verdict` (C6): REPRODUCED when a convention in points (what "± x%" states)
  reproduces the printed aggregates; WRONG AS PRINTED (reading) when only a fraction convention
  does (a unit error); REFUTED when none does.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.claims import stats
from harness.claims.expected import Thresholds

DDOF = {0: "population SD", 1: "sample SD"}


def superiority_verdict(
    welch: stats.Comparison, paired: stats.Comparison, reverse_p: float, g: float, t: Thresholds
) -> str:
    """"a clearly beats b": both one-sided tests below alpha and a large effect; REFUTED when b is
    significantly better (``reverse_p``: Welch one-sided p in the other direction)."""
    alpha = t.significance.alpha
    if welch.pvalue < alpha and paired.pvalue < alpha and g >= t.effect.large:
        return "REPRODUCED"
    return "REFUTED" if reverse_p < alpha else "NOT ESTABLISHED"


# --- did the random-init arm learn? -------------------------------------------------------------


@dataclass(frozen=True)
class Learned:
    seed: int
    accuracy: float  # fraction
    correct: int
    n: int
    majority: float  # the test set's majority-class rate (fraction)
    pvalue: float  # one-sided exact binomial: accuracy above the majority rate

    def describe(self) -> str:
        return (f"seed {self.seed} {100 * self.accuracy:.2f}% ({self.correct}/{self.n}), "
                f"p={_p(self.pvalue)}")


def majority_rate(run) -> float | None:
    """The majority-class rate of a run's test set (``provenance["test_label_counts"]``), or None."""
    counts = (run.provenance or {}).get("test_label_counts")
    if not counts:
        return None
    total = sum(counts.values())
    if total != run.test_size or min(counts.values()) < 0:
        raise ValueError(
            f"{run.spec.name}: provenance test_label_counts {counts} sum to {total}, but test_size is {run.test_size}"
        )
    return max(counts.values()) / total


def random_learned(runs, alpha: float) -> tuple[list[Learned], str | None]:
    """One :class:`Learned` per random-init run, or ([], reason) when the label counts are missing."""
    lacking = [r.spec.seed for r in runs if majority_rate(r) is None]
    if lacking:
        return [], (f"random-init runs (seeds {lacking}) record no provenance test_label_counts: "
                    "the majority-class rate is unknown, so learning cannot be checked")
    out = []
    for r in sorted(runs, key=lambda r: r.spec.seed):
        correct = round(r.test_accuracy * r.test_size)
        rate = majority_rate(r)
        p = stats.binomial_above(correct, r.test_size, rate).pvalue
        out.append(Learned(r.spec.seed, r.test_accuracy, correct, r.test_size, rate, p))
    return out, None


def learned_verdict(verdict: str, checks: list[Learned], alpha: float) -> str:
    """A REPRODUCED superiority verdict stands only if every random-init run learned."""
    if verdict == "REPRODUCED" and any(c.pvalue >= alpha for c in checks):
        return "NOT ESTABLISHED (random init did not learn)"
    return verdict


def describe_learned(checks: list[Learned], alpha: float) -> str:
    rates = sorted({f"{100 * c.majority:.2f}%" for c in checks})
    failed = [c.seed for c in checks if c.pvalue >= alpha]
    head = (f"random init vs the majority-class rate {', '.join(rates)} (one-sided exact binomial, "
            f"n={checks[0].n} each, alpha={alpha:g}): ")
    tail = f"; not above it: seeds {failed}" if failed else "; every run above it"
    return head + "; ".join(c.describe() for c in checks) + tail


# --- "consistent": equivalence at the suite's margin ---------------------------------------------


@dataclass(frozen=True)
class EquivalenceResult:
    verdict: str
    welch_p: float  # two-sided difference test: information only, never evidence of agreement
    tost_p: dict[float, float]  # by ladder margin
    beyond_p: float  # one-sided Welch p that |diff| exceeds the suite's margin


def equivalence_verdict(tost_p: dict[float, float], beyond_p: float, margin: float, alpha: float) -> str:
    held = [m for m in sorted(tost_p) if tost_p[m] < alpha]
    if held and held[0] <= margin:
        return f"HOLDS WITHIN ±{held[0]:g}"
    verdict = f"{'REFUTED' if beyond_p < alpha else 'NOT ESTABLISHED'} at ±{margin:g}"
    return verdict + (f" (holds within ±{held[0]:g})" if held else "")


def equivalence(a, b, t: Thresholds) -> EquivalenceResult:
    """The verdict for "a is consistent with b" (points), with the statistics behind it."""
    eq, alpha = t.equivalence, t.significance.alpha
    tost_p = {m: stats.tost(a, b, m).pvalue for m in eq.ladder}
    beyond_p = stats.beyond_margin(a, b, eq.margin).pvalue
    return EquivalenceResult(
        equivalence_verdict(tost_p, beyond_p, eq.margin, alpha), stats.welch(a, b).pvalue, tost_p, beyond_p
    )


RANK = ("REFUTED", "NOT ESTABLISHED", "HOLDS WITHIN")


def weakest(verdicts: list[str]) -> str:
    """The weakest of several equivalence verdicts (REFUTED < NOT ESTABLISHED < HOLDS; among
    HOLDS, the widest margin): a claim made of several comparisons is as strong as its weakest."""
    def key(v):
        rank = next(i for i, head in enumerate(RANK) if v.startswith(head))
        width = float(v.split("±")[1].split()[0].rstrip(")")) if rank == 2 else 0.0
        return rank, -width
    return min(verdicts, key=key)


# --- C2: fresh runs on the report's own data and checkpoint ---------------------------------------


def not_user_files(run) -> str | None:
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


def c2_verdict(fresh: dict[str, list[float]], stated: dict[str, list[float]], t: Thresholds):
    """C2's rule: "consistent" (:func:`equivalence`, fresh points vs the report's,
    means within ±margin by TOST) for each init; the weakest init's verdict. Returns (verdict, {init: result})."""
    results = {init: equivalence(fresh[init], stated[init], t) for init in stated}
    return weakest([r.verdict for r in results.values()]), results


# --- the printed aggregates (C6) ----------------------------------------------------------------


def aggregates_verdict(found: set[tuple[int, str]]) -> str:
    """``found``: the (ddof, unit) conventions that reproduce every printed aggregate."""
    if not found:
        return "REFUTED"
    if any(unit == "points" for _, unit in found):
        return "REPRODUCED"
    ddof = min(d for d, _ in found)
    return f"WRONG AS PRINTED ({DDOF[ddof]} as a fraction, printed with a % sign)"


def _p(x: float) -> str:
    return f"{x:.2g}" if x < 0.01 else f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"
