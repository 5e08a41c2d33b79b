"""One evaluator per relation a claim can state (docs/ledger.md gives each rule and its reason).

Each module has ``NAME``, ``report_rows(claim, context)`` and, where the suite's own runs can be
judged by the same rule, ``fresh_rows(claim, profile, runs, context)``. What a claim of the relation
may state, and the checks of it, are ``harness.claims.schema`` (light: no statistics library).

- ``count`` (C1), ``values`` (C2), ``best_epoch`` (C2b), ``superiority`` (C3), ``equivalence`` (C4),
  ``lora_statement`` (C5, one claim per statement), ``aggregate`` (C6).
"""

from __future__ import annotations

from harness.claims.relations import (aggregate, best_epoch, count, equivalence, lora_statement, superiority,
                                      values)

RELATIONS = {m.NAME: m for m in (count, values, best_epoch, superiority, equivalence, lora_statement, aggregate)}
NAMES = tuple(RELATIONS)


def get(name: str):
    """The evaluator module of a relation, or None."""
    return RELATIONS.get(name)
