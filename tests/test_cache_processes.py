"""The run cache with real processes and real trainings at the tiny scale (issue 12, items 3-4):
a ``reproduce -j 2`` SIGKILLed mid-training (its workers die with it), and ``reproduce`` next to
``pytest -n 2`` on one cache. Trainings are counted from the log the cache appends to under
``$LAB_REPRO_TRAIN_LOG``.

The cells are the tiny profile's pretrained ones; the HF cells come from the session's tiny cache
(tests/tiny_cache.py), so the processes started here train fairseq cells alone (the ones each
behaviour is about), the fewest that show it."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.__main__ import main as cli
from harness.core.paths import ROOT
from harness.runs import cache as runs
from tests.faults import child_env, harness_cli, reproduce_args, trainings, wait_for
from tests.tiny_cache import HF, derive

NOISE = ("Warning", "hydra", "INFO:", "DEBUG:")  # fairseq/Hydra noise that must not reach the user
EPOCHS = 4  # the SIGKILL test's fairseq cells: after its first epoch a cell has 3 left (~1.5 s) to be killed in
FAIRSEQ_EPOCHS = "max_epochs = 3\ndropout = 0.1\n\n[hf]"  # the [fairseq] table's last lines


def _profile(tiny_cli_cache, tmp_path: Path, fairseq_epochs: int | None = None, seeds: str | None = None) -> Path:
    """The session's tiny profile (pretrained cells), fairseq trained ``fairseq_epochs`` epochs."""
    changes = {FAIRSEQ_EPOCHS: FAIRSEQ_EPOCHS.replace("3", str(fairseq_epochs))} if fairseq_epochs else {}
    if seeds:
        changes["seeds = [0, 1]"] = f"seeds = {seeds}"
    return derive(tiny_cli_cache.profile, tmp_path / "tiny.toml", changes)


def _entries(cache: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (cache / "runs").glob("*.json")}


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
@pytest.mark.xdist_group("processes")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_mid_training_leaves_no_entry_no_result_and_the_rerun_recomputes(tiny_cli_cache, tmp_path,
                                                                                  monkeypatch, capsys):
    """``reproduce -j 2`` (fairseq seeds 0-2; HF cached) SIGKILLed once seeds 0 and 1 are done and
    seed 2 is past its first epoch: its worker processes (one training, one idle) die with it (no
    orphan keeps training and writing into the cache); the cells done keep their entries, the one
    killed mid-training leaves none, and no result is written; the same command again recomputes
    exactly the cell killed."""
    import time

    profile = _profile(tiny_cli_cache, tmp_path, fairseq_epochs=EPOCHS, seeds="[0, 1, 2]")
    cache, log, out = tmp_path / "cache", tmp_path / "trainings.log", tmp_path / "out"
    work = cache / "runs" / "work"
    copied = tiny_cli_cache.copy(cache / "runs")
    args = reproduce_args(profile, tiny_cli_cache.data, tiny_cli_cache.checkpoint_dir, out) + ["-j", "2"]

    def moment() -> bool:  # two cells done (side by side); the third past its first epoch, still training
        events = trainings(log)
        done = {n for n, e in events if e == "done"}
        running = {n for n, e in events if e == "start"} - done
        return len(done) == 2 and any(any(work.glob(f"{n}-*/checkpoints/checkpoint1.pt")) for n in running)

    child = harness_cli(*args, cache=cache, log=log)
    try:
        wait_for(moment, 240, "two cells done and the third past its first epoch", child)
        workers = _children(child.pid)
        assert len(workers) >= 2, f"reproduce -j 2 runs {len(workers)} worker processes"
        os.kill(child.pid, signal.SIGKILL)
        _, child_err = child.communicate(timeout=60)
    finally:
        child.kill()
    deadline = time.monotonic() + 30
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sorted(p for p in workers if _alive(p))
    assert not left, f"worker processes {left} outlived the killed reproduce (pid {child.pid})"
    # what a real reproduce and its workers printed up to the kill (imports, cells trained and begun);
    # multiprocessing's resource tracker reports the killed parent's semaphores: the kill's, not the run's
    noise = [line for line in child_err.replace("\r", "\n").splitlines()
             if any(word in line for word in NOISE) and "scipy" not in line and "hypotest" not in line
             and "resource_tracker" not in line]
    assert not noise, noise

    events = trainings(log)
    done = sorted(n for n, e in events if e == "done")
    killed = sorted({n for n, e in events if e == "start"} - set(done))
    assert len(done) == 2 and len(killed) == 1, events  # two done, one (seed 2, the third) killed mid-training
    survivors = _entries(cache)
    assert sorted(n.rsplit("-", 1)[0] for n in survivors if n not in copied) == done, (sorted(survivors), events)
    for name in survivors:
        runs.read_entry(cache / "runs" / name)
    written = sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else []
    # the results folder is written whole when the call completes (reproduce.run_all): none yet
    assert written == [], f"half-written results: {written}"
    assert not list((cache / "runs").glob(".*")), "a temporary file was left in the cache"

    # the rerun: the same command, in this process (the child's environment: its cache, the log), -j 1
    before = Counter(n for n, e in events if e == "start")
    monkeypatch.setenv("LAB_REPRO_CACHE", str(cache))
    monkeypatch.setenv(runs.TRAIN_LOG_ENV, str(log))
    assert cli(args[:-1] + ["1"]) == 0, capsys.readouterr().err[-3000:]
    fairseq = [f"tiny-fairseq-pretrained-seed{s}" for s in (0, 1, 2)]
    starts = Counter(n for n, e in trainings(log) if e == "start")
    assert starts == {n: before[n] + (n not in done) for n in fairseq}, (starts, done)  # HF: from the cache
    after = _entries(cache)
    assert all(after[name] == blob for name, blob in survivors.items()), "an entry was lost or rewritten"
    assert len(after) == len(copied) + 3, sorted(after)
    assert len(list((out / "results" / "tiny").glob("*.json"))) == 6
    print(f"faults injected: 1 SIGKILL; entries lost: 0; killed mid-training: {killed}; trainings: {dict(starts)}")


