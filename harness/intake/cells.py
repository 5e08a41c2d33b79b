"""Locate the report's per-seed accuracies: the cells ``fairseq.pretrained``, ``fairseq.random``,
``hf.pretrained`` (and ``hf.random``), from tables (pipes, tabs, aligned spaces, a PDF's single
spaces; seeds as columns or as rows), lists (one value per item) and sentences ("pretrained: 79.9 %,
80 % et 83.5 %"). Pure: rows in, :class:`CellFound` out.

Review marks: seeds labelled 1..n (the lab's runs are 0..n-1), no seed labels (numbered in the order
printed), fractions turned into percents, a count of values other than the lab's 3, a framework
or an init the text does not name, a cell found twice with different values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from harness.intake import text as T
from harness.intake.doc import Row, framework, prose
from harness.intake.found import Found, short

LAB_SEEDS = 3


@dataclass(frozen=True)
class CellFound:
    name: str  # "fairseq.pretrained", ...
    section: str
    seeds: Found  # list[int]
    accuracy: Found  # list[float], percent
    intro: Found  # the sentence that gives the values (str), "" when none
    tabular: bool  # from a table or a list (the quote then ends with "[the table]")


def _init(text: str) -> str:
    r, p = T.RANDOM.search(text), T.PRETRAINED.search(text)
    if r and (not p or r.start() <= p.start() or "non" in text[max(0, p.start() - 4):p.start()].lower()):
        return "random"
    return "pretrained" if p else ""


_N = r"\d{1,3}(?![.,]\d|\s*%)"
_LABELS = re.compile(rf"(?:\bseeds?|\bgraines?|\bgermes?|\bruns?)\s*[#=:n°]?\s*\(?\s*(?P<list>{_N}(?:\s*(?:,|;|and|et|&|-|–|à|to)\s*{_N})*)",
                     re.IGNORECASE)


def _label_spans(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, seeds) of each seed label: "seed 0", "graines 0, 1, 2", "seeds 1–3", "graines 1 à 3"."""
    out = []
    for m in _LABELS.finditer(text):
        raw = m.group("list")
        nums = [int(x) for x in re.findall(r"\d+", raw)]
        if len(nums) == 2 and re.search(r"\d\s*(?:-|–|à|to)\s*\d", raw) and nums[0] < nums[1] <= nums[0] + 20:
            nums = list(range(nums[0], nums[1] + 1))
        out.append((m.start("list"), m.end("list"), nums))
    return out


def _candidates(text: str) -> list[T.Num]:
    """The numbers of a segment that may be accuracies: not a seed's label, not a "mean ± spread"
    pair, not beyond 100."""
    spans = _label_spans(text)
    out = []
    for n in T.numbers(text):
        before, after = text[:n.start], text[n.end:]
        if any(a <= n.start < b for a, b, _ in spans):
            continue
        if re.search(r"±\s*$|\+/?-\s*$", before) or re.match(r"\s*\(?\s*(?:±|\+/?-)", after):
            continue
        if n.value < 0 or n.value > 100:
            continue
        out.append(n)
    return out


def _seed_labels(text: str) -> list[int]:
    labels = [x for _, _, nums in _label_spans(text) for x in nums]
    if not labels and T.SEED.search(text):  # "Seed | 0 | 1 | 2"
        labels = [int(n.value) for n in T.numbers(text) if n.is_int and not n.percent and n.value < 1000]
    return labels


def _columns(text: str) -> list[str]:
    parts = re.split(r"\s*\|\s*|\t+|\s{2,}", text.strip().strip("|"))
    return [p for p in parts if p.strip()]


def _as_percents(nums: list[T.Num]) -> tuple[list[float], str]:
    if all(n.value <= 1 and not n.percent for n in nums) and any(not n.is_int for n in nums):
        shown = ", ".join(n.text for n in nums)
        return [float(n.value * 100) for n in nums], f"fractions turned into percents ({shown})"
    return [float(n.value) for n in nums], ""


@dataclass
class _Group:
    init: str
    framework: str
    rows: list  # the Rows it came from
    values: list  # Num
    seeds: list  # labels (may be empty)
    tabular: bool
    review: list


