"""``python -m harness report RESULTS --out DIR``: the Markdown/HTML reproducibility report with
figures (``harness.report.build``)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("results", help="results directory (<dir>/<profile>/<run>.json)")
    parser.add_argument("--out", default="out/report", help="output directory (default: out/report)")
    parser.add_argument("--history", metavar="FILE", help="a gate history (gate --history FILE): plot each gated "
                        "metric over the commits with its tolerance band")


def main(args) -> int:
    from harness.core import atomic, env
    from harness.report.build import write_report

    env.setup()
    atomic.writable_dir(args.out)
    path = write_report(args.results, args.out, history=args.history)
    print(f"report: {path} (and {path.with_suffix('.html')})")
    return 0
