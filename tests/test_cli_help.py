"""``python -m harness -h`` is written for users (issue 24, item 6): the verbs one line each and an
example; ``python -m harness`` alone is a usage error (exit 2, as argparse's) that lists the verbs
(issue 26, item 4). In-process: the process-level check (nothing heavy imported by ``--help``) is
``tests/test_ledger_cli.py::test_help_and_bad_input_import_nothing_heavy``."""

from __future__ import annotations

import pytest

from harness.__main__ import VERBS, main


def _verb_lines(text: str) -> dict[str, str]:
    section = text.split("verbs:\n", 1)[1].split("\n\n", 1)[0]
    return {line.split()[0]: line for line in section.splitlines()}


def test_help_lists_every_verb_on_one_line_and_an_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["-h"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0, exit_.value.code
    lines = _verb_lines(out)
    assert list(lines) == list(VERBS), (list(lines), list(VERBS))
    for name, line in lines.items():
        assert VERBS[name] in line, (name, line)
    assert "example:\n  python -m harness " in out, out
    assert "``" not in out, "the help prints reStructuredText markup:\n" + out


def test_no_verb_lists_the_verbs_and_exits_2(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", captured.out
    assert list(_verb_lines(captured.err)) == list(VERBS), captured.err
    assert "required" not in captured.err, captured.err


def test_a_verbs_usage_names_the_verb_not_the_top_usage(capsys):
    with pytest.raises(SystemExit):
        main(["fetch", "-h"])
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m harness fetch "), out
