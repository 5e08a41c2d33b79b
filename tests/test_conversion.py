"""fairseq <-> HF RoBERTa conversion: the two frameworks compute the same function (to 1e-5 max abs).

Two sources, every check on both: a random model with O(1) weights (a wrong mapping cannot hide in
near-zero outputs) on random ids, and the embedded pretrained encoder (MiniLM imported to fairseq)
on real test reviews. Batches are padded: the longest and the shortest reviews together.
"""

import pytest
import torch

from harness.inputs import convert
from harness.inputs import models as params
from harness.core.config import EncoderConfig, load_profile

TOL = 1e-5  # the bound on max abs difference, features and logits
HEAD = convert.HEAD
RANDOM_CFG = EncoderConfig(vocab_size=120, d_model=64, d_ff=96, max_positions=32, layers=2, heads=4)


def _randomize(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g) * 0.2
            p.copy_(1 + noise if "norm" in name.lower() and name.endswith("weight") else noise)
    return model


def _random_source():
    model = params.build_fairseq(RANDOM_CFG)
    model.register_classification_head(HEAD, num_classes=2)
    g = torch.Generator().manual_seed(1)
    rows = []
    for length in (24, 19, 9, 4):
        ids = torch.randint(4, RANDOM_CFG.vocab_size, (length,), generator=g)
        ids[0], ids[-1] = 0, 2
        rows.append(ids.tolist())
    return RANDOM_CFG, _randomize(model).eval(), rows


def _embedded_source():
    from harness.inputs import checkpoints
    from harness.inputs import data

    ckpt = checkpoints.embedded()
    cfg = ckpt.encoder_config()
    reviews, _ = data.read_split(data.prepare(load_profile("smoke").data), "test")
    reviews = sorted(reviews, key=len)
    rows = [ckpt.encode(r, cfg.max_positions) for r in reviews[-3:] + reviews[:3]]
    model = convert.fairseq_model(convert.load_fairseq_state(ckpt.dir), cfg, ckpt.dictionary())
    torch.manual_seed(0)
    model.register_classification_head(HEAD, num_classes=2)
    return cfg, model.eval(), rows


def _built(cfg, model, rows):
    ids = torch.full((len(rows), max(map(len, rows))), cfg.padding_idx)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
    sd = model.state_dict()
    return cfg, model, convert.hf_model(sd, cfg, "mlm"), convert.hf_model(sd, cfg, "classifier"), ids


@pytest.fixture(scope="module")
def embedded():
    """The embedded pretrained encoder's source: (config, fairseq model, HF MLM, HF classifier, padded ids)."""
    return _built(*_embedded_source())


@pytest.fixture(scope="module", params=["random", pytest.param("embedded", marks=pytest.mark.heavy)])
def source(request):
    """(config, fairseq model with a classification head, HF MLM, HF classifier, padded ids)."""
    return _built(*_random_source()) if request.param == "random" else request.getfixturevalue("embedded")


def hf_outputs(hf_mlm, hf_cls, ids, pad) -> tuple:
    """The HF side of :func:`compare`: (last hidden states, MLM logits, class logits)."""
    mask = ids.ne(pad).long()
    with torch.no_grad():
        out = hf_mlm(ids, attention_mask=mask, output_hidden_states=True)
        return out.hidden_states[-1], out.logits, hf_cls(ids, attention_mask=mask).logits


def compare(fs_model, hf_mlm, hf_cls, ids, pad, hf: tuple | None = None):
    """Max abs differences of encoder features and MLM logits (real tokens) and class logits;
    ``hf``: the HF side's outputs when already computed (:func:`hf_outputs`)."""
    mask = ids.ne(pad)
    hf_feat, hf_mlm_logits, hf_cls_logits = hf or hf_outputs(hf_mlm, hf_cls, ids, pad)
    with torch.no_grad():
        fs_feat, _ = fs_model(ids, features_only=True)
        fs_mlm = fs_model.encoder.output_layer(fs_feat, masked_tokens=mask)  # the real tokens' logits
        fs_cls = fs_model.classification_heads[HEAD](fs_feat)
    return {
        "features": (fs_feat - hf_feat)[mask].abs().max().item(),
        "mlm_logits": (fs_mlm - hf_mlm_logits[mask]).abs().max().item(),
        "class_logits": (fs_cls - hf_cls_logits).abs().max().item(),
    }


def test_outputs_agree_on_padded_batch(source):
    cfg, fs, mlm, cls, ids = source
    diffs = compare(fs, mlm, cls, ids, cfg.padding_idx)
    lengths = ids.ne(cfg.padding_idx).sum(1).tolist()
    print(f"max abs diffs {diffs} (lengths {lengths})")
    assert max(diffs.values()) <= TOL, f"max abs diffs {diffs} exceed {TOL} (lengths {lengths})"


def test_padding_does_not_change_a_sequence(source):
    """The shortest sequence alone and inside the padded batch gets the same logits."""
    cfg, _, _, cls, ids = source
    last = ids[-1:, : int(ids[-1].ne(cfg.padding_idx).sum())]
    with torch.no_grad():
        alone = cls(last).logits
        batched = cls(ids, attention_mask=ids.ne(cfg.padding_idx).long()).logits[-1:]
    diff = (alone - batched).abs().max().item()
    assert diff <= TOL, f"padded vs alone: max abs {diff} (length {last.shape[1]}, batch width {ids.shape[1]})"


