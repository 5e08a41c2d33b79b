"""The claims file (schema 2): a report's numbers and its claims, each with the rule that decides it.

``load(path)`` reads and checks one (``expected/report.toml`` is the report under test; a student's
copy audits another report). Every problem is one :class:`ConfigError` naming the file, the key,
what is wrong and the fix (docs/bad-input.md, "Claims file"). A schema-1 file (the old
``[params]``/``[fairseq]``/``[hf]``/``[lora]`` layout) is refused with the command that upgrades it.

- ``[cells."<framework>.<init>"]``: ``section``, ``seeds``, ``accuracy`` (percent, one per seed).
  A list that mixes percents and fractions is refused, naming the value; NaN is accepted (the rows
  that use it say what cannot be decided).
- ``[[claim]]``: ``id``, ``section``, ``quote``, ``relation`` and the relation's parameters
  (``harness.claims.schema``; ``harness.claims.relations`` evaluates them). A claim of the report under test that another file does not
  make is listed in ``not_stated = ["C5", ...]`` (ids or id prefixes): its rows say NOT RUN (not
  stated in the report). A claim whose id is one of the report under test's inherits the rule's
  parameters it does not give (which cells, the margin, delta, the profile) from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

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
    section: str
    seeds: tuple[int, ...]
    accuracy: tuple[float, ...]  # percent, one per seed

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
    """The claims file at ``path`` (default: the report under test), checked."""
    path = Path(path) if path else SUITE
    try:
        raw = read_toml(path)
    except ConfigError as exc:
        if "not valid TOML" not in str(exc):
            raise
        raise ConfigError(f"{exc}; fix: correct the TOML syntax there (strings in quotes, lists in [...])") from None
    where = str(path)
    if "schema" not in raw and {"params", "fairseq", "hf", "lora"} & set(raw):
        raise ConfigError(f"{where}: a schema-1 claims file ([params], [fairseq], [hf], [lora]); fix: upgrade it "
                          f"with `{UPGRADE.format(path=path)}` and review the new file")
    unknown = sorted(set(raw) - TOP)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; fix: remove them (keys: {', '.join(sorted(TOP))})")
    if raw.get("schema") != SCHEMA:
        raise ConfigError(f"{where}: schema = {raw.get('schema')!r}; fix: write schema = {SCHEMA} at the top ({HINT})")
    if not isinstance(raw.get("source"), str):
        raise ConfigError(f"{where}: source: missing or not a string; fix: add source = \"...\" (where the report is)")
    rules = build(Rules, raw.get("rules", {}), f"{where}: [rules]")
    if not 0 < rules.alpha < 0.5 or not 0 < rules.power < 1:
        raise ConfigError(f"{where}: [rules] alpha must be in (0, 0.5) and power in (0, 1), got {rules}")
    cells = {name: _cell(table, f"{where}: [cells.\"{name}\"]", name) for name, table in _table(raw, "cells", where).items()}
    reference = None if path.resolve() == SUITE.resolve() else load(SUITE)
    claims = _claims(raw, where, cells, reference)
    return ClaimsFile(path, raw["source"], rules, cells, claims)


def _table(raw: dict, key: str, where: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: expected a table, got {value!r}")
    return value


def _cell(table, where: str, name: str) -> Cell:
    if name not in CELLS:
        raise ConfigError(f"{where}: unknown cell; fix: name it one of {', '.join(CELLS)}")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table with section, seeds and accuracy")
    cell = build(Cell, table, where)
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


def _claims(raw: dict, where: str, cells: dict, reference: ClaimsFile | None) -> tuple[Claim, ...]:
    items = raw.get("claim", [])
    if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
        raise ConfigError(f"{where}: claim: expected [[claim]] tables")
    not_stated = raw.get("not_stated", [])
    if not isinstance(not_stated, list) or not all(isinstance(x, str) for x in not_stated):
        raise ConfigError(f"{where}: not_stated = {not_stated!r}; fix: write a list of claim ids, e.g. [\"C5\", \"C6\"]")
    out, seen = [], set()
    for i, table in enumerate(items, 1):
        claim = _claim(dict(table), f"{where}: [[claim]] #{i}", cells, reference)
        if claim.id in seen:
            raise ConfigError(f"{where}: [[claim]] #{i}: id {claim.id!r} repeats; fix: give each claim its own id")
        seen.add(claim.id)
        out.append(claim)
    expected = [c for c in (reference.claims if reference else ())]
    for ref in expected:
        declared = any(ref.id == p or ref.id.startswith(p + ".") for p in not_stated)
        if ref.id in seen and declared:
            raise ConfigError(f"{where}: {ref.id} is both a [[claim]] and in not_stated; fix: keep one")
        if declared:
            out.append(Claim(ref.id, ref.relation, ref.section, stated=False))
        elif ref.id not in seen:
            raise ConfigError(f"{where}: claim {ref.id} ({ref.relation}, §{ref.section}) is missing; fix: add a "
                              f"[[claim]] with id = \"{ref.id}\", or list it in not_stated if the report does not make it")
    unknown = [p for p in not_stated if not any(c.id == p or c.id.startswith(p + ".") for c in expected)]
    if unknown:
        raise ConfigError(f"{where}: not_stated names {unknown}, not claims of the report under test "
                          f"({', '.join(c.id for c in expected)})")
    return tuple(out)


def _claim(table: dict, where: str, cells: dict, reference: ClaimsFile | None) -> Claim:
    for key in ("id", "relation"):
        if not isinstance(table.get(key), str):
            raise ConfigError(f"{where}: {key}: missing or not a string; fix: add {key} = \"...\" ({HINT})")
    cid, name = table.pop("id"), table.pop("relation")
    where = f"{where} ({cid})"
    relation = SCHEMAS.get(name)
    if relation is None:
        raise ConfigError(f"{where}: relation = {name!r}; fix: use one of {', '.join(SCHEMAS)}")
    meta = {k: table.pop(k) for k in ("section", "quote", "checked_by", "fresh_checked_by") if k in table}
    for key in ("section", "quote"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise ConfigError(f"{where}: {key}: missing; fix: add {key} = \"...\" (the report's words and where)")
    ref = next((c for c in reference.claims if c.id == cid), None) if reference else None
    if ref is not None and ref.relation != name:
        raise ConfigError(f"{where}: relation {name!r}, but the report under test's {cid} is {ref.relation!r}; "
                          "fix: use the same relation, or another id for a new claim")
    inherited, differs = [], {}
    if ref is not None:
        for key in relation.rule:
            suite_value = getattr(ref.params, key)
            if key not in table:
                table[key] = suite_value
                inherited.append(key)
            elif _plain(table[key]) != _plain(suite_value):
                differs[key] = (table[key], suite_value)
    if relation.check_text:
        relation.check_text(table, where)
    try:
        params = build(relation.params, table, where)
    except ConfigError as exc:
        quoted = re.search(r"expected (int|float), got '", str(exc))
        fix = "write the number without quotes" if quoted else f"see the relation {name!r} in {HINT}"
        raise ConfigError(f"{exc}; fix: {fix}") from None
    try:
        relation.check(params, cells, where)
    except ConfigError as exc:
        raise _inherited_in(exc, inherited, table, reference) from None
    fresh = meta.get("fresh_checked_by", {})
    if not isinstance(meta.get("checked_by", ""), str) or not isinstance(fresh, dict):
        raise ConfigError(f"{where}: checked_by is a test id, fresh_checked_by a table {{profile = test id}}")
    return Claim(cid, name, meta["section"], meta["quote"], True, params, tuple(inherited), differs,
                 meta.get("checked_by", ""), dict(fresh))


def _inherited_in(exc: ConfigError, inherited: list[str], table: dict, reference) -> ConfigError:
    """``exc`` saying which of the parameters it names the file never wrote: they were inherited
    from the report under test, and the fix is to write this claim's own."""
    named = [k for k in inherited if re.search(rf"\b{k}( =| names)", str(exc))]
    if not named:
        return exc
    given = ", ".join(f"{k} = {_toml(table[k])}" for k in named)
    head = str(exc).split("; fix:")[0]
    return ConfigError(f"{head} ({given}: not written in this [[claim]], inherited from the report under test, "
                       f"{reference.name}); fix: write this claim's own " + " and ".join(named)
                       + ("" if "learned" not in named else " (learned = \"\" for none)"))


def _toml(value) -> str:
    return "[" + ", ".join(map(_toml, value)) + "]" if isinstance(value, (list, tuple)) else \
        f'"{value}"' if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def _plain(value):
    return list(value) if isinstance(value, tuple) else [_plain(v) for v in value] if isinstance(value, list) else value
