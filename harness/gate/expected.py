"""The expected file (``expected/results/<profile>.json``): its metric names, its provenance
fields, and the checks that reject a malformed one (every error names the file and the key).

Metrics of one profile (accuracies are fractions), per framework (fairseq, hf) and init:
``<fw>.<init>.seed<N>.test_accuracy``, ``<fw>.<init>.mean_test_accuracy``,
``<fw>.<init>.sd_test_accuracy`` (sample SD, ddof = 1); ``hf_minus_fairseq.pretrained.mean_difference``
(C4's difference of means); and ``ledger.<claim>.verdict`` for every fresh-run row of the claim
ledger. Scores carry a tolerance, verdicts none (they match exactly).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.atomic import read_json
from harness.core.config import ConfigError
from harness.core.records import FRAMEWORKS, INITS, RunResult
from harness.gate import tolerances


SCHEMA_VERSION = 2


DIFFERENCE = "hf_minus_fairseq.pretrained.mean_difference"


_cell = rf"({'|'.join(FRAMEWORKS)})\.({'|'.join(INITS)})"


NAME = re.compile(rf"{_cell}\.(seed\d+\.test_accuracy|mean_test_accuracy|sd_test_accuracy)"
                  rf"|{re.escape(DIFFERENCE)}|ledger\.C\d+(\.[a-z0-9_]+)?\.verdict")


KNOWN = "<fw>.<init>.seed<N>.test_accuracy, <fw>.<init>.mean_test_accuracy, <fw>.<init>.sd_test_accuracy, " \
        f"{DIFFERENCE}, ledger.<claim>.verdict"


PROVENANCE = ("test_size", "data_hash", "checkpoint_hash", "profile_hash")


def is_verdict(name: str) -> bool:
    return name.endswith(".verdict")


def run_provenance(r: RunResult) -> dict:
    """What ties a run to its experiment: test size, data and checkpoint hashes, profile settings."""
    p = r.provenance
    parts = p.get("key_parts") or {}
    settings = {k: parts[k] for k in ("data_spec", "train_spec") if k in parts}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest() if settings else None
    return {"test_size": r.test_size, "data_hash": p.get("data_hash") or parts.get("data"),
            "checkpoint_hash": p.get("checkpoint_hash") or parts.get("checkpoint"), "profile_hash": digest}


def short(v) -> str:
    return "not recorded" if v is None else v[:12] if isinstance(v, str) else str(v)


@dataclass(frozen=True)
class Expected:
    path: Path
    profile: str
    metrics: dict[str, tuple[float | str, float | None]]  # name -> (value, tolerance; None for verdicts)
    provenance: dict[str, dict]  # framework -> PROVENANCE fields
    stamp: dict
    statistics: dict[str, str] = field(default_factory=dict)  # verdicts: the statistic behind each


def _metric(where: str, name: str, m) -> tuple[float | str, float | None]:
    if not NAME.fullmatch(name):
        raise ConfigError(f"{where}: unknown metric (known: {KNOWN})")
    if not isinstance(m, dict) or not {"value", "tolerance"} <= set(m) <= {"value", "tolerance", "statistic"}:
        raise ConfigError(f"{where}: expected {{'value': ..., 'tolerance': ...}}, got {m!r}")
    value, tol = m["value"], m["tolerance"]
    if is_verdict(name):
        if not isinstance(value, str):
            raise ConfigError(f"{where}.value: a verdict is a string, got {value!r}")
        if tol is not None:
            raise ConfigError(f"{where}.tolerance: a verdict matches exactly (null), got {tol!r}")
        return value, None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}.value: expected a finite number, got {value!r}")
    return float(value), tolerances.finite_tolerance(tol, f"{where}.tolerance")


def load_expected(path: str | Path) -> Expected:
    """Read and validate an expected file; every error names the file and the key."""
    path = Path(path)
    regen = f"python -m harness gate --regen A B --expected {path}"
    if not path.is_file():
        raise ConfigError(f"{path}: expected file not found; write it with `{regen}` (docs/gate.md)")
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    if "schema" in raw and raw["schema"] != SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema: version {raw['schema']!r}, this gate reads {SCHEMA_VERSION}; "
                          f"regenerate it (`{regen}`)")
    for key in ("schema", "profile", "provenance", "metrics", "stamp"):
        if key not in raw:
            raise ConfigError(f"{path}: missing required field {key!r}")
    if raw["profile"] != path.stem:
        raise ConfigError(f"{path}: profile: {raw['profile']!r}, but the file is named for {path.stem!r}")
    if not isinstance(raw["metrics"], dict) or not raw["metrics"]:
        raise ConfigError(f"{path}: metrics: expected a non-empty table of metrics")
    out = {name: _metric(f"{path}: metrics.{name}", name, m) for name, m in raw["metrics"].items()}
    prov = raw["provenance"]
    if not isinstance(prov, dict) or not prov or not all(
            fw in FRAMEWORKS and isinstance(p, dict) and set(p) == set(PROVENANCE) for fw, p in prov.items()):
        raise ConfigError(f"{path}: provenance: expected {{framework: {{{', '.join(PROVENANCE)}}}}}, got {prov!r}")
    stats_ = {n: m["statistic"] for n, m in raw["metrics"].items() if "statistic" in m}
    return Expected(path, raw["profile"], out, prov, raw["stamp"], stats_)
