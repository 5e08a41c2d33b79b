"""One row of the claim ledger: what a claim says, what the suite computed, the statistic, the verdict.

A relation's evaluator (``harness.claims.relations``) returns rows; the ledger only collects them.
Besides the text columns a row carries what the drift gate tracks: ``scores`` (named numbers in the
claim's own units, e.g. ``{"difference": -0.55, "narrowest_margin": 0.98}``) and ``decision``, the
score that decided the verdict with the rule's boundary, e.g. ``("narrowest_margin", 0.98, 3.0)``:
a verdict whose score sits within noise of its boundary is fragile (``harness.gate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Verdicts, by their first words (docs/ledger.md defines each).
VERDICTS = ("REPRODUCED", "HOLDS WITHIN ±", "NOT ESTABLISHED", "REFUTED", "WRONG AS PRINTED (", "NOT RUN (",
            "HARNESS ERROR (")  # the last: an evaluator raised (a bug): no verdict, the ledger exits 3
REPORT, FRESH = "report", "fresh"  # the ledger's two sections: the report's own numbers, the suite's runs


@dataclass(frozen=True)
class Row:
    claim: str  # the claim's id: C1, C2b, C5.dropout, ...
    says: str  # what the report says (quoted, with its section) and what the row judges it on
    computed: str  # what the suite computed
    statistic: str  # the statistic behind the verdict, with its numbers
    verdict: str  # one of VERDICTS
    test: str  # what checks the rule: a test id (pytest path::name) or a command
    section: str = REPORT  # REPORT, or FRESH: the suite's own runs, labelled in ``says``
    scores: dict[str, float] = field(default_factory=dict)  # named numbers, the claim's units
    decision: tuple[str, float, float] | None = None  # (score, its value, the rule's boundary)

    def __post_init__(self):
        if not self.verdict.startswith(VERDICTS):
            raise ValueError(f"{self.claim}: verdict {self.verdict!r} is not one of {VERDICTS}")
        if self.section not in (REPORT, FRESH):
            raise ValueError(f"{self.claim}: section {self.section!r} is not {REPORT!r} or {FRESH!r}")
        if self.decision is not None and self.decision[0] not in self.scores:
            raise ValueError(f"{self.claim}: decision score {self.decision[0]!r} is not among {sorted(self.scores)}")


HARNESS_ERROR = "HARNESS ERROR"
HARNESS_EXIT = 3  # ledger and audit: a harness error, when neither bad input (2) nor --fail-on (1) applies


def harness_errors(pairs) -> list[tuple[str, str]]:
    """The (claim, verdict) pairs of ``pairs`` whose evaluator raised, or whose file could not be
    read because of an error in the harness (``harness.claims.audit``)."""
    return [(c, v) for c, v in pairs if v.startswith(HARNESS_ERROR) or v.endswith("not in the file: please report it)")]


def harness_error(exc: BaseException) -> str:
    """The verdict of a claim whose evaluator raised unexpectedly: never a verdict on the claim."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return f"{HARNESS_ERROR} ({text}; an error in the harness, not in the claims file: please report)"


def not_run(reason: str) -> str:
    return f"NOT RUN ({reason})"


THRESHOLDS = (0.001, 0.005, 0.01, 0.05, 0.1)  # the alphas a p-value is read against


def p(x: float) -> str:
    """A p-value as the ledger prints it: two significant digits below 0.01, else 2-3 decimals, and
    more where rounding would carry it to or across a threshold it is below (0.0499 is "0.0499",
    never "0.050" beside a significant verdict)."""
    text = f"{x:.2g}" if x < 0.01 else f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"
    digits = 2
    while any(x < t <= float(text) for t in THRESHOLDS) and digits < 12:
        digits += 1
        text = f"{x:.{digits}g}"
    return text


def pts(values) -> str:
    """Per-seed values in points at their resolution: one decimal where every value has one (the
    report's), else two (accuracies at n = 2,000 move in 0.05 steps: 80.15 and 80.25 must not both
    read 80.2)."""
    values = list(values)
    decimals = 1 if all(abs(round(v, 1) - v) < 1e-9 for v in values) else 2
    return " / ".join(f"{v:.{decimals}f}" for v in values)
