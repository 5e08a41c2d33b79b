"""The expected file (``expected/results/<profile>.<numerics>.json``, one per profile and numerics key:
``smoke.fp32.json``, ``smoke.bf16-amx.json``, ``smoke.bf16-avx512-bf16.json``; on a GPU
``<profile>.<precision>-<gpu model>.json``; ``numerics_key`` says why): its metric names, its
numerics and provenance fields, and the checks that reject a malformed one (every error names the
file and the key).

Metrics of one profile (accuracies are fractions), per framework (fairseq, hf) and init:
``<fw>.<init>.seed<N>.test_accuracy``, ``<fw>.<init>.mean_test_accuracy``,
``<fw>.<init>.sd_test_accuracy`` (sample SD, ddof = 1); ``hf_minus_fairseq.pretrained.mean_difference``
(C4's difference of means); ``ledger.<claim>.verdict`` for every fresh-run row of the claim ledger
(with the statistic behind it and, where the ledger gives one, its decision: the score, its value,
the rule's boundary), and ``ledger.<claim>.<score>`` for every score the row names. The file holds
values only: the regime (``harness.gate.regime``) sets the tolerances.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.atomic import read_json
from harness.core.config import ConfigError
from harness.core.records import FRAMEWORKS, INITS, RunResult


SCHEMA_VERSION = 3


DIFFERENCE = "hf_minus_fairseq.pretrained.mean_difference"


_cell = rf"({'|'.join(FRAMEWORKS)})\.({'|'.join(INITS)})"


NAME = re.compile(rf"{_cell}\.(seed\d+\.(test_accuracy|updates|best_epoch|valid_accuracy_epoch\d+|valid_predictions)"
                  rf"|mean_test_accuracy|sd_test_accuracy)|test_label_count\.[A-Za-z0-9_-]+"
                  rf"|{re.escape(DIFFERENCE)}|ledger\.C\d+[a-z]*(\.[a-z0-9_]+)+")  # claim ids: C3, C2b, C5.dropout


KNOWN = "<fw>.<init>.seed<N>.test_accuracy, <fw>.<init>.mean_test_accuracy, <fw>.<init>.sd_test_accuracy, " \
        f"{DIFFERENCE}, ledger.<claim>.verdict, ledger.<claim>.<score>, <fw>.<init>.seed<N>.updates, " \
        "<fw>.<init>.seed<N>.best_epoch, <fw>.<init>.seed<N>.valid_accuracy_epoch<E>, " \
        "<fw>.<init>.seed<N>.valid_predictions, test_label_count.<label>"

# What a recomputation must reproduce beyond the test accuracies (``--regen --spot-check`` demands
# them run by run), gated as records: equal, in every regime where they are gated. Per run: the
# optimizer updates, the best epoch, the validation accuracy of each epoch, and a digest of every
# epoch's per-sentence validation predictions with the labels (a string); per result set: the test
# set's label counts (C3's majority-class rate and its binomial p-values read them).
RECORD = re.compile(r".*\.seed\d+\.(updates|best_epoch|valid_accuracy_epoch\d+|valid_predictions)|test_label_count\..*")
VALIDATION = re.compile(r".*\.seed\d+\.(best_epoch|valid_accuracy_epoch\d+|valid_predictions)")
RUN_RECORDS = ("updates", "best_epoch", "valid_accuracy_epoch1", "valid_predictions")  # every run has these


def is_record(name: str) -> bool:
    return bool(RECORD.fullmatch(name))


def is_validation(name: str) -> bool:
    """A record that a change of numerics moves (nothing measured says how much): not gated across numerics."""
    return bool(VALIDATION.fullmatch(name))


def is_text(name: str) -> bool:
    """A metric whose value is a string, compared for equality: a verdict or a predictions digest."""
    return is_verdict(name) or name.endswith(".valid_predictions")


def lacks_records(metrics: dict) -> list[str]:
    """The runs (``<fw>.<init>.seed<N>``) of an expected file's metrics without every per-run record,
    and ``test_label_count`` when the file holds none: what must be regenerated before it gates."""
    runs = sorted(n.removesuffix(".test_accuracy") for n in metrics if n.endswith(".test_accuracy")
                  and ".seed" in n)
    out = [r for r in runs if not all(f"{r}.{k}" in metrics for k in RUN_RECORDS)]
    return out + ([] if any(n.startswith("test_label_count.") for n in metrics) else ["test_label_count"])


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


def run_numerics(r: RunResult) -> dict:
    """The numerics a run computed with: its resolved precision, device, GPU model and CPU class
    (None where not recorded)."""
    p = r.provenance
    parts, hw = p.get("key_parts") or {}, p.get("hardware") or {}
    return {"precision": p.get("precision") or parts.get("precision"),
            "device": hw.get("device") or parts.get("device") or "cpu",
            "gpu": hw.get("gpu") or parts.get("gpu") or "",
            "cpu_class": hw.get("cpu_class") or parts.get("cpu_class")}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # what a numerics key looks like (fp32, bf16-amx, bf16-nvidia-h200)


def numerics_key(numerics: dict) -> str:
    """What makes two computations the same numerics, as the expected file's name carries it. On a
    CPU: ``fp32`` (any class: measured identical), or the precision and the CPU class for bf16
    (``bf16-amx``, ``bf16-avx512-bf16``: the classes' oneDNN bf16 kernels differ, and so do the
    accuracies); on a GPU: the precision and the GPU model (``bf16-nvidia-h200``)."""
    precision = str(numerics["precision"])
    if numerics.get("device", "cpu") != "cpu":
        return f"{precision}-{_slug(numerics.get('gpu') or 'gpu')}"
    if precision == "fp32":
        return precision
    classes = sorted(set(numerics.get("cpu_classes") or [])) or ([numerics["cpu_class"]] if numerics.get("cpu_class")
                                                                 else [])
    if len(classes) != 1:
        raise ConfigError(f"{precision} on a CPU is one CPU class's numerics (its kernels differ by class), got "
                          f"CPU classes {classes or 'not recorded'}")
    return f"{precision}-{_slug(classes[0])}"


def describe_numerics(numerics: dict) -> str:
    where = f"on {numerics['gpu']}" if numerics.get("device", "cpu") != "cpu" else "on CPU"
    classes = numerics.get("cpu_classes") or ([numerics["cpu_class"]] if numerics.get("cpu_class") else [])
    return f"{numerics['precision']} {where}" + (f", CPU class {', '.join(classes)}" if classes else "")


def file_name(profile: str, numerics: dict) -> str:
    return f"{profile}.{numerics_key(numerics)}.json"


def short(v) -> str:
    return "not recorded" if v is None else v[:12] if isinstance(v, str) else str(v)


@dataclass(frozen=True)
class Expected:
    path: Path
    profile: str
    metrics: dict[str, float | str]  # name -> value (a fraction, a ledger score, or a verdict)
    provenance: dict[str, dict]  # framework -> PROVENANCE fields
    stamp: dict
    numerics: dict  # precision, device, gpu, cpu_classes: what computed these values
    label_counts: dict[str, int] | None = None  # the test set's labels (C3's majority-class rate)
    statistics: dict[str, str] = field(default_factory=dict)  # verdicts: the statistic behind each
    decisions: dict[str, tuple] = field(default_factory=dict)  # verdicts: (score, value, boundary)

    @property
    def key(self) -> str:
        return numerics_key(self.numerics)


def _metric(where: str, name: str, m) -> float | str:
    if not NAME.fullmatch(name):
        raise ConfigError(f"{where}: unknown metric (known: {KNOWN})")
    if not isinstance(m, dict) or "value" not in m or not set(m) <= {"value", "statistic", "decision"}:
        raise ConfigError(f"{where}: expected {{'value': ...[, 'statistic': ..., 'decision': ...]}}, got {m!r}")
    value = m["value"]
    if is_text(name) and not is_verdict(name):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}.value: a predictions digest is a non-empty string, got {value!r}")
        return value
    if is_verdict(name):
        if not isinstance(value, str):
            raise ConfigError(f"{where}.value: a verdict is a string, got {value!r}")
        d = m.get("decision")
        if d is not None and not (isinstance(d, list) and len(d) == 3 and isinstance(d[0], str) and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in d[1:])):
            raise ConfigError(f"{where}.decision: expected [score, value, boundary], got {d!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}.value: expected a finite number, got {value!r}")
    return float(value)


def _numerics(path: Path, raw) -> dict:
    if not (isinstance(raw, dict) and raw.get("precision") in ("bf16", "fp32") and raw.get("device") in ("cpu", "cuda")
            and isinstance(raw.get("gpu", ""), str) and isinstance(raw.get("cpu_classes", []), list)):
        raise ConfigError(f"{path}: numerics: expected {{precision: bf16|fp32, device: cpu|cuda, gpu, cpu_classes}}, "
                          f"got {raw!r}")
    try:
        numerics_key(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: numerics: {exc}") from None
    return raw


def split_name(path: Path) -> tuple[str, str]:
    """(profile, numerics key) of an expected file's name ``<profile>.<numerics>.json``."""
    parts = path.name.split(".")
    if len(parts) != 3 or parts[-1] != "json" or not KEY.fullmatch(parts[1]):
        raise ConfigError(f"{path}: an expected file is named <profile>.<numerics>.json (e.g. smoke.fp32.json, "
                          "smoke.bf16-amx.json); give that file, or the directory that holds them to pick the one "
                          "for the results' numerics")
    return parts[0], parts[1]


