"""The embedded encoder imported into fairseq, and user checkpoints tokenized as the lab does.

The imported fairseq RoBERTa must compute the same function as the original MiniLM (HF
``BertModel``) on real reviews, and C1's analytic formula must hold for it.
"""

import argparse

import pytest
import torch

from harness.inputs import checkpoints
from harness.inputs import data
from harness.core import env
from harness.inputs import models as params
from harness.core.config import ConfigError, DataSpec, EncoderConfig, load_profile
from harness.claims import parameters as convention

# float32 through 6 layers in two implementations (fused vs unfused attention, different reduction
# orders): LAB.md measured 3e-6..5e-6 max abs on real reviews; fp64 does not go lower because
# fairseq computes GELU and softmax in fp32.
HIDDEN_ATOL = 1e-5
MAX_TOKENS = 512  # BERT's maximum positions: the longest French reviews are cut there


@pytest.fixture(scope="module")
def ckpt():
    return checkpoints.embedded()


@pytest.fixture(scope="module")
def fairseq_encoder(ckpt):
    return env.load_fairseq_roberta(ckpt.dir).model


@pytest.fixture(scope="module")
def reviews():
    """All reviews of both embedded sources (English sentences, French book reviews)."""
    out = []
    for spec in (load_profile("smoke").data, DataSpec("amazon-fr", 64, train_fraction=0.7)):
        d = data.prepare(spec)
        for split in data.SPLITS:
            out += data.read_split(d, split)[0]
    return out


def _bert_gaps(ours, hf_in, real, rows: dict) -> dict:
    """{eps: max abs gap over the real tokens of the first ``rows[eps]`` sequences between ``ours`` and
    HF BertModel with that LayerNorm eps}: one load, its LayerNorms' eps set per value (all
    ``layer_norm_eps`` sets in BertModel)."""
    from transformers import BertModel

    bert = BertModel.from_pretrained(str(checkpoints.minilm_dir())).eval()
    norms = [m for m in bert.modules() if isinstance(m, torch.nn.LayerNorm)]
    assert norms and {m.eps for m in norms} == {bert.config.layer_norm_eps}, "every LayerNorm has the config's eps"
    gaps = {}
    for eps, n in rows.items():
        for m in norms:
            m.eps = eps
        hidden = bert(**{k: v[:n] for k, v in hf_in.items()}).last_hidden_state
        gaps[eps] = (ours[:n] - hidden)[real[:n]].abs().max().item()
    return gaps


