"""The results store (harness/results.py): several profiles side by side, files that must match
their place in the tree, clear errors, and provenance read back for the report."""

import dataclasses

import pytest

from harness.core.config import ConfigError
from harness.runs.provenance import stamp
from harness.runs.results import describe_provenance, load_results
from harness.core.records import save_result
from tests.synthetic import run, write_results


def test_profiles_side_by_side(tmp_path):
    write_results(tmp_path, "smoke")
    write_results(tmp_path, "lab", frameworks=("fairseq",))
    results = load_results(tmp_path)
    assert results.profiles == ["lab", "smoke"]
    assert len(results.all("smoke")) == 12 and len(results.all("lab")) == 6
    assert [r.spec.seed for r in results.group("smoke", "hf", "random")] == [0, 1, 2]
    assert load_results(tmp_path, "lab").profiles == ["lab"]


def test_file_must_match_the_run_it_holds(tmp_path):
    r = run("smoke", "fairseq", "random", 1, 1000)
    save_result(tmp_path / "smoke" / "smoke-fairseq-random-seed0.json", r)
    with pytest.raises(ConfigError, match=r"seed0.json: holds run 'smoke-fairseq-random-seed1'"):
        load_results(tmp_path)
    save_result(tmp_path / "lab" / f"{r.spec.name}.json", r)
    (tmp_path / "smoke" / "smoke-fairseq-random-seed0.json").unlink()
    with pytest.raises(ConfigError, match="profile 'smoke'"):
        load_results(tmp_path)


@pytest.mark.parametrize("make, message", [
    (lambda d: d, "no result files"),
    (lambda d: d / "absent", "results directory not found"),
])
def test_empty_or_absent_directory(tmp_path, make, message):
    with pytest.raises(ConfigError, match=message):
        load_results(make(tmp_path))


def test_a_profile_folder_given_as_the_root_says_so(tmp_path):
    write_results(tmp_path, "smoke")
    with pytest.raises(ConfigError, match="pass its parent"):
        load_results(tmp_path / "smoke")


def test_provenance_read_back_with_what_is_not_recorded():
    r = run("smoke", "hf", "pretrained", 0, 1500)
    rows = describe_provenance(r)
    assert rows["data hash"] == "d" * 64 and rows["library: fairseq-fixed"] == "0.12.3.1"
    bare = dataclasses.replace(r, provenance={"hardware": {"device": "cpu"}, "checkpoint_hash": "c1"})
    assert describe_provenance(bare) == {"git commit": "not recorded", "data hash": "not recorded",
                                         "checkpoint hash": "c1", "hardware: device": "cpu"}


def test_stamp_records_commit_versions_time():
    s = stamp()
    assert set(s) == {"git_commit", "libraries", "created_utc"}
    assert s["libraries"]["torch"] != "absent" and s["git_commit"]
