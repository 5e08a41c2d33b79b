"""Layer 6, the top of the data flow: the reproducibility report.

- ``build``: the report's blocks (ledger, per-seed tables, figures, provenance) and ``write_report``;
- ``render``: Markdown, and HTML through markdown-it-py;
- ``figures``: Figures 1 and 2 (matplotlib, Agg);
- ``history``: the gate history over commits as a figure.

May import: ``harness.gate``, ``harness.claims``, ``harness.runs``, ``harness.core``.
"""
