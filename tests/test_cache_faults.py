"""The run cache under faults (issue 12, items 2-5): damaged entries are reported and recomputed,
never returned; a killed lock holder never blocks; the embedded import is never swapped under a
run; non-deterministic kernels are recorded in the result. Real processes and real files; the
runner is a stand-in that records its calls (the SIGKILL test in test_cache_processes.py trains)."""

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

import harness.train
from harness.inputs import checkpoints
from harness.core import locking
from harness.runs import cache as runs
from harness.gate.drift import nondeterminism_note
from harness.core.records import RunResult, RunSpec
from harness.runs.cache import CorruptEntryWarning, get_or_run
from harness.runs.key import cache_key, key_parts
from tests.faults import child_env, wait_for

SPEC = RunSpec("tiny", "fairseq", "pretrained", 0)
GOOD = RunResult(SPEC, (0.5, 0.75), 2, 0.7, 48, 8, 16, 0.3, {"fake": True})


@pytest.fixture
def calls(monkeypatch, tmp_path):
    """Replace the runner by one that returns GOOD and counts its calls."""
    made = []

    def train(spec, profile, data_dir, checkpoint, workdir):
        made.append(spec.name)
        return dataclasses.replace(GOOD, spec=spec)

    monkeypatch.setattr(harness.train, "runner", lambda framework: train)
    return made


def _entry(tiny, root):
    profile, data_dir, ckpt = tiny
    return runs.entry_path(root, SPEC, cache_key(key_parts(SPEC, profile, data_dir, ckpt)))


