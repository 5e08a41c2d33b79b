"""Write: a :class:`~harness.intake.draft.Draft` as a schema-2 claims file (TOML text), every value
with a ``# source: WHERE "words"`` comment and, above it, a ``# review: reason`` line where a
person must look; claims not stated listed in ``not_stated`` with where the draft looked. The text
is checked by the claims loader (:func:`validate`) before anyone sees it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from harness.intake.draft import Draft, DraftClaim, suite
from harness.intake.found import Found

ENCODER = ("vocab_size", "d_model", "d_ff", "max_positions", "layers")


def s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def v(value) -> str:
    if isinstance(value, str):
        return s(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(v(x) for x in value) + "]"
    return repr(value)


def src(found: Found) -> str:
    if not found.where:
        return "  # source: none (not in the report)"
    words = "" if found.words == found.value else found.words.replace('"', "'")
    return f"  # source: {found.where}" + (f" \"{words}\"" if words else "")


def review(found: Found, indent: str = "") -> list[str]:
    return [f"{indent}# review: {found.review}"] if found.review else []


def line(key: str, found: Found, value=None) -> list[str]:
    return review(found) + [f"{key} = {v(found.value if value is None else value)}{src(found)}"]


def to_toml(d: Draft) -> str:
    name = d.path.name
    out = [f"# Drafted by `python -m harness draft` from {name}: {d.found} values found, {len(d.to_review)} to "
           f"review, {len(d.not_stated)} claim{'s' * (len(d.not_stated) != 1)} not stated.",
           "# Every value names its source: L12 is line 12, 2:12 is page 2, line 12 of a PDF, with the words it",
           "# came from. Check each \"# review:\" line, then delete it. Rules not written here (cells, margin,",
           "# delta, profile) are the report under test's (docs/ledger.md).",
           "schema = 2",
           f"source = {s(f'{name} (drafted by python -m harness draft; check the review marks)')}"]
    missing = [c for c in d.claims if not c.stated]
    if missing:
        out.append("not_stated = [")
        for c in missing:
            out += [f"  # review: not found: {c.looked}", f"  {s(c.id)},"]
        out.append("]")
    for c in d.cells:
        out += ["", f"[cells.{s(c.name)}]", f"section = {s(c.section or '(no heading)')}"]
        out += line("seeds", c.seeds) + line("accuracy", c.accuracy)
    for c in d.claims:
        if c.stated:
            out += [""] + _claim(c)
    return "\n".join(out) + "\n"


def _claim(c: DraftClaim) -> list[str]:
    out = ["[[claim]]", f"id = {s(c.id)}", f"section = {s(c.section)}"]
    out += line("quote", c.quote)
    out.append(f"relation = {s(c.relation)}")
    sub: list[str] = []
    for key, value in c.params.items():
        if key == "encoder":
            sub = ["[claim.encoder]"] + [x for k in ENCODER for x in line(k, value[k])]
        elif key == "printed":
            out.append("printed = [")
            for p in value:
                for f in (p["cell"], p["mean"], p["spread"]):
                    out += review(f, "  ")
                row = f"{{ cell = {s(p['cell'].value)}, mean = {s(p['mean'].value)}, spread = {s(p['spread'].value)} }},"
                out.append(f"  {row}{src(p['mean'])}")
            out.append("]")
        else:
            out += line(key, value)
    if c.relation == "lora_statement":
        out.append(f"reading = {s(_reading(c))}")
    return out + ([""] + sub if sub else [])


def _reading(c: DraftClaim) -> str:
    ref = next((x for x in suite().claims if x.id == c.id), None)
    states = c.params["states"].value
    if ref is not None and ref.params is not None and ref.params.states == states:
        return ref.params.reading
    return f"the report's words, read as stating {states!r} (drafted: check)"


def validate(text: str, name: str = "draft.toml"):
    """The claims file ``text`` as the loader reads it (its ConfigError names what is wrong)."""
    from harness.claims import claimsfile

    with tempfile.TemporaryDirectory(prefix="draft-") as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        return claimsfile.load(path)
