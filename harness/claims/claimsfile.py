"""The claims file (schema 2): a report's numbers and its claims, each with the rule that decides it.

``load(path)`` reads and checks one (``expected/report.toml`` is the report under test; a student's
copy audits another report). Every problem of a file is reported at once: one :class:`ConfigError`
with a line per problem, each naming the file, the claim or table, the key, what is wrong and the
fix, a mistyped key with the one meant (``harness.claims.problems``; docs/bad-input.md, "Claims
file"). A schema-1 file (the old
``[params]``/``[fairseq]``/``[hf]``/``[lora]`` layout) is refused with the command that upgrades it.

- ``[cells."<framework>.<init>"]``: ``section``, ``seeds``, ``accuracy`` (percent, one per seed).
  A list that mixes percents and fractions is refused, naming the value; NaN is accepted (the rows
  that use it say what cannot be decided).
- ``[[claim]]``: ``id``, ``section``, ``quote``, ``relation`` and the relation's parameters
  (``harness.claims.schema``; ``harness.claims.relations`` evaluates them). A claim of the report under test that another file does not
  make is listed in ``not_stated = ["C5", ...]`` (ids or id prefixes): its rows say NOT RUN (not
  stated in the report). A claim whose id is one of the report under test's inherits the rule's
  parameters it does not give (which cells, the margin, delta, the profile, the encoder, the epoch)
  from there (``harness.claims.inherit``; its rows name them); one it gives otherwise, and a
  ``[rules]`` alpha or power of its own, mark its verdict (``harness.claims.own``). A C5 claim's
  ``argument`` is implied by its id (C5.dropout: lora_dropout).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from harness.claims.inherit import inherit, inherited_in
from harness.claims.own import with_rules
from harness.claims.problems import Problems, built, missing_fields, suggest, unknown_fields
from harness.claims.schema import SCHEMAS
from harness.claims.units import percents
from harness.core.config import ConfigError, build, read_toml
from harness.core.paths import EXPECTED_DIR, ROOT

SCHEMA = 2
SUITE = EXPECTED_DIR / "report.toml"  # the report under test: its claims are every file's reference
HINT = "docs/ledger.md, the claims file"
UPGRADE = "python -m harness upgrade-claims {path} --out NEW.toml"
CELLS = ("fairseq.pretrained", "fairseq.random", "hf.pretrained", "hf.random")
TOP = {"schema", "source", "rules", "cells", "claim", "not_stated"}


@dataclass(frozen=True)
class Rules:
    alpha: float = 0.05  # the level of every deciding test
    power: float = 0.8  # the power "to decide" commands plan for


@dataclass(frozen=True)
class Cell:
    section: str  # where the report prints them
    seeds: tuple[int, ...]  # the seeds, as the report labels them
    accuracy: tuple[float, ...]  # test accuracy in percent, one per seed (nan: a seed the report leaves out)

    def by_seed(self) -> dict[int, float]:
        return dict(zip(self.seeds, self.accuracy))


@dataclass(frozen=True)
class Claim:
    id: str
    relation: str
    section: str = ""
    quote: str = ""
    stated: bool = True
    params: object = None  # the relation's Params (None when not stated)
    inherited: tuple[str, ...] = ()  # rule parameters taken from the report under test's claim
    differs: dict = field(default_factory=dict)  # rule parameter -> (this file's, the suite's)
    checked_by: str = ""  # the test of the rule on the report under test (its own file only)
    fresh_checked_by: dict = field(default_factory=dict)  # profile -> the test of the rule on its fresh runs


@dataclass(frozen=True)
class ClaimsFile:
    path: Path
    source: str
    rules: Rules
    cells: dict[str, Cell]
    claims: tuple[Claim, ...]

    @property
    def is_suite(self) -> bool:
        """Is this the report under test's own file (whose rules the suite's tests check)?"""
        return self.path.resolve() == SUITE.resolve()

    @property
    def name(self) -> str:
        """The file as reports name it: relative to the project when inside it, else its file name
        (never the absolute path of the machine that wrote the report)."""
        path = self.path.resolve()
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name

    @property
    def given(self) -> str:
        """The file as commands name it: the path it was given as (the project's own file relative)."""
        return self.name if self.path.resolve().is_relative_to(ROOT) else str(self.path)

    def claim(self, claim_id: str) -> Claim:
        return next(c for c in self.claims if c.id == claim_id)


def load(path: str | Path | None = None) -> ClaimsFile:
    """The claims file at ``path`` (default: the report under test), checked: every problem it has
    is reported at once, one line each (``harness.claims.problems``). Memoised on every byte it reads
    (the file, the report under test's, the lab's facts), its path as given and the cwd."""
    path = Path(path) if path else SUITE
    try:
        key = (str(path), os.getcwd(), str(SUITE), *(f.read_bytes() for f in (path, SUITE, EXPECTED_DIR / "lab.toml")))
    except OSError:
        return _load(path)
    if key not in _LOADED:
        _LOADED[key] = _load(path)
    return _LOADED[key]


_LOADED: dict[tuple, ClaimsFile] = {}  # a ledger's rows and the gate read the report under test's file hundreds of times


def _load(path: Path) -> ClaimsFile:
    try:
        raw = read_toml(path)
    except ConfigError as exc:
        if "not valid TOML" not in str(exc):
            raise
        raise ConfigError(f"{exc}; fix: correct the TOML syntax there (strings in quotes, lists in [...])") from None
    where = str(path)
    if "schema" not in raw and {"params", "fairseq", "hf", "lora"} & set(raw):
        raise ConfigError(f"{where}: a schema-1 claims file ([params], [fairseq], [hf], [lora]); fix: upgrade it "
                          f"with `{UPGRADE.format(path=shlex.quote(str(path)))}` and review the new file")
    problems = Problems()
    problems.add(*(f"{where}: unknown key {k!r}{suggest(k, TOP)}; fix: correct or remove it (keys: "
                   f"{', '.join(sorted(TOP))})" for k in sorted(set(raw) - TOP)))
    if raw.get("schema") != SCHEMA:
        problems.add(f"{where}: schema = {raw.get('schema')!r}; fix: write schema = {SCHEMA} at the top ({HINT})")
    if not isinstance(raw.get("source"), str):
        problems.add(f"{where}: source: missing or not a string; fix: add source = \"...\" (where the report is)")
    rules = Rules()
    with problems.check():
        rules = _rules(raw.get("rules", {}), f"{where}: [rules]")
    cells = {}
    with problems.check():
        tables = _table(raw, "cells", where)
        for name, table in tables.items():
            with problems.check():
                cells[name] = _cell(table, f"{where}: [cells.\"{name}\"]", name)
            if problems.failed:  # a claim that uses a cell in error is not another error
                cells[name] = None
                cells.update({c: None for c in CELLS if c not in tables} if name not in CELLS else {})
    reference = None if path.resolve() == SUITE.resolve() else load(SUITE)
    claims = _claims(raw, where, cells, reference, problems)
    problems.raise_all()
    if reference is not None:  # the file's own alpha and power mark the verdicts they decide
        own = {k: (getattr(rules, k), getattr(reference.rules, k)) for k in ("alpha", "power")
               if getattr(rules, k) != getattr(reference.rules, k)}
        claims = tuple(with_rules(c, own, SCHEMAS[c.relation].uses if c.stated else ()) for c in claims)
    return ClaimsFile(path, raw["source"], rules, cells, claims)


def _rules(table, where: str) -> Rules:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table (alpha = ..., power = ...); fix: write [rules] on a line of its own")
    wrong = unknown_fields(Rules, table, where, "correct or remove it")
    if wrong:
        raise ConfigError("\n".join(wrong))
    rules = build(Rules, table, where)
    if not 0 < rules.alpha < 0.5 or not 0 < rules.power < 1:
        raise ConfigError(f"{where}: alpha = {rules.alpha:g}, power = {rules.power:g}; fix: alpha in (0, 0.5) and power "
                          "in (0, 1) (the report under test's: alpha = 0.05, power = 0.8)")
    return rules


def _table(raw: dict, key: str, where: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: expected a table, got {value!r}; fix: write [{key}.\"NAME\"] tables ({HINT})")
    return value


def _cell(table, where: str, name: str) -> Cell:
    if name not in CELLS:
        raise ConfigError(f"{where}: unknown cell{suggest(name, CELLS)}; fix: name it one of {', '.join(CELLS)}")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table with section, seeds and accuracy; fix: write them under it")
    wrong = unknown_fields(Cell, table, where, "correct or remove it") + missing_fields(Cell, table, where)
    if wrong:
        raise ConfigError("\n".join(wrong))
    cell = built(Cell, table, where, "the cell's seeds and accuracies as lists of numbers, its section as a string")
    if not cell.seeds:
        raise ConfigError(f"{where}: seeds = [] lists no seed; fix: list the report's seeds and one accuracy per seed, "
                          "or remove the cell (and list the claims that use it in not_stated)")
    if len(set(cell.seeds)) != len(cell.seeds):
        raise ConfigError(f"{where}: seeds = {list(cell.seeds)} repeats a seed; fix: list each seed once")
    if len(cell.accuracy) != len(cell.seeds):
        raise ConfigError(f"{where}: accuracy has {len(cell.accuracy)} values for {len(cell.seeds)} seeds "
                          f"{list(cell.seeds)}; fix: give one value per seed, in the order of seeds")
    percents(cell.accuracy, f"{where}: accuracy")
    return cell


def _claims(raw: dict, where: str, cells: dict, reference: ClaimsFile | None, problems: Problems) -> tuple[Claim, ...]:
    items = raw.get("claim", [])
    if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
        problems.add(f"{where}: claim: expected [[claim]] tables; fix: write each claim under a line [[claim]] ({HINT})")
        items = []
    not_stated = raw.get("not_stated", [])
    if not isinstance(not_stated, list) or not all(isinstance(x, str) for x in not_stated):
        problems.add(f"{where}: not_stated = {not_stated!r}; fix: write a list of claim ids, e.g. [\"C5\", \"C6\"]")
        not_stated = []
    out, seen = [], set()
    for i, table in enumerate(items, 1):
        cid = table.get("id")
        if isinstance(cid, str) and cid in seen:
            problems.add(f"{where}: [[claim]] #{i}: id {cid!r} repeats; fix: give each claim its own id")
            continue
        seen.add(cid)
        claim = None
        with problems.check():
            claim = _claim(dict(table), f"{where}: [[claim]] #{i}", cells, reference)
        if claim is not None:
            out.append(claim)
    expected = [c for c in (reference.claims if reference else ())]
    for ref in expected:
        declared = any(ref.id == p or ref.id.startswith(p + ".") for p in not_stated)
        if ref.id in seen and declared:
            problems.add(f"{where}: {ref.id} is both a [[claim]] and in not_stated; fix: keep one")
        elif declared:
            out.append(Claim(ref.id, ref.relation, ref.section, stated=False))
        elif ref.id not in seen and all(isinstance(t.get("id"), str) for t in items):  # (else: that claim's error)
            problems.add(f"{where}: claim {ref.id} ({ref.relation}, §{ref.section}) is missing; fix: add a [[claim]] "
                         f"with id = \"{ref.id}\", or list it in not_stated if the report does not make it")
    ids = [c.id for c in expected]
    for p in not_stated:
        if not any(c == p or c.startswith(p + ".") for c in ids):
            problems.add(f"{where}: not_stated names {[p]}, not claims of the report under test{suggest(p, ids)}; fix: "
                         f"name some of {', '.join(ids)}")
    return tuple(out)


def _claim(table: dict, where: str, cells: dict, reference: ClaimsFile | None) -> Claim:
    """One [[claim]]: every problem of it at once (a ConfigError of several lines)."""
    missing = [key for key in ("id", "relation") if not isinstance(table.get(key), str)]
    if missing:
        raise ConfigError("\n".join(f"{where}: {key}: missing or not a string; fix: add {key} = \"...\" ({HINT})"
                                    for key in missing))
    cid, name = table.pop("id"), table.pop("relation")
    where = f"{where} ({cid})"
    relation = SCHEMAS.get(name)
    if relation is None:
        raise ConfigError(f"{where}: relation = {name!r}{suggest(name, SCHEMAS)}; fix: use one of {', '.join(SCHEMAS)}")
    meta = {k: table.pop(k) for k in ("section", "quote", "checked_by", "fresh_checked_by") if k in table}
    found = [f"{where}: {key}: missing; fix: add {key} = \"...\" (the report's words and where)"
             for key in ("section", "quote") if not isinstance(meta.get(key), str) or not meta[key]]
    fresh = meta.get("fresh_checked_by", {})
    if not isinstance(meta.get("checked_by", ""), str) or not isinstance(fresh, dict):
        found.append(f"{where}: checked_by is a test id, fresh_checked_by a table {{profile = test id}}; fix: write "
                     "them so, or leave them out (the report under test's file only)")
    ref = next((c for c in reference.claims if c.id == cid), None) if reference else None
    if ref is not None and ref.relation != name:
        raise ConfigError("\n".join(found + [f"{where}: relation {name!r}, but the report under test's {cid} is "
                                             f"{ref.relation!r}; fix: use the same relation, or another id for a new claim"]))
    for key, value in (relation.imply(cid) if relation.imply else {}).items():
        table.setdefault(key, value)
    inherited, differs = inherit(table, relation.rule, ref)
    fix = f"correct or remove it (the parameters of {name!r}: {HINT})"
    names = [f.name for f in dataclasses.fields(relation.params)]
    known = {k: v for k, v in table.items() if k in names}  # a mistyped key is reported, its claim still checked
    found += unknown_fields(relation.params, table, where, fix) + missing_fields(relation.params, table, where)
    if unknown_fields(relation.params, known, where, fix) or missing_fields(relation.params, known, where):
        raise ConfigError("\n".join(found))  # a nested key or a required one is wrong: nothing to build
    try:
        if relation.check_text:
            relation.check_text(known, where, meta["quote"])
        params = built(relation.params, known, where, f"see the relation {name!r} in {HINT}")
        try:
            relation.check(params, cells, where)
        except ConfigError as exc:
            raise inherited_in(exc, inherited, known, reference) from None
    except ConfigError as exc:
        found += str(exc).splitlines()
    if found:
        raise ConfigError("\n".join(found))
    return Claim(cid, name, meta["section"], meta["quote"], True, params, tuple(inherited), differs,
                 meta.get("checked_by", ""), dict(fresh))

