"""``python -m harness draft REPORT... [--out FILE|DIR]``: each report's text (``.txt``, ``.md``,
a PDF's text layer; English or French) drafted into a claims file (``harness.intake``), every value
with its source line and words, ``# review:`` where a person must look, claims the report does not
make in ``not_stated``. Each file is checked by the claims loader before it is written.

REPORT: files, directories (every .txt/.md/.pdf in them) and glob patterns. One report and no
``--out``: its claims file on stdout. ``--out FILE.toml`` (one report) or ``--out DIR`` (any
number: ``DIR/<stem>.toml``). Per report and for the class it prints the values found, the values to
review and the claims not stated (on stderr when the claims file goes to stdout). A report that
cannot be read is one line naming it; the others are drafted; exit 2 when any could not be.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("reports", nargs="+", metavar="REPORT",
                        help="reports (.txt, .md, .pdf), directories of them, or glob patterns ('reports/*.pdf')")
    parser.add_argument("--out", metavar="FILE|DIR",
                        help="FILE.toml for one report; a directory (DIR/<stem>.toml) for any number")


def expand(items: list[str], suffixes: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """(report paths, errors): a directory gives its reports, a pattern its matches."""
    paths, errors = [], []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in suffixes)
            errors += [] if found else [f"{item}: a directory with no {' / '.join(suffixes)} report in it"]
        elif not p.exists() and glob.has_magic(item):
            found = sorted(Path(f) for f in glob.glob(item) if Path(f).is_file())
            errors += [] if found else [f"{item}: no file matches this pattern"]
        elif not p.exists():
            found, errors = [], errors + [f"{item}: not found"]
        else:
            found = [p]
        paths += [f for f in found if f not in paths]
    return paths, errors


def summary(name: str, d) -> str:
    missing = f" ({', '.join(d.not_stated)})" if d.not_stated else ""
    return (f"{name}: {d.found} values found, {len(d.to_review)} to review, {len(d.not_stated)} "
            f"claim{'s' * (len(d.not_stated) != 1)} not stated{missing}")


def main(args) -> int:
    from harness.core import atomic
    from harness.core.config import ConfigError
    from harness.intake import SUFFIXES, draft_text

    paths, errors = expand(args.reports, SUFFIXES)
    out = Path(args.out) if args.out else None
    to_dir = out is not None and (out.is_dir() or len(paths) > 1 or out.suffix.lower() != ".toml")
    if out is None and len(paths) > 1:
        raise ValueError(f"{len(paths)} reports: give --out DIR to write one claims file each (DIR/<stem>.toml)")
    if to_dir:
        atomic.writable_dir(out)
    log = sys.stderr if out is None else sys.stdout
    stems = [p.stem.casefold() for p in paths]
    names = {p: f"{p.resolve().parent.name}-{p.stem}" if stems.count(p.stem.casefold()) > 1 else p.stem for p in paths}
    done = []
    for path in paths:
        try:
            d, text = draft_text(path)
        except (ConfigError, OSError) as exc:
            errors.append(str(exc) if str(path) in str(exc) else f"{path}: {exc}")
            continue
        except Exception as exc:  # a bug of the drafter's: this report fails, the others are drafted
            errors.append(f"{path}: {type(exc).__name__}: {exc} (an error in the drafter, not in the report: "
                          "please report it)")
            continue
        if out is None:
            print(text, end="")
            target = "stdout"
        else:
            target = atomic.write_text(out / f"{names[path]}.toml" if to_dir else out, text)
        done.append(d)
        print(summary(f"{path} -> {target}", d), file=log)
    if len(done) > 1:
        found, review = sum(d.found for d in done), sum(len(d.to_review) for d in done)
        missing = sum(len(d.not_stated) for d in done)
        print(f"class ({len(done)} reports): {found} values found, {review} to review, {missing} claims not stated",
              file=log)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    return 2 if errors else 0
