"""``draft``: a report's text -> a claims file (harness.intake), measured as an extractor is: the
report under test drafts into expected/report.toml exactly; reports with answer keys (English and
French, Markdown, text and PDF) are drafted with >= 95% of fields right, and no wrong value lacks a
review mark. PDFs are written once (fpdf2, matplotlib) and kept in the cache by what makes them;
every draft runs in this process.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import tomllib
from pathlib import Path

import pytest

from draft_corpus import reports, write_pdf, write_pdf_matplotlib
from harness.core import atomic, env
from harness.core.config import ConfigError
from harness.intake import draft_text, fields
from harness.intake.draft import suite

DATA = Path(__file__).parent / "data" / "reports"
EXPECTED = Path(__file__).parent.parent / "expected" / "report.toml"


def ids() -> list[str]:
    return [c.id for c in suite().claims]


def _pdf(writer, text: str, path: Path) -> None:
    """``writer(text, path)``, its PDF kept across sessions in ``<cache>/test-inputs/`` under a key of
    what makes it (the text, the writer's source, fpdf2's and matplotlib's versions): fpdf2 subsets the
    TrueType font anew for every PDF (~0.2 s each). The draft reads the PDF as written either way."""
    parts = [text, writer.__name__, inspect.getsource(writer)] + [importlib.metadata.version(d) for d in ("fpdf2", "matplotlib")]
    kept = env.cache_dir() / "test-inputs" / (hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24] + ".pdf")
    if not kept.is_file():
        writer(text, path)
        atomic.write_bytes(kept, path.read_bytes())
    path.write_bytes(kept.read_bytes())


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Every corpus report written to disk (PDFs made here), with its key; plus the report under
    test as a PDF, keyed by expected/report.toml."""
    root = tmp_path_factory.mktemp("reports")
    out = []
    for r in reports():
        path = root / r.name
        if r.name.endswith(".pdf"):
            _pdf(write_pdf_matplotlib if r.writer == "matplotlib" else write_pdf, r.text, path)
        else:
            path.write_text(r.text, encoding="utf-8")
        out.append((path, r.key))
    lab = root / "lab-report.pdf"
    _pdf(write_pdf, (DATA / "lab-report.txt").read_text(encoding="utf-8"), lab)
    out.append((lab, fields.of(tomllib.loads(EXPECTED.read_text(encoding="utf-8")), ids())))
    return out


@pytest.fixture(scope="session")
def drafted(corpus):
    return [(path, key, *draft_text(path)) for path, key in corpus]


def test_the_report_under_test_drafts_into_its_claims_file():
    _, text = draft_text(DATA / "lab-report.txt")
    got = fields.of(tomllib.loads(text), ids())
    want = fields.of(tomllib.loads(EXPECTED.read_text(encoding="utf-8")), ids())
    numeric = [f for f in want if f.endswith((".quote", ".total", ".epoch", ".updates", ".mean", ".spread", ".accuracy",
                                              ".seeds")) or ".encoder." in f]
    assert len(numeric) == 31, f"not the 31 fields expected: {len(numeric)} fields compared: {numeric}"
    assert fields.compare(got, want) == [], "the draft of lab-report.txt differs from expected/report.toml"


def test_field_accuracy_and_every_wrong_value_is_marked(drafted):
    right = total = 0
    unmarked = []
    lines = []
    for path, key, d, text in drafted:
        got = fields.of(tomllib.loads(text), ids())
        wrong = fields.compare(got, key)
        n = len(set(got) | set(key))
        right, total = right + n - len(wrong), total + n
        lines.append(f"{path.name}: {(n - len(wrong)) / n:.1%} of {n} fields right"
                     + "".join(f"\n    {f}: drafted {a!r}, key {b!r}" for f, a, b in wrong))
        found = d.fields()
        unmarked += [(path.name, f, a, b) for f, a, b in wrong if not (f in found and found[f].review)]
    print("\n" + "\n".join(lines))
    assert len(drafted) >= 9
    assert {p.suffix for p, *_ in drafted} == {".md", ".txt", ".pdf"}
    assert right / total >= 0.95, f"field accuracy {right}/{total} = {right / total:.1%} < 95%:\n" + "\n".join(lines)
    assert unmarked == [], f"wrong values without a review mark: {unmarked}"


def test_every_value_names_its_source_and_reviews_are_marked(drafted):
    for path, key, d, text in drafted:
        body = [x for x in text.splitlines() if x and not x.startswith(("#", "[", "schema", "source", "section", "id ",
                                                                         "relation", "reading", "not_stated", "printed", "]", "  #"))]
        lacking = [x for x in body if "# source: " not in x and not x.startswith('  "C')]  # not_stated ids
        assert lacking == [], f"{path.name}: value lines without a source: {lacking}"
        marks = text.count("# review: ")
        reviewed = sum(1 for f in d.fields().values() if f.review)
        assert marks == reviewed, f"{path.name}: {marks} review marks in the file, {reviewed} values to review"


def test_review_reasons_name_what_a_person_must_check(drafted):
    by_name = {p.name: d for p, _, d, _ in drafted}
    reasons = lambda name: " | ".join(f.review for f in by_name[name].fields().values())  # noqa: E731
    assert "fractions turned into percents (0.799, 0.800, 0.835)" in reasons("en-fractions.pdf")
    assert "seeds labelled 1–3" in reasons("fr-aligned.txt")
    assert "no seed labels" in reasons("en-fractions.pdf")
    assert "the ± convention" in reasons("en-pipes.md")
    assert "a reading of prose" in reasons("en-pipes.md")
    missing = by_name["en-missing.txt"]
    assert set(missing.not_stated) == {"C4", "C5.r", "C5.alpha", "C5.target", "C5.dropout", "C5.bias",
                                       "C5.bias_none", "C5.task_type", "C6"}, missing.not_stated


def test_pdf_sources_are_page_and_line(drafted):
    d = next(d for p, _, d, _ in drafted if p.name == "fr-aligned.pdf")
    total = d.fields()["C1.total"]
    assert total.where == "1:4" and total.value == 22807552, total


@pytest.mark.parametrize("text, values", [
    ("22 807 552 paramètres", ["22807552"]), ("22\u202f807\u202f552", ["22807552"]), ("22,807,552", ["22807552"]),
    ("79,9 % et 80 %", ["79.9", "80"]), ("0,003 %", ["0.003"]), ("1,125 steps", ["1125"]), ("67.5%\t68.1%", ["67.5", "68.1"]),
])
def test_numbers_in_english_and_french(text, values):
    from harness.intake.text import numbers

    assert [str(n.value) for n in numbers(text)] == values


def test_latex_and_markdown_become_words():
    from harness.intake.text import clean

    assert clean(r"- $d_{\text{model}} = 512$") == "d_model = 512"
    assert clean(r"$d_{ff} = 512$") == "d_ff = 512"
    assert clean(r"- **lora_alpha**: is $\frac{\alpha}{r}$ (\pm 0.02\%)") == "lora_alpha: is alpha/r (± 0.02%)"


def test_a_report_it_cannot_read_is_one_error_naming_it(tmp_path):
    bad = tmp_path / "report.docx"
    bad.write_bytes(b"PK")
    with pytest.raises(ConfigError, match=r"report\.docx: cannot draft a \.docx file"):
        draft_text(bad)
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(ConfigError, match=r"broken\.pdf"):
        draft_text(pdf)
