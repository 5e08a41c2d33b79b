"""A verdict's cause in a few words, for a grader: what the audit's cells, CSV and JSON say beside
each verdict ("REFUTED: digits swapped").

The cause is derived from the row's own data, never written by hand: the verdict's parenthesised
reason, the row's statistic and scores, and the claim's parameters (its cells, what a C5 statement
``states`` and the ``reading`` the claims file gives it):
- ``count`` (C1): the reading that gives the stated total ("d_ff = 2,048", "digits swapped",
  "positions left out", "L = 6"), else how far the stated total is off;
- ``superiority`` (C3): which cell beats which and by how much when the gap is reversed, else the
  gap against delta;
- ``equivalence`` (C4): the gap beyond the margin, or the narrowest margin the seeds establish;
- ``aggregate`` (C6): the convention that reproduces the printed numbers ("population SD as a
  fraction"), or that none does;
- ``lora_statement`` (C5): what the reading misplaces, against what peft does;
- NOT RUN: "not stated" (the report makes no such claim) or "needs runs" (results are needed).
A REPRODUCED / HOLDS WITHIN row has no cause, only its own-rule mark when it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.claims import own
from harness.claims.failon import base

NOT_STATED, NEEDS_RUNS = "not stated", "needs runs"


def kind(verdict: str) -> str:
    """The verdict's base name, with NOT RUN split into "not stated" and "needs runs"."""
    name = base(verdict)
    if name == "NOT RUN":
        return NOT_STATED if "not stated" in verdict else NEEDS_RUNS
    return name


def reason(verdict: str) -> str:
    """The verdict's parenthesised reason, its own-rule marks left out: "REFUTED (beyond ±3; own
    alpha 0.49)" -> "beyond ±3"."""
    if "(" not in verdict or not verdict.rstrip().endswith(")"):
        return ""
    inner = verdict[verdict.index("(") + 1:verdict.rstrip().rindex(")")]
    return "; ".join(p for p in inner.split("; ") if not p.startswith("own "))


def own_marks(verdict: str) -> list[str]:
    """The own-rule marks a verdict carries ("own delta 0.1")."""
    return re.findall(r"\bown [^;()]+?(?=[;)]|$)", verdict)


def own_rule(claim, verdict: str = "") -> str:
    """The rule parameters this file sets apart from the report under test's: the marks its verdict
    carries, else (a row no rule judged, NOT RUN) those of the claim's ``differs`` (``harness.claims.own``:
    "own alpha 0.49", "own dims, not the lab's: d_ff = 2,048"; never the cells it speaks of)."""
    return "; ".join(own_marks(verdict) or own.marks(claim))


def _cell(name: str, other: str) -> str:
    """A cell's short name beside another: "fairseq.random" -> "random" when the frameworks agree."""
    fw, _, init = name.partition(".")
    ofw, _, oinit = other.partition(".")
    if fw == ofw and init != oinit:
        return init
    if init == oinit and fw != ofw:
        return fw
    return name


# --- per relation --------------------------------------------------------------------------------


def _count(row, claim) -> str:
    m = re.search(r"readings that give the stated total: (.*)$", row.statistic or "")
    found = [r for r in (m.group(1).split("; ") if m else []) if r and r != "none found"]
    if found:
        return " or ".join(dict.fromkeys(_reading(r) for r in found[:2]))  # each gives the stated total
    off = (getattr(row, "scores", None) or {}).get("stated_minus_formula")
    if off:
        return f"stated total {off:+,.0f} off the formula, no reading found"
    return reason(row.verdict)


def _reading(text: str) -> str:
    low = text.lower()
    if "swapped" in low:
        return "digits swapped"
    if "position" in low and any(w in low for w in ("left out", "omitted", "without", "no position")):
        return "positions left out"
    m = re.match(r"positions counted as P \+ (\d+) rows", text)
    if m:
        return f"P + {m.group(1)} position rows"
    m = re.match(r"(\w+) = ([\d,]+) \(not", text)
    if m:
        name = {"layers": "L"}.get(m.group(1), m.group(1))
        return f"{name} = {m.group(2)}"
    return re.sub(r" \(.*\)$", "", text.replace(" counted", "").strip())