@pytest.mark.heavy  # the full-size MiniLM in both frameworks
def test_imported_encoder_reproduces_bert_hidden_states(ckpt, fairseq_encoder, reviews):
    """Last hidden states of fairseq (imported) vs HF BertModel, right-padded batch, real tokens only.

    fairseq's LayerNorm uses eps=1e-5; the MiniLM was trained with BERT's eps=1e-12. The reference
    for "the same function" is therefore HF BertModel with ``layer_norm_eps=1e-5`` (otherwise
    identical weights); the gap to the original eps=1e-12 is recorded and must be the larger one
    (LAB.md: 4e-3..5e-3), showing that the eps, not the weight mapping, is what differs.
    """
    from transformers import BertTokenizerFast

    tok = BertTokenizerFast.from_pretrained(str(checkpoints.minilm_dir()))
    by_length = sorted(reviews, key=len)
    batch = by_length[-3:] + by_length[:: len(by_length) // 5][:5]  # the 3 longest + a spread
    hf_in = tok(batch, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    ids = [ckpt.encode(r, MAX_TOKENS) for r in batch]
    width = hf_in["input_ids"].shape[1]
    assert width == MAX_TOKENS and [len(i) for i in ids] == hf_in["attention_mask"].sum(1).tolist()
    tokens = torch.tensor([i + [ckpt.dictionary().pad()] * (width - len(i)) for i in ids])
    real = hf_in["attention_mask"].bool()
    with torch.no_grad():
        ours = fairseq_encoder(tokens, features_only=True)[0]
        # eps 1e-5: the whole batch; 1e-12 (its gap must exceed the bound): the 3 longest (512 tokens each)
        # suffice, a max over fewer tokens is never larger, so the check is no weaker
        gaps = _bert_gaps(ours, hf_in, real, {1e-5: len(batch), 1e-12: 3})
    print(f"max abs diff over {int(real.sum())} tokens (eps 1e-12: the 3 longest, {int(real[:3].sum())}): {gaps}")
    assert gaps[1e-5] < HIDDEN_ATOL, f"fairseq vs HF (eps 1e-5): {gaps[1e-5]:.2e} >= {HIDDEN_ATOL:.0e}"
    assert gaps[1e-12] > HIDDEN_ATOL, f"eps 1e-12 gap {gaps[1e-12]:.2e} should exceed {HIDDEN_ATOL:.0e}"


@pytest.mark.heavy  # the full-size MiniLM imported into fairseq (the fixture: ~1-3 s)
def test_c1_formula_holds_for_the_imported_encoder(ckpt, fairseq_encoder):
    import json

    hf = json.loads((checkpoints.minilm_dir() / "config.json").read_text())
    cfg = ckpt.encoder_config()
    assert (cfg.vocab_size, cfg.d_model, cfg.d_ff, cfg.layers, cfg.heads, cfg.max_positions) == (
        hf["vocab_size"], hf["hidden_size"], hf["intermediate_size"], hf["num_hidden_layers"],
        hf["num_attention_heads"], hf["max_position_embeddings"])
    by_formula, counted = convention.formula(cfg), convention.count(fairseq_encoder.named_parameters())
    assert by_formula == counted, f"formula {by_formula:,} != counted {counted:,} for {cfg}"


def test_no_unknown_tokens_on_the_reviews(ckpt, reviews):
    unk = ckpt.dictionary().unk()
    tokens = [t for r in reviews for t in ckpt.encode(r, 10_000)[1:-1]]
    n_unk = tokens.count(unk)
    assert n_unk == 0, f"{n_unk:,} <unk> of {len(tokens):,} tokens over {len(reviews):,} reviews"


def test_dictionary_layout(ckpt):
    d = ckpt.dictionary()
    lines = (ckpt.dir / "dict.txt").read_text(encoding="utf-8").splitlines()
    counts = [int(line.rsplit(" ", 1)[1]) for line in lines]
    assert all(a > b for a, b in zip(counts, counts[1:])), "dict.txt counts must fall strictly"
    assert [d[i] for i in range(4)] == ["<s>", "<pad>", "</s>", "<unk>"] and d[len(d) - 1] == "<mask>"
    assert len(lines) + 5 == len(d) == ckpt.encoder_config().vocab_size
    vocab = (ckpt.dir / "vocab.txt").read_text(encoding="utf-8").split("\n")[: len(d)]
    mapping = checkpoints._wordpiece_to_fairseq(vocab, d)
    plain = [f for tok, f in zip(vocab, mapping) if tok not in checkpoints.SPECIALS]
    assert plain == list(range(4, len(d) - 1)), "WordPiece order must be kept (ids 4..V-2)"
    assert {tok: mapping[vocab.index(tok)] for tok in checkpoints.SPECIALS} == {
        tok: d.index(fs) for tok, fs in checkpoints.SPECIALS.items()}


def test_encode_truncates_keeping_eos(ckpt):
    d = ckpt.dictionary()
    text = "a long review " * 50
    full, cut = ckpt.encode(text, 10_000), ckpt.encode(text, 8)
    assert full[0] == cut[0] == d.bos() and full[-1] == cut[-1] == d.eos()
    assert len(cut) == 8 and cut[:-1] == full[:7]
    with pytest.raises(ValueError, match="at least 3"):
        ckpt.encode(text, 2)


def test_embedded_import_is_cached(ckpt):
    first = ckpt.hash
    again = checkpoints.embedded()
    assert again.dir == ckpt.dir and again.hash == first and len(first) == 64


# --- a user's checkpoint as the lab ships it: model.pt, dict.txt, sentencepiece.bpe.model ------


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory, reviews):
    import sentencepiece
    from fairseq.data import Dictionary

    d = tmp_path_factory.mktemp("roberta_tiny")
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(reviews[:2000]), model_prefix=str(d / "spm"), vocab_size=300,
        model_type="bpe", num_threads=1, minloglevel=2)
    (d / "spm.model").rename(d / checkpoints.SPM_MODEL)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(d / checkpoints.SPM_MODEL))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if not sp.is_control(i) and not sp.is_unknown(i)]
    pieces = pieces[: len(pieces) - 20]  # some pieces absent from dict.txt: they must become <unk>
    (d / "dict.txt").write_text("".join(f"{p} {1000 - i}\n" for i, p in enumerate(pieces)), encoding="utf-8")
    dictionary = Dictionary.load(str(d / "dict.txt"))
    dictionary.add_symbol("<mask>")
    cfg = EncoderConfig(vocab_size=len(dictionary), d_model=16, d_ff=32, max_positions=64, layers=2, heads=4)
    model = params.build_fairseq(cfg, dictionary)
    args = params.fairseq_args(cfg, task="masked_lm", criterion="masked_lm")
    torch.save({"args": args, "model": model.state_dict(), "extra_state": {},
                "optimizer_history": [{"lr_scheduler_state": {}}]}, d / "model.pt")
    return d, cfg, sp


