"""Intake: a report's text (``.txt``, ``.md``, a PDF's text layer; English or French) -> a proposed
claims file, every value with its source and, where a person must look, a ``review:`` mark.

Three steps kept apart: read (``read``: lines with page and number), locate (``doc``, ``cells``,
``locate``, ``statements``: pure functions from lines to values with their source), write
(``write``: the TOML, checked by the claims loader). ``draft`` puts them together. docs/draft.md.
"""

from __future__ import annotations

from pathlib import Path

from harness.intake.draft import Draft, draft
from harness.intake.read import SUFFIXES


def draft_text(path: str | Path) -> tuple[Draft, str]:
    """(the draft, its claims file's text, validated)."""
    from harness.intake.write import to_toml, validate

    d = draft(path)
    text = to_toml(d)
    validate(text, Path(path).stem + ".toml")
    return d, text


def draft_to_claims(path: str | Path):
    """A report drafted into a claims file (``harness.claims.claimsfile.ClaimsFile``) for ``audit``;
    ``mark(result)`` then marks the verdicts that rest on values to review (``harness.intake.audit``)."""
    from harness.intake.audit import draft_to_claims as to_claims

    return to_claims(path)


def mark(result):
    from harness.intake.audit import mark as mark_

    return mark_(result)


__all__ = ["Draft", "SUFFIXES", "draft", "draft_text", "draft_to_claims", "mark"]
