"""Claims files of a class: copies of expected/report.toml with one edit each, as students hand
them in (a count slip, spreads in points, a random arm that wins, HF ten points below fairseq, the bias
read right, a malformed file). For the audit's tests and its benchmark (tests/bench/cli_times.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.core.paths import EXPECTED_DIR

REPORT_TOML = (EXPECTED_DIR / "report.toml").read_text()


def edit(text: str, *changes: tuple[str, str]) -> str:
    """``text`` with each (regex on a whole line, replacement) applied once; a pattern that does
    not match is an error (the report's file changed under the fixture)."""
    for pattern, replacement in changes:
        text, n = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert n == 1, f"pattern {pattern!r} not found in expected/report.toml"
    return text


def in_claim(text: str, cid: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` once, inside the [[claim]] of id ``cid``."""
    parts = text.split("\n[[claim]]\n")
    i = next(i for i, p in enumerate(parts) if p.startswith(f'id = "{cid}"\n'))
    assert old in parts[i], (cid, old)
    parts[i] = parts[i].replace(old, new, 1)
    return "\n[[claim]]\n".join(parts)


# kind -> the edits that make it (the verdict each should move is in tests/test_audit.py)
KINDS = {
    "as-printed": (),
    "count-slip": ((r"^total = .*$", "total = 22806016"),),  # 1,536 short
    "spread-in-points": ((r'mean = "81.1%", spread = "0.02%"', 'mean = "81.1%", spread = "1.67%"'),
                         (r'mean = "67.7%", spread = "0.003%"', 'mean = "67.7%", spread = "0.31%"')),
    "random-wins": ((r"^accuracy = \[67.5, 68.1, 67.4\]$", "accuracy = [88.0, 89.1, 87.9]"),),
    "hf-far": ((r"^accuracy = \[79.9, 79.0, 81.1\]$", "accuracy = [70.2, 71.0, 70.5]"),),
    "bias-right": ((r'^states = "adapters"  # "adapters": bias acts.*$', 'states = "base_layers"'),),
    "malformed": ((r"layers = 4 \}", 'layers = "4" }'),),
}


def write(path: Path, kind: str, text: str = REPORT_TOML) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(edit(text, *KINDS[kind]))
    return path


def write_class(folder: Path, n: int = 30) -> Path:
    """``n`` claims files ``student-NN.toml`` in ``folder``: the kinds in turn (one in 15 malformed),
    the count slips each by a different amount (so C1 is recomputed for each, the worst case)."""
    kinds = [k for k in KINDS if k != "malformed"]
    for i in range(n):
        kind = "malformed" if i % 15 == 14 else kinds[i % len(kinds)]
        text = REPORT_TOML
        if kind == "count-slip":
            text = edit(text, (r"^total = .*$", f"total = {22807552 - 512 * (i + 1)}"))
            kind = "as-printed"
        write(folder / f"student-{i:02d}.toml", kind, text)
    return folder