@pytest.mark.train
@pytest.mark.xdist_group("processes")
def test_reproduce_and_pytest_n2_on_one_cache_train_each_cell_once(tiny_cli_cache, tmp_path, monkeypatch, capsys):
    """Three processes -- ``reproduce -j 1`` (here, in this process) and the two workers of ``pytest
    -n 2`` (tests/concurrent_cells.py) -- want the same 2 cells (fairseq, seeds 0 and 1; the HF cells
    are cached) at once: each trains once. More processes than cores is the point here (contention
    on one cache)."""
    profile_path = _profile(tiny_cli_cache, tmp_path)
    cache, log = tmp_path / "cache", tmp_path / "trainings.log"
    copied = tiny_cli_cache.copy(cache / "runs", HF)
    data_dir, ckpt = tiny_cli_cache.data, tiny_cli_cache.checkpoint_dir
    env = child_env(cache, log, TINY_CELLS_PROFILE=str(profile_path), TINY_CELLS_DATA=str(data_dir),
                    TINY_CELLS_CHECKPOINT=str(ckpt))
    tests = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
                              "--noconftest", "tests/concurrent_cells.py"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        monkeypatch.setenv("LAB_REPRO_CACHE", str(cache))
        monkeypatch.setenv(runs.TRAIN_LOG_ENV, str(log))
        rc = cli(reproduce_args(profile_path, data_dir, ckpt, tmp_path / "out") + ["-j", "1"])
        tests_out, _ = tests.communicate(timeout=600)
    finally:
        tests.kill()
    assert rc == 0, capsys.readouterr().err[-3000:]
    assert tests.returncode == 0, tests_out[-3000:]
    events = Counter(trainings(log))
    cells = {name for name, _ in events}
    assert cells == {"tiny-fairseq-pretrained-seed0", "tiny-fairseq-pretrained-seed1"}, events
    assert all(events[(c, "start")] == events[(c, "done")] == 1 for c in cells), events
    assert len(_entries(cache)) == len(copied) + 2
    pids = Counter(line.split()[3] for line in log.read_text().splitlines() if " start " in line)
    print(f"trainings counted under concurrency: {sum(events[(c, 'start')] for c in cells)} for "
          f"{len(cells)} cells, by {len(pids)} processes ({sorted(pids.values())})")
