"""``audit`` on reports themselves (``audit --claims reports/*.pdf``): each report drafted into a
claims file (:func:`draft_to_claims`), judged as any claims file, and its verdicts that rest on
drafted values a person must review marked with "†" and what to review (:func:`mark`).

A claim rests on a value to review when one of its own values carries a review mark, when a cell it
judges does (C2, C3, C4, C6 judge cells), or when the draft found no words for it (its NOT RUN
"not stated" is the draft's reading, not yet a person's).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from harness.intake.draft import Draft, draft
from harness.intake.write import to_toml, validate

MARK = "†"
_REVIEWS: dict[str, dict[str, list[str]]] = {}  # realpath -> claim id -> what to review


def draft_to_claims(path: str | Path):
    """The claims file a report drafts into (``harness.claims.claimsfile.ClaimsFile``), checked by the
    loader; what its claims rest on that a person must review is kept for :func:`mark`."""
    d = draft(path)
    claims = dataclasses.replace(validate(to_toml(d), Path(path).stem + ".toml"), path=Path(path))
    _REVIEWS[os.path.realpath(path)] = reviews(d, claims)
    return claims


def reviews(d: Draft, claims) -> dict[str, list[str]]:
    """claim id -> the fields it rests on that carry a review mark ("cells.fairseq.random.accuracy")."""
    fields = d.fields()
    out: dict[str, list[str]] = {}
    for c in claims.claims:
        if not c.stated:
            out[c.id] = ["not found by the draft"]
            continue
        uses = [f"cells.{n}." for n in _cells(c.params)]
        marked = [k for k, f in fields.items() if f.review and not k.endswith(".stated")
                  and (k.startswith(c.id + ".") or any(k.startswith(u) for u in uses))]
        if marked:
            out[c.id] = marked
    return out


def _cells(params) -> list[str]:
    names = list(getattr(params, "cells", ()) or ())
    names += [p.cell for p in getattr(params, "printed", ()) or ()]
    return names


def mark(result):
    """The audit ``result`` with the cause of every verdict that rests on a value to review
    starting with "†" and naming the fields; reports that were not drafted are unchanged."""
    reports = []
    for r in result.reports:
        marks = _REVIEWS.get(os.path.realpath(r.path))
        if not marks or r.error:
            reports.append(r)
            continue
        rows = [dataclasses.replace(g, cause=_cause(g.cause, marks[g.claim])) if g.claim in marks else g
                for g in r.rows]
        reports.append(dataclasses.replace(r, rows=rows))
    return dataclasses.replace(result, reports=reports)


def _cause(cause: str, fields: list[str]) -> str:
    what = ", ".join(f.replace("cells.", "") for f in fields[:3]) + (f" (+{len(fields) - 3})" if len(fields) > 3 else "")
    note = f"{MARK} review: {what}"
    return f"{cause}; {note}" if cause else note