def _segments(text: str) -> list[tuple[str, str]]:
    """A line cut at each init word that numbers follow: [(init, segment), ...]."""
    marks = [(m.start(), "random") for m in T.RANDOM.finditer(text)]
    marks += [(m.start(), "pretrained") for m in T.PRETRAINED.finditer(text)
              if not any(abs(m.start() - s) < 12 for s, _ in marks)]
    marks.sort()
    out = []
    cands = _candidates(text)
    if marks and cands and cands[0].start < marks[0][0]:  # "79.9 %, 80 % with the pretrained model and ..."
        for i, (start, init) in enumerate(marks):
            begin = marks[i - 1][0] if i else 0
            out.append((init, text[begin:start]))
        return [(init, seg) for init, seg in out if _candidates(seg)]
    for i, (start, init) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        out.append((init, text[start:end]))
    return [(init, seg) for init, seg in out if _candidates(seg)]


def locate(rows: list[Row]) -> list[CellFound]:
    groups: list[_Group] = []
    header: list[int] = []  # seed labels of the table header above
    header_mean = False
    columns: list[str] = []  # a transposed table's inits, by column
    bullets: _Group | None = None
    singles: dict = {}  # (init, framework) -> the group a table of one value per cell and row grows
    for i, row in enumerate(rows):
        t = row.text
        if row.heading:
            header, columns, bullets = [], [], None
            continue
        if not t.strip():
            bullets = None
            continue
        cands = _candidates(t)
        if re.fullmatch(r"[|\s:-]+", t):
            continue
        is_prose = prose(row) and not cands
        if "±" in t and T.numbers(t) and not _init(t[:cands[0].start] if cands else t) and not columns:
            continue  # an aggregate sentence: the C6 locator's
        if not cands:
            seeds = _seed_labels(t)
            inits = [_init(c) for c in _columns(t)]
            if len(seeds) >= 2:
                header, header_mean, columns = seeds, bool(T.MEAN.search(t)), []
            elif sum(1 for x in inits if x) >= 2 and not prose(row):
                columns = inits
                groups.extend(_Group(x, framework(c) or row.framework, [row], [], [], True, [])
                              for c, x in zip(_columns(t), inits) if x)
            elif T.SEED.search(t) and not prose(row):  # "| seed | accuracy |": one row per seed below
                bullets = _Group(_init(t) or "pretrained", row.framework, [], [], [], True,
                                 [] if _init(t) or row.framework == "hf" else ["the table does not say pretrained or random: read as pretrained"])
                groups.append(bullets)
                continue
            elif is_prose:
                header, columns = [], []
            bullets = None
            continue
        first = _columns(t)[0] if _columns(t) else ""
        if bullets is not None and bullets.tabular and re.fullmatch(r"\d{1,3}", first.strip()) and len(cands) == 2:
            bullets.rows.append(row), bullets.values.append(cands[1]), bullets.seeds.append(int(first))
            continue
        if columns and re.search(r"mean|moyenne|average|\bstd|\bsd\b|[ée]cart", first, re.I):
            continue  # a transposed table's aggregate row: the C6 locator's
        if columns:  # a transposed table: "0 | 79.9 | 67.5"
            label = _seed_labels(t) or [int(n.value) for n in T.numbers(_columns(t)[0]) if n.is_int][:1]
            values = cands[1:] if label and cands and cands[0].is_int and int(cands[0].value) == label[0] else cands
            inits = [x for x in columns if x]
            if len(values) == len(inits):
                for g, v in zip(groups[-len(inits):], values):
                    g.values.append(v), g.rows.append(row), g.seeds.extend(label[:1])
                continue
        segments = _segments(t)
        if segments:
            bullets, kept, line_seeds = None, singles, _seed_labels(t)
            singles = {}
            for init, seg in segments:
                nums = _candidates(seg)
                if header_mean and len(nums) == len(header) + 1:
                    nums = nums[:-1]
                if len(nums) == 1 and prose(row) and not row.bullet:
                    continue  # one number in a sentence ("reaches 81.1% on average") is not a per-seed list
                seeds = _seed_labels(seg) or (header if len(header) == len(nums) else [])
                tabular = not prose(row) or bool(header)
                fw = framework(seg[:nums[0].start]) or row.framework  # "HF pretrained | ..." in a fairseq section
                if len(nums) == 1 and len(line_seeds) == 1:  # "Seed 0: pretrained 79.9%, random 67.5%", row by row
                    g = kept.get((init, fw)) or _Group(init, fw, [], [], [], True, [])
                    if not g.rows:
                        groups.append(g)
                    g.rows.append(row), g.values.append(nums[0]), g.seeds.append(line_seeds[0])
                    singles[init, fw] = g
                    continue
                groups.append(_Group(init, fw, [row], nums, seeds, tabular, []))
            continue
        if len(cands) >= 2 and not _init(t) and (all(c.percent for c in cands) or all(
                c.value <= 1 and not c.is_int for c in cands)):  # "79,9 %, 79 % et 81,1 %", "0.799, 0.790 and 0.811"
            review = [] if row.framework == "hf" else ["the sentence does not say pretrained or random: read as pretrained"]
            groups.append(_Group("pretrained", row.framework, [row], cands, _seed_labels(t), not prose(row), review))
            bullets = None
            continue
        if row.bullet and len(cands) == 1 and "=" not in t and (cands[0].percent or not cands[0].is_int):
            if bullets is None:
                said = intro(rows, i)
                init = _init(said.value) if said.value else ""
                review = [] if init or row.framework == "hf" else ["the list does not say pretrained or random: read as pretrained"]
                bullets = _Group(init or "pretrained", row.framework, [], [], [], True, review)
                groups.append(bullets)
            bullets.rows.append(row), bullets.values.append(cands[0]), bullets.seeds.extend(_seed_labels(t)[:1])
    return _cells(rows, groups)