@pytest.mark.heavy  # the embedded (full-size) encoder
def test_hf_default_layer_norm_eps_would_not_agree(embedded):
    """Why eps is matched: HF's default 1e-12 is off by far more than the tolerance on real weights
    (on the embedded encoder only: random LayerNorm inputs have unit-scale variance, where eps 1e-12
    vs 1e-5 hardly shows)."""
    cfg, fs, _, cls, ids = embedded
    mask = ids.ne(cfg.padding_idx).long()
    norms = [m for m in cls.modules() if isinstance(m, torch.nn.LayerNorm)]
    assert norms and {m.eps for m in norms} == {1e-5}, "the converted classifier's LayerNorms use fairseq's eps"
    with torch.no_grad():
        right = cls(ids, attention_mask=mask).logits
        try:  # the same converted weights with HF's default eps (the module fixture's model, restored after)
            for m in norms:
                m.eps = 1e-12
            wrong = cls(ids, attention_mask=mask).logits
        finally:
            for m in norms:
                m.eps = 1e-5
        diff = (wrong - right).abs().max().item()
    assert diff > TOL, f"eps 1e-12 vs 1e-5: max abs {diff} <= {TOL}: the eps match would not matter"


def test_hf_fairseq_hf_round_trip_is_exact(source):
    cfg, _, mlm, cls, _ = source
    for hf in (mlm, cls):
        start = hf.state_dict()
        back = convert.fairseq_to_hf(convert.hf_to_fairseq(start))
        differ = [k for k in start if not torch.equal(start[k], back[k])]
        assert set(back) >= set(start) and not differ, f"{type(hf).__name__}: changed {differ[:5]}"


def test_fine_tuned_token_type_row_folds_into_positions(source):
    """HF fine-tuning moves token_type_embeddings; going back folds it into the position table."""
    cfg, fs, _, hf, ids = source  # the module fixture's classifier, its token_type row restored after
    row = hf.roberta.embeddings.token_type_embeddings.weight
    before = row.detach().clone()
    try:
        with torch.no_grad():
            row.copy_(torch.randn(row.shape, generator=torch.Generator().manual_seed(3)) * 0.1)
        assert not torch.equal(row, before), "precondition: fine-tuning moved the row"
        lm_head = {k: v for k, v in fs.state_dict().items() if k.startswith("encoder.lm_head.")}
        back = convert.fairseq_model({**convert.hf_to_fairseq(hf.state_dict()), **lm_head}, cfg)
        with torch.no_grad():
            a = hf(ids, attention_mask=ids.ne(cfg.padding_idx).long()).logits
            b, _ = back(ids, features_only=True, classification_head_name=HEAD)
    finally:
        with torch.no_grad():
            row.copy_(before)
    diff = (a - b).abs().max().item()
    assert diff <= TOL, f"token_type row not folded: max abs {diff}"


PERTURBED = [
    "encoder.sentence_encoder.embed_positions.weight",
    "encoder.sentence_encoder.layers.1.self_attn.q_proj.bias",
    "encoder.sentence_encoder.layers.0.fc2.weight",
    "encoder.sentence_encoder.layers.1.final_layer_norm.weight",
    "encoder.lm_head.bias",
    f"classification_heads.{HEAD}.out_proj.weight",
]


def test_a_perturbed_weight_is_detected(source):
    """The agreement check can fail: one entry moved by 1e-3 on the fairseq side shows.

    One entry, not the whole tensor (a constant shift of a position table or of a key bias is
    invisible by design: LayerNorm removes it, softmax ignores it); a used one: row 2 of the position
    table is the first token's, every sequence has it."""
    cfg, fs, mlm, cls, ids = source
    hf = hf_outputs(mlm, cls, ids, cfg.padding_idx)  # the HF models are not perturbed: their outputs once
    weights = fs.state_dict()  # shares the parameters' storage: an entry moved here moves in the model
    unseen = {}
    for name in PERTURBED:
        entry = tuple(min(2, n - 1) for n in weights[name].shape)
        before = weights[name][entry].clone()
        try:
            with torch.no_grad():
                weights[name][entry] += 1e-3
            diffs = compare(fs, mlm, cls, ids, cfg.padding_idx, hf)
        finally:
            with torch.no_grad():
                weights[name][entry] = before
        if max(diffs.values()) <= TOL:
            unseen[name] = diffs
    assert not unseen, f"perturbations that went unseen (tolerance {TOL}): {unseen}"


def test_untied_lm_head_is_refused(source):
    sd = dict(source[1].state_dict())
    sd["encoder.lm_head.weight"] = sd["encoder.lm_head.weight"] + 1
    with pytest.raises(ValueError, match="not tied"):
        convert.fairseq_to_hf(sd)


def test_unmapped_or_missing_entries_are_named():
    _, fs, _ = _random_source()
    for side, to in (("fairseq", convert.fairseq_to_hf), ("hf", convert.hf_to_fairseq)):
        sd = dict(fs.state_dict() if side == "fairseq" else convert.fairseq_to_hf(fs.state_dict()))
        sd["encoder.extra.weight"] = torch.zeros(1)
        with pytest.raises(KeyError, match="encoder.extra.weight"):
            to(sd)
        del sd["encoder.extra.weight"]
        del sd[next(k for k in sd if k.endswith(("layers.0.fc1.bias", "layer.0.intermediate.dense.bias")))]
        with pytest.raises(KeyError, match="lacks"):
            to(sd)


def test_saved_hf_directory_reloads_offline(source, tmp_path):
    from transformers import RobertaForSequenceClassification

    cfg, _, _, cls, ids = source
    again = RobertaForSequenceClassification.from_pretrained(convert.save_hf(cls, tmp_path / "hf")).eval()
    assert again.config.layer_norm_eps == 1e-5 and again.config.type_vocab_size == 1
    mask = ids.ne(cfg.padding_idx).long()
    with torch.no_grad():
        a, b = again(ids, attention_mask=mask).logits, cls(ids, attention_mask=mask).logits
    assert torch.equal(a, b), f"reloaded model differs: max abs {(a - b).abs().max().item()}"
