"""The README a newcomer reads in five minutes, and docs whose paths are real (issue 24, item 5).

A path counts as named when it appears in backticks, as a link target, or as a word of a fenced code
block, and either is a link target or starts with one of the repository's own top-level entries
(``harness/``, ``tests/``, ``expected/``, ``docs/``, ``Makefile``...): ``out/``, ``reports/`` or
``/tmp/...`` are places a command writes or a user keeps, not the repository's. ``tests/x.py::test``
names the file; ``*`` is a glob that must match; a placeholder (``<profile>``, ``{a,b}``, ``NAME``)
cuts the path to the directory before it. Past names live in CHANGELOG.md, which is not checked.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 200
PLACEHOLDER = re.compile(r"[<{\[]|\.\.\.|…|\bNAME\b|\bDIR\b|\bFILE\b")


def _top_level() -> set[str]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        tops = {line.split("/", 1)[0] for line in listed.splitlines() if line}
    except (OSError, subprocess.CalledProcessError):  # no git (an unpacked archive): what is there
        tops = {p.name for p in ROOT.iterdir() if p.name not in {"out", ".venv", "build", ".tox"}}
    return tops - {".gitignore", ".gitattributes"}


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def named_paths(text: str) -> list[tuple[str, bool]]:
    """(candidate, is_link) for every backtick span, link target and fenced-code word of ``text``."""
    found = [(m, True) for m in re.findall(r"\]\(([^)\s]+)\)", text)]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    found += [(m, False) for m in re.findall(r"`([^`\n]+)`", prose)]
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.DOTALL):
        found += [(w, False) for w in block.split()]
    words = []
    for cand, link in found:  # a span may hold a command: each of its words may be a path
        words += [(cand, True)] if link else [(w, False) for w in cand.split()]
    return words


def checked(candidate: str, is_link: bool, tops: set[str]) -> str | None:
    """The repository path ``candidate`` names (to check), or None when it names none."""
    path = candidate.strip("'\",;()").rstrip(".:").split("::", 1)[0].split("#", 1)[0]
    if not path or "://" in path or path.startswith(("mailto:", "$", "~", "-")) or "=" in path:
        return None
    if not is_link and path.split("/", 1)[0] not in tops:
        return None
    if cut := PLACEHOLDER.search(path):
        path = path[:cut.start()].rsplit("/", 1)[0] if "/" in path[:cut.start()] else ""
    return path or None


def missing_paths(doc: Path, tops: set[str]) -> list[str]:
    dead = []
    for cand, link in named_paths(doc.read_text()):
        path = checked(cand, link, tops)
        if path is None:
            continue
        base = doc.parent if link else ROOT
        hits = list(base.glob(path)) if "*" in path else [base / path] if (base / path).exists() else []
        if not hits:
            dead.append(path)
    return sorted(set(dead))


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_document_names_exists(doc):
    dead = missing_paths(doc, _top_level())
    assert not dead, (f"{doc.relative_to(ROOT)} names {len(dead)} path(s) that do not exist: {dead} "
                      "(a file that moved: name its new place; a past name belongs in CHANGELOG.md)")


def test_the_readme_is_read_in_five_minutes():
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES}: the rest goes to docs/)"


@pytest.mark.parametrize("text, dead", [
    ("see `harness/optim.py` and `harness/train/optim.py`", ["harness/optim.py"]),
    ("`tests/test_docs.py::test_x`, `expected/results/<profile>.<key>.json`, `out/results/x.json`", []),
    ("```bash\npython -m harness audit reports/ --claims expected/nothere.toml\n```", ["expected/nothere.toml"]),
    ("`harness/profiles/*.toml` and `harness/nothing/*.py`", ["harness/nothing/*.py"]),
    ("[link](no-such-page.md) and [web](https://example.org/x.md)", ["no-such-page.md"]),
    ("[up](" + "../" + "x.md): the parent, not the root", ["../" + "x.md"]),  # split: no path leaves the project
])
def test_the_rule_sees_dead_paths_and_only_those(tmp_path, text, dead):
    doc = tmp_path / "x.md"
    doc.write_text(text)
    got = missing_paths(doc, _top_level())
    assert [d.replace(str(tmp_path) + "/", "") for d in got] == dead, got


DOTTED = re.compile(r"^(harness(?:\.\w+)+)(?:\(.*\))?$")


def dead_names(text: str) -> list[str]:
    """The ``harness.x.y`` names in backticks that name no module, or nothing the module defines."""
    dead = []
    for span in re.findall(r"`([^`\n]+)`", text):
        if not (m := DOTTED.match(span.strip())):
            continue
        parts = m.group(1).split(".")
        for cut in range(len(parts), 0, -1):  # the longest prefix that is a module or a package
            base = ROOT.joinpath(*parts[:cut])
            module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
            if module.is_file():
                break
        else:
            dead.append(m.group(1))
            continue
        rest = parts[cut:]
        if rest and not re.search(rf"^\s*(def|class)\s+{rest[0]}\b|^{rest[0]}\s*[:=]|import .*\b{rest[0]}\b",
                                  module.read_text(), re.MULTILINE):
            dead.append(m.group(1))
    return sorted(set(dead))


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_name_a_document_gives_exists(doc):
    dead = dead_names(doc.read_text())
    assert not dead, f"{doc.relative_to(ROOT)} names {len(dead)} module or function(s) that do not exist: {dead}"


def test_the_name_rule_sees_a_moved_function():
    assert dead_names("`harness.runs.results.load_results(R)`, `harness.results.load_results`, "
                      "`harness.runs.key.nothing_here`, `harness.core`") == [
        "harness.results.load_results", "harness.runs.key.nothing_here"]
