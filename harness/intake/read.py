"""Read: a report file as lines, each with its page and line number (one reader per format).

- ``.txt`` / ``.md``: the file's lines (UTF-8, a BOM dropped; Latin-1 when it is not UTF-8), page 0;
- ``.pdf``: the text layer of each page (pypdf), pages numbered from 1, lines from 1 on each page.

A file that cannot be read (missing, not a PDF, a PDF with no text layer, another suffix) is one
:class:`~harness.core.config.ConfigError` naming the file and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError

SUFFIXES = (".txt", ".md", ".pdf")


@dataclass(frozen=True)
class Line:
    page: int  # 0: a text file (no pages); 1, 2, ...: a PDF's page
    number: int  # 1-based, within the page
    text: str

    @property
    def where(self) -> str:
        """"L12" in a text file, "2:12" (page:line) in a PDF."""
        return f"{self.page}:{self.number}" if self.page else f"L{self.number}"


def read(path: str | Path) -> list[Line]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: not found")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path)
    if suffix in (".txt", ".md"):
        return read_text(path)
    raise ConfigError(f"{path}: cannot draft a {suffix or 'suffix-less'} file; fix: give a report as "
                      f"{', '.join(SUFFIXES)}")


def read_text(path: Path) -> list[Line]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return lines_of(text)


def lines_of(text: str, page: int = 0) -> list[Line]:
    return [Line(page, i, t.rstrip("\r")) for i, t in enumerate(text.split("\n"), 1)]


def read_pdf(path: Path) -> list[Line]:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on a damaged file: our one error says it
    try:
        reader = pypdf.PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise ConfigError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc}); fix: export it again, "
                          "or give its text as .txt") from None
    if not any(p.strip() for p in pages):
        raise ConfigError(f"{path}: the PDF has no text layer (a scan?); fix: give its text as .txt or .md")
    out: list[Line] = []
    for n, text in enumerate(pages, 1):
        out.extend(lines_of(text, page=n))
    return out
