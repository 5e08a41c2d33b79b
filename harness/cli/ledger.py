"""``python -m harness ledger``: one verdict per claim of the report (``harness.claims.ledger``)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("--claims", metavar="FILE", help="a report's claims file (default: expected/report.toml)")
    parser.add_argument("--results", metavar="DIR", help="results directory <DIR>/<profile>/<run>.json")
    parser.add_argument("--out", metavar="FILE.md", help="also write the Markdown table here (atomically)")


def main(args) -> int:
    from harness.claims import claimsfile, ledger
    from harness.core import atomic

    text = ledger.to_markdown(ledger.build(claimsfile.load(args.claims), args.results))
    print(text, end="")
    if args.out:
        atomic.write_text(args.out, text)
    return 0