def _truncate(text):
    return text[: len(text) // 2]


def _edit_accuracy(text):  # valid JSON, valid schema: only the checksum can tell
    raw = json.loads(text)
    raw["result"]["test_accuracy"] = 0.99
    return json.dumps(raw)


def _edit_and_rehash_badly(text):  # a hand "fix" of the checksum field to another value
    raw = json.loads(text)
    raw["result"]["valid_accuracy"] = [0.9, 0.95]
    raw["sha256"] = "0" * 64
    return json.dumps(raw)


def _out_of_range(text):
    raw = json.loads(text)
    raw["result"]["test_accuracy"] = 7.5
    return json.dumps(raw)


DAMAGE = {"truncated": _truncate, "accuracy edited": _edit_accuracy,
          "edited, checksum replaced": _edit_and_rehash_badly, "accuracy out of range": _out_of_range,
          "empty": lambda text: ""}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_entry_is_named_moved_aside_and_recomputed(damage, tiny, tmp_path, calls):
    profile, data_dir, ckpt = tiny
    first = get_or_run(SPEC, profile, data_dir, ckpt, tmp_path)
    entry = _entry(tiny, tmp_path)
    entry.write_text(damage(entry.read_text()))
    with pytest.warns(CorruptEntryWarning, match=str(entry)):
        again = get_or_run(SPEC, profile, data_dir, ckpt, tmp_path)
    assert len(calls) == 2, f"the damaged entry was returned instead of recomputed ({len(calls)} trainings)"
    assert (again.valid_accuracy, again.test_accuracy) == (first.valid_accuracy, first.test_accuracy)
    assert runs.read_entry(entry) == again and entry.with_name(entry.name + ".corrupt").exists()


def test_a_valid_entry_is_returned_without_training(tiny, tmp_path, calls):
    profile, data_dir, ckpt = tiny
    first = get_or_run(SPEC, profile, data_dir, ckpt, tmp_path)
    assert get_or_run(SPEC, profile, data_dir, ckpt, tmp_path) == first and len(calls) == 1


def test_a_killed_lock_holder_does_not_block_and_a_waiter_names_it(tiny, tmp_path, calls, capsys):
    """A real process takes the run's lock and is SIGKILLed; a waiting get_or_run says who holds
    the lock while it waits, and then proceeds (the kernel released the dead owner's flock)."""
    profile, data_dir, ckpt = tiny
    entry = _entry(tiny, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from harness.core import locking\n"
         "lock = locking.held(sys.argv[1], 'a test holder'); lock.__enter__()\n"
         "print('held', flush=True); time.sleep(120)",
         str(entry)], env=child_env(tmp_path), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        out, done = io.StringIO(), []

        def said() -> str:
            out.write(capsys.readouterr().err)
            return out.getvalue()

        waiter = threading.Thread(target=lambda: done.append(get_or_run(SPEC, profile, data_dir, ckpt, tmp_path)))
        waiter.start()
        wait_for(lambda: f"pid {holder.pid}" in said(), 30, "the waiting message")
        assert not done, "get_or_run did not wait for the lock's holder"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        waiter.join(timeout=30)
    finally:
        holder.kill()
    assert done and len(calls) == 1, "the lock of a killed process blocked the next run"
    assert "a test holder" in out.getvalue(), out.getvalue()
    assert (tmp_path / f"{entry.name}.lock").exists(), "expected the dead holder's lock file to stay on disk"


def test_a_dead_owner_whose_lock_is_still_held_is_named():
    owner = {"pid": 2 ** 22 + 12345, "host": __import__("socket").gethostname(), "what": "x", "since": "t"}
    assert "that process is gone" in locking.describe(owner)


def _put_alert():
    import torch

    torch.zeros(4).put_(torch.tensor([1, 1]), torch.tensor([1.0, 2.0]))  # no deterministic CPU kernel


def test_nondeterministic_kernels_are_recorded_per_result(tiny, tmp_path, monkeypatch):
    """torch runs with ``use_deterministic_algorithms(True, warn_only=True)``: an op without a
    deterministic kernel only warns. The result records it, the fairseq runner's warning filter
    lets it through, and the gate names it."""
    from harness.train import fairseq

    profile, data_dir, ckpt = tiny

    def fake_train(spec, *args):
        if spec.seed == 1:
            _put_alert()
        return RunResult(spec, (0.5, 0.75), 2, 0.7, 48, 8, 16, 0.3)

    monkeypatch.setattr(fairseq, "_train", fake_train)
    clean = get_or_run(SPEC, profile, data_dir, ckpt, tmp_path)
    hit = get_or_run(RunSpec("tiny", "fairseq", "pretrained", 1), profile, data_dir, ckpt, tmp_path)
    assert clean.provenance["nondeterministic_kernels"] == []
    assert hit.provenance["nondeterministic_kernels"] == ["put_"], hit.provenance
    note = nondeterminism_note([clean, hit])
    assert "put_" in note and "tiny-fairseq-pretrained-seed1" in note and "seed0" not in note


def _fake_import(src, dest):
    from harness.inputs.checkpoints import IMPORT_VERSION

    (dest / "model.pt").write_text(f"weights of import {IMPORT_VERSION}")
    (dest / "dict.txt").write_text("a 1\n")
    (dest / "tokenizer.json").write_text("{}")
    with open(os.environ["FAKE_IMPORT_LOG"], "a") as fh:
        fh.write(f"{os.getpid()}\n")


@pytest.fixture
def fake_import(monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("FAKE_IMPORT_LOG", str(tmp_path / "imports.log"))
    monkeypatch.setattr(checkpoints, "import_minilm", _fake_import)
    monkeypatch.setattr(checkpoints, "minilm_dir", lambda: tmp_path)
    return tmp_path / "imports.log"


def test_embedded_import_is_never_replaced_under_a_run(fake_import, monkeypatch):
    """A run holds the import of one harness version; another version (another worktree on the
    same cache) imports its own. The first run's directory must stay as it was."""
    version = checkpoints.IMPORT_VERSION
    first = checkpoints.embedded()
    held = {p.name: p.read_bytes() for p in first.dir.iterdir()}
    monkeypatch.setattr(checkpoints, "IMPORT_VERSION", version + 1)
    second = checkpoints.embedded()
    assert {p.name: p.read_bytes() for p in first.dir.iterdir()} == held, "the run's checkpoint was replaced"
    assert second.dir != first.dir
    monkeypatch.setattr(checkpoints, "IMPORT_VERSION", version)
    assert checkpoints.embedded().dir == first.dir
    assert len(fake_import.read_text().splitlines()) == 2, "an import was redone"


def _embedded_in_child(_):
    return str(checkpoints.embedded().dir)


def test_concurrent_workers_import_once(fake_import):
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(3) as pool:
        dirs = pool.map(_embedded_in_child, range(3))
    assert len(set(dirs)) == 1 and len(fake_import.read_text().splitlines()) == 1
