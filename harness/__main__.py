"""The CLI: ``python -m harness COMMAND``. Thin: each command's module parses its own options.

Commands are listed here once; each module provides ``add_arguments(parser)`` and ``main(args)``
returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "reproduce": ("harness.reproduce", "the main job: reproduce the report on the default data and model"),
    "ledger": ("harness.ledger", "one verdict per claim of the report (C1-C6)"),
    "gate": ("harness.gate", "compare results with expected/ (CI's drift gate)"),
    "report": ("harness.report", "write the Markdown/HTML reproducibility report with figures"),
    "fetch": ("harness.data", "fetch and verify the embedded data and encoder (set-up)"),
    "doctor": ("harness.doctor", "this machine's CPU class, precision policy and expected smoke time"),
    "cache": ("harness.cache_cli", "list the run cache's entries, or prune those no current key reaches"),
}


def main(argv: list[str] | None = None) -> int:
    import harness.env

    harness.env.setup()
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # that command's module has not landed yet
        p = sub.add_parser(name, help=help_, description=help_)
        module.add_arguments(p)
        p.set_defaults(_main=module.main)
    args = parser.parse_args(argv)
    try:
        return args._main(args)
    except (ValueError, FileNotFoundError) as exc:  # bad input: one clear line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
