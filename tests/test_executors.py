"""``reproduce --executor slurm`` (harness/runs/slurm.py): one submitit job per cell through the run
cache. The training test runs the real path through submitit's local executor (``--slurm-cluster
local``): real processes, the job function and its arguments pickled, a real cache; submitit is
never mocked. The tiny profile (tests/data/tiny.toml) with its pretrained cells alone (one fairseq
and one HF cell per seed): the cells it does not submit come from the session's tiny cache
(tests/tiny_cache.py), so each call submits one job at most, the fewest that show reuse and a
resubmitted job."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from harness.runs import slurm as executors
from harness.runs import local as reproduce
from harness.__main__ import main as cli
from harness.core.config import ConfigError, load_profile
from harness.runs.results import load_results
from harness.core.records import RunSpec
from harness.runs.cache import locate, write_entry
from harness.cli import reproduce as cli_reproduce
from tests import synthetic

TINY = str(Path(__file__).parent / "data" / "tiny.toml")
SUBMITTED = re.compile(r"slurm: (\d+) cells cached, (\d+) jobs submitted by this call")


@pytest.fixture
def run_cli(tiny, tmp_path, monkeypatch, capsys):
    """``reproduce --profile tiny ...`` on the tiny data and checkpoint (the CLI cannot name a tiny
    checkpoint: it has no tokenizer files): (exit code, stdout, stderr)."""
    _, data_dir, ckpt = tiny

    def run(*argv, checkpoint=ckpt, data=data_dir, out="out", profile=TINY):
        monkeypatch.setattr(reproduce, "resolve_inputs", lambda profile, data_=None, ck=None: (data, checkpoint))
        rc = cli(["reproduce", "--profile", str(profile), "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / out), *argv])
        captured = capsys.readouterr()
        return rc, captured.out, captured.err

    return run


def _counts(out: str) -> tuple[int, int]:
    m = SUBMITTED.search(out)
    assert m, f"no 'slurm: N cells cached, M jobs submitted' line in:\n{out}"
    return int(m.group(1)), int(m.group(2))


@pytest.mark.parametrize("argv, says", [
    (["--slurm-gpus", "1"], "--slurm-gpus: only with --executor slurm"),
    (["--no-wait"], "--no-wait: only with --executor slurm"),
    (["--slurm-cluster", "local"], "--slurm-cluster: only with --executor slurm"),
    (["--executor", "slurm", "--slurm-time", "0"], "--slurm-time: slurm.time_min must be > 0, got 0"),
    (["--executor", "slurm", "--slurm-mem", "-4"], "--slurm-mem: slurm.mem_gb must be > 0, got -4.0"),
    (["--executor", "slurm", "--slurm-cluster", "local", "-j", "2"], "-j/--jobs: only with --executor local"),
])
def test_bad_executor_options_are_one_error_naming_the_option_exit_2(run_cli, argv, says):
    rc, out, err = run_cli(*argv)
    assert rc == 2 and f"error: {says}" in err and "Traceback" not in err, (rc, err, out)
    assert "runs in" not in out, out  # nothing trained


def test_executor_slurm_without_submitit_is_one_error_exit_2(run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "submitit", None)  # as if not installed: `import submitit` fails
    rc, out, err = run_cli("--executor", "slurm")
    assert rc == 2 and "error: --executor slurm needs submitit: pip install submitit==1.5.4" in err, (rc, err)


def test_executor_slurm_without_sbatch_is_one_error_exit_2(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no Slurm client here
    rc, out, err = run_cli("--executor", "slurm")
    assert rc == 2 and "error: --executor slurm: no sbatch on PATH" in err, (rc, err)
    assert not (tmp_path / "cache" / "submitit").exists()  # nothing submitted, no job folder


def test_executor_choices_are_checked(run_cli):
    with pytest.raises(SystemExit) as exit_:
        run_cli("--executor", "pbs")
    assert exit_.value.code == 2


def test_profile_slurm_table_and_options_over_it(tmp_path, monkeypatch):
    sbatch = tmp_path / "bin" / "sbatch"  # options() looks for the Slurm client, never runs it
    sbatch.parent.mkdir()
    sbatch.write_text("#!/bin/sh\nexit 1\n")
    sbatch.chmod(0o755)
    monkeypatch.setenv("PATH", f"{sbatch.parent}:{__import__('os').environ['PATH']}")
    text = Path(TINY).read_text() + '\n[slurm]\npartition = "gpu"\ngpus = 1\ntime_min = 30\nmem_gb = 16\n'
    (tmp_path / "p.toml").write_text(text)
    profile = load_profile(tmp_path / "p.toml")
    assert (profile.slurm.partition, profile.slurm.gpus, profile.slurm.time_min, profile.slurm.mem_gb) == ("gpu", 1, 30, 16.0)
    parser = __import__("argparse").ArgumentParser()
    cli_reproduce.add_arguments(parser)
    opts = executors.options(parser.parse_args(["--executor", "slurm", "--slurm-time", "90", "--cache", str(tmp_path)]),
                             profile, tmp_path)
    assert (opts.spec.partition, opts.spec.gpus, opts.spec.time_min) == ("gpu", 1, 90), opts.spec
    assert opts.folder == (tmp_path / "submitit").resolve() and opts.wait and opts.cluster == "slurm", opts
    (tmp_path / "bad.toml").write_text(Path(TINY).read_text() + "\n[slurm]\nqueue = 'gpu'\n")
    with pytest.raises(ConfigError, match=r"bad.toml.slurm: unknown field\(s\) queue"):
        load_profile(tmp_path / "bad.toml")


def test_a_compute_nodes_entry_counts_as_cached_on_the_login_node(tiny, tmp_path):
    """The key a login node computes is not a GPU node's (device, precision, GPU model): an entry whose
    key parts match but for those is the cell's, for jobs on that device; other inputs are not."""
    profile, data_dir, ckpt = tiny
    spec = RunSpec(profile.name, "hf", "pretrained", 3)
    _, parts = locate(spec, profile, data_dir, ckpt, tmp_path)
    node = {**parts, "device": "cuda", "precision": "bf16", "gpu": "NVIDIA H100", "cpu_class": "avx512"}
    result = dataclasses.replace(synthetic.run(profile.name, "hf", "pretrained", 3, 1500),
                                 provenance={"key_parts": node})
    write_entry(tmp_path / f"{spec.name}-00000000deadbeef.json", result)
    assert executors.find_entry(spec, parts, tmp_path, "cpu") is None  # not for CPU jobs
    found = executors.find_entry(spec, parts, tmp_path, "cuda")
    assert found is not None and found.test_accuracy == 0.75, found
    other = {**parts, "data": "0" * 64}  # other data: another cell
    assert executors.find_entry(spec, other, tmp_path, "cuda") is None