def intro(rows: list[Row], i: int) -> Found:
    """The last sentence before rows[i] (same section), the words that introduce a table or list."""
    for j in range(i - 1, -1, -1):
        row = rows[j]
        if row.heading:
            break
        if prose(row):
            last = T.sentences(row.text)[-1][1]
            return Found(T.words(last), row.where, short(last))
    return Found("", "", "", "no sentence introduces the values")


def _cells(rows: list[Row], groups: list[_Group]) -> list[CellFound]:
    out: dict[str, CellFound] = {}
    for g in groups:
        if not g.values:
            continue
        review = list(g.review)
        fw = g.framework
        if not fw:
            fw, _ = "fairseq", review.append("the text names no framework here: read as fairseq")
        name = f"{fw}.{g.init}"
        accuracy, frac = _as_percents(g.values)
        if frac:
            review.append(frac)
        n = len(accuracy)
        seeds, seed_review = _seeds(g.seeds, n)
        if n != LAB_SEEDS:
            review.append(f"{n} values (the lab ran {LAB_SEEDS} seeds)")
        first = g.rows[0]
        where = first.where if len(g.rows) == 1 else f"{first.where}-{g.rows[-1].where.split(':')[-1].lstrip('L')}"
        words = short(" / ".join(T.words(r.text) for r in g.rows[:3]))
        index = rows.index(first)
        said = intro(rows, index) if g.tabular else Found(T.words(first.text), first.where, short(first.text))
        found = CellFound(name, first.section, Found(seeds, where, words, seed_review),
                          Found(accuracy, where, words, "; ".join(review)), said, g.tabular)
        if name in out and len(out[name].accuracy.value) != LAB_SEEDS and n == LAB_SEEDS:
            kept = out.pop(name)  # a list of the lab's three seeds beats a lone number found earlier
            found = CellFound(name, found.section, found.seeds, found.accuracy.needs(
                f"{name} also at {kept.accuracy.where} with other values {kept.accuracy.value}"), found.intro, found.tabular)
        if name in out:
            if out[name].accuracy.value != accuracy:
                kept = out[name]
                out[name] = CellFound(name, kept.section, kept.seeds, kept.accuracy.needs(
                    f"{name} also at {where} with other values {accuracy}"), kept.intro, kept.tabular)
            continue
        out[name] = found
    return list(out.values())


def _seeds(labels: list[int], n: int) -> tuple[list[int], str]:
    if len(labels) == n and len(set(labels)) == n:
        if labels == list(range(1, n + 1)):
            return labels, f"seeds labelled 1–{n} (the lab's runs are seeds 0–{n - 1}): check which runs they are"
        return labels, ""
    return list(range(n)), f"no seed labels: numbered 0–{n - 1} in the order printed"
