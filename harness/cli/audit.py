"""``python -m harness audit --claims CLAIMS...``: many reports' claims files, one grading view
(report x claim, each cell with its cause; counts per report and per claim), in one process
(``harness.claims.audit``, ``harness.claims.audit_table``).

CLAIMS are files, directories (every claims file and report text in them) and glob patterns; the old spelling
(``audit CLAIMS...``, positional) still works, with a note. A file that cannot be read, or does
not exist, is a report whose verdict is NOT READ, listed with its one-line error, and the others
are judged; exit 2 only when no file could be read. ``--out DIR`` writes ``DIR/index.html`` (the
table, each cell linked to its claim's row in the report's ledger on the same page),
``DIR/<name>.md`` per report and the view as ``DIR/index.{md,csv,json}``. ``--fail-on`` makes the
exit code 1 when any report has a verdict of one of the listed names, or was NOT READ. Exit codes,
the first that applies: 2 no file could be read (or bad input); 1 ``--fail-on``; 3 a row says
HARNESS ERROR or a file was not read because of an error in the harness (a bug: please report); 0.

:func:`claims_of` is the one place that turns an input path into a claims file: another intake
(a report's text drafted into claims) plugs in there.
"""

from __future__ import annotations

import sys

from harness.cli.options import add_claims, add_fail_on, add_format, old_spelling, resolve_format


def add_arguments(parser) -> None:
    add_claims(parser, many=True, positional=True,
               help_="claims files or reports (.txt, .md, .pdf: drafted first), directories (every one in them) "
                      "or glob patterns ('reports/*.toml')")
    add_format(parser)
    parser.add_argument("--out", metavar="DIR", help="also write DIR/index.html, DIR/<name>.md per report and "
                                                     "DIR/index.{md,csv,json}")
    add_fail_on(parser)


def claims_of(path):
    """The claims file an input path stands for: the path is one, or a report (.txt, .md, .pdf)
    drafted into one (``harness.intake``; :func:`marked` then marks what rests on its review marks)."""
    if str(path).lower().endswith(REPORTS):
        from harness.intake import draft_to_claims

        return draft_to_claims(path)
    from harness.claims import claimsfile

    return claimsfile.load(path)


REPORTS = (".txt", ".md", ".pdf")  # a report's text, drafted on the fly (docs/draft.md)


def marked(result):
    """The audit with each drafted report's verdicts that rest on values to review marked "†"."""
    from harness.intake import mark

    return mark(result)


def main(args) -> int:
    from harness.claims import audit, audit_table
    from harness.claims.failon import given, parse_fail_on
    from harness.core import atomic

    old_spelling(args, "claims", "--claims", "CLAIMS")
    if not args.claims:
        raise ValueError("give the claims files to judge: --claims FILE|DIR|'GLOB'...")
    fail_on = parse_fail_on(args.fail_on) if args.fail_on is not None else ()
    if args.out:
        atomic.writable_dir(args.out)  # bad input stops here, before any file is judged
    fmt = resolve_format(args.format)
    live = fmt == "table" and sys.stderr.isatty()

    def progress(path, done):
        if live:
            print(f"\r{'read' if not done.error else 'not read'}: {path}\x1b[K", end="", file=sys.stderr, flush=True)

    result = audit.audit(args.claims, progress, load=claims_of, suffixes=(*audit.SUFFIXES, *REPORTS))
    result = marked(result)
    if live:
        print("\r\x1b[K", end="", file=sys.stderr)
    if not result.read:
        for r in result.unread:
            print(f"error: {r.error}", file=sys.stderr)
        print(f"error: none of the {len(result.reports)} claims files could be read", file=sys.stderr)
        return 2
    if fmt == "table":
        from harness.report.terminal import print_audit

        print_audit(result)
    else:
        render = {"markdown": audit_table.to_markdown, "csv": audit_table.to_csv, "json": audit_table.to_json}[fmt]
        print(render(result), end="")
    if args.out:
        from harness.report.audit import write

        page = write(result, args.out)
        print(f"audit: {page} (and {len(result.read)} ledgers <name>.md, index.md/.csv/.json beside it)",
              file=sys.stderr)
    bad = [(r.name, c, v) for r in result.reports for c, v in audit.failing(r.verdict_pairs, fail_on)]
    if bad:
        print(f"--fail-on {given(fail_on)}: {len(bad)} verdicts in {len({n for n, _, _ in bad})} reports: "
              + "; ".join(f"{n} {c} {audit_table.brief(v)}" for n, c, v in bad), file=sys.stderr)
        return 1
    from harness.claims.row import HARNESS_EXIT, harness_errors

    errors = [(r.name, c) for r in result.reports for c, _ in harness_errors(r.verdict_pairs)]
    if errors:
        print(f"harness error in {len(errors)} row(s), exit {HARNESS_EXIT}: " + "; ".join(f"{n} {c}" for n, c in errors)
              + " (their rows give the error: please report it)", file=sys.stderr)
        return HARNESS_EXIT
    return 0
