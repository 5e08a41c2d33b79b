"""Options several verbs share (not a verb): an option that may be given once, ``--fail-on``, and
``--format`` with its terminal rule.

The terminal rule: ``--format auto`` (the default) prints a short rich table when stdout is a
terminal and Markdown when it is not (a pipe, a file, CI's log), so ``ledger > table.md`` and the
README's table keep working; ``--format table`` / ``markdown`` choose either everywhere.
"""

from __future__ import annotations

import argparse
import sys


class Once(argparse.Action):
    """Store the value; a second use of the option is bad input (exit 2, one line) instead of
    argparse's silent "the last one wins"."""

    hint = "give it once"

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given_once", {})
        if self.dest in seen:
            parser.exit(2, f"error: {option_string} given twice ({seen[self.dest]} and {values}): {self.hint}\n")
        seen[self.dest] = values
        setattr(namespace, self.dest, values)


class OneClaimsFile(Once):
    hint = "the ledger reads one claims file; to judge several, use python -m harness audit FILE..."


def add_format(parser, extra: tuple[str, ...] = ()) -> None:
    parser.add_argument("--format", choices=("auto", "table", "markdown", *extra), default="auto",
                        help="auto (default): a short table on a terminal, Markdown otherwise; table: the "
                             "short table (rich); markdown: the full Markdown"
                             + "".join(f"; {x}" for x in extra))


def add_fail_on(parser) -> None:
    parser.add_argument("--fail-on", metavar="VERDICTS",
                        help="exit 1 when a verdict starts with one of these (comma-separated, e.g. "
                             "'REFUTED,WRONG AS PRINTED'; any of REPRODUCED, HOLDS WITHIN, NOT ESTABLISHED, "
                             "REFUTED, WRONG AS PRINTED, NOT RUN)")


def resolve_format(fmt: str, stream=None) -> str:
    """``auto`` -> ``table`` on a terminal, ``markdown`` otherwise."""
    if fmt != "auto":
        return fmt
    stream = stream or sys.stdout
    return "table" if hasattr(stream, "isatty") and stream.isatty() else "markdown"
