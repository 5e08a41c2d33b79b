"""Layer 3: runs as cached, reproducible fixtures.

- ``key``: a run's cache key (everything that determines its result, hashed);
- ``cache``: the checksummed, file-locked run cache (``get_or_run``);
- ``local``, ``slurm``: the executors (cells side by side on this machine; one submitit job per cell);
- ``results``: the results directory ``<dir>/<profile>/<run>.json``;
- ``provenance``: the git commit and stamp every result records;
- ``seeds``: seed lists and ranges (``--seeds 0-2,7``);
- ``admin``: the cache's entries and what pruning removes.

May import: ``harness.train``, ``harness.inputs``, ``harness.core``.
"""
