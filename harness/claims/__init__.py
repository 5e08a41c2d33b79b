"""Layer 4: the report's claims, and the verdicts the data give them (docs/ledger.md).

- ``claimsfile``, ``schema``, ``units``, ``upgrade``: the claims file (schema 2): its cells and
  claims, each relation's parameters and checks (light: no statistics library), the schema-1 upgrade;
- ``relations/``: one evaluator per relation (count, values, best_epoch, superiority, equivalence,
  lora_statement, aggregate), each a small module; ``row``: what they return; ``arms``: the report's
  numbers and the fresh runs they judge, and the context they are given;
- ``stats``, ``power``: the statistics (scipy / statsmodels, every convention explicit) and the plan
  of the test that decides "consistent" (Welch TOST);
- ``parameters``: the report's parameter-count convention (C1); ``lora``, ``lora_behaviour``,
  ``archs/``: LoRA counts on real architectures and what peft does (C5); ``facts``: what only a
  library can tell, computed once and cached;
- ``ledger``: every claim through its relation, the report's rows and the suite's fresh runs apart;
  ``audit``: many claims files in one process; ``plan``: the command that would decide a verdict;
  ``expected``: the lab's facts and the fresh runs' accuracy bands.

May import: ``harness.runs``, ``harness.inputs``, ``harness.core`` (never the runners of ``harness.train``).
"""
