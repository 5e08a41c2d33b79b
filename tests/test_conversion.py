"""fairseq <-> HF RoBERTa conversion: the two frameworks compute the same function (to 1e-5 max abs).

On random models with O(1) weights (so a wrong mapping cannot hide in near-zero outputs) and random
ids, padded batches included. The same checks on the embedded pretrained encoder and real reviews
live in ``test_conversion_real.py``.
"""

import pytest
import torch

from harness import convert, params
from harness.config import EncoderConfig

TOL = 1e-5  # the bound on max abs difference, features and logits
CFG = EncoderConfig(vocab_size=120, d_model=64, d_ff=96, max_positions=32, layers=2, heads=4)
HEAD = convert.HEAD


def _randomize(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g) * 0.2
            p.copy_(1 + noise if "norm" in name.lower() and name.endswith("weight") else noise)
    return model.eval()


@pytest.fixture(scope="module")
def fairseq_model():
    model = params.build_fairseq(CFG)
    model.register_classification_head(HEAD, num_classes=2)
    return _randomize(model)


def padded_batch(seed=1, batch=4, length=24):
    """<s> w ... w </s> <pad>...: rows of different lengths (the first one full)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((batch, length), CFG.padding_idx)
    for row in range(batch):
        n = length - 5 * row
        ids[row, :n] = torch.randint(4, CFG.vocab_size, (n,), generator=g)
        ids[row, 0], ids[row, n - 1] = 0, 2
    return ids


def compare(fs_model, hf_mlm, hf_cls, ids):
    """Max abs differences of encoder features and MLM logits (real tokens) and class logits."""
    mask = ids.ne(CFG.padding_idx)
    with torch.no_grad():
        fs_feat, _ = fs_model(ids, features_only=True)
        fs_mlm, _ = fs_model(ids)
        fs_cls, _ = fs_model(ids, features_only=True, classification_head_name=HEAD)
        out = hf_mlm(ids, attention_mask=mask.long(), output_hidden_states=True)
        hf_cls_logits = hf_cls(ids, attention_mask=mask.long()).logits
    return {
        "features": (fs_feat - out.hidden_states[-1])[mask].abs().max().item(),
        "mlm_logits": (fs_mlm - out.logits)[mask].abs().max().item(),
        "class_logits": (fs_cls - hf_cls_logits).abs().max().item(),
    }


@pytest.fixture(scope="module")
def hf_models(fairseq_model):
    sd = fairseq_model.state_dict()
    return convert.hf_model(sd, CFG, "mlm"), convert.hf_model(sd, CFG, "classifier")


def test_outputs_agree_on_padded_batch(fairseq_model, hf_models):
    ids = padded_batch()
    diffs = compare(fairseq_model, *hf_models, ids)
    assert max(diffs.values()) <= TOL, f"max abs diffs {diffs} exceed {TOL} (lengths {ids.ne(1).sum(1).tolist()})"


def test_padding_does_not_change_a_sequence(hf_models):
    """A sequence alone and inside a padded batch gets the same logits (positions and masks)."""
    ids = padded_batch()
    short = ids[-1:, : int(ids[-1].ne(CFG.padding_idx).sum())]
    with torch.no_grad():
        alone = hf_models[1](short).logits
        batched = hf_models[1](ids, attention_mask=ids.ne(1).long()).logits[-1:]
    diff = (alone - batched).abs().max().item()
    assert diff <= TOL, f"padded vs alone: max abs {diff}"


def test_hf_fairseq_hf_round_trip_is_exact(hf_models):
    for hf in hf_models:
        start = hf.state_dict()
        back = convert.fairseq_to_hf(convert.hf_to_fairseq(start))
        differ = [k for k in start if not torch.equal(start[k], back[k])]
        assert set(back) >= set(start) and not differ, f"{type(hf).__name__}: changed {differ[:5]}"


def test_fine_tuned_token_type_row_folds_into_positions(fairseq_model):
    """HF fine-tuning moves token_type_embeddings; going back folds it into the position table."""
    hf = convert.hf_model(fairseq_model.state_dict(), CFG, "classifier")
    with torch.no_grad():
        row = hf.roberta.embeddings.token_type_embeddings.weight
        row.copy_(torch.randn(row.shape, generator=torch.Generator().manual_seed(3)))
    back = convert.hf_model(convert.hf_to_fairseq(hf.state_dict()), CFG, "classifier")
    ids = padded_batch(seed=4)
    with torch.no_grad():
        a = hf(ids, attention_mask=ids.ne(1).long()).logits
        b = back(ids, attention_mask=ids.ne(1).long()).logits
    diff = (a - b).abs().max().item()
    assert diff <= TOL, f"token_type row not folded: max abs {diff}"


@pytest.mark.parametrize(
    "name",
    [
        "encoder.sentence_encoder.embed_positions.weight",
        "encoder.sentence_encoder.layers.1.self_attn.q_proj.bias",
        "encoder.sentence_encoder.layers.0.fc2.weight",
        "encoder.sentence_encoder.layers.1.final_layer_norm.weight",
        "encoder.lm_head.bias",
        f"classification_heads.{HEAD}.out_proj.weight",
    ],
)
def test_a_perturbed_weight_is_detected(fairseq_model, hf_models, name):
    """The agreement check can fail: one weight moved by 1e-3 on the fairseq side shows.

    One entry, not the whole tensor: a constant shift of a position table or of a key bias is
    invisible by design (LayerNorm removes it; softmax ignores it)."""
    sd = {k: v.clone() for k, v in fairseq_model.state_dict().items()}
    flat = sd[name].view(-1)
    flat[flat.numel() // 2] += 1e-3
    perturbed = params.build_fairseq(CFG)
    perturbed.register_classification_head(HEAD, num_classes=2)
    perturbed.load_state_dict(sd)
    diffs = compare(perturbed.eval(), *hf_models, padded_batch())
    assert max(diffs.values()) > TOL, f"perturbing {name} went unseen: {diffs}"


def test_untied_lm_head_is_refused(fairseq_model):
    sd = dict(fairseq_model.state_dict())
    sd["encoder.lm_head.weight"] = sd["encoder.lm_head.weight"] + 1
    with pytest.raises(ValueError, match="not tied"):
        convert.fairseq_to_hf(sd)


@pytest.mark.parametrize("side", ["fairseq", "hf"])
def test_unmapped_or_missing_entries_are_named(fairseq_model, hf_models, side):
    sd = dict(fairseq_model.state_dict() if side == "fairseq" else hf_models[0].state_dict())
    sd["encoder.extra.weight"] = torch.zeros(1)
    to = convert.fairseq_to_hf if side == "fairseq" else convert.hf_to_fairseq
    with pytest.raises(KeyError, match="encoder.extra.weight"):
        to(sd)
    del sd["encoder.extra.weight"]
    victim = next(k for k in sd if "layers.0.fc1.bias" in k or "layer.0.intermediate.dense.bias" in k)
    del sd[victim]
    with pytest.raises(KeyError, match="lacks"):
        to(sd)


def test_saved_hf_directory_reloads_offline(hf_models, tmp_path):
    from transformers import RobertaForSequenceClassification

    out = convert.save_hf(hf_models[1], tmp_path / "hf")
    again = RobertaForSequenceClassification.from_pretrained(out).eval()
    assert again.config.layer_norm_eps == 1e-5 and again.config.type_vocab_size == 1
    ids = padded_batch()
    with torch.no_grad():
        a = again(ids, attention_mask=ids.ne(1).long()).logits
        b = hf_models[1](ids, attention_mask=ids.ne(1).long()).logits
    assert torch.equal(a, b), f"reloaded model differs: max abs {(a - b).abs().max().item()}"
