"""Parameter counts: the report's formula (C1) and real modules counted through one filter.

The report's convention ("Question 1"): count the token embedding, the learned position table and
each block's attention and feed-forward weight matrices; do **not** count biases, LayerNorms, or
any head (fairseq's ``lm_head`` / ``classification_heads``, HF's ``lm_head`` / ``classifier`` /
``pooler``). Hence::

    V·d + (P + 2)·d + L·(2·d_ff·d + 4·d²)

The "+2": fairseq's learned positions have ``P + padding_idx + 1`` rows (``padding_idx = 1``):
positions are numbered from ``padding_idx + 1 = 2``, rows 0 and 1 are never used by real tokens.
HF RoBERTa copies the scheme (``max_position_embeddings = P + 2``, ``pad_token_id = 1``). The
models themselves are built by ``harness.inputs.models``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from harness.core.config import EncoderConfig


# One explicit filter: what the report's convention leaves out, by category.
EXCLUDED = {
    "bias": re.compile(r"(^|\.)bias$"),
    "layernorm": re.compile(r"layer_?norm", re.IGNORECASE),
    "head": re.compile(r"(^|\.)(lm_head|classification_heads|classifier|pooler)(\.|$)"),
}


def excluded_by(name: str, exclude: Iterable[str] = EXCLUDED) -> str | None:
    """The first category in ``exclude`` that leaves parameter ``name`` out, or None if it counts."""
    for category in exclude:
        if EXCLUDED[category].search(name):
            return category
    return None


def count(named_parameters, exclude: Iterable[str] = tuple(EXCLUDED)) -> int:
    """Sum of numel over parameters not excluded (shared/tied tensors counted once)."""
    exclude = tuple(exclude)
    seen, total = set(), 0
    for name, p in named_parameters:
        if id(p) in seen or excluded_by(name, exclude):
            continue
        seen.add(id(p))
        total += p.numel()
    return total


def formula(cfg: EncoderConfig) -> int:
    """The report's analytic count: V·d + (P+2)·d + L·(2·d_ff·d + 4·d²) (with +2 = padding_idx + 1)."""
    d = cfg.d_model
    return (
        cfg.vocab_size * d
        + cfg.position_rows * d
        + cfg.layers * (2 * cfg.d_ff * d + 4 * d * d)
    )
