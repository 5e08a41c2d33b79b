"""C1: the report's analytic parameter count (report §1, "Which yields 22807552 parameters").

Every number comes from expected/ (report.toml: what the report states; lab.toml: the lab's facts).
The ledger's rule is the ``count`` relation (harness.claims.relations.count): the stated total equals
the formula at the report's dimensions and fairseq's own count; a slip gets its difference, the
formula's terms and the readings that give the stated total.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.claims import claimsfile, ledger
from harness.claims import parameters as convention
from harness.claims.expected import load_lab
from harness.claims.schema import encoder_config
from harness.core.config import EncoderConfig
from harness.inputs import models as params

REPORT = claimsfile.load()
C1 = REPORT.claim("C1").params
LAB = load_lab()
CFG = encoder_config(C1)


@pytest.fixture(scope="module")
def fairseq_model():
    return params.build_fairseq(CFG)


def test_the_reports_count_holds():
    """C1's row: the stated total is the formula at the report's dimensions and fairseq's own count."""
    row = ledger.report_row("C1")
    assert row.verdict == "REPRODUCED", f"{row.verdict}: {row.computed}; {row.statistic}"


def test_formula_equals_report_and_fairseq_count(fairseq_model):
    stated = C1.total
    by_formula = convention.formula(CFG)
    counted = convention.count(fairseq_model.named_parameters())
    assert by_formula == counted == stated, (
        f"formula {by_formula:,} / fairseq count {counted:,} / report {stated:,} for {CFG}"
    )


def test_full_encoder_with_biases_and_layernorms(fairseq_model):
    full = convention.count(fairseq_model.named_parameters(), exclude=["head"])
    assert full == LAB.encoder.full_params, f"{full:,} != {LAB.encoder.full_params:,}"


def test_hf_exceeds_fairseq_by_token_type_embeddings(fairseq_model):
    fs = convention.count(fairseq_model.named_parameters())
    hf = params.build_hf(CFG, "classifier")
    extra = {n: p.numel() for n, p in hf.named_parameters() if "token_type_embeddings" in n}
    assert list(extra) == ["roberta.embeddings.token_type_embeddings.weight"]
    hf_count = convention.count(hf.named_parameters())
    assert hf_count - fs == extra["roberta.embeddings.token_type_embeddings.weight"] == CFG.d_model, (
        f"HF {hf_count:,} - fairseq {fs:,} = {hf_count - fs:,}, token_type_embeddings {extra}"
    )


def test_hf_default_pooler_size():
    with_pooler = params.build_hf(CFG, "model")
    pooler = convention.count(with_pooler.named_parameters(), exclude=[]) - convention.count(
        with_pooler.named_parameters(), exclude=["head"]
    )
    assert pooler == LAB.encoder.hf_pooler_params, f"pooler {pooler:,}"


def test_classifier_has_no_pooler():
    names = [n for n, _ in params.build_hf(CFG, "classifier").named_parameters()]
    assert not [n for n in names if "pooler" in n]


def test_position_table_has_p_plus_padding_plus_one_rows(fairseq_model):
    import torch

    positions = fairseq_model.encoder.sentence_encoder.embed_positions
    assert positions.weight.shape[0] == CFG.max_positions + positions.padding_idx + 1 == CFG.position_rows
    # Real tokens are numbered from padding_idx + 1 = 2; padding keeps position padding_idx.
    from fairseq import utils

    pad = positions.padding_idx
    tokens = torch.tensor([[5, 6, 7, pad, pad]])
    pos = utils.make_positions(tokens, pad)
    assert pos.tolist() == [[pad + 1, pad + 2, pad + 3, pad, pad]], pos.tolist()
    assert pad == LAB.encoder.padding_idx, f"fairseq padding_idx {pad}, the lab's {LAB.encoder.padding_idx}"


@pytest.mark.parametrize("n_words", [1, 7, 100, 31995])
def test_vocab_is_the_dictionary_fairseq_builds(n_words):
    d = params.fairseq_dictionary(n_words)
    specials = [d[i] for i in range(4)]
    assert specials == ["<s>", "<pad>", "</s>", "<unk>"]
    assert d[len(d) - 1] == "<mask>"
    assert (len(d) - 1) % 8 == 0, f"{len(d) - 1} entries before <mask> is not a multiple of 8"
    padded = [d[i] for i in range(4 + n_words, len(d) - 1)]
    assert all(w.startswith("madeupword") for w in padded)
    cfg = EncoderConfig(
        vocab_size=len(d), d_model=16, d_ff=32, max_positions=8, layers=1, heads=2
    )
    model = params.build_fairseq(cfg, dictionary=d)
    rows = model.encoder.sentence_encoder.embed_tokens.weight.shape[0]
    assert rows == len(d)
    assert convention.formula(cfg) == convention.count(model.named_parameters())


def test_best_updates_is_epochs_times_updates_per_epoch():
    s = LAB.schedule
    assert s.train_size % s.batch_size == 0
    c2b = REPORT.claim("C2b").params
    assert s.epochs * s.train_size // s.batch_size == c2b.updates
    assert s.epochs == c2b.epoch


encoder_configs = st.builds(
    lambda heads, head_dim, d_ff, v, p, layers: EncoderConfig(
        vocab_size=v, d_model=heads * head_dim, d_ff=d_ff, max_positions=p, layers=layers, heads=heads
    ),
    heads=st.integers(1, 4),
    head_dim=st.integers(1, 8),
    d_ff=st.integers(1, 48),
    v=st.integers(5, 300),
    p=st.integers(1, 64),
    layers=st.integers(1, 3),
)


@given(encoder_configs)
def test_property_formula_equals_fairseq_equals_hf_minus_d(cfg):
    fs = convention.count(params.build_fairseq(cfg).named_parameters())
    hf = convention.count(params.build_hf(cfg, "classifier").named_parameters())
    assert convention.formula(cfg) == fs == hf - cfg.d_model, (cfg, convention.formula(cfg), fs, hf)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("heads", 3, "not divisible"),
        ("d_model", 0, "positive"),
        ("layers", -1, "positive"),
        ("vocab_size", 2.5, "positive integer"),
    ],
)
def test_bad_config_is_a_clear_value_error(field, value, message):
    kwargs = dict(vocab_size=100, d_model=16, d_ff=32, max_positions=8, layers=2, heads=4)
    kwargs[field] = value
    with pytest.raises(ValueError, match=message):
        EncoderConfig(**kwargs)