def test_user_checkpoint_config_and_lab_tokenization(user_dir, reviews, monkeypatch):
    d, cfg, sp = user_dir
    monkeypatch.setenv(checkpoints.CHECKPOINT_ENV, str(d))
    ckpt = checkpoints.from_dir()
    assert ckpt.dir == d and ckpt.encoder_config() == cfg
    dictionary = ckpt.dictionary()
    n_unk = 0
    for review in reviews[2000:2100]:
        # The lab: spm_encode --output_format=piece | fairseq-preprocess --srcdict (its binarizer
        # is Dictionary.encode_line), then sentence_prediction prepends <s>.
        line = " ".join(sp.encode(review, out_type=str))
        expected = [dictionary.bos()] + dictionary.encode_line(line, add_if_not_exist=False).tolist()
        assert ckpt.encode(review, 10_000) == expected, review
        n_unk += expected.count(dictionary.unk())
    assert n_unk > 0, "the pieces left out of dict.txt should map to <unk>"
    hub = env.load_fairseq_roberta(d)
    assert convention.count(hub.model.named_parameters()) == convention.formula(cfg)


def test_cfg_style_checkpoint_reads_heads(tmp_path, user_dir):
    d, cfg, _ = user_dir
    state = torch.load(d / "model.pt", weights_only=False)
    state = {"cfg": {"model": argparse.Namespace(**vars(state.pop("args")))}, "model": state["model"]}
    assert checkpoints._encoder_config(state, "x") == cfg
    state["cfg"] = {"model": {}}
    with pytest.raises(ConfigError, match="x: saved args/cfg lack encoder_attention_heads"):
        checkpoints._encoder_config(state, "x")


@pytest.mark.parametrize("missing", ["model.pt", "dict.txt", checkpoints.SPM_MODEL])
def test_bad_user_checkpoint_is_one_clear_error(tmp_path, user_dir, missing):
    import shutil

    d = tmp_path / "ckpt"
    shutil.copytree(user_dir[0], d)
    (d / missing).unlink()
    with pytest.raises(ConfigError, match=rf"ckpt/{missing}: missing"):
        checkpoints.from_dir(d)


def test_no_checkpoint_given(monkeypatch, tmp_path):
    monkeypatch.delenv(checkpoints.CHECKPOINT_ENV, raising=False)
    with pytest.raises(ConfigError, match=r"--checkpoint DIR or \$LAB_CHECKPOINT"):
        checkpoints.from_dir()
    with pytest.raises(ConfigError, match="checkpoint directory not found"):
        checkpoints.from_dir(tmp_path / "nope")
