"""Layer 5: the drift gate, expected results against obtained ones.

- ``expected``: the expected file, one per profile and numerics (metric names, numerics, provenance, checks);
- ``metrics``: the gated metrics of a profile's runs (scores; the ledger's verdicts, scores, decisions);
- ``regime``: which expected file gates a result set, and how strictly (exact, or cross-numerics);
- ``tolerances``: the measured moves behind each regime (pairs of numerics keys) and the rule that sets the tolerances;
- ``replay``: an expected file's runs rebuilt (ledger-score tolerances, the calibration; C2b held);
- ``drift``: the comparison and one gate run's outcome;
- ``output``: text, Markdown, JSON and JUnit renderings;
- ``regen``: guarded regeneration of an expected file;
- ``history``: one JSON line per gate run;
- ``calibrate``: the gate's false-alarm rate and detection power, simulated.

May import: ``harness.claims``, ``harness.runs``, ``harness.core`` (never ``harness.train``).
"""
