"""Layer 5: the drift gate, expected results against obtained ones.

- ``expected``: the expected file (metric names, provenance, checks);
- ``drift``: the metrics of a results directory and their comparison with the expected file;
- ``tolerances``: the tolerances and the measured moves they rest on;
- ``output``: text, Markdown, JSON and JUnit renderings;
- ``regen``: guarded regeneration of an expected file;
- ``history``: one JSON line per gate run.

May import: ``harness.claims``, ``harness.runs``, ``harness.core`` (never ``harness.train``).
"""