def _superiority(row, claim) -> str:
    scores = getattr(row, "scores", None) or {}
    cells = getattr(getattr(claim, "params", None), "cells", None)
    diff = scores.get("difference")
    if diff is None or not cells:
        return reason(row.verdict)
    a, b = cells
    if diff < 0:
        return f"{_cell(b, a)} beats {_cell(a, b)} by {-diff:.1f}"
    delta = re.search(r"delta = ([\d.]+)", row.statistic or "")
    low = scores.get("lower_bound")
    if low is not None and delta:
        return f"gap {diff:.1f}, lower bound {low:.1f} < {delta.group(1)}"
    return reason(row.verdict)


def _equivalence(row, claim) -> str:
    scores = getattr(row, "scores", None) or {}
    diff, narrow = scores.get("difference"), scores.get("narrowest_margin")
    why = reason(row.verdict)
    if why.startswith("cannot decide") or diff is None:
        return why
    if base(row.verdict) == "REFUTED":
        return f"gap {diff:+.1f}, {why}" if why else f"gap {diff:+.1f}"
    if narrow is not None:
        return f"gap {diff:+.1f}; seeds decide ±{narrow:.2f} only"
    return why


def _aggregate(row, claim) -> str:
    why = reason(row.verdict)
    if why:
        return why.split(", printed with")[0]
    if base(row.verdict) == "REFUTED":
        return "no convention gives the printed numbers"
    return ""


_PLACES = {"adapters": "A and B", "input": "the input x", "base_layers": "the base layers"}
_WHERE = {"lora_dropout": ("adapters", "input"), "bias": ("adapters", "base_layers")}  # the two places each can act


def _lora(row, claim) -> str:
    params = getattr(claim, "params", None)
    states, argument = getattr(params, "states", ""), getattr(params, "argument", "")
    if states in _WHERE.get(argument, ()):  # two places: peft's is the other one
        other = next(p for p in _WHERE[argument] if p != states)
        return f"reads {argument} as acting on {_PLACES[states]}; peft: on {_PLACES[other]}"
    computed = (getattr(row, "computed", "") or "").split("; ")[0]
    return f"reads {argument} as {states!r}; peft: {computed}" if argument else reason(row.verdict)


DERIVE = {"count": _count, "superiority": _superiority, "equivalence": _equivalence, "aggregate": _aggregate,
          "lora_statement": _lora}


def cause(row, claim=None) -> str:
    """The few words that say why ``row`` (``.verdict``, and where it has them ``.statistic``,
    ``.scores``, ``.computed``) got its verdict; ``claim``: the claims file's claim (its relation
    and parameters), None when unknown."""
    k = kind(row.verdict)
    if k in (NOT_STATED, NEEDS_RUNS):
        return k
    if k in ("REPRODUCED", "HOLDS WITHIN", ""):
        return reason(row.verdict)
    derive = DERIVE.get(getattr(claim, "relation", ""))
    try:
        text = derive(row, claim) if derive else reason(row.verdict)
    except Exception as exc:  # a cause is a summary: never lose the row for it, never hide that it failed
        text = f"{reason(row.verdict)} (cause not derived: {type(exc).__name__})"
    return " ".join(text.split())


@dataclass(frozen=True)
class Graded:
    """One ledger row as the grading view holds it: the row's columns, its cause, the claim's
    quote and the rule parameters the file sets apart from the report under test's."""

    claim: str
    verdict: str
    cause: str = ""
    statistic: str = ""
    quote: str = ""
    own_rule: str = ""
    says: str = ""
    computed: str = ""
    test: str = ""
    section: str = "report"

    @property
    def kind(self) -> str:
        return kind(self.verdict)


def grade(row, claim=None) -> Graded:
    """A ledger row (or anything with ``.claim`` and ``.verdict``) as a :class:`Graded` row."""
    get = lambda name: getattr(row, name, "") or ""  # noqa: E731
    return Graded(row.claim, row.verdict, cause(row, claim), get("statistic"), getattr(claim, "quote", "") or "",
                  own_rule(claim, row.verdict), get("says"), get("computed"), get("test"), get("section") or "report")
