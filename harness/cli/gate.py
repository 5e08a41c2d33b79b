"""``python -m harness gate``: results against their expected file (CI's drift gate), ``--regen``, or
``--calibrate``.

``--results DIR`` is checked against ``--expected`` (default ``expected/results``); the old
spelling ``gate RESULTS`` still works, with a note. ``--format``: table (the default: the text diff;
``text``, its old name, still works), auto (the table on a terminal, Markdown otherwise), markdown, json.

Exit codes: 0 pass (``--calibrate``: printed); 1 drift; 2 bad input (``--regen`` refused included);
3 regenerated (the expected file was rewritten: review the diff, commit, rerun). ``harness.gate``
says what is gated, ``harness.gate.regime`` how strictly.
"""

from __future__ import annotations

import sys

BAD_INPUT = 2


def add_arguments(parser) -> None:
    from harness.cli.options import add_expected, add_format, add_results

    add_results(parser, positional=True, help_="check: the results directory (<dir>/<profile>/<run>.json) to gate")
    add_expected(parser)
    parser.add_argument("--regen", nargs=2, metavar=("RESULTS_A", "RESULTS_B"),
                        help="rewrite the expected file of the results' numerics from two independently computed "
                             "result sets that agree")
    parser.add_argument("--spot-check", action="store_true",
                        help="with --regen: RESULTS_B recomputed (own cache) only some of RESULTS_A's runs, at least "
                             "two covering every framework, which must agree exactly (profiles too costly to run twice)")
    parser.add_argument("--calibrate", metavar="EXPECTED",
                        help="print the gate's simulated false-alarm rate and detection power per regime for an "
                             "expected file, or every one in a directory")
    # default table, not auto: CI logs and scripts read the gate's text diff, which a pipe would turn to Markdown
    add_format(parser, ("auto", "table", "markdown", "json"), old={"text": "table"}, default="table",
               table="the text diff, failures first (formerly --format text)")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML: one test case per metric and verdict")
    parser.add_argument("--history", metavar="FILE",
                        help="also append the gated metrics, commit and provenance to this JSON-lines file")


def _calibrate(path: str) -> int:
    from harness.gate import calibrate

    settings = calibrate.load_settings()
    print(calibrate.render(calibrate.calibrate(path, settings), settings))
    return 0


def main(args) -> int:
    from harness.cli.options import old_spelling, resolve_format

    old_spelling(args, "results", "--results", "RESULTS")
    modes = sum(map(bool, (args.results, args.regen, args.calibrate)))
    if modes != 1:
        print("error: give one of --results DIR (check), --regen RESULTS_A RESULTS_B, --calibrate EXPECTED",
              file=sys.stderr)
        return BAD_INPUT
    if args.spot_check and not args.regen:
        print("error: --spot-check goes with --regen", file=sys.stderr)
        return BAD_INPUT
    if not args.results and (args.junit or args.history or args.format != "table"):
        print("error: --format, --junit and --history go with --results (check), not --regen or --calibrate",
              file=sys.stderr)
        return BAD_INPUT
    from harness.core.config import ConfigError
    from harness.gate.expected import load_expected

    if args.results and str(args.expected).endswith(".json"):
        try:  # one expected file: read it before the ledger (scipy) loads, so a bad one is named at once
            load_expected(args.expected)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return BAD_INPUT
    from harness.core import atomic
    from harness.gate import drift, history, output, regen

    try:
        if args.calibrate:
            return _calibrate(args.calibrate)
        if args.regen:
            code, text = regen.regenerate(*args.regen, args.expected, args.spot_check)
            print(text)
            return code
        outcome = drift.evaluate(args.results, args.expected)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    fmt = resolve_format(args.format)
    print(output.render(outcome, {"table": "text"}.get(fmt, fmt)))
    if args.junit:
        atomic.write_text(args.junit, output.junit(outcome))
    if args.history:
        history.append(args.history, outcome)
    return outcome.code
