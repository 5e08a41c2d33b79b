"""``python -m harness fetch``: fetch and verify the embedded data, import the embedded encoder (once)."""

from __future__ import annotations

import time


def add_arguments(parser) -> None:
    """``fetch`` takes no options: it fetches the data and imports the encoder, once."""


def main(args) -> int:
    # No env.setup() (torch) here: a warm fetch is a few stats; the encoder's import, when it runs,
    # applies the work-arounds itself.
    from harness.inputs import checkpoints
    from harness.inputs.sources import fetch

    t0 = time.perf_counter()
    for name, path in fetch().items():
        print(f"{name}: {path}")
    t1 = time.perf_counter()
    print(f"data ready in {t1 - t0:.1f} s (sha256 checked, or unchanged since: same size, mtime and ctime)")
    print(f"encoder: {checkpoints.embedded().dir} ({time.perf_counter() - t1:.1f} s)")
    return 0
