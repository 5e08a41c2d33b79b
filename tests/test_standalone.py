"""A project that stands alone: no file of it refers to a path outside it. A user's clone has only
the project, so every source the suite cites lives under it (the report and the lab: docs/lab.md)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARENT = re.compile(r"(?<![\w.])((?:\.\.[/\\])+)([\w.\-/]*)")  # a path that starts by going up
ABSOLUTE = re.compile(r"(?<![\w.~:])/(?:work|home|Users|root|mnt|scratch)/[\w.\-/]+")  # another machine's tree


def outside_references(path: str, text: str, root: Path = ROOT) -> list[str]:
    """``file:line: reference`` for each path in ``text`` that may leave ``root``: a relative path
    going up that is not a link from the file's folder to a file of the project (from the root, any
    such path leaves it), or an absolute path into a machine's home or work tree."""
    hits = []
    here = (root / path).parent
    for n, line in enumerate(text.splitlines(), 1):
        for m in PARENT.finditer(line):
            target = m.group(1).replace("\\", "/") + m.group(2)
            linked = (here / target).resolve()  # a link from the file to a file of the project
            if not (_inside(linked, root) and linked.exists()):
                hits.append(f"{path}:{n}: {m.group(0)}")
        hits += [f"{path}:{n}: {m.group(0)}" for m in ABSOLUTE.finditer(line)]
    return hits


def _inside(p: Path, root: Path) -> bool:
    return p == root.resolve() or p.is_relative_to(root.resolve())


def project_files() -> list[str]:
    """The project's files: tracked, and new ones git does not ignore (``git ls-files``)."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"git ls-files failed in {ROOT}: {exc}")
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def test_no_project_file_refers_to_a_path_outside_the_project():
    files = project_files()
    assert len(files) > 50, f"only {len(files)} files listed by git ls-files in {ROOT}"
    hits = []
    for f in files:
        raw = (ROOT / f).read_bytes()
        if b"\0" in raw:
            continue  # binary
        hits += outside_references(f, raw.decode("utf-8", errors="replace"))
    assert not hits, f"{len(hits)} reference(s) outside the project (cite docs/lab.md instead):\n" + "\n".join(hits)


@pytest.mark.parametrize("line, found", [
    ("see " + "../" + "shared/LAB.md", True),
    ("source = \"" + "../" + "shared/report/lab-report.txt\"", True),
    ("[the gate](" + "../" + "docs/gate.md)", False),  # from docs/: inside the project
    ("cd " + "../" * 2 + "elsewhere", True),
    ("cache in /" + "work/main/.venv", True),
    ("see docs/lab.md and https://example.org/home/x", False),
])
def test_the_check_finds_outside_references(line, found):
    hits = outside_references("docs/x.md", line)
    assert bool(hits) == found, (line, hits)
