"""One evaluator per relation a claim can state (docs/ledger.md gives each rule and its reason).

Each module has ``NAME``, ``Params`` (the relation's parameters as a dataclass, read from the claims
file), ``RULE`` (the parameters a claim inherits from the report under test's claim of the same id
when it does not give them), ``check(params, cells, where)``, ``report_rows(claim, context)`` and,
where the suite's own runs can be judged by the same rule, ``fresh_rows(claim, profile, runs, context)``.

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
