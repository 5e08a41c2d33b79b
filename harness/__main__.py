"""The CLI: ``python -m harness VERB``. Thin: each verb's module (``harness.cli.<verb>``) parses its
own options and does its work; nothing heavy is imported before the arguments are parsed.

Bad input (a missing or malformed file, a bad option value) is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

VERBS = {
    "reproduce": "the main job: reproduce the report on the default data and model",
    "ledger": "one verdict per claim of the report (C1-C6)",
    "audit": "many reports' claims files at once: a table of verdicts, report x claim",
    "gate": "compare results with expected/ (CI's drift gate)",
    "report": "write the Markdown/HTML reproducibility report with figures",
    "fetch": "fetch and verify the embedded data and encoder (set-up)",
    "doctor": "this machine's CPU class and precision policy (--bench: where an update's time goes, and "
              "the smoke reproduction's expected time)",
    "cache": "list the run cache's entries, or prune those no current key reaches",
    "upgrade-claims": "rewrite a schema-1 claims file as schema 2",
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    for name, help_ in VERBS.items():
        module = importlib.import_module(f"harness.cli.{name.replace('-', '_')}")
        p = sub.add_parser(name, help=help_, description=help_)
        module.add_arguments(p)
        p.set_defaults(_main=module.main)
    return top


def main(argv: list[str] | None = None) -> int:
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
