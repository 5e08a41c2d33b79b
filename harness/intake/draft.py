"""Draft: a report's lines -> what its claims file states, claim by claim, each value a
:class:`~harness.intake.found.Found` (where, words, review). The report under test's claims file
gives the claims to look for (their ids, relations and order); a claim the report does not make is
not stated, with where the draft looked.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from harness.intake import cells as C
from harness.intake import doc, locate, statements
from harness.intake.found import Found
from harness.intake.read import Line, read


@dataclass(frozen=True)
class DraftClaim:
    id: str
    relation: str
    section: str = ""
    quote: Found | None = None
    params: dict = field(default_factory=dict)  # key -> Found, or a list/dict of them
    looked: str = ""  # not stated: where the draft looked, for what

    @property
    def stated(self) -> bool:
        return self.quote is not None


@dataclass(frozen=True)
class Draft:
    path: Path
    cells: list  # CellFound
    claims: list  # DraftClaim

    def fields(self) -> dict[str, Found]:
        """Every drafted value by field name (``harness.intake.fields`` names them alike)."""
        out: dict[str, Found] = {}
        for c in self.cells:
            out[f"cells.{c.name}.seeds"] = c.seeds
            out[f"cells.{c.name}.accuracy"] = c.accuracy
        for c in self.claims:
            if not c.stated:
                out[f"{c.id}.stated"] = Found(False, "", "", f"not found: {c.looked}")
                continue
            out[f"{c.id}.stated"] = Found(True, c.quote.where, c.quote.words)
            out[f"{c.id}.quote"] = c.quote
            for key, value in c.params.items():
                if key == "encoder":
                    out.update({f"{c.id}.encoder.{k}": v for k, v in value.items()})
                elif key == "printed":
                    for p in value:
                        out[f"{c.id}.printed.{p['cell'].value}.mean"] = p["mean"]
                        out[f"{c.id}.printed.{p['cell'].value}.spread"] = p["spread"]
                elif isinstance(value, Found):
                    out[f"{c.id}.{key}"] = value
        return out

    @property
    def found(self) -> int:
        return sum(1 for k, f in self.fields().items() if not k.endswith(".stated") and f.where)

    @property
    def to_review(self) -> list[tuple[str, Found]]:
        return [(k, f) for k, f in self.fields().items() if f.review and not k.endswith(".stated")]

    @property
    def not_stated(self) -> list[str]:
        return [c.id for c in self.claims if not c.stated]


@functools.lru_cache(maxsize=1)
def suite():
    """The report under test's claims file: the claims a draft looks for, and their readings."""
    from harness.claims import claimsfile

    return claimsfile.load()


def draft(path: str | Path) -> Draft:
    return draft_lines(read(path), Path(path))


def draft_lines(lines: list[Line], path: Path) -> Draft:
    rows = doc.build(lines)
    cells = {c.name: c for c in C.locate(rows)}
    found: dict[str, DraftClaim] = {}
    total, quote, dims = locate.count(rows)
    if total is not None:
        found["C1"] = DraftClaim("C1", "count", total_section(rows, total), quote,
                                 {"total": total, "encoder": _encoder(dims, total)})
    fs = [cells.get("fairseq.pretrained"), cells.get("fairseq.random")]
    if all(fs):
        first = min(fs, key=lambda c: c.accuracy.where)
        intro = first.intro
        text = f"{intro.value} [the table]".strip() if first.tabular else intro.value
        found["C2"] = DraftClaim("C2", "values", first.section or "(no heading)", Found(text, intro.where, intro.words, intro.review))
    best = locate.best_epoch(rows)
    if best:
        epoch, updates, q = best
        params = {"epoch": epoch} | ({"updates": updates} if updates.where and updates.words else {})
        found["C2b"] = DraftClaim("C2b", "best_epoch", _section(rows, q), q, params)
    better = locate.much_better(rows)
    if better and all(fs):
        found["C3"] = DraftClaim("C3", "superiority", _section(rows, better), better)
    same = locate.consistent(rows)
    if same and cells.get("hf.pretrained") and fs[0]:
        found["C4"] = DraftClaim("C4", "equivalence", _section(rows, same), same)
    for s in statements.locate(rows):
        found[s.id] = DraftClaim(s.id, "lora_statement", s.section or "(no heading)", s.quote,
                                 {"argument": Found(s.argument, s.quote.where, s.quote.words), "states": s.states})
    printed, q = locate.aggregates(rows)
    printed = [p for p in printed if p["cell"].value in cells]
    if printed:
        found["C6"] = DraftClaim("C6", "aggregate", _section(rows, q), q, {"printed": printed})
    claims = [found.get(ref.id) or DraftClaim(ref.id, ref.relation, ref.section, looked=_looked(ref, cells))
              for ref in suite().claims]
    return Draft(path, list(cells.values()), claims)


LOOKED = {
    "count": "a sentence with a number of parameters (parameters / paramètres) of 100,000 or more",
    "values": "a table, list or sentence of accuracies for both pretrained and random fairseq runs",
    "best_epoch": "a sentence naming the best epoch (epoch / époque) outside the HuggingFace section",
    "superiority": "a sentence saying pretrained is better than random (better / mieux / meilleur), with both fairseq cells",
    "equivalence": "a sentence in the HuggingFace section saying consistent / cohérent / similar, with the HF cell",
    "lora_statement": "a line or list item starting with the argument's name and a colon",
    "aggregate": "a \"mean ± spread\" outside the HuggingFace section",
}


def _looked(ref, cells) -> str:
    where = f"looked for {LOOKED[ref.relation]}"
    if ref.relation == "lora_statement" and ref.id == "C5.bias_none":
        where = "looked in the bias item for \"no bias\" / \"aucun biais\" / none"
    return f"{where}; found none" + (f" (cells found: {', '.join(cells) or 'none'})" if ref.relation in
                                     ("values", "superiority", "equivalence", "aggregate") else "")


def _section(rows, quote: Found) -> str:
    return next((r.section for r in rows if r.where == quote.where), "") or "(no heading)"


def total_section(rows, total: Found) -> str:
    return _section(rows, total)


def _encoder(dims: dict[str, Found], total: Found) -> dict[str, Found]:
    lab = suite().claim("C1").params.encoder
    out = {}
    for k in ("vocab_size", "d_model", "d_ff", "max_positions", "layers"):
        out[k] = dims.get(k) or Found(getattr(lab, k), "", "", f"{k} not found near the count: the lab's value")
    given = locate.formula({k: f.value for k, f in out.items()})
    if given != total.value:  # a slip of the report's, or a dim misread: a person tells which
        why = f"these dims give {given:,} by the lab's formula, not the stated {total.value:,}: check each dim"
        out = {k: f.needs(why) for k, f in out.items()}
    return out
