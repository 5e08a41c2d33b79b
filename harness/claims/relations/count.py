"""``count`` (C1, "Which yields 22807552 parameters"): the report's parameter count.

Rule: REPRODUCED when the stated total equals the report's formula at its dimensions
(``harness.claims.parameters``: no biases, LayerNorms or heads) and fairseq's own RobertaModel of
those dimensions counts the same; otherwise REFUTED, with the difference, the formula's terms and
every reading under which the formula gives the stated total (another d_ff, another position
offset, a head or the biases counted, two digits swapped). With ``$LAB_CHECKPOINT`` set, the
formula is also evaluated at the checkpoint's real vocabulary and dimensions and compared with its
weights counted under the same convention.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from harness.claims import facts, parameters
from harness.claims.row import REPORT, Row
from harness.claims.schema import encoder_config
from harness.core.config import EncoderConfig
from harness.inputs import checkpoints, models
from harness.inputs.user import CHECKPOINT_ENV

NAME = "count"


def fairseq_count(cfg: EncoderConfig) -> int:
    """fairseq's RobertaModel of these dimensions, counted under the report's convention (cached)."""
    fact = facts.cached(
        "fairseq-count", dataclasses.asdict(cfg),
        lambda: {"count": parameters.count(models.build_fairseq(cfg).named_parameters())},
        code=(Path(parameters.__file__), Path(models.__file__)), libraries=("fairseq-fixed", "torch"))
    return int(fact["count"])


def checkpoint_count(report_vocab: int) -> tuple[str, bool] | None:
    """With ``$LAB_CHECKPOINT``: the formula at the checkpoint's V and dimensions next to its counted
    weights (same convention), and whether they agree; None without a checkpoint."""
    if not os.environ.get(CHECKPOINT_ENV):
        return None
    import torch

    ckpt = checkpoints.from_dir()
    cfg = ckpt.encoder_config()
    state = torch.load(ckpt.dir / "model.pt", map_location="cpu", weights_only=False)["model"]
    counted = parameters.count((n, t) for n, t in state.items() if n.endswith((".weight", ".bias")))
    by_formula = parameters.formula(cfg)
    text = (f"$LAB_CHECKPOINT: V = {cfg.vocab_size:,} (the report's V = {report_vocab:,}); formula at its V and "
            f"dimensions {by_formula:,}; its weights counted {counted:,}")
    return text, by_formula == counted


def report_rows(claim, ctx) -> list[Row]:
    params = claim.params
    cfg = encoder_config(params)
    by_formula, counted, stated = parameters.formula(cfg), fairseq_count(cfg), params.total
    breakdown = " + ".join(f"{name} {value:,}" for name, value in parameters.terms(cfg).items())
    computed = f"formula {by_formula:,} = {breakdown}; fairseq RobertaModel counted {counted:,}"
    real = checkpoint_count(params.encoder.vocab_size)
    computed += f"; {real[0]}" if real else "; no checkpoint ($LAB_CHECKPOINT unset): the report's V only"
    ok = by_formula == counted == stated and (real is None or real[1])
    statistic = "exact equality"
    if stated != by_formula:
        found = parameters.readings(cfg, stated)
        statistic = (f"stated {stated:,} - formula {by_formula:,} = {stated - by_formula:+,}; readings that give the "
                     f"stated total: {'; '.join(found) if found else 'none found'}")
    verdict = "REPRODUCED" if ok else (
        f"REFUTED (stated {stated:,}, formula {by_formula:,})" if stated != by_formula else
        f"REFUTED (the formula {by_formula:,} and fairseq's {counted:,} disagree)")
    test = ctx.checked_by(claim)
    says = f"§{claim.section}: {claim.quote!r} ({stated:,} parameters)"
    return [Row(claim.id, says, computed, statistic, verdict, test, REPORT, {"stated_minus_formula": float(stated - by_formula)})]
