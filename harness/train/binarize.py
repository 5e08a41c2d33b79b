"""The splits binarized for fairseq: token files written from the checkpoint's own tokenizer
(``Checkpoint.encode``, which truncates and keeps ``</s>``), then ``fairseq-preprocess --srcdict``.

Built once per (data, checkpoint, max length, code) and cached (``harness.inputs.tokens.cached``):
``<dir>/input0`` (reviews) and ``<dir>/label``. The binarized ids are checked against the
tokenizer's, sentence by sentence (fairseq's ``--shorten-method truncate`` would drop ``</s>``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.core import env
from harness.inputs import tokens
from harness.inputs.data import data_hash
from harness.train import source_hash

SPLITS = ("train", "valid", "test")


def binarized(data_dir: Path, checkpoint, max_tokens: int) -> Path:
    """The splits binarized for fairseq, built once per (data, checkpoint, max length) and cached
    (``harness.inputs.tokens``): ``<dir>/input0`` (reviews) and ``<dir>/label``."""
    parts = {"data": data_hash(data_dir), "checkpoint": checkpoint.hash, "max_tokens": max_tokens,
             "code": source_hash("fairseq")}
    return tokens.cached("fairseq-bin", parts,
                         lambda out: binarize(data_dir, checkpoint, max_tokens, out))


def binarize(data_dir: Path, checkpoint, max_tokens: int, out: Path) -> Path:
    """Token files written from ``checkpoint.encode`` as dictionary pieces, binarized by
    ``fairseq-preprocess --srcdict``: ``out/input0`` (reviews) and ``out/label``."""
    from fairseq.data import Dictionary, data_utils
    from fairseq_cli import preprocess

    env.setup()
    srcdict = Path(checkpoint.dir) / "dict.txt"
    dictionary = Dictionary.load(str(srcdict))
    raw, expected = out / "raw", {}
    raw.mkdir(parents=True, exist_ok=True)
    for split, rows in tokens.encoded(data_dir, checkpoint, max_tokens).items():
        ids = rows["ids"]
        bad = [i for i, seq in enumerate(ids, 1) if seq[0] != dictionary.bos() or seq[-1] != dictionary.eos()]
        if bad:
            raise ValueError(f"{data_dir}/{split}.review:{bad[0]}: encode() must give <s> ... </s>")
        expected[split] = ids
        (raw / f"{split}.input0").write_text(
            "".join(" ".join(dictionary[i] for i in seq[1:-1]) + "\n" for seq in ids)
        )
        (raw / f"{split}.label").write_text("".join(label + "\n" for label in rows["labels"]))
    for name, extra in (("input0", ["--srcdict", str(srcdict)]), ("label", [])):
        parser = preprocess.options.get_preprocessing_parser()
        args = parser.parse_args(
            ["--only-source", "--workers", "1", "--destdir", str(out / name), *extra]
            + sum(([f"--{s}pref", str(raw / f"{s}.{name}")] for s in SPLITS), [])
        )
        preprocess.main(args)
    for split, ids in expected.items():  # fairseq appends </s>; the task prepends <s> (--init-token 0)
        ds = data_utils.load_indexed_dataset(str(out / "input0" / split), dictionary)
        for i, seq in enumerate(ids):
            if ds[i].tolist() != seq[1:]:
                raise RuntimeError(
                    f"{out}/input0/{split}: sentence {i + 1} binarized to {ds[i].tolist()[:12]}..., "
                    f"the checkpoint's tokenizer gives {seq[1:13]}..."
                )
    shutil.rmtree(raw)
    return out


def train_tokens(bin_dir: Path) -> int:
    """Tokens in one epoch of training input, the <s> the task prepends included."""
    from fairseq.data import data_utils

    ds = data_utils.load_indexed_dataset(str(bin_dir / "input0" / "train"), None)
    return int(ds.sizes.sum()) + len(ds)  # (ds must outlive ds.sizes: it is a view of its mmap)
