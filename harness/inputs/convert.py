"""fairseq RoBERTa <-> HuggingFace RoBERTa weights, name by name (transformers 5 ships no converter).

Both frameworks compute the same function once three things are matched (``models.hf_config``):
LayerNorm eps 1e-5 (HF's default 1e-12 is off by ~1e-2), positions numbered from ``padding_idx + 1``
with ``max_position_embeddings = P + 2``, and HF's ``token_type_embeddings`` (which fairseq lacks)
set to zero with ``type_vocab_size = 1``. HF adds ``token_type_embeddings[0]`` to every token, pads
included, as fairseq adds every position row; so going back, the row is folded into the position
table, which keeps the function exact even after HF fine-tuning has moved it.

The mapping is a list of (fairseq name, HF name) pairs built from the config; a state dict that
lacks a mapped name or holds an unmapped one is an error naming it (no silent partial conversion).
Tokenization is not converted: both paths feed the ids of ``Checkpoint.encode``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from harness.core import atomic
from harness.core.config import EncoderConfig
from harness.inputs import models

ENC = "encoder.sentence_encoder."
HEAD = "sentence_classification_head"  # fairseq's default head name (sentence_prediction)
TOKEN_TYPE = "roberta.embeddings.token_type_embeddings.weight"
_LAYER = {
    "self_attn.q_proj": "attention.self.query",
    "self_attn.k_proj": "attention.self.key",
    "self_attn.v_proj": "attention.self.value",
    "self_attn.out_proj": "attention.output.dense",
    "self_attn_layer_norm": "attention.output.LayerNorm",
    "fc1": "intermediate.dense",
    "fc2": "output.dense",
    "final_layer_norm": "output.LayerNorm",
}
_LM_HEAD = {  # encoder.lm_head.weight is fairseq's tied embed_tokens; HF ties decoder.weight likewise
    "encoder.lm_head.dense": "lm_head.dense",
    "encoder.lm_head.layer_norm": "lm_head.layer_norm",
}
_IGNORED = ("encoder.sentence_encoder.version",)  # fairseq's serialization version buffer


def _pairs(layers: int) -> list[tuple[str, str]]:
    out = [
        (ENC + "embed_tokens.weight", "roberta.embeddings.word_embeddings.weight"),
        (ENC + "embed_positions.weight", "roberta.embeddings.position_embeddings.weight"),
    ]
    for wb in ("weight", "bias"):
        out.append((f"{ENC}layernorm_embedding.{wb}", f"roberta.embeddings.LayerNorm.{wb}"))
        for i in range(layers):
            for fs, hf in _LAYER.items():
                out.append((f"{ENC}layers.{i}.{fs}.{wb}", f"roberta.encoder.layer.{i}.{hf}.{wb}"))
    return out


def _lm_pairs() -> list[tuple[str, str]]:
    out = [(f"{fs}.{wb}", f"{hf}.{wb}") for fs, hf in _LM_HEAD.items() for wb in ("weight", "bias")]
    return out + [("encoder.lm_head.bias", "lm_head.bias")]


def _head_pairs(name: str) -> list[tuple[str, str]]:
    return [
        (f"classification_heads.{name}.{part}.{wb}", f"classifier.{part}.{wb}")
        for part in ("dense", "out_proj")
        for wb in ("weight", "bias")
    ]


def _layers(state: Mapping, prefix: str, marker: str) -> int:
    found = {k[len(prefix):].split(".")[0] for k in state if k.startswith(prefix) and marker in k}
    return len(found)


def _take(state: Mapping, pairs, forward: bool, what: str) -> dict:
    src, dst = (0, 1) if forward else (1, 0)
    missing = [p[src] for p in pairs if p[src] not in state]
    if missing:
        raise KeyError(f"{what}: state dict lacks {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    return {p[dst]: state[p[src]].detach().clone() for p in pairs}


def fairseq_to_hf(state: Mapping, head: str | None = HEAD) -> dict:
    """An HF ``RobertaFor*`` state dict from a fairseq RoBERTa one (``checkpoint["model"]``).

    Includes the MLM head (``lm_head.*``) and the classifier (``classifier.*``) when ``state`` has
    ``encoder.lm_head`` and ``classification_heads.<head>``. ``token_type_embeddings`` is a zero row.
    """
    import torch

    pairs = _pairs(_layers(state, ENC + "layers.", ".fc1.weight"))
    has_lm = "encoder.lm_head.dense.weight" in state
    if has_lm:
        pairs += _lm_pairs()
    has_head = head is not None and f"classification_heads.{head}.out_proj.weight" in state
    if has_head:
        pairs += _head_pairs(head)
    known = {p[0] for p in pairs} | {"encoder.lm_head.weight", *_IGNORED}
    extra = sorted(k for k in state if k not in known and not k.startswith("classification_heads."))
    if extra:
        raise KeyError(f"fairseq state dict: unmapped entries {extra[:5]}")
    out = _take(state, pairs, True, "fairseq state dict")
    embed = out["roberta.embeddings.word_embeddings.weight"]
    if has_lm:
        if not torch.equal(state["encoder.lm_head.weight"], state[ENC + "embed_tokens.weight"]):
            raise ValueError("fairseq lm_head.weight is not tied to embed_tokens: HF RoBERTa ties them")
        out["lm_head.decoder.weight"] = embed
        out["lm_head.decoder.bias"] = out["lm_head.bias"]
    out[TOKEN_TYPE] = torch.zeros(1, embed.shape[1], dtype=embed.dtype)
    return out


def hf_to_fairseq(state: Mapping, head: str = HEAD) -> dict:
    """The fairseq RoBERTa state dict of an HF ``RobertaFor*`` one (MLM head and/or classifier).

    ``token_type_embeddings[0]`` is added to every position row (HF adds it to every token).
    """
    layers = _layers(state, "roberta.encoder.layer.", ".intermediate.dense.weight")
    pairs = _pairs(layers)
    if "lm_head.dense.weight" in state:
        pairs += _lm_pairs()
    if "classifier.out_proj.weight" in state:
        pairs += _head_pairs(head)
    known = {p[1] for p in pairs} | {TOKEN_TYPE, "lm_head.decoder.weight", "lm_head.decoder.bias"}
    extra = sorted(k for k in state if k not in known and not k.endswith("position_ids"))
    if extra:
        raise KeyError(f"HF state dict: unmapped entries {extra[:5]}")
    out = _take(state, pairs, False, "HF state dict")
    token_type = state[TOKEN_TYPE]
    if token_type.shape[0] != 1:
        raise ValueError(f"{TOKEN_TYPE}: {token_type.shape[0]} types; fairseq has none (need 1)")
    out[ENC + "embed_positions.weight"] += token_type[0]
    if "lm_head.dense.weight" in state:
        out["encoder.lm_head.weight"] = out[ENC + "embed_tokens.weight"]
    return out


def hf_model(state: Mapping, cfg: EncoderConfig, kind: str = "classifier", num_labels: int = 2,
             dropout: float = 0.1, head: str | None = HEAD):
    """An HF model from a fairseq state dict: ``kind="mlm"`` (``RobertaForMaskedLM``) or
    ``"classifier"`` (``RobertaForSequenceClassification``; a fresh classifier when the fairseq
    state has no ``classification_heads.<head>``). Every encoder weight must load."""
    from transformers import RobertaForMaskedLM, RobertaForSequenceClassification

    classes = {"mlm": RobertaForMaskedLM, "classifier": RobertaForSequenceClassification}
    if kind not in classes:
        raise ValueError(f"kind must be one of {sorted(classes)}, got {kind!r}")
    config = models.hf_config(cfg, num_labels=num_labels, hidden_dropout_prob=dropout,
                              attention_probs_dropout_prob=dropout)
    model = classes[kind](config)
    converted = fairseq_to_hf(state, head=head)
    wanted = model.state_dict()
    converted = {k: v for k, v in converted.items() if k in wanted}
    result = model.load_state_dict(converted, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith("classifier.")]
    if missing:
        raise KeyError(f"HF {kind} model: weights not converted {missing[:5]}")
    return model.eval()


def fairseq_model(state: Mapping, cfg: EncoderConfig, dictionary=None):
    """A fairseq ``RobertaModel`` (``models.build_fairseq``) holding ``state``, loaded strictly, with
    every classification head ``state`` has; in eval mode."""
    model = models.build_fairseq(cfg, dictionary)
    for key, value in state.items():
        if key.startswith("classification_heads.") and key.endswith(".out_proj.weight"):
            model.register_classification_head(key.split(".")[1], num_classes=value.shape[0])
    state = dict(state)
    state.setdefault(ENC + "version", model.state_dict()[ENC + "version"])  # absent after hf_to_fairseq
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_fairseq_state(model_dir: str | Path, checkpoint_file: str = "model.pt") -> dict:
    """The ``model`` state dict of a fairseq checkpoint file (no fairseq import needed)."""
    import torch

    path = Path(model_dir) / checkpoint_file
    if not path.is_file():
        raise FileNotFoundError(f"{path}: fairseq checkpoint not found")
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"{path}: not a fairseq checkpoint (no 'model' entry)")
    return ckpt["model"]


def save_hf(model, out_dir: str | Path) -> Path:
    """Write an HF model directory (``config.json`` + safetensors), loadable with ``from_pretrained``
    offline. It is written next to ``out_dir`` and renamed into place: never half-written."""
    with atomic.directory(out_dir) as tmp:
        model.save_pretrained(tmp)
    return Path(out_dir)
