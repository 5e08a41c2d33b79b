"""The HF runner (harness.train.hf) at the tiny scale: run_glue's JSON rows, the fairseq path's ids,
the schedule, determinism, and the best-validation epoch's weights scoring the test set."""

import dataclasses
import json
import math

import pytest

from harness.core.config import ConfigError
from harness.core.records import RunSpec
from harness.train import hf

SPEC = RunSpec("tiny", "hf", "pretrained", 0)


def test_json_rows_are_run_glues_input(tiny, tmp_path):
    from harness.inputs.data import read_split

    _, data_dir, _ = tiny
    paths = hf.write_json_rows(data_dir, tmp_path)
    reviews, labels = read_split(data_dir, "valid")
    rows = [json.loads(line) for line in paths["valid"].read_text().splitlines()]
    assert rows == [{"sentence1": r, "label": int(y)} for r, y in zip(reviews, labels)]


def test_ids_are_the_fairseq_paths_and_pads_are_fairseqs(tiny, tmp_path):
    from harness.inputs import tokens

    _, data_dir, ckpt = tiny
    encoded = tokens.encoded(data_dir, ckpt, 12)
    splits = hf.load_splits(hf.write_json_rows(data_dir, tmp_path / "json"), encoded, tmp_path / "ds")
    rows = [json.loads(x) for x in (tmp_path / "json" / "test.json").read_text().splitlines()]
    expected = sorted(((ckpt.encode(r["sentence1"], 12), r["label"]) for r in rows), key=lambda x: len(x[0]))
    got = list(zip(splits["test"]["input_ids"], splits["test"]["label"]))
    # the same (ids, label) rows as the fairseq path, scored in length order (little padding)
    assert [len(ids) for ids, _ in got] == sorted(len(ids) for ids, _ in got)
    assert sorted(map(str, got)) == sorted(map(str, expected))
    assert splits["train"]["input_ids"] == encoded["train"]["ids"]  # training keeps the file order
    pad = ckpt.encoder_config().padding_idx
    batch = hf.collate(pad)([splits["test"][i] for i in range(4)])
    lengths = [len(splits["test"][i]["input_ids"]) for i in range(4)]
    assert batch["attention_mask"].sum(1).tolist() == lengths
    assert (batch["input_ids"][batch["attention_mask"] == 0] == pad).all()


def test_schedule_is_run_glues(tiny, tmp_path):
    profile, _, _ = tiny
    args = hf.training_arguments(profile, 0, tmp_path)
    updates = 3 * 16
    assert args.get_warmup_steps(updates) == math.ceil(profile.hf.warmup_ratio * updates)
    assert args.lr_scheduler_type == "polynomial" and args.learning_rate == profile.hf.lr
    bad = dataclasses.replace(profile, hf=dataclasses.replace(profile.hf, scheduler="inverse_sqrt"))
    with pytest.raises(ConfigError, match=r"\[hf\]\.scheduler"):
        hf.training_arguments(bad, 0, tmp_path)
