"""``python -m harness cache list|prune`` (issue 12, item 6): entries with size, age and profile;
prune removes what no current key can reach and the leftovers of killed runs, and keeps the rest."""

import os
import time

import pytest

import harness.train
import harness.core.env
from harness.runs import cache as runs
from harness.__main__ import main
from harness.core.records import RunResult, RunSpec
from harness.runs.cache import get_or_run

SPECS = {name: RunSpec("tiny", "fairseq", "pretrained", seed) for seed, name in enumerate(
    ["ok", "stale-code", "stale-libraries", "corrupt"])}


@pytest.fixture
def cache(tiny, tmp_path, monkeypatch):
    """A cache with one entry of each status, a killed run's work dir and temporary file, a
    ``*.corrupt`` file and an import of the embedded encoder by another harness version."""
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "home"))
    monkeypatch.setattr(harness.train, "runner", lambda fw: lambda spec, *a: RunResult(
        spec, (0.5,), 1, 0.5, 10, 1, 1, 0.1))
    profile, data_dir, ckpt = tiny
    root = tmp_path / "home" / "runs"
    with monkeypatch.context() as m:
        m.setattr(harness.train, "source_hash", lambda fw: "older code")
        get_or_run(SPECS["stale-code"], profile, data_dir, ckpt, root)
    with monkeypatch.context() as m:
        real = harness.core.env.library_versions
        m.setattr(harness.core.env, "library_versions", lambda names=(): {**real(names), "torch": "1.0"})
        get_or_run(SPECS["stale-libraries"], profile, data_dir, ckpt, root)
    for name in ("ok", "corrupt"):
        get_or_run(SPECS[name], profile, data_dir, ckpt, root)
    (corrupt,) = root.glob("tiny-fairseq-pretrained-seed3-*.json")
    corrupt.write_text(corrupt.read_text()[:50])
    (root / "work" / "tiny-fairseq-random-seed0-0123456789abcdef").mkdir(parents=True)
    (root / ".tiny-fairseq-random-seed0-0123456789abcdef.json.x1y2").write_text("{")
    (root / "tiny-hf-random-seed0-0123456789abcdef.json.corrupt").write_text("{")
    old_import = tmp_path / "home" / "checkpoints" / "embedded-minilm"
    old_import.mkdir(parents=True)
    (old_import / "model.pt").write_bytes(b"old")
    week = time.time() - 7 * 86400
    os.utime(corrupt, (week, week))
    return root


def test_list_shows_each_entry_with_profile_size_age_status(cache, capsys):
    assert main(["cache", "list"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("tiny-")}
    assert set(lines) == {s.name for s in SPECS.values()}, out
    for name, spec in SPECS.items():
        status = name.replace("-", " (") + ")" if "-" in name else name
        assert status in lines[spec.name] and " tiny " in lines[spec.name], lines[spec.name]
    assert "7.0 d" in lines[SPECS["corrupt"].name] and "KiB" in lines[SPECS["ok"].name]
    assert "4 entries" in out and "1 ok" in out and "1 corrupt" in out


def test_prune_removes_only_what_no_current_key_reaches(cache, tiny, capsys):
    profile, data_dir, ckpt = tiny
    ok = get_or_run(SPECS["ok"], profile, data_dir, ckpt, cache)
    assert main(["cache", "prune", "--dry-run"]) == 0
    before = sorted(p.name for p in cache.rglob("*"))
    assert "would remove" in capsys.readouterr().out and sorted(p.name for p in cache.rglob("*")) == before
    assert main(["cache", "prune"]) == 0
    out = capsys.readouterr().out
    left = sorted(p.name for p in cache.iterdir() if not p.name.endswith((".lock", ".owner")))
    assert left == [runs.entry_path(cache, ok.spec, ok.provenance["cache_key"]).name, "work"], (left, out)
    assert not any((cache / "work").iterdir()), "a killed run's work directory survived the prune"
    assert not (cache.parent / "checkpoints" / "embedded-minilm").exists(), "the old import survived"
    assert get_or_run(SPECS["ok"], profile, data_dir, ckpt, cache) == ok, "prune lost a reachable entry"
    assert "1 reachable entries kept" in out


def test_prune_keeps_a_running_runs_work(cache, tiny):
    """A work directory whose run holds its lock belongs to a live run: prune leaves it."""
    from harness.core import locking

    work = cache / "work" / "tiny-fairseq-random-seed0-0123456789abcdef"
    with locking.held(cache / f"{work.name}.json", "a live run"):
        main(["cache", "prune"])
        assert work.is_dir()

