"""``python -m harness gate``: results against their expected file (CI's drift gate), ``--regen``, or
``--calibrate``.

Exit codes: 0 pass (``--calibrate``: printed); 1 drift; 2 bad input (``--regen`` refused included);
3 regenerated (the expected file was rewritten: review the diff, commit, rerun). ``harness.gate``
says what is gated, ``harness.gate.regime`` how strictly.
"""

from __future__ import annotations

import sys

BAD_INPUT = 2


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="?", help="results directory (<dir>/<profile>/<run>.json)")
    parser.add_argument("--expected",
                        help="the expected files' directory (expected/results/: the profile and numerics of the results "
                             "pick the file and the regime), a profile path (expected/results/smoke) or one file "
                             "(expected/results/smoke.fp32.json)")
    parser.add_argument("--regen", nargs=2, metavar=("RESULTS_A", "RESULTS_B"),
                        help="rewrite the expected file of the results' numerics from two independently computed "
                             "result sets that agree")
    parser.add_argument("--spot-check", action="store_true",
                        help="with --regen: RESULTS_B recomputed (own cache) only some of RESULTS_A's runs, at least "
                             "two covering every framework, which must agree exactly (profiles too costly to run twice)")
    parser.add_argument("--calibrate", metavar="EXPECTED",
                        help="print the gate's simulated false-alarm rate and detection power per regime for an "
                             "expected file, or every one in a directory")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="how to print the diff (default: text)")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML: one test case per metric and verdict")
    parser.add_argument("--history", metavar="FILE",
                        help="also append the gated metrics, commit and provenance to this JSON-lines file")


def _calibrate(path: str) -> int:
    from harness.gate import calibrate

    settings = calibrate.load_settings()
    print(calibrate.render(calibrate.calibrate(path, settings), settings))
    return 0


def main(args) -> int:
    modes = sum(map(bool, (args.results, args.regen, args.calibrate)))
    if modes != 1:
        print("error: give one of RESULTS (check), --regen RESULTS_A RESULTS_B, --calibrate EXPECTED", file=sys.stderr)
        return BAD_INPUT
    if not args.calibrate and not args.expected:
        print("error: --expected is required (expected/results/, or one expected file)", file=sys.stderr)
        return BAD_INPUT
    if args.spot_check and not args.regen:
        print("error: --spot-check goes with --regen", file=sys.stderr)
        return BAD_INPUT
    if not args.results and (args.junit or args.history or args.format != "text"):
        print("error: --format, --junit and --history go with RESULTS (check), not --regen or --calibrate",
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
    print(output.render(outcome, args.format))
    if args.junit:
        atomic.write_text(args.junit, output.junit(outcome))
    if args.history:
        history.append(args.history, outcome)
    return outcome.code
