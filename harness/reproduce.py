"""The main job: reproduce the report's claims on the embedded default data and model.

Steps run so far: C1 (parameter count). Training runs, the ledger and the report are added as
their issues land; the command stays ``python -m harness reproduce``.
"""

from __future__ import annotations

from harness import params
from harness.claims import load_lab, load_report


def add_arguments(parser) -> None:
    parser.add_argument("--profile", default="smoke", help="training profile name or TOML path")


def main(args) -> int:
    report, lab = load_report(), load_lab()
    cfg = report.encoder(heads=lab.encoder.heads, padding_idx=lab.encoder.padding_idx)
    by_formula = params.formula(cfg)
    counted = params.count(params.build_fairseq(cfg).named_parameters())
    ok = by_formula == counted == report.params.stated_total
    print(
        f"C1 parameter count: formula {by_formula:,}, fairseq {counted:,}, "
        f"report {report.params.stated_total:,} -> {'REPRODUCED' if ok else 'REFUTED'}"
    )
    return 0 if ok else 1
