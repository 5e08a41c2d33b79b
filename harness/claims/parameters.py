"""Parameter counts: the report's formula (C1) and real modules counted through one filter.

The report's convention ("Question 1"): count the token embedding, the learned position table and
each block's attention and feed-forward weight matrices; do **not** count biases, LayerNorms, or
any head (fairseq's ``lm_head`` / ``classification_heads``, HF's ``lm_head`` / ``classifier`` /
``pooler``). Hence::

    V·d + (P + 2)·d + L·(2·d_ff·d + 4·d²)

The "+2": fairseq's learned positions have ``P + padding_idx + 1`` rows (``padding_idx = 1``):
positions are numbered from ``padding_idx + 1 = 2``, rows 0 and 1 are never used by real tokens.
HF RoBERTa copies the scheme (``max_position_embeddings = P + 2``, ``pad_token_id = 1``). The
models themselves are built by ``harness.inputs.models``. :func:`terms` breaks the formula down;
:func:`readings` finds the dimension or convention under which a stated total that differs from
the formula's would come out (another d_ff, no position offset, a head counted, a term left out,
a typo).
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


def terms(cfg: EncoderConfig) -> dict[str, int]:
    """The formula's terms: token embedding, position table, and the blocks' attention and FFN."""
    d = cfg.d_model
    return {"V·d (token embedding)": cfg.vocab_size * d,
            f"(P+{cfg.padding_idx + 1})·d (positions)": cfg.position_rows * d,
            "L·4·d² (attention q, k, v, out)": cfg.layers * 4 * d * d,
            "L·2·d_ff·d (feed-forward)": cfg.layers * 2 * cfg.d_ff * d}


def extras(cfg: EncoderConfig) -> dict[str, int]:
    """What other counting conventions add to the formula (fairseq RoBERTa, tied LM weight)."""
    d, ff, L = cfg.d_model, cfg.d_ff, cfg.layers
    return {
        "biases and LayerNorms counted": L * (4 * d + ff + d + 4 * d) + 2 * d,
        "the LM head counted (dense, LayerNorm, output bias; its weight is the tied embedding)": d * d + d + 2 * d + cfg.vocab_size,
        "the classification head counted (dense, out_proj to 2 classes)": d * d + d + 2 * d + 2,
        "HF's token_type_embeddings counted": d,
        "HF RobertaModel's pooler counted": d * d + d,
    }


def readings(cfg: EncoderConfig, stated: int) -> list[str]:
    """Readings of the report's dimensions or convention under which the formula gives ``stated``
    (when it differs from the formula's own total): another single dimension, another position
    offset, one more counted part, one term left out (the positions, say), or two neighbouring
    digits swapped."""
    total, d, L = formula(cfg), cfg.d_model, cfg.layers
    out = []
    body = stated - cfg.vocab_size * d - cfg.position_rows * d  # L·(2·d_ff·d + 4·d²)
    if body > 0 and body % (L * 2 * d) == 0 and (body // L - 4 * d * d) % (2 * d) == 0 and body // L > 4 * d * d:
        out.append(f"d_ff = {(body // L - 4 * d * d) // (2 * d):,} (not {cfg.d_ff:,})")
    per_layer = 2 * cfg.d_ff * d + 4 * d * d
    rest = stated - cfg.vocab_size * d - cfg.position_rows * d
    if rest > 0 and rest % per_layer == 0 and rest // per_layer != L:
        out.append(f"layers = {rest // per_layer} (not {L})")
    for rows in (cfg.max_positions, cfg.max_positions + 1):  # no offset, or "+1": the table's other sizes
        if total - cfg.position_rows * d + rows * d == stated:
            out.append(f"positions counted as P + {rows - cfg.max_positions} rows (not P + {cfg.padding_idx + 1})")
    for name, extra in extras(cfg).items():
        if total + extra == stated:
            out.append(name)
    for name, term in terms(cfg).items():  # one term of the formula left out
        if total - term == stated:
            formula_part, part = name.split(" (", 1)
            out.append(f"{part.rstrip(')')} left out (no {formula_part} term)")
    a, b = str(total), str(stated)
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            out.append(f"the formula's {total:,} with two neighbouring digits swapped (a typo)")
    vocab = stated - total + cfg.vocab_size * d
    if not out and vocab > 0 and vocab % d == 0:  # last: any multiple of d is "another V"
        out.append(f"V = {vocab // d:,} (not {cfg.vocab_size:,})")
    return out
