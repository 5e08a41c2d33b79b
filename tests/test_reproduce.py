"""The main job's cells (harness/reproduce.py): run side by side (``-j``), each cell's result is the
one it gives alone; the default number of cells at once follows the profile's threads per cell;
a results folder holds exactly this call's runs."""

from __future__ import annotations

import dataclasses

import pytest

from harness.runs import local as reproduce
from harness.core.records import RunSpec, load_result


def test_default_jobs_fill_the_cores_without_oversubscribing(monkeypatch, tiny):
    profile, _, _ = tiny
    monkeypatch.setattr(reproduce.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert reproduce.default_jobs(dataclasses.replace(profile, threads=1)) == 4
    assert reproduce.default_jobs(dataclasses.replace(profile, threads=2)) == 2
    assert reproduce.default_jobs(dataclasses.replace(profile, threads=0)) == 1  # torch's default: all cores


@pytest.mark.train
@pytest.mark.xdist_group("processes")
def test_a_cell_run_beside_others_gives_what_it_gives_alone(tiny_cache, tmp_path):
    from harness.core.config import load_profile

    profile = load_profile(tiny_cache.profile)
    cell = RunSpec(profile.name, "fairseq", "pretrained", 0)
    alone = tiny_cache.results[cell]  # trained alone, in the session's process (tests/tiny_cache.py)
    others = [RunSpec(profile.name, "fairseq", "pretrained", 1)]  # one other cell: 2 at once on 2 cores
    side_by_side = reproduce.compute([cell, *others], profile, tiny_cache.data, tiny_cache.checkpoint,
                                     tmp_path / "parallel", jobs=2)
    beside = side_by_side[cell]
    assert (beside.valid_accuracy, beside.test_accuracy) == (alone.valid_accuracy, alone.test_accuracy), (
        f"{cell.name}: alone valid {alone.valid_accuracy} test {alone.test_accuracy}; "
        f"with -j 2 beside {[s.name for s in others]}: valid {beside.valid_accuracy} test {beside.test_accuracy}"
    )
    assert beside.provenance["cache_key"] == alone.provenance["cache_key"]
    assert beside.provenance["key_parts"]["environment"] == alone.provenance["key_parts"]["environment"]
    assert list(side_by_side) == [cell, *others]  # in the order asked, whatever finished first


@pytest.mark.train
def test_results_folder_holds_only_this_calls_runs(tiny, tmp_path):
    profile, data_dir, ckpt = tiny
    one_seed = dataclasses.replace(profile, seeds=(0,), inits=("pretrained",),
                                   hf=dataclasses.replace(profile.hf, inits=("pretrained",)))
    stale = tmp_path / "out" / profile.name / f"{profile.name}-fairseq-pretrained-seed7.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    reproduce.run_all(one_seed, data_dir, ckpt, tmp_path / "out", cache_root=tmp_path / "cache")
    written = sorted(p.name for p in (tmp_path / "out" / profile.name).iterdir())
    assert written == [f"{s.name}.json" for s in sorted(reproduce.specs_of(one_seed), key=lambda s: s.name)], written
    assert all(load_result(tmp_path / "out" / profile.name / name).test_size > 0 for name in written)
