"""The house (README, "Layout"): import-linter keeps the layers and forbids import circles, and no
module of the harness grows past 300 lines. A copy of the package with one upward import and one
circle injected shows that the contracts can fail."""

import shutil
import subprocess
import sys
from pathlib import Path

from harness.core.paths import PACKAGE, ROOT

LINT = Path(sys.executable).with_name("lint-imports")
LIMIT = 300


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def test_the_layers_and_no_circles_hold():
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout, run.stdout


def test_an_upward_import_and_a_circle_break_the_contracts(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "harness" / "core" / "paths.py").open("a") as fh:  # core (layer 0) -> cli
        fh.write("\nfrom harness.cli import doctor  # noqa\n")
    with (tmp_path / "harness" / "claims" / "stats.py").open("a") as fh:  # stats -> ledger -> stats
        fh.write("\nfrom harness.claims import ledger  # noqa\n")
    run = _lint(tmp_path)
    assert run.returncode == 1, run.stdout
    assert "Layers: cli > report" in run.stdout and "harness.core.paths -> harness.cli.doctor" in run.stdout, run.stdout
    assert "No import circle between the modules of any package BROKEN" in run.stdout, run.stdout


def test_no_module_is_over_300_lines():
    """One test, every offender listed with its length."""
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50, f"found {len(modules)} modules under {PACKAGE}"  # the glob found the package
    over = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > LIMIT}
    assert not over, "over {} lines (split them by concern): {}".format(
        LIMIT, ", ".join(f"{path} {n} lines" for path, n in over.items()))
