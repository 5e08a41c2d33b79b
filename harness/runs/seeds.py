"""Seeds as a parameter (``reproduce --seeds``): a list ``0,1,5``, a range ``0-9`` (both ends
included), or both mixed (``0-2,7``). :func:`parse_seeds` reads that form, :func:`seeds_arg` writes a
seed set back in it, :func:`extend_seeds` grows a seed set while keeping the seeds already run."""

from __future__ import annotations

import re


_PART = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"0-2,7"`` -> ``(0, 1, 2, 7)``: sorted, duplicates dropped. A ValueError names the bad part."""
    seeds: set[int] = set()
    parts = [p.strip() for p in str(text).split(",")]
    for part in parts:
        m = _PART.match(part)
        if not m:
            raise ValueError(f"--seeds: {part!r} in {text!r} is not a seed (0, 1, ...) or a range (0-9)")
        lo, hi = int(m.group(1)), int(m.group(2) if m.group(2) is not None else m.group(1))
        if hi < lo:
            raise ValueError(f"--seeds: range {part!r} runs backwards (write {hi}-{lo})")
        seeds.update(range(lo, hi + 1))
    return tuple(sorted(seeds))


def seeds_arg(seeds) -> str:
    """The shortest ``--seeds`` text for a set of seeds: ``(0, 1, 2, 3, 7)`` -> ``"0-3,7"``."""
    out, run = [], []
    for s in sorted(set(seeds)):
        if run and s != run[-1] + 1:
            out.append(_span(run))
            run = []
        run.append(s)
    if run:
        out.append(_span(run))
    return ",".join(out)


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" if len(run) > 2 else f"{run[0]},{run[1]}"


def extend_seeds(have, n: int) -> tuple[int, ...]:
    """``n`` seeds that keep the ones already run: ``have``, then the smallest unused seeds."""
    seeds, s = set(have), 0
    while len(seeds) < n:
        seeds.add(s)
        s += 1
    return tuple(sorted(seeds))
