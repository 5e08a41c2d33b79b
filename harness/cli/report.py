"""``python -m harness report --results DIR --out OUT``: the Markdown/HTML reproducibility report
with figures (``harness.report.build``); ``--claims FILE``: another report's claims file (its numbers
in the ledger, the tables and Figure 1). Without ``--results`` (they come from ``python -m harness
reproduce``), the claims file alone: its ledger, its numbers and Figure 1 drawn from them, its
source in the legend. The old spelling ``report RESULTS`` still works, with a note."""

from __future__ import annotations

from harness.cli.options import Once, add_claims, add_results


def add_arguments(parser) -> None:
    add_results(parser, positional=True,
                help_="results directory (<dir>/<profile>/<run>.json, from python -m harness reproduce); without "
                      "it, the report is drawn from the claims file alone")
    add_claims(parser)
    parser.add_argument("--out", default="out/report", action=Once, help="output directory (default: out/report)")
    parser.add_argument("--history", metavar="FILE", action=Once, help="a gate history (gate --history FILE): plot "
                        "each gated metric over the commits with its tolerance band")


def main(args) -> int:
    from harness.cli.options import input_path, old_spelling
    from harness.claims import claimsfile
    from harness.core import atomic
    from harness.runs.results import load_results

    old_spelling(args, "results", "--results", "RESULTS")
    if args.claims is not None:
        input_path(args.claims, "--claims: a claims file")
    claimsfile.load(args.claims)  # bad input answers before anything heavy is imported or written
    if args.results is not None:
        load_results(args.results)
    atomic.writable_dir(args.out)
    from harness.report.build import write_report

    # No env.setup() (torch) here: nothing a report draws needs it; a fact that must be computed
    # (C1's fairseq count, C5's peft behaviour) applies it itself (harness/claims/facts.py).
    path = write_report(args.results, args.out, history=args.history, claims=args.claims)
    print(f"report: {path} (and {path.with_suffix('.html')})")
    return 0
