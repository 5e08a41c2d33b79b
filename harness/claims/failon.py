"""``--fail-on``: which verdicts make ``ledger`` and ``audit`` exit 1, and a verdict's base name.

A verdict's base name is the name it starts with (docs/ledger.md), whatever follows it: "REFUTED
(bias: ...)", "REPRODUCED (own delta 0.1)" and "HOLDS WITHIN ±3" have the base names REFUTED,
REPRODUCED and HOLDS WITHIN. ``--fail-on`` takes base names only, comma-separated, in any case; an
unknown name ("REFUTEDX", "REFUTED;WRONG AS PRINTED") is bad input that lists the valid ones: a
typo must never turn a CI gate into a silent pass. NOT READ (a claims file that could not be
read, or does not exist) fails under any ``--fail-on``: an unread report is never a pass.
"""

from __future__ import annotations

# The base names, longest first where one starts another (none does today).
VERDICT_NAMES = ("REPRODUCED", "HOLDS WITHIN", "NOT ESTABLISHED", "REFUTED", "WRONG AS PRINTED", "NOT RUN",
                 "NOT READ", "HARNESS ERROR")
NOT_READ = "NOT READ"
ALWAYS = (NOT_READ,)  # what any --fail-on also fails on


def base(verdict: str) -> str:
    """The verdict's base name ("" for a string that is no verdict): the name it starts with,
    followed by nothing, a space, a parenthesis or a colon ("REFUTEDX" has none)."""
    text = verdict.strip().upper()
    for name in VERDICT_NAMES:
        if text.startswith(name) and (len(text) == len(name) or text[len(name)] in " (:"):
            return name
    return ""


def parse_fail_on(text: str, flag: str = "--fail-on") -> tuple[str, ...]:
    """``refuted, WRONG AS PRINTED`` -> ("REFUTED", "WRONG AS PRINTED", "NOT READ"): the base names
    to fail on, :data:`ALWAYS` added; anything that is not a base name is a ``ValueError`` naming it."""
    names = [" ".join(p.split()).upper() for p in text.split(",")]
    names = [n for n in names if n]
    valid = ", ".join(VERDICT_NAMES)
    if not names:
        raise ValueError(f"{flag}: empty; give verdicts, e.g. {flag} 'REFUTED,WRONG AS PRINTED' (any of {valid})")
    for n in names:
        if n not in VERDICT_NAMES:
            hint = " (separate names with commas)" if any(v in n for v in VERDICT_NAMES) else ""
            raise ValueError(f"{flag}: {n!r} is not a verdict{hint}; give one or more of {valid} "
                             f"(comma-separated, e.g. {flag} 'REFUTED,WRONG AS PRINTED')")
    return tuple(dict.fromkeys([*names, *ALWAYS]))


def failing(verdicts, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(claim, verdict) of every verdict whose base name is one of ``names``; ``verdicts`` is a
    claim -> verdict mapping, a list of rows (``.claim``, ``.verdict``) or of (claim, verdict) pairs."""
    pairs = verdicts.items() if isinstance(verdicts, dict) else [
        (r.claim, r.verdict) if hasattr(r, "verdict") else tuple(r) for r in verdicts]
    return [(c, v) for c, v in pairs if base(v) in names]


def given(names: tuple[str, ...]) -> str:
    """The names as the user gave them (without :data:`ALWAYS`, unless given), for messages."""
    return ",".join(n for n in names if n not in ALWAYS) or ",".join(names)
