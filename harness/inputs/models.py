"""The encoder's architecture in both frameworks, built from an :class:`EncoderConfig`.

- fairseq: ``roberta_base`` with the encoder's dims as explicit overrides (the lab's ``roberta_small``
  exists only in a fork of fairseq), built by fairseq's own ``RobertaModel.build_model``; and the
  dictionary ``fairseq-preprocess`` would build for a number of words;
- HF: the ``RobertaConfig`` of the same encoder (LayerNorm eps 1e-5 as fairseq, positions P + 2),
  and ``RobertaModel`` / ``RobertaForSequenceClassification`` on the meta device.

What the report counts of them (C1) is ``harness.claims.count``.
"""

from __future__ import annotations

import argparse

from harness.core.config import EncoderConfig


def fairseq_dictionary(n_words: int, padding_factor: int = 8, mask: bool = True):
    """The dictionary fairseq builds for ``n_words`` distinct tokens.

    ``fairseq-preprocess`` (no ``--srcdict``) adds the 4 specials ``<s> <pad> </s> <unk>``, then pads
    to a multiple of ``padding_factor`` with ``madeupwordNNNN``; ``sentence_prediction`` and
    ``masked_lm`` then add ``<mask>``.
    """
    from fairseq.data import Dictionary

    d = Dictionary()
    for i in range(n_words):
        d.add_symbol(f"w{i}", n=n_words - i)
    d.finalize(padding_factor=padding_factor)
    if mask:
        d.add_symbol("<mask>")
    return d


class _Task:
    def __init__(self, dictionary):
        self.source_dictionary = self.target_dictionary = dictionary


def fairseq_args(cfg: EncoderConfig, **overrides) -> argparse.Namespace:
    """``roberta_base`` with the encoder's dims as explicit overrides (the lab's ``roberta_small``
    exists only in a fork of fairseq)."""
    from fairseq.models.roberta import model as roberta

    args = argparse.Namespace(
        arch="roberta_base",
        encoder_layers=cfg.layers,
        encoder_embed_dim=cfg.d_model,
        encoder_ffn_embed_dim=cfg.d_ff,
        encoder_attention_heads=cfg.heads,
        max_positions=cfg.max_positions,
        **overrides,
    )
    roberta.base_architecture(args)
    return args


def build_fairseq(cfg: EncoderConfig, dictionary=None, **overrides):
    """A fairseq ``RobertaModel`` with the encoder's dims, from fairseq's own ``build_model``
    (on the CPU: fairseq's initialiser copies through ``.cpu()``, which the meta device refuses)."""
    from fairseq.models.roberta import RobertaModel

    if dictionary is None:
        dictionary = _dictionary_of_size(cfg.vocab_size)
    if len(dictionary) != cfg.vocab_size:
        raise ValueError(f"dictionary has {len(dictionary)} entries, config says V={cfg.vocab_size}")
    return RobertaModel.build_model(fairseq_args(cfg, **overrides), _Task(dictionary))


def _dictionary_of_size(v: int):
    from fairseq.data import Dictionary

    d = Dictionary()  # 4 specials
    if v < len(d):
        raise ValueError(f"vocab_size={v} is smaller than fairseq's {len(d)} special symbols")
    for i in range(v - len(d)):
        d.add_symbol(f"w{i}")
    return d


def hf_config(cfg: EncoderConfig, **overrides):
    """The HF ``RobertaConfig`` of the same encoder (LayerNorm eps 1e-5 as fairseq, positions P+2)."""
    from transformers import RobertaConfig

    return RobertaConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.d_ff,
        num_hidden_layers=cfg.layers,
        num_attention_heads=cfg.heads,
        max_position_embeddings=cfg.position_rows,
        pad_token_id=cfg.padding_idx,
        layer_norm_eps=1e-5,
        type_vocab_size=1,
        classifier_dropout=0.0,  # fairseq's classification head uses pooler_dropout (roberta_base: 0.0)
        **overrides,
    )


def build_hf(cfg: EncoderConfig, kind: str = "model", **overrides):
    """HF ``RobertaModel`` (``kind="model"``, with its default pooler) or
    ``RobertaForSequenceClassification`` (``kind="classifier"``, no pooler), on the meta device."""
    import torch
    from transformers import RobertaForSequenceClassification, RobertaModel

    classes = {"model": RobertaModel, "classifier": RobertaForSequenceClassification}
    if kind not in classes:
        raise ValueError(f"kind must be one of {sorted(classes)}, got {kind!r}")
    with torch.device("meta"):
        return classes[kind](hf_config(cfg, **overrides))
