"""Data: the embedded sources (fetched, sha256-checked, split like the lab) and the lab's layout.

Facts of the CSVs (rows, unique reviews) live once in harness/sources.toml; split sizes come from
the profiles. Bad inputs are tiny generated directories: each must fail with one error naming
the file (and the line).
"""

import argparse
import dataclasses
import shutil
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.inputs import data
from harness.inputs import sources
from harness.cli import fetch
from harness.core.config import ConfigError, DataSpec, load_profile

CAT = sources.catalog()
SMOKE = load_profile("smoke").data


@pytest.fixture(scope="module")
def smoke_dir():
    return data.prepare(SMOKE)


@pytest.fixture(scope="module")
def amazon_dir():
    return data.prepare(DataSpec(source="amazon-fr", max_tokens=64, train_fraction=0.7))


def _splits(d):
    return {s: data.read_split(d, s) for s in data.SPLITS}


@pytest.mark.parametrize("name", sorted(CAT.sources))
def test_source_rows_and_unique_reviews(name):
    items, rows = data.read_source(name)
    src = CAT.sources[name]
    counts = Counter(label for _, label in items)
    assert (rows, len(items)) == (src.rows, src.unique), (
        f"{name}: {rows:,} rows / {len(items):,} unique, sources.toml says {src.rows:,} / {src.unique:,}"
    )
    assert set(counts) == set(data.LABELS), counts
    assert all("\n" not in r and r == r.strip() for r, _ in items)


def test_smoke_split_is_the_lab_split_and_stratified(smoke_dir):
    splits = _splits(smoke_dir)
    sizes = {s: len(r) for s, (r, _) in splits.items()}
    assert sizes == {"train": SMOKE.train, "valid": SMOKE.valid, "test": SMOKE.test}, sizes
    items, _ = data.read_source(SMOKE.source)
    share = Counter(lab for _, lab in items)["1"] / len(items)
    for split, (_, labels) in splits.items():
        pos = labels.count("1")
        assert abs(pos - share * len(labels)) <= 1, f"{split}: {pos} positive of {len(labels)}"


@pytest.mark.parametrize("fixture", ["smoke_dir", "amazon_dir"])
def test_no_review_in_two_splits(fixture, request):
    splits = _splits(request.getfixturevalue(fixture))
    seen = [set(r) for r, _ in splits.values()]
    total = sum(len(r) for r, _ in splits.values())
    assert sum(len(s) for s in seen) == total, "a split repeats a review"
    assert len(set().union(*seen)) == total, "a review sits in two splits"


def test_amazon_fr_dedup_before_split_keeps_9_to_1(amazon_dir):
    splits = _splits(amazon_dir)
    sizes = [len(splits[s][0]) for s in data.SPLITS]
    src = CAT.sources["amazon-fr"]
    assert sum(sizes) == src.unique < src.rows, f"sizes {sizes}, {src.unique} unique of {src.rows}"
    train, valid, _ = sizes
    assert abs(train - data.TRAIN_PER_VALID * valid) <= data.TRAIN_PER_VALID, sizes


def test_prepare_is_idempotent_and_deterministic_from_scratch(smoke_dir, tmp_path, monkeypatch):
    before = data.data_hash(smoke_dir)
    assert data.prepare(SMOKE) == smoke_dir and data.data_hash(smoke_dir) == before
    # A fresh cache (sources copied: no download) rebuilds byte-identical files.
    shutil.copytree(sources.sources_dir(), tmp_path / "sources")
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path))
    fresh = data.prepare(SMOKE)
    assert fresh.parent.parent == tmp_path and fresh.name == smoke_dir.name
    assert data.data_hash(fresh) == before


