"""``python -m harness ledger``: one verdict per claim of the report (``harness.claims.ledger``).

On a terminal: a short table (claim, verdict, the statistic's first clause); in a pipe or a file,
or with ``--format markdown``: the full Markdown table (``harness.cli.options``: the rule); ``csv``
and ``json``: the grading view's rows (``harness.claims.audit_table``: verdict, cause, statistic,
quote, own rule). Bad input (a malformed, missing or directory claims file, a bad results
directory, an ``--out`` that cannot be written, an unknown ``--fail-on`` verdict, an option given
twice) is one line and exit 2, before anything is printed or written and before torch is
imported. ``--fail-on`` makes the exit code 1 when a verdict's name is one of those listed.
Exit codes, the first that applies: 2 bad input; 1 a ``--fail-on`` verdict; 3 a row says HARNESS
ERROR (a rule raised: a bug, the other claims judged); 0.
"""

from __future__ import annotations

import sys

from harness.cli.options import Once, add_claims, add_fail_on, add_format, add_results, resolve_format


def add_arguments(parser) -> None:
    add_claims(parser)
    add_results(parser)
    parser.add_argument("--out", metavar="FILE.md", action=Once,
                        help="also write the full Markdown table here (atomically)")
    add_format(parser)
    add_fail_on(parser)


def main(args) -> int:
    from harness.cli.audit import claims_of
    from harness.cli.options import input_path, output_file
    from harness.claims import claimsfile
    from harness.claims.failon import failing, given, parse_fail_on

    fail_on = parse_fail_on(args.fail_on) if args.fail_on is not None else ()
    if args.claims is not None:
        input_path(args.claims, "--claims: a claims file")
    if args.out:
        output_file(args.out)  # before anything is printed: a bad --out writes nothing
    # the claims file's checks, before anything heavy; a report's text (.txt/.md/.pdf) is drafted first
    claims = claims_of(args.claims) if args.claims is not None else claimsfile.load(None)
    if args.results is not None:
        from harness.runs.results import load_results

        input_path(args.results, "--results: a results directory", "dir")
        load_results(args.results)  # a bad results directory: one line, before torch
    from harness.claims import ledger
    from harness.core import atomic

    led = ledger.build(claims, args.results)
    text = ledger.to_markdown(led)
    fmt = resolve_format(args.format)
    if fmt == "table":
        from harness.report.terminal import print_ledger

        print_ledger(led.all)
    elif fmt in ("csv", "json"):
        from harness.claims import audit_table
        from harness.claims.audit import Audit, Audited, graded

        one = Audit([Audited(claims.path.stem, str(claims.path), graded(led.all, claims), text)],
                    [c.id for c in claims.claims])
        print((audit_table.to_csv if fmt == "csv" else audit_table.to_json)(one), end="")
    else:
        print(text, end="")
    if args.out:
        atomic.write_text(args.out, text)
    bad = failing(led.rows, fail_on)  # the report's claims: the suite's own runs are not the report's
    if bad:
        print(f"--fail-on {given(fail_on)}: " + "; ".join(f"{c} {v}" for c, v in bad), file=sys.stderr)
        return 1
    from harness.claims.row import HARNESS_EXIT, harness_errors

    errors = harness_errors([(r.claim, r.verdict) for r in led.all])
    if errors:
        print(f"harness error in {len(errors)} row(s), exit {HARNESS_EXIT}: " + "; ".join(c for c, _ in errors)
              + " (their rows give the error: please report it)", file=sys.stderr)
        return HARNESS_EXIT
    return 0
