"""The run cache with real processes and real trainings at the tiny scale (issue 12, items 3-4):
a ``reproduce`` SIGKILLed mid-training, and ``reproduce`` next to ``pytest -n 2`` on one cache.
Trainings are counted from the log the cache appends to under ``$LAB_REPRO_TRAIN_LOG``."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.core.paths import ROOT
from harness.runs import cache as runs
from tests.faults import TINY_PROFILE, child_env, harness_cli, reproduce_args, trainings, wait_for

NOISE = ("Warning", "hydra", "INFO:", "DEBUG:")  # fairseq/Hydra noise that must not reach the user


def _profile(tmp_path: Path, **changes) -> Path:
    """The tiny profile with some lines replaced (same name, so the same cells)."""
    text = TINY_PROFILE.read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


def _entries(cache: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (cache / "runs").glob("*.json")}


@pytest.mark.train
def test_sigkill_mid_training_leaves_no_entry_no_result_and_the_rerun_recomputes(tiny_cli, tmp_path):
    _, data_dir, ckpt = tiny_cli
    # fairseq seed 1 trains long enough (20 epochs) to be killed after its first epoch's checkpoint.
    profile = _profile(tmp_path, **{'inits = ["pretrained", "random"]': 'inits = ["pretrained"]',
                                    "max_epochs = 3\ndropout = 0.1\n\n[hf]": "max_epochs = 20\ndropout = 0.1\n\n[hf]"})
    cache, log, out = tmp_path / "cache", tmp_path / "trainings.log", tmp_path / "out"
    args = reproduce_args(profile, data_dir, ckpt, out) + ["-j", "1"]  # one cell at a time: seed 0 done first
    victim = "tiny-fairseq-pretrained-seed1"
    child = harness_cli(*args, cache=cache, log=log)
    try:
        wait_for(lambda: (victim, "start") in trainings(log)
                 and any((cache / "runs" / "work").glob(f"{victim}-*/checkpoints/checkpoint1.pt")),
                 240, f"{victim} to finish its first epoch", child)
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
    finally:
        child.kill()
    survivors = _entries(cache)
    assert list(survivors) and all(n.startswith("tiny-fairseq-pretrained-seed0-") for n in survivors), survivors
    assert (victim, "done") not in trainings(log)
    results = sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else []
    # the results folder is written whole when the call completes (reproduce.run_all): none yet
    assert results == [], f"half-written results: {results}"
    assert not list((cache / "runs").glob(".*")), "a temporary file was left in the cache"

    rerun = harness_cli(*args, cache=cache, log=log)
    stdout, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr[-3000:]
    starts = Counter(name for name, event in trainings(log) if event == "start")
    assert starts == {"tiny-fairseq-pretrained-seed0": 1, victim: 2, "tiny-hf-pretrained-seed0": 1,
                      "tiny-hf-pretrained-seed1": 1}, starts
    after = _entries(cache)
    assert all(after[name] == blob for name, blob in survivors.items()), "an entry was lost or rewritten"
    for name in after:
        runs.read_entry(cache / "runs" / name)
    print(f"faults injected: 1 SIGKILL; entries lost: 0; trainings: {dict(starts)}")


def _children(pid: int) -> set[int]:
    return {int(c) for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.train
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_parallel_reproduce_leaves_no_worker_training(tiny_cli, tmp_path):
    """``reproduce -j 2`` SIGKILLed mid-training: its worker processes die with it (no orphan keeps
    training and writing into the cache), and no half-written entry or result is left."""
    import time

    _, data_dir, ckpt = tiny_cli
    profile = _profile(tmp_path, **{'inits = ["pretrained", "random"]': 'inits = ["pretrained"]',
                                    "max_epochs = 3\ndropout = 0.1\n\n[hf]": "max_epochs = 40\ndropout = 0.1\n\n[hf]"})
    cache, log, out = tmp_path / "cache", tmp_path / "trainings.log", tmp_path / "out"
    child = harness_cli(*reproduce_args(profile, data_dir, ckpt, out), "-j", "2", cache=cache, log=log)
    try:
        wait_for(lambda: sum(event == "start" for _, event in trainings(log)) >= 2, 240,
                 "two cells training side by side", child)
        workers = _children(child.pid)
        assert len(workers) >= 2, f"reproduce -j 2 runs {len(workers)} worker processes"
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=60)
    finally:
        child.kill()
    deadline = time.monotonic() + 30
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = sorted(p for p in workers if _alive(p))
    assert not left, f"worker processes {left} outlived the killed reproduce (pid {child.pid})"
    done = [name for name, event in trainings(log) if event == "done"]
    assert sorted(p.name.rsplit("-", 1)[0] for p in (cache / "runs").glob("*.json")) == sorted(done)
    for entry in (cache / "runs").glob("*.json"):
        runs.read_entry(entry)
    written = sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else []
    assert written == [], f"half-written results: {written}"


@pytest.mark.train
def test_reproduce_and_pytest_n2_on_one_cache_train_each_cell_once(tiny_cli, tmp_path):
    """Three processes want the same 2 cells (the pretrained ones, seed 0) at once: each trains once.
    More processes than cores is the point here (contention on one cache)."""
    _, data_dir, ckpt = tiny_cli
    profile_path = _profile(tmp_path, **{'inits = ["pretrained", "random"]': 'inits = ["pretrained"]',
                                         "seeds = [0, 1]": "seeds = [0]"})
    cache, log = tmp_path / "cache", tmp_path / "trainings.log"
    env = child_env(cache, log, TINY_CELLS_PROFILE=str(profile_path), TINY_CELLS_DATA=str(data_dir),
                    TINY_CELLS_CHECKPOINT=str(ckpt))
    tests = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
                              "tests/concurrent_cells.py"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    main_job = harness_cli(*reproduce_args(profile_path, data_dir, ckpt, tmp_path / "out"), cache=cache, log=log)
    job_out, job_err = main_job.communicate(timeout=600)
    tests_out, _ = tests.communicate(timeout=600)
    assert main_job.returncode == 0, job_err[-3000:]
    assert tests.returncode == 0, tests_out[-3000:]
    events = Counter(trainings(log))
    cells = {name for name, _ in events}
    assert len(cells) == 2 and all(events[(c, "start")] == events[(c, "done")] == 1 for c in cells), events
    assert len(_entries(cache)) == 2
    noise = [line for line in job_err.replace("\r", "\n").splitlines()
             if any(word in line for word in NOISE) and "scipy" not in line and "hypotest" not in line]
    assert not noise, noise
    pids = Counter(line.split()[3] for line in log.read_text().splitlines() if " start " in line)
    print(f"trainings counted under concurrency: {sum(events[(c, 'start')] for c in cells)} for "
          f"{len(cells)} cells, by {len(pids)} processes ({sorted(pids.values())})")