def test_fetch_command_is_idempotent(capsys):
    assert fetch.main(argparse.Namespace()) == 0 and fetch.main(argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert out.count("encoder: ") == 2 and all(str(p) in out for p in sources.fetch().values()), out


def test_checksum_mismatch_names_the_file():
    src = CAT.sources["amazon-fr"]
    bad = dataclasses.replace(CAT, sources={**CAT.sources, "amazon-fr": dataclasses.replace(src, sha256="0" * 64)})
    with pytest.raises(ConfigError, match=r"polarity-fr-amazon\.csv: sha256 mismatch"):
        sources.fetch(bad)


# --- the split itself ------------------------------------------------------------------------


@given(
    pos=st.integers(1, 60),
    neg=st.integers(1, 60),
    parts=st.tuples(st.floats(0.05, 1), st.floats(0.05, 1), st.floats(0.05, 1)),
    seed=st.integers(0, 3),
)
def test_property_split_sizes_exact_stratified_and_a_partition(pos, neg, parts, seed):
    items = [(f"p{i}", "1") for i in range(pos)] + [(f"n{i}", "0") for i in range(neg)]
    n = len(items)
    sizes = [max(1, int(n * p / sum(parts))) for p in parts]
    while sum(sizes) > n:
        sizes[sizes.index(max(sizes))] -= 1
    out = data.stratified_split(items, sizes, seed)
    assert [len(out[s]) for s in data.SPLITS] == sizes
    used = [it for s in data.SPLITS for it in out[s]]
    assert len(set(used)) == len(used) and set(used) <= set(items)
    for s, size in zip(data.SPLITS, sizes):
        got = sum(lab == "1" for _, lab in out[s])
        assert abs(got - pos * size / n) < 1 + 1e-9, (s, got, pos * size / n)
    assert out == data.stratified_split(items, sizes, seed)


def test_split_depends_on_the_seed():
    items = [(f"r{i}", str(i % 2)) for i in range(100)]
    a, b = (data.stratified_split(items, (60, 20, 20), s) for s in (0, 1))
    assert a != b and sorted(a["train"] + a["valid"] + a["test"]) == sorted(items)


@pytest.mark.parametrize(
    "spec, expected",
    [
        (DataSpec("amazon-fr", 64, train=810, valid=90, test=200), (810, 90, 200)),
        (DataSpec("amazon-fr", 64, train_fraction=0.5), (540, 60, 600)),
    ],
)
def test_split_sizes(spec, expected):
    assert data.split_sizes(spec, 1200) == expected


@pytest.mark.parametrize(
    "spec", [DataSpec("x", 64, train=10, valid=0, test=5), DataSpec("x", 64, train=900, valid=200, test=200),
             DataSpec("x", 64), DataSpec("x", 64, train_fraction=1.0)]
)
def test_bad_split_sizes(spec):
    with pytest.raises(ConfigError, match="data.x"):
        data.split_sizes(spec, 1200)


def test_normalise_makes_one_line():
    assert data.normalise("  a\tb\n\nc\r\nd \u2028e ") == "a b c d e"


# --- user data: the lab's layout, validated ----------------------------------------------------


def _write(d, **files):
    d.mkdir(exist_ok=True)
    base = {f"{s}.{e}": ("good one\nbad one\n" if e == "review" else "1\n0\n")
            for s in data.SPLITS for e in ("review", "label")}
    for name, content in {**base, **files}.items():
        if content is None:
            (d / name).unlink(missing_ok=True)
        elif isinstance(content, bytes):
            (d / name).write_bytes(content)
        else:
            (d / name).write_text(content)
    return d


def test_user_dir_is_validated_and_returned_as_is(tmp_path, monkeypatch):
    d = _write(tmp_path / "cls", **{"test.label": "1\r\n0\r\n"})
    assert data.prepare(SMOKE, d) == d
    assert data.read_split(d, "test") == (["good one", "bad one"], ["1", "0"])
    monkeypatch.setenv(data.DATA_ENV, str(d))
    assert data.user_data_dir() == d and data.user_data_dir(tmp_path) == tmp_path
    assert data.prepare(DataSpec("dir", 64)) == d
    monkeypatch.delenv(data.DATA_ENV)
    with pytest.raises(ConfigError, match=r"--data DIR or \$LAB_DATA"):
        data.prepare(DataSpec("dir", 64))


@pytest.mark.parametrize(
    "files, message",
    [
        ({"valid.label": None}, r"valid\.label: missing"),
        ({"train.label": "1\n0\n1\n"}, r"train\.review: 2 reviews but train\.label has 3 labels"),
        ({"test.label": "1\npositive\n"}, r"test\.label:2: unknown label 'positive'"),
        ({"train.review": "fine\n\n"}, r"train\.review:2: empty review"),
        ({"valid.review": "fine\n   \n"}, r"valid\.review:2: empty review"),
        ({"test.review": b"ok\n\xff\xfe\n"}, r"test\.review:2: not valid UTF-8"),
        ({"test.review": "", "test.label": ""}, r"test\.review: no reviews"),
    ],
)
def test_bad_user_data_is_one_clear_error(tmp_path, files, message):
    d = _write(tmp_path / "bad", **files)
    with pytest.raises(ConfigError, match=message):
        data.validate(d)


def test_missing_dir_and_unknown_source(tmp_path):
    with pytest.raises(ConfigError, match="data directory not found"):
        data.validate(tmp_path / "nope")
    with pytest.raises(ConfigError, match="unknown data source 'cls-books'"):
        data.prepare(DataSpec("cls-books", 64))