@pytest.mark.train
@pytest.mark.xdist_group("processes")
def test_through_submitit_cached_cells_are_reused_a_dead_job_is_resubmitted_and_a_last_call_submits_nothing(
        run_cli, tmp_path, tiny_cache, monkeypatch):
    """``--seeds 0-1`` four times, as a user would: fairseq seed 0 and HF seeds 0-1 are cached (trained
    under ``--seeds 0`` / ``--seeds 1``), so each call submits at most the one cell it lacks. The
    first job dies: no entry, the call says so; the next call (``--no-wait``) submits it again and
    returns its job id; the third collects it (waits, submits none); the fourth finds every cell
    cached and submits nothing."""
    import submitit

    from tests.tiny import DyingCheckpoint

    # submitit waits 15 s for a dead job's result file to appear on a slow shared filesystem before
    # it reports the job's stderr (harness.runs.slurm._why); here the filesystem is local
    monkeypatch.setattr(submitit.core.core.Job, "_results_timeout_s", 0)
    cached = tiny_cache.results
    tiny_cache.copy(tmp_path / "cache")
    marker = tmp_path / "die"
    marker.touch()
    dying = DyingCheckpoint(tiny_cache.checkpoint, marker)  # same hash: the same cells, the same cache keys
    inputs = {"data": tiny_cache.data, "checkpoint": dying, "profile": tiny_cache.profile}
    argv = ("--seeds", "0-1", "--executor", "slurm", "--slurm-cluster", "local")
    rc, out, err = run_cli(*argv, out="first", **inputs)
    dead = re.findall(r"job (\d+) \((tiny-\S+)\) ended without a cache entry", out)
    assert rc == 1 and _counts(out) == (3, 1), (rc, out[-3000:])  # the cached cells are not submitted
    assert [cell for _, cell in dead] == ["tiny-fairseq-pretrained-seed1"], out[-3000:]  # SIGKILLed
    assert not list((tmp_path / "cache").glob("tiny-fairseq-pretrained-seed1-*.json")), "a dead job left an entry"
    assert not (tmp_path / "first" / "results").exists()

    marker.unlink()
    rc, out, err = run_cli(*argv, "--no-wait", out="second", **inputs)
    assert rc == 0 and _counts(out) == (3, 1), out  # the dead cell is submitted again
    m = re.search(r"1 cells still running \(jobs (.*)\): run the same command again to collect", out)
    assert m, out  # --no-wait: the job ids, no results yet
    ids = dict(pair.split("=") for pair in m.group(1).split(", "))
    assert list(ids) == ["tiny-fairseq-pretrained-seed1"] and not set(ids.values()) & {j for j, _ in dead}, (ids, dead)
    assert not (tmp_path / "second" / "results").exists()

    rc, out, err = run_cli(*argv, out="third", **inputs)  # collects: waits, submits none
    assert rc == 0 and _counts(out)[1] == 0, (out[-3000:], err[-3000:])
    third = {r.spec: r for r in load_results(tmp_path / "third" / "results").all()}
    assert sorted(s.name for s in third) == sorted(s.name for s in reproduce.specs_of(
        dataclasses.replace(load_profile(tiny_cache.profile), seeds=(0, 1)))), sorted(s.name for s in third)
    for spec, r in cached.items():  # a cell trained under --seeds 0 (or 1) is the same entry under --seeds 0-1
        assert (third[spec].provenance["cache_key"], third[spec].test_accuracy) == (
            r.provenance["cache_key"], r.test_accuracy), spec.name
    assert "n=2+2" in out, out  # the ledger's fresh C4 row uses every seed it finds
    report = (tmp_path / "third" / "report" / "report.md").read_text()
    assert "Seed 1" in report, report[:2000]

    rc, out, err = run_cli(*argv, out="fourth", **inputs)
    assert rc == 0 and _counts(out) == (4, 0), out  # everything cached: nothing submitted
    fourth = {r.spec: r.provenance["cache_key"] for r in load_results(tmp_path / "fourth" / "results").all()}
    assert fourth == {s: r.provenance["cache_key"] for s, r in third.items()}
