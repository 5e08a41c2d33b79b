"""The run cache's key covers every input that changes a result (issue 12, item 1): each input
below is changed in turn, and the key must change with it. (The CPU class, GPU model and precision
are keyed by harness/precision.py and tested with it.)"""

import importlib.metadata
import json
import shutil

import pytest

from harness.inputs import checkpoints
from harness.core.records import RunSpec
from harness.runs.key import KEY_ENV_NAMES, KEY_LIBRARIES, cache_key, key_parts

SPEC = RunSpec("tiny", "fairseq", "pretrained", 0)
ENV_VALUES = {"OMP_NUM_THREADS": "3", "OMP_SCHEDULE": "static", "MKL_NUM_THREADS": "3",
              "MKL_CBWR": "AVX2", "CUBLAS_WORKSPACE_CONFIG": ":16:8"}


def _threads(n):
    def change(monkeypatch, profile):
        import torch

        torch.set_num_threads(n)  # the test restores torch's count
        return profile
    return change


def _env(name):
    def change(monkeypatch, profile):
        monkeypatch.setenv(name, ENV_VALUES[name])
        return profile
    return change


def _version(library):
    real = importlib.metadata.version

    def change(monkeypatch, profile):
        monkeypatch.setattr(importlib.metadata, "version",
                            lambda name: "0.0.0-edited" if name == library else real(name))
        return profile
    return change


# {what changes: (the change, the one key part it must move)}
CHANGES = {"torch threads 1 -> 2 under a profile's threads = 0": (_threads(2), "threads")}
CHANGES |= {f"${name}": (_env(name), "environment") for name in ENV_VALUES}
CHANGES |= {f"{lib} version": (_version(lib), "versions") for lib in KEY_LIBRARIES}


@pytest.mark.parametrize("change, part", CHANGES.values(), ids=CHANGES.keys())
def test_each_input_changes_the_key(change, part, tiny, monkeypatch):
    import torch

    profile, data_dir, ckpt = tiny
    profile = type(profile)(**{**profile.__dict__, "threads": 0})
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name in [*ENV_VALUES, *KEY_ENV_NAMES]:
            monkeypatch.delenv(name, raising=False)
        base = key_parts(SPEC, profile, data_dir, ckpt)
        changed = key_parts(SPEC, change(monkeypatch, profile), data_dir, ckpt)
    finally:
        torch.set_num_threads(before)
    moved = sorted(k for k in base if base[k] != changed[k])
    assert moved == [part], f"the change moved the key parts {moved}, not [{part!r}] alone"
    assert cache_key(base) != cache_key(changed), f"the key ignored the change (parts: {json.dumps(base)[:300]}...)"


@pytest.mark.parametrize("name", ["tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "vocab.txt"])
def test_checkpoint_hash_covers_the_tokenizer_files(name, tiny_cli, tmp_path):
    """``BertTokenizerFast`` reads all four: a change in any of them can change the token ids."""
    _, _, ckpt_dir = tiny_cli
    copy = shutil.copytree(ckpt_dir, tmp_path / "ckpt")
    base = checkpoints.Checkpoint(copy).hash
    path = copy / name
    if name.endswith(".json"):
        content = json.loads(path.read_text()) if path.exists() else {}
        content["do_lower_case" if name == "tokenizer_config.json" else "unk_token"] = "edited"
        path.write_text(json.dumps(content))
    else:
        path.write_text(path.read_text() + "extra\n")
    assert checkpoints.Checkpoint(copy).hash != base, f"editing {name} left Checkpoint.hash unchanged"
