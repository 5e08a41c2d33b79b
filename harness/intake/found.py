"""What a locator finds: a value, where it is (the line, page:line in a PDF), the words it came
from, and the reason a person must look at it ("" when none)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Found:
    value: object
    where: str = ""  # "L12", or "2:12" (page:line) in a PDF; "" when the value is not the report's
    words: str = ""  # the words it came from (short)
    review: str = ""  # why a person must look ("" when nothing to check)

    def needs(self, reason: str) -> "Found":
        """The same value with one more reason to review it."""
        return replace(self, review="; ".join(r for r in (self.review, reason) if r))


def short(words: str, limit: int = 70) -> str:
    words = " ".join(words.split())
    return words if len(words) <= limit else words[:limit - 1].rstrip() + "…"
