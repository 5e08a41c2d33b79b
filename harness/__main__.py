"""The CLI: ``python -m harness VERB [options]``. Thin: each verb's module (``harness.cli.<verb>``)
adds its own options and does its work; nothing heavy is imported before the arguments are parsed.

Bad input (a missing or malformed file, a bad option value) is one line on stderr and exit 2.
``python -m harness`` with no verb is a usage error too: it prints the verbs and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

VERBS = {
    "reproduce": "the main job: reproduce the report on the default data and model",
    "ledger": "one verdict per claim of the report (C1-C6)",
    "audit": "many reports' claims files at once: a table of verdicts, report x claim",
    "draft": "a report's text (.txt, .md, .pdf; English or French) -> a claims file to review",
    "gate": "compare results with expected/ (CI's drift gate)",
    "report": "write the Markdown/HTML reproducibility report with figures",
    "fetch": "fetch and verify the embedded data and encoder (set-up)",
    "doctor": "this machine's CPU class and precision policy (--bench: time an update)",
    "cache": "list the run cache's entries, or prune those no current key reaches",
    "upgrade-claims": "rewrite a schema-1 claims file as schema 2",
}


DESCRIPTION = """A reproducibility suite for the "NLP Frameworks" lab report: it trains the report's
models, judges each of its claims by a fixed rule, and gates drift against expected/."""

EXAMPLE = """example:
  python -m harness reproduce                        # train (cached), print the ledger, write out/report/
  python -m harness ledger --claims my-report.toml   # judge a student's claims file

`python -m harness VERB -h` gives a verb's options; README.md and docs/ say the rest."""


def verb_list() -> str:
    """The verbs, one line each (what ``-h`` and a bare ``python -m harness`` print)."""
    width = max(map(len, VERBS))
    return "verbs:\n" + "\n".join(f"  {name:<{width}}  {help_}" for name, help_ in VERBS.items())


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m harness", usage="%(prog)s VERB [options]",
                                  description=DESCRIPTION, epilog=verb_list() + "\n\n" + EXAMPLE,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True, metavar="VERB", help=argparse.SUPPRESS,
                             prog="python -m harness")
    for name, help_ in VERBS.items():
        module = importlib.import_module(f"harness.cli.{name.replace('-', '_')}")
        p = sub.add_parser(name, help=help_, description=help_)
        module.add_arguments(p)
        p.set_defaults(_main=module.main)
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # no verb: a usage error (exit 2, as argparse's), answered with what there is to ask
        print(f"usage: python -m harness VERB [options]\n\n{verb_list()}\n\n{EXAMPLE}", file=sys.stderr)
        return 2
    args = parser().parse_args(argv)
    try:
        return args._main(args)
    except (ValueError, FileNotFoundError) as exc:  # bad input: one clear line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run() -> int:
    try:
        return main()
    except BrokenPipeError:  # `... | head`: the reader left; stop quietly, as a Unix filter does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a filter cut short


if __name__ == "__main__":
    sys.exit(_run())
