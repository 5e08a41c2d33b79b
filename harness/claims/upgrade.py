"""A schema-1 claims file (``[params]``, ``[fairseq]``, ``[hf]``, ``[lora]``) as schema 2
(``python -m harness upgrade-claims OLD.toml --out NEW.toml``).

The numbers move into ``[cells]`` and into the claims they belong to; every claim's id, relation
and rule parameters come from the report under test's claim of the same id (``expected/report.toml``),
so the upgraded file is judged by the suite's rules. What schema 1 did not hold
(each claim's verbatim quote, and what the report says ``lora_dropout`` and ``r`` do) is taken
from the report under test too, marked ``# check`` in the new file: review it before you use it.
"""

from __future__ import annotations

from pathlib import Path

from harness.claims.claimsfile import SCHEMA, SUITE, load
from harness.core.config import ConfigError, read_toml

SECTIONS = ("params", "fairseq", "hf", "lora")


def upgrade(old: dict, where: str) -> dict:
    """The schema-2 content of a parsed schema-1 claims file."""
    missing = [s for s in SECTIONS if not isinstance(old.get(s), dict)]
    if missing or "schema" in old:
        raise ConfigError(f"{where}: not a schema-1 claims file (needs [params], [fairseq], [hf], [lora]; "
                          f"missing {missing or 'none'}{', has schema' if 'schema' in old else ''})")
    suite = read_toml(SUITE)
    by_id = {c["id"]: c for c in suite["claim"]}
    p, fs, hf, lo = (old[s] for s in SECTIONS)
    cells = {"fairseq.pretrained": {"section": fs["section"], "seeds": fs["seeds"], "accuracy": fs["pretrained"]},
             "fairseq.random": {"section": fs["section"], "seeds": fs["seeds"], "accuracy": fs["random"]},
             "hf.pretrained": {"section": hf["section"], "seeds": hf["seeds"], "accuracy": hf["pretrained"]}}
    own = {
        "C1": {"section": p["section"], "total": p["stated_total"],
               "encoder": {k: p[k] for k in ("vocab_size", "d_model", "d_ff", "max_positions", "layers")}},
        "C2": {"section": fs["section"]},
        "C2b": {"section": fs["section"], "epoch": fs.get("best_epoch") or by_id["C2b"]["epoch"],
                "updates": fs.get("best_updates", 0)},
        "C3": {"section": fs["section"], "quote": fs["claim"]},
        "C4": {"section": hf["section"], "quote": hf["claim"]},
        "C5.alpha": {"section": lo["section"], "states": lo["scale"]},
        "C5.target": {"section": lo["section"], "states": lo["target"]},
        "C5.bias": {"section": lo["section"], "states": lo["bias_applies_to"]},
        "C5.bias_none": {"section": lo["section"], "states": lo["bias"]},
        "C5.task_type": {"section": lo["section"], "states": lo["task_type"]},
        "C6": {"section": fs["section"], "printed": [  # schema 1 kept numbers: their printed zeros are lost
            {"cell": "fairseq.pretrained", "mean": f'{fs["stated_mean_pretrained"]}%',
             "spread": f'{fs["stated_spread_pretrained"]}%'},
            {"cell": "fairseq.random", "mean": f'{fs["stated_mean_random"]}%', "spread": f'{fs["stated_spread_random"]}%'}]},
    }
    claims = []
    for ref in suite["claim"]:
        claim = {k: v for k, v in ref.items() if k not in ("checked_by", "fresh_checked_by")}
        claim.update(own.get(ref["id"], {"section": lo["section"] if ref["id"].startswith("C5") else ref["section"]}))
        claims.append(claim)
    return {"schema": SCHEMA, "source": old.get("source", where), "rules": suite["rules"], "cells": cells,
            "claim": claims}


def write(old_path: str | Path, new_path: str | Path) -> Path:
    """Upgrade ``old_path`` into ``new_path``: written beside it under a temporary name, checked to
    load as a schema-2 claims file, and only then renamed into place, so a file that does not
    validate leaves nothing behind (the error names ``new_path``, not written)."""
    import os
    import tempfile

    import tomli_w

    content = upgrade(read_toml(old_path), str(old_path))
    text = ("# Upgraded from the schema-1 claims file " + str(old_path) + " (python -m harness upgrade-claims).\n"
            "# The quotes of C1, C2, C2b, C5.r, C5.dropout, C5.target, C5.alpha, C5.bias, C5.bias_none, C5.task_type and\n"
            "# C6 and what C5.r and C5.dropout state were not in schema 1: they are the report under test's. Check them.\n")
    new_path = Path(new_path)
    new_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{new_path.stem}.", suffix=".toml", dir=new_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + tomli_w.dumps(content))
        try:
            load(tmp)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(tmp, str(new_path)) + f" ({new_path} not written)") from None
        os.chmod(tmp, 0o644)
        os.replace(tmp, new_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return new_path