def not_found(path: Path) -> ConfigError:
    """The error for an expected file that does not exist: the files that do, and how to pick one."""
    directory = path.parent
    if not directory.is_dir():
        return ConfigError(f"{path}: expected file not found, and {directory} is not a directory")
    have = sorted(p.name for p in directory.glob("*.*.json"))
    hint = ("; a CPU's bf16 file is named for its CPU class (bf16-amx, bf16-avx512-bf16)"
            if path.name.split(".")[1:2] == ["bf16"] else "")
    return ConfigError(f"{path}: expected file not found; the expected files in {directory}/: "
                       f"{', '.join(have) or 'none'}{hint}; give one of them, or --expected {directory}/ to pick the "
                       "one of the results' numerics")


def load_expected(path: str | Path) -> Expected:
    """Read and validate an expected file; every error names the file and the key."""
    path = Path(path)
    regen = f"python -m harness gate --regen A B --expected {shlex.quote(str(path.parent) + '/')}"
    if not path.is_file():
        raise not_found(path)
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    if "schema" in raw and raw["schema"] != SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema: version {raw['schema']!r}, this gate reads {SCHEMA_VERSION}; "
                          f"regenerate it (`{regen}`)")
    for key in ("schema", "profile", "numerics", "provenance", "metrics", "stamp"):
        if key not in raw:
            raise ConfigError(f"{path}: missing required field {key!r}")
    profile, key = split_name(path)
    if raw["profile"] != profile:
        raise ConfigError(f"{path}: profile: {raw['profile']!r}, but the file is named for {profile!r}")
    numerics = _numerics(path, raw["numerics"])
    if numerics_key(numerics) != key:
        raise ConfigError(f"{path}: numerics: {describe_numerics(numerics)}, but the file is named for {key!r} "
                          f"(it would be {file_name(profile, numerics)})")
    if not isinstance(raw["metrics"], dict) or not raw["metrics"]:
        raise ConfigError(f"{path}: metrics: expected a non-empty table of metrics")
    out = {name: _metric(f"{path}: metrics.{name}", name, m) for name, m in raw["metrics"].items()}
    prov = raw["provenance"]
    if not isinstance(prov, dict) or not prov or not all(
            fw in FRAMEWORKS and isinstance(p, dict) and set(p) == set(PROVENANCE) for fw, p in prov.items()):
        raise ConfigError(f"{path}: provenance: expected {{framework: {{{', '.join(PROVENANCE)}}}}}, got {prov!r}")
    counts = raw.get("test_label_counts")
    if counts is not None and not (isinstance(counts, dict) and counts and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values())):
        raise ConfigError(f"{path}: test_label_counts: expected {{label: count}} or null, got {counts!r}")
    stored = sorted(n for n in out if n.startswith("test_label_count."))
    if stored:
        raise ConfigError(f"{path}: metrics.{stored[0]}: the label counts are kept once, in test_label_counts")
    out.update({f"test_label_count.{k}": float(v) for k, v in (counts or {}).items()})  # gated as metrics
    stats_ = {n: m["statistic"] for n, m in raw["metrics"].items() if "statistic" in m}
    decisions = {n: tuple(m["decision"]) for n, m in raw["metrics"].items() if m.get("decision") is not None}
    return Expected(path, profile, out, prov, raw["stamp"], numerics, counts, stats_, decisions)
