"""Layer 4: the report's claims, and the verdicts the data give them.

- ``schema``, ``check``, ``expected``: the claims file and the typed view of ``expected/``;
- ``stats``, ``power``: the statistics (scipy / statsmodels, every convention explicit);
- ``verdicts``, ``shape``: the decision rules;
- ``count``: the report's parameter-count convention (C1);
- ``lora``, ``lora_claims``, ``archs/``: LoRA counts on real architectures and peft's behaviour (C5);
- ``plan``: the command that would decide a verdict the seeds at hand cannot;
- ``ledger``: one row per claim.

May import: ``harness.runs``, ``harness.inputs``, ``harness.core`` (never ``harness.train``).
"""
