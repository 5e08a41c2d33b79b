"""The run cache (harness.runs): what its key covers, warm reruns, locking, atomic writes, corrupt
entries; and the fairseq runner at the tiny scale: determinism, the random/pretrained inits."""

import dataclasses
import json
import multiprocessing
import shutil
import time

import pytest

from harness.runs.results import results_path
from harness.core import atomic
import harness.train
from harness.core.records import RunResult, RunSpec
from harness.runs.cache import get_or_run
from harness.runs.key import cache_key, key_parts

SPEC = RunSpec("tiny", "fairseq", "pretrained", 0)


def _fake_runner(log):
    """A runner that records each call (one line in ``log``) instead of training."""

    def train(spec, profile, data_dir, checkpoint, workdir):
        with open(log, "a") as fh:
            fh.write(f"{spec.name}\n")
        time.sleep(0.3)
        return RunResult(spec, (0.5, 0.75), 2, 0.7, 48, 8, 16, 0.3, {"fake": True})

    return lambda framework: train


def _calls(log) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture
def fake(monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    monkeypatch.setattr(harness.train, "runner", _fake_runner(log))
    return log


def test_key_is_stable_and_covers_every_input(tiny, tmp_path, monkeypatch):
    profile, data_dir, ckpt = tiny
    base = cache_key(key_parts(SPEC, profile, data_dir, ckpt))
    assert base == cache_key(key_parts(SPEC, profile, data_dir, ckpt))
    other_data = shutil.copytree(data_dir, tmp_path / "data")
    (other_data / "train.label").write_text((other_data / "train.label").read_text()[::-1].strip() + "\n")
    variants = {
        "seed": (dataclasses.replace(SPEC, seed=1), profile, data_dir, ckpt),
        "init": (dataclasses.replace(SPEC, init="random"), profile, data_dir, ckpt),
        "profile": (SPEC, dataclasses.replace(profile, fairseq=dataclasses.replace(profile.fairseq, lr=2e-3)),
                    data_dir, ckpt),
        "data": (SPEC, profile, other_data, ckpt),
        "checkpoint": (SPEC, profile, data_dir, dataclasses.replace(ckpt, hash="0" * 64)),
    }
    keys = {name: cache_key(key_parts(*args)) for name, args in variants.items()}
    monkeypatch.setattr(harness.train, "source_hash", lambda fw: "edited")
    keys["source"] = cache_key(key_parts(SPEC, profile, data_dir, ckpt))
    monkeypatch.undo()
    monkeypatch.setattr("harness.core.env.library_versions", lambda names=(): {"torch": "9.9"})
    keys["versions"] = cache_key(key_parts(SPEC, profile, data_dir, ckpt))
    same = [name for name, key in keys.items() if key == base]
    assert not same, f"changing {same} left the cache key unchanged ({base[:16]})"


def test_hf_section_does_not_touch_a_fairseq_key(tiny):
    profile, data_dir, ckpt = tiny
    hf = dataclasses.replace(profile, hf=dataclasses.replace(profile.hf, lr=9e-9))
    assert cache_key(key_parts(SPEC, profile, data_dir, ckpt)) == cache_key(key_parts(SPEC, hf, data_dir, ckpt))


def test_warm_rerun_trains_nothing_and_a_code_change_retrains(tiny, tmp_path, fake, monkeypatch):
    profile, data_dir, ckpt = tiny
    first = get_or_run(SPEC, profile, data_dir, ckpt, tmp_path / "cache")
    again = get_or_run(SPEC, profile, data_dir, ckpt, tmp_path / "cache")
    assert _calls(fake) == 1, f"warm rerun trained again ({_calls(fake)} calls)"
    assert again == first and again.provenance["cache_key"] == first.provenance["cache_key"]
    monkeypatch.setattr(harness.train, "source_hash", lambda fw: "edited")
    get_or_run(SPEC, profile, data_dir, ckpt, tmp_path / "cache")
    assert _calls(fake) == 2, "a change of the harness sources did not retrain"


def _worker(args):
    spec, profile, data_dir, ckpt, root = args
    return get_or_run(spec, profile, data_dir, ckpt, root).test_accuracy


def test_concurrent_workers_train_a_run_once(tiny, tmp_path, fake):
    profile, data_dir, ckpt = tiny
    with multiprocessing.get_context("fork").Pool(2) as pool:
        accs = pool.map(_worker, [(SPEC, profile, data_dir, ckpt, tmp_path / "cache")] * 2)
    assert _calls(fake) == 1 and accs == [0.7, 0.7], f"{_calls(fake)} trainings, results {accs}"


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "r.json"
    atomic.write_json(path, {"ok": 1})
    with pytest.raises(TypeError):
        atomic.write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"], "a temp file was left behind"


def test_results_path_layout(tmp_path):
    assert results_path(tmp_path, SPEC) == tmp_path / "tiny" / "tiny-fairseq-pretrained-seed0.json"


@pytest.mark.train
@pytest.mark.parametrize("framework", harness.train.RUNNERS)
def test_same_seed_same_accuracies_cold(framework, tiny, tmp_path):
    """Each runner: two cold runs (separate caches) of each init give identical accuracies, the
    inits differ, and the test accuracy is the best validation epoch's (first one on ties)."""
    profile, data_dir, ckpt = tiny
    recipe = getattr(profile, framework)
    out = {}
    for init in ("pretrained", "random"):
        spec = RunSpec("tiny", framework, init, 0)
        a, b = (get_or_run(spec, profile, data_dir, ckpt, tmp_path / f"cache{i}") for i in (1, 2))
        assert (a.valid_accuracy, a.test_accuracy) == (b.valid_accuracy, b.test_accuracy), (
            f"{spec.name}: cold reruns differ: valid {a.valid_accuracy} vs {b.valid_accuracy}, "
            f"test {a.test_accuracy} vs {b.test_accuracy}"
        )
        # sentence by sentence too: at this scale some accuracies sit at chance (0.5) whatever the weights
        assert a.valid_predictions and a.valid_predictions == b.valid_predictions, f"{spec.name}: predictions differ"
        assert a.updates == a.updates_per_epoch * recipe.max_epochs
        assert a.best_epoch == a.valid_accuracy.index(max(a.valid_accuracy)) + 1, a.valid_accuracy
        out[init] = a
    assert out["pretrained"].valid_accuracy != out["random"].valid_accuracy, (
        f"pretrained and random init trained identically: {out['pretrained'].valid_accuracy}"
    )


@pytest.mark.train
def test_pretrained_run_needs_its_checkpoint_file(tiny, tmp_path):
    """fairseq silently trains from scratch when --restore-file is missing; the runner refuses."""
    from harness.train import fairseq

    profile, data_dir, ckpt = tiny
    empty = dataclasses.replace(ckpt, dir=tmp_path)
    shutil.copy(ckpt.dir / "dict.txt", tmp_path / "dict.txt")
    with pytest.raises(FileNotFoundError, match="model.pt"):
        fairseq.train(SPEC, profile, data_dir, empty, tmp_path / "work")


def test_inputs_record_embedded_or_user_files_with_hashes(tmp_path, monkeypatch):
    """provenance["inputs"]: the ledger compares only runs on user files with the report (C2)."""
    import types

    from harness.core import env
    from harness.runs.key import inputs

    monkeypatch.setattr(env, "cache_dir", lambda: tmp_path / "cache")
    parts = {"data": "d" * 64, "checkpoint": "c" * 64}
    embedded = inputs(parts, tmp_path / "cache" / "data" / "pang-lee-en-0123", types.SimpleNamespace(source="embedded"))
    user = inputs(parts, tmp_path / "cls.books", types.SimpleNamespace(source="user"))
    assert embedded == {"data": {"source": "embedded", "sha256": "d" * 64},
                        "checkpoint": {"source": "embedded", "sha256": "c" * 64}}, embedded
    assert user == {"data": {"source": "user", "sha256": "d" * 64},
                    "checkpoint": {"source": "user", "sha256": "c" * 64}}, user
