"""``python -m harness ledger``: one verdict per claim of the report (``harness.claims.ledger``).

On a terminal: a short table (claim, verdict, the statistic's first clause); in a pipe or a file,
or with ``--format markdown``: the full Markdown table (``harness.cli.options``: the rule). Bad
input (a malformed claims file, a bad results directory, an unknown ``--fail-on`` verdict, an
option given twice) is one line and exit 2 before torch is imported. ``--fail-on`` makes the
exit code 1 when a verdict starts with one of the listed names.
"""

from __future__ import annotations

import sys

from harness.cli.options import Once, OneClaimsFile, add_fail_on, add_format, resolve_format


def add_arguments(parser) -> None:
    parser.add_argument("--claims", metavar="FILE", action=OneClaimsFile,
                        help="a report's claims file (default: expected/report.toml)")
    parser.add_argument("--results", metavar="DIR", action=Once, help="results directory <DIR>/<profile>/<run>.json")
    parser.add_argument("--out", metavar="FILE.md", action=Once,
                        help="also write the full Markdown table here (atomically)")
    add_format(parser)
    add_fail_on(parser)


def main(args) -> int:
    from harness.claims import claimsfile
    from harness.claims.audit import failing, parse_fail_on

    fail_on = parse_fail_on(args.fail_on) if args.fail_on is not None else ()
    claims = claimsfile.load(args.claims)  # the claims file's checks, before anything heavy
    if args.results is not None:
        from harness.runs.results import load_results

        load_results(args.results)  # a bad results directory: one line, before torch
    from harness.claims import ledger
    from harness.core import atomic

    led = ledger.build(claims, args.results)
    text = ledger.to_markdown(led)
    if resolve_format(args.format) == "table":
        from harness.report.terminal import print_ledger

        print_ledger(led.all)
    else:
        print(text, end="")
    if args.out:
        atomic.write_text(args.out, text)
    bad = failing(led.rows, fail_on)  # the report's claims: the suite's own runs are not the report's
    if bad:
        print(f"--fail-on {','.join(fail_on)}: " + "; ".join(f"{c} {v}" for c, v in bad), file=sys.stderr)
        return 1
    return 0
