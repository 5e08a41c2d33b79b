"""``python -m harness audit CLAIMS...``: many reports' claims files, one table of verdicts
(report x claim), in one process (``harness.claims.audit``).

CLAIMS are files, directories (every ``*.toml`` in them) and glob patterns. A file that cannot be
read is listed with its one-line error and the others are judged; exit 2 only when no file could
be read. ``--out DIR`` writes ``DIR/index.html`` (the table, each report's ledger one click away),
``DIR/<name>.md`` per report and the table as ``DIR/index.{md,csv,json}``. ``--fail-on`` makes the
exit code 1 when any report has a verdict starting with one of the listed names.
"""

from __future__ import annotations

import sys

from harness.cli.options import add_fail_on, add_format, resolve_format


def add_arguments(parser) -> None:
    parser.add_argument("claims", nargs="+", metavar="CLAIMS",
                        help="claims files, directories (every *.toml in them) or glob patterns ('reports/*.toml')")
    add_format(parser, extra=("csv", "json"))
    parser.add_argument("--out", metavar="DIR", help="also write DIR/index.html, DIR/<name>.md per report and "
                                                     "DIR/index.{md,csv,json}")
    add_fail_on(parser)


def main(args) -> int:
    from harness.claims import audit
    from harness.core import atomic

    fail_on = audit.parse_fail_on(args.fail_on) if args.fail_on is not None else ()
    if args.out:
        atomic.writable_dir(args.out)  # bad input stops here, before any file is judged
    fmt = resolve_format(args.format)
    live = fmt == "table" and sys.stderr.isatty()

    def progress(path, done):
        if live:
            print(f"\r{'read' if not done.error else 'not read'}: {path}\x1b[K", end="", file=sys.stderr, flush=True)

    result = audit.audit(args.claims, progress)
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
        render = {"markdown": audit.to_markdown, "csv": audit.to_csv, "json": audit.to_json}[fmt]
        print(render(result), end="")
    if args.out:
        from harness.report.audit import write

        page = write(result, args.out)
        print(f"audit: {page} (and {len(result.read)} ledgers <name>.md, index.md/.csv/.json beside it)",
              file=sys.stderr)
    bad = [(r.name, c, v) for r in result.read for c, v in audit.failing(r.verdicts, fail_on)]
    if bad:
        print(f"--fail-on {','.join(fail_on)}: {len(bad)} verdicts in {len({n for n, _, _ in bad})} reports: "
              + "; ".join(f"{n} {c} {audit.short(v)}" for n, c, v in bad), file=sys.stderr)
        return 1
    return 0
