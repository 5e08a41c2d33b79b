"""``python -m harness report RESULTS --out DIR``: the Markdown/HTML reproducibility report with
figures (``harness.report.build``); ``--claims FILE``: another report's claims file (its numbers in
the ledger, the tables and Figure 1)."""

from __future__ import annotations

from harness.cli.options import Once


def add_arguments(parser) -> None:
    parser.add_argument("results", help="results directory (<dir>/<profile>/<run>.json)")
    parser.add_argument("--out", default="out/report", action=Once, help="output directory (default: out/report)")
    parser.add_argument("--claims", metavar="FILE", action=Once,
                        help="the report's claims file (default: expected/report.toml)")
    parser.add_argument("--history", metavar="FILE", action=Once, help="a gate history (gate --history FILE): plot "
                        "each gated metric over the commits with its tolerance band")


def main(args) -> int:
    from harness.claims import claimsfile
    from harness.core import atomic, env
    from harness.runs.results import load_results

    claimsfile.load(args.claims)  # bad input answers before anything heavy is imported or written
    load_results(args.results)
    atomic.writable_dir(args.out)
    from harness.report.build import write_report

    env.setup()
    path = write_report(args.results, args.out, history=args.history, claims=args.claims)
    print(f"report: {path} (and {path.with_suffix('.html')})")
    return 0
