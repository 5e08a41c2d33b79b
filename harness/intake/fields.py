"""A claims file's fields by name, for comparing a draft with an answer key: every number, dim,
epoch, update count, printed aggregate, quote and C5 ``states``, and whether each claim is stated.
Names: ``cells.<cell>.seeds`` / ``.accuracy``, ``<id>.stated``, ``<id>.quote``, ``<id>.total``,
``<id>.encoder.<dim>``, ``<id>.epoch``, ``<id>.updates``, ``<id>.printed.<cell>.mean`` / ``.spread``,
``<id>.states``, ``<id>.argument`` (the names :meth:`harness.intake.draft.Draft.fields` uses).
"""

from __future__ import annotations

from harness.intake.text import words

KEYS = ("total", "epoch", "updates", "states", "argument")


def of(raw: dict, claim_ids: list[str]) -> dict[str, object]:
    """The fields of a parsed claims file (``tomllib``), its ``not_stated`` prefixes expanded over
    ``claim_ids`` (the report under test's)."""
    out: dict[str, object] = {}
    for name, cell in raw.get("cells", {}).items():
        out[f"cells.{name}.seeds"] = [int(x) for x in cell["seeds"]]
        out[f"cells.{name}.accuracy"] = [float(x) for x in cell["accuracy"]]
    for c in raw.get("claim", []):
        cid = c["id"]
        out[f"{cid}.stated"] = True
        out[f"{cid}.quote"] = words(c["quote"])
        for key in KEYS:
            if key in c:
                out[f"{cid}.{key}"] = c[key]
        if c.get("relation") == "best_epoch":
            out[f"{cid}.updates"] = c.get("updates", 0)
        for dim, value in c.get("encoder", {}).items():
            out[f"{cid}.encoder.{dim}"] = value
        for p in c.get("printed", []):
            out[f"{cid}.printed.{p['cell']}.mean"] = p["mean"]
            out[f"{cid}.printed.{p['cell']}.spread"] = p["spread"]
    for prefix in raw.get("not_stated", []):
        for cid in claim_ids:
            if cid == prefix or cid.startswith(prefix + "."):
                out[f"{cid}.stated"] = False
    return out


def compare(draft: dict, key: dict) -> list[tuple[str, object, object]]:
    """(field, drafted, key) for every field where they differ (a field only one has differs)."""
    return [(k, draft.get(k), key.get(k)) for k in sorted(set(draft) | set(key)) if draft.get(k) != key.get(k)]
