"""A warm check is a stat, not a read (issue 24, item 4): ``sources.sha256_file`` remembers a
settled file's digest by its stat, re-reads a changed file, and never remembers a file written
within the last ``SETTLED_NS`` (same-size writes inside one coarse timestamp tick share a stat)."""

from __future__ import annotations

import hashlib
import json

import pytest

from harness.inputs import sources


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _memo(cache) -> dict:
    path = cache / sources.HASHES_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def test_a_settled_file_is_hashed_once_then_known_by_its_stat(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "SETTLED_NS", 0)  # the file counts as settled at once
    f = tmp_path / "data.csv"
    f.write_bytes(b"a,b\n1,2\n")
    assert sources.sha256_file(f) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    memo = _memo(cache)
    assert list(memo) == [str(f.resolve())], memo
    memo[str(f.resolve())]["sha256"] = "f" * 64  # a second call that read the file could not say this
    (cache / sources.HASHES_FILE).write_text(json.dumps(memo))
    assert sources.sha256_file(f) == "f" * 64
    f.write_bytes(b"a,b\n1,2\n3,4\n")  # changed: size and times move, the file is read again
    assert sources.sha256_file(f) == hashlib.sha256(b"a,b\n1,2\n3,4\n").hexdigest()


def test_a_file_written_just_now_is_not_remembered(cache, tmp_path):
    f = tmp_path / "model.pt"
    f.write_bytes(b"x" * 64)
    assert sources.sha256_file(f) == hashlib.sha256(b"x" * 64).hexdigest()
    assert _memo(cache) == {}, _memo(cache)
    f.write_bytes(b"y" * 64)  # same size, maybe the same timestamp tick: still the new digest
    assert sources.sha256_file(f) == hashlib.sha256(b"y" * 64).hexdigest()


def test_a_damaged_memo_costs_a_read_not_an_error(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "SETTLED_NS", 0)
    cache.mkdir(parents=True)
    (cache / sources.HASHES_FILE).write_text("{not json")
    f = tmp_path / "data.csv"
    f.write_bytes(b"z")
    assert sources.sha256_file(f) == hashlib.sha256(b"z").hexdigest()
    assert str(f.resolve()) in _memo(cache)


def test_files_that_are_gone_are_forgotten(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "SETTLED_NS", 0)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_bytes(b"1")
    new.write_bytes(b"2")
    sources.sha256_file(old)
    old.unlink()
    sources.sha256_file(new)
    assert list(_memo(cache)) == [str(new.resolve())], _memo(cache)
