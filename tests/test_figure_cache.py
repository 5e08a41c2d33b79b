"""The report's figures are drawn once per input (issue 24, item 4): ``figure_cache.png`` keeps a
PNG under a key of everything the drawing reads, so a warm report copies it; any input that the
drawing reads, or an edit to the figure code, draws again; a damaged entry is drawn again."""

from __future__ import annotations

import pytest

from harness.report import figure_cache, figures

END = b"IEND\xaeB`\x82"


def fake_png(tag: str) -> bytes:
    return figure_cache.PNG_MAGIC + tag.encode() + END


@pytest.fixture
def drawing(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(figures, "png", fake_png)  # no matplotlib needed
    drawn = []

    def draw(tag="a"):
        drawn.append(tag)
        return tag
    return drawn, draw


INPUTS = {"runs": [{"name": "smoke-hf-pretrained-seed0", "test_accuracy": 0.8}], "title": "Figure 1"}


def test_the_same_inputs_are_drawn_once(drawing, tmp_path):
    drawn, draw = drawing
    first = figure_cache.png("figure1", INPUTS, draw)
    second = figure_cache.png("figure1", INPUTS, draw)
    assert first == second == fake_png("a") and drawn == ["a"], drawn
    assert len(list((tmp_path / "cache" / "figures").iterdir())) == 1


@pytest.mark.parametrize("change", [
    lambda i: {**i, "runs": [{**i["runs"][0], "test_accuracy": 0.81}]},
    lambda i: {**i, "title": "Figure 1 (lab)"},
], ids=["a run's accuracy", "the title"])
def test_a_changed_input_draws_again(drawing, change):
    drawn, draw = drawing
    figure_cache.png("figure1", INPUTS, draw)
    figure_cache.png("figure1", change(INPUTS), lambda: draw("b"))
    assert drawn == ["a", "b"], drawn


def test_an_edit_to_the_figure_code_draws_again(drawing, tmp_path, monkeypatch):
    drawn, draw = drawing
    figure_cache.png("figure2", INPUTS, draw)
    edited = tmp_path / "figures.py"
    edited.write_text(open(figures.__file__).read() + "\n# edited\n")
    monkeypatch.setattr(figures, "__file__", str(edited))
    figure_cache.png("figure2", INPUTS, draw)
    assert drawn == ["a", "a"], drawn


def test_a_damaged_entry_is_drawn_again(drawing, tmp_path):
    drawn, draw = drawing
    figure_cache.png("figure1", INPUTS, draw)
    (entry,) = (tmp_path / "cache" / "figures").iterdir()
    entry.write_bytes(fake_png("a")[:12])  # truncated
    assert figure_cache.png("figure1", INPUTS, draw) == fake_png("a") and drawn == ["a", "a"], drawn
    assert entry.read_bytes() == fake_png("a")
