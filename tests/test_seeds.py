"""Seeds as a parameter (harness/runs/seeds.py, ``reproduce --seeds``): the forms it reads, bad input as one
error naming the option, a seed's cache key that does not depend on the seed list, and the command
the ledger prints under a C4 verdict that lacks seeds."""

from __future__ import annotations

import dataclasses

import pytest

from harness.__main__ import main as cli
from harness.claims import arms, ledger, plan
from harness.core.records import RunSpec
from harness.runs import local as reproduce
from harness.runs import seeds as seedlist
from harness.runs.key import cache_key, key_parts
from tests import synthetic


@pytest.mark.parametrize("text, seeds", [("0-9", tuple(range(10))), ("0,1,5", (0, 1, 5)), ("0-2,7", (0, 1, 2, 7)),
                                         ("3", (3,)), ("5,0-1,1", (0, 1, 5)), ("2-2", (2,))])
def test_seeds_are_a_list_a_range_or_both(text, seeds):
    assert seedlist.parse_seeds(text) == seeds, (text, seedlist.parse_seeds(text))
    assert seedlist.parse_seeds(seedlist.seeds_arg(seeds)) == seeds, seedlist.seeds_arg(seeds)


def test_seeds_arg_is_the_shortest_form():
    assert [seedlist.seeds_arg(s) for s in ((0, 1, 2, 3, 7), (0, 1), (4,), (0, 2, 3, 4, 9, 10))] == [
        "0-3,7", "0,1", "4", "0,2-4,9,10"]


@pytest.mark.parametrize("bad, says", [("5-2", "runs backwards"), ("x", "'x'"), ("1,,2", "''"), ("-1", "'-1'"),
                                       ("0-", "'0-'"), ("1.5", "'1.5'")])
def test_bad_seeds_are_one_error_naming_the_option_exit_2(bad, says, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(["reproduce", f"--seeds={bad}"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2, (bad, exit_.value.code, err)
    assert "argument --seeds:" in err and says in err and "Traceback" not in err, err


def test_a_seeds_cache_key_does_not_depend_on_the_seed_list(tiny):
    """A seed trained under ``--seeds 0-2`` is the same cache entry under ``--seeds 0-5``."""
    profile, data_dir, ckpt = tiny
    spec = RunSpec(profile.name, "fairseq", "pretrained", 1)
    keys = {seeds: cache_key(key_parts(spec, dataclasses.replace(profile, seeds=seedlist.parse_seeds(seeds)), data_dir, ckpt))
            for seeds in ("0-2", "0-5", "1")}
    assert len(set(keys.values())) == 1, keys


def test_seeds_replace_the_profiles_and_run_every_cell(tiny):
    profile, _, _ = tiny
    specs = reproduce.specs_of(dataclasses.replace(profile, seeds=seedlist.parse_seeds("0-5")))
    cells = {(s.framework, s.init) for s in specs}
    assert sorted(s.seed for s in specs) == sorted(list(range(6)) * len(cells)), [s.name for s in specs]
    assert len(specs) == 6 * 4, len(specs)


def _smoke_runs(tmp_path, overrides):
    from harness.runs.results import load_results

    synthetic.write_results(tmp_path, overrides=overrides)
    return load_results(tmp_path).all("smoke")


def test_c4_lacking_seeds_prints_the_command_that_would_decide_it(tmp_path, monkeypatch):
    # HF's pretrained seeds spread wide (SDs 4.00 / 0.63 points): TOST at ±3 cannot decide with 3 seeds
    monkeypatch.setattr(plan, "default_jobs", lambda profile: 2)  # the command's -j, whatever this machine's cores
    runs = _smoke_runs(tmp_path, {("hf", "pretrained", 0): 1480, ("hf", "pretrained", 1): 1640})
    row = ledger.fresh_row("C4", "smoke", runs)
    assert row.verdict == "NOT ESTABLISHED at ±3" and "±3 needs 18 seeds per arm for power 0.8" in row.computed, row
    # written out by hand: 18 seeds x 3 smoke cells = 54 runs, of which 3 seeds x 3 cells are in the results
    # (45 new); 45 runs x 98 s (the runs' mean wall_time_s, 97 + seed) / 2 at once = 2,205 s = ~37 min
    want = ("to decide: `python -m harness reproduce --profile smoke --seeds 0-17` (18 seeds x 3 cells = 54 runs, "
            "45 new; ~37 min at 98 s per run, -j 2: the mean wall_time_s of the 12 smoke runs in the results)")
    assert want in row.computed, f"wanted {want!r} in {row.computed!r}"


def test_c4_that_holds_prints_no_command(tmp_path):
    row = ledger.fresh_row("C4", "smoke", _smoke_runs(tmp_path, {}))
    assert row.verdict.startswith("HOLDS WITHIN"), row.verdict
    assert "to decide" not in row.computed, row.computed


def test_the_reports_c4_row_names_the_lab_command_on_its_own_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path))  # an empty run cache: nothing measured here
    row = ledger.report_row("C4")
    assert row.verdict.startswith("NOT ESTABLISHED"), row.verdict
    assert ("to decide: `LAB_DATA=<the report's data> LAB_CHECKPOINT=<its checkpoint> python -m harness "
            "reproduce --profile lab --seeds 0-6` (7 seeds x 3 cells = 21 runs, 21 new; time unknown here: no lab run "
            "in the results or in this machine's run cache to time)") in row.computed, row.computed


def test_lab_runs_on_the_embedded_default_are_not_the_reports_seeds(tmp_path, monkeypatch):
    """The report's C4 command runs on the lab's own files: lab-profile runs on the embedded default
    (the slow CPU tier's) are not seeds it already has."""
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))
    from harness.runs.results import load_results

    results = synthetic.write_results(tmp_path / "results", "lab", wall=300.0)  # no user inputs recorded
    assert all(arms.not_user_files(r) for r in load_results(results).all("lab"))
    row = ledger.report_row("C4", runs=ledger.load_runs(results))
    assert "--seeds 0-6` (7 seeds x 3 cells = 21 runs, 21 new;" in row.computed, row.computed


def test_decide_times_from_this_machines_run_cache_when_the_results_have_none(tmp_path, monkeypatch):
    from harness.runs.cache import write_entry

    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path))
    for seed, wall in ((0, 100.0), (1, 300.0)):
        r = dataclasses.replace(synthetic.run("lab", "fairseq", "pretrained", seed, 1500), wall_time_s=wall)
        write_entry(tmp_path / "runs" / f"{r.spec.name}-0123456789abcdef.json", r)
    d = plan.decide("lab", 6)
    assert (d.per_run_s, d.new, d.runs) == (200.0, 18, 18), d
    assert d.source == "the mean wall_time_s of the 2 lab runs in this machine's run cache", d.source
    assert d.time_s == pytest.approx(18 * 200.0 / d.jobs), (d.time_s, d.jobs)
