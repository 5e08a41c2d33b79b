"""Options several verbs share (not a verb), so each means the same in every verb (docs/cli.md):
``--results DIR``, ``--claims FILE``, ``--expected`` (default ``expected/results``), ``--format``
(auto, table, markdown, csv, json: those a verb can print), ``--fail-on`` and an option that may
be given once. The old spellings (results positional in ``gate`` and ``report``, claims positional
in ``audit``) still work, with a note on stderr. A path given as input that does not exist is "not
found"; an output that cannot be written is refused before any work.

The terminal rule: ``--format auto`` (the default) prints a short rich table when stdout is a
terminal and Markdown when it is not (a pipe, a file, CI's log), so ``ledger > table.md`` and the
README's table keep working; ``--format table`` / ``markdown`` choose either everywhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("auto", "table", "markdown", "csv", "json")
FORMAT_HELP = {"auto": "auto (default): a short table on a terminal, Markdown otherwise",
               "table": "table: the short table (rich)", "markdown": "markdown: the full Markdown",
               "csv": "csv: one line per row (UTF-8 with a BOM)", "json": "json: every row, every field"}
EXPECTED = "expected/results"


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
    hint = "the ledger reads one claims file; to judge several, use python -m harness audit --claims FILE..."


def note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)


def _format_type(old: dict[str, str]):
    def convert(value: str) -> str:
        if value in old:
            note(f"--format {value} is the old spelling of --format {old[value]}")
            return old[value]
        return value
    return convert


def add_format(parser, choices: tuple[str, ...] = FORMATS, old: dict[str, str] | None = None,
               default: str = "auto", table: str = "") -> None:
    """``--format``: ``choices`` (a subset of :data:`FORMATS`, in that order); ``old``: former
    values accepted with a note (gate's ``text`` is ``table``); ``table``: what the table is here."""
    help_ = "; ".join(f"table: {table}" if c == "table" and table else FORMAT_HELP[c] for c in choices)
    if default != "auto":
        help_ = help_.replace(" (default)", "") + f" (default: {default})"
    parser.add_argument("--format", choices=choices, default=default, type=_format_type(old or {}), help=help_)


def add_results(parser, positional: bool = False, help_: str = "results directory <DIR>/<profile>/<run>.json") -> None:
    """``--results DIR``; ``positional``: the old spelling (``gate RESULTS``, ``report RESULTS``) too."""
    parser.add_argument("--results", metavar="DIR", action=Once, help=help_)
    if positional:
        parser.add_argument("old_results", nargs="?", metavar="RESULTS", help=argparse.SUPPRESS)


def add_claims(parser, many: bool = False, positional: bool = False, help_: str = "") -> None:
    """``--claims FILE`` (one; ``many``: ``--claims FILE...``, repeatable); ``positional``: the old
    spelling (``audit CLAIMS...``) too."""
    if many:
        parser.add_argument("--claims", metavar="FILE", nargs="+", action="extend", default=None, help=help_)
        if positional:
            parser.add_argument("old_claims", nargs="*", metavar="CLAIMS", help=argparse.SUPPRESS)
    else:
        parser.add_argument("--claims", metavar="FILE", action=OneClaimsFile,
                            help=help_ or "a report's claims file, or its text (.txt, .md, .pdf: drafted first, as `draft` does; "
                                 "default: expected/report.toml)")


def add_expected(parser) -> None:
    parser.add_argument("--expected", default=EXPECTED, action=Once,
                        help=f"the expected files' directory (default: {EXPECTED}/: the profile and numerics of the "
                             "results pick the file and the regime), a profile path (expected/results/smoke) or one "
                             "file (expected/results/smoke.fp32.json)")


def old_spelling(args, dest: str, flag: str, metavar: str) -> None:
    """Fold the positional old spelling ``old_<dest>`` into ``args.<dest>``, with a note; both
    given is bad input."""
    old = getattr(args, f"old_{dest}", None)
    if not old:
        return
    if getattr(args, dest, None):
        shown = " ".join(map(str, old)) if isinstance(old, list) else old
        raise ValueError(f"{metavar} given twice ({shown} and {flag} {getattr(args, dest)}); give it once, as {flag}")
    note(f"{metavar} without {flag} is the old spelling; write {flag} {metavar}")
    setattr(args, dest, old)


def input_path(path, what: str, kind: str = "file") -> None:
    """A path given as input: missing is "not found"; ``kind`` "file" refuses a directory and
    "dir" a file, naming the path (a ValueError: one line, exit 2)."""
    p = Path(path)
    if not p.exists():
        raise ValueError(f"{path}: not found ({what})")
    if kind == "file" and p.is_dir():
        raise ValueError(f"{path}: is a directory; {what} is a file")
    if kind == "dir" and not p.is_dir():
        raise ValueError(f"{path}: is a file; {what} is a directory")


def output_file(path, flag: str = "--out") -> None:
    """Check before any work that ``path`` can be written as a file: not a directory, no file in
    the way of its folder, which this process can write in (a ValueError: one line, exit 2)."""
    from harness.core import atomic

    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{path}: {flag} is a directory; give a file path")
    blocker = next((q for q in p.parents if q.exists() and not q.is_dir()), None)
    if blocker is not None:
        raise ValueError(f"{path}: {flag} cannot be written: {blocker} is a file, not a directory")
    atomic.writable_dir(p.parent, flag)


def quote(path) -> str:
    """A path as a printed command needs it (shell-quoted when it has spaces or quotes)."""
    import shlex

    return shlex.quote(str(path))


def add_fail_on(parser) -> None:
    from harness.claims.failon import VERDICT_NAMES

    parser.add_argument("--fail-on", metavar="VERDICTS",
                        help="exit 1 when a verdict's name is one of these (comma-separated, any case, e.g. "
                             f"'REFUTED,WRONG AS PRINTED'; names: {', '.join(VERDICT_NAMES)}); an unknown name is "
                             "an error, and a claims file not read fails under any --fail-on")


def resolve_format(fmt: str, stream=None) -> str:
    """``auto`` -> ``table`` on a terminal, ``markdown`` otherwise."""
    if fmt != "auto":
        return fmt
    stream = stream or sys.stdout
    return "table" if hasattr(stream, "isatty") and stream.isatty() else "markdown"
