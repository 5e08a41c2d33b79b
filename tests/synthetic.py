"""Synthetic result sets for the gate and report tests: RunResult files in the store's layout.

Accuracies are counts over ``TEST_SIZE`` (as real runs are), shaped like the smoke calibration:
pretrained near 0.79, random init near chance. Each run records its numerics as the runners do:
the resolved ``precision`` and the hardware's ``cpu_class`` (default: bf16 on the AVX512-BF16 class,
numerics key ``bf16-avx512-bf16``; fp32 on the AVX2 class, key ``fp32``). With ``valid_size`` a run
also keeps every epoch's per-sentence validation predictions (what C2b's rule reads), consistent with
its validation curve.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from harness.core.records import RunResult, RunSpec, save_result

TEST_SIZE = 2000
PRETRAINED = (1584, 1596, 1571)  # correct answers per seed (0.792, 0.798, 0.7855)
RANDOM = (1140, 1121, 1163)  # random init that learned a little (57.0, 56.05, 58.15%)
HF_PRETRAINED = (1580, 1601, 1566)
HF_RANDOM = (1000, 1012, 990)


NUMERICS = {"bf16": "avx512_bf16", "fp32": "avx2"}  # precision -> the CPU class `auto` resolves it on
SHAPE = {"lab": {"epochs": 5, "valid_size": 200}}  # a profile's runs as its runners keep them (C2b reads these)


def _predictions(valid: tuple, size: int) -> tuple[tuple, tuple[str, ...], str]:
    """(the curve as counts over ``size`` sentences, each epoch's predictions, the gold labels): an
    epoch gets its first c sentences right (balanced labels, "0101...")."""
    labels = "01" * (size // 2) + "0" * (size % 2)
    counts = [round(v * size) for v in valid]
    flip = {"0": "1", "1": "0"}
    return (tuple(c / size for c in counts),
            tuple(labels[:c] + "".join(flip[x] for x in labels[c:]) for c in counts), labels)


def run(profile, framework, init, seed, correct, *, epochs=3, wall=97.0, created="2026-01-01T00:00:00+00:00",
        precision="bf16", cpu_class=None, valid_size=0):
    acc = correct / TEST_SIZE
    spec = RunSpec(profile, framework, init, seed)
    # a rising validation curve that peaks at the last epoch, near the test accuracy
    valid = tuple(round(acc - 0.03 * (epochs - e) + 0.005 * seed, 3) for e in range(1, epochs + 1))
    predictions, labels = (), ""
    if valid_size:
        valid, predictions, labels = _predictions(valid, valid_size)
    return RunResult(
        spec=spec,
        valid_accuracy=valid,
        best_epoch=epochs,
        test_accuracy=acc,
        test_size=TEST_SIZE,
        updates_per_epoch=225,
        updates=225 * epochs,
        wall_time_s=wall + seed,
        valid_predictions=predictions,
        valid_labels=labels,
        provenance={  # as a runner records it, plus what the run cache adds (key_parts, stamp)
            "hardware": {"device": "cpu", "cpu": "Synthetic CPU", "threads": "2",
                         "cpu_class": cpu_class or NUMERICS[precision]},
            "precision": precision,
            "checkpoint_hash": "c" * 64,
            "key_parts": {"data": "d" * 64, "checkpoint": "c" * 64, "device": "cpu", "precision": precision,
                          "cpu_class": cpu_class or NUMERICS[precision], "gpu": "",
                          "data_spec": {"test": TEST_SIZE}, "train_spec": {"epochs": epochs},
                          "versions": {"python": "3.11.9", "torch": "2.13.0"}},
            "cache_key": hashlib.sha256(spec.name.encode()).hexdigest(),
            "git_commit": "0123456789abcdef0123456789abcdef01234567",
            "libraries": {"python": "3.11.9", "torch": "2.13.0", "fairseq-fixed": "0.12.3.1"},
            "created_utc": created,
            "test_label_counts": {"0": TEST_SIZE // 2, "1": TEST_SIZE - TEST_SIZE // 2},  # balanced
        },
    )


def write_results(root: Path, profile: str = "smoke", *, frameworks=("fairseq", "hf"), wall=97.0,
                  created="2026-01-01T00:00:00+00:00", overrides: dict | None = None, precision="bf16",
                  cpu_class=None, cells: dict | None = None, epochs=3, valid_size=0) -> Path:
    """Write a full synthetic result set under ``root/profile``; ``overrides``: {(fw, init, seed): correct};
    ``cells``: {(fw, init): per-seed counts} in place of the default table (cells it leaves out are not written);
    ``epochs``, ``valid_size``: as ``run`` (the lab profile: 5 epochs, 200 validation sentences)."""
    table = cells or {("fairseq", "pretrained"): PRETRAINED, ("fairseq", "random"): RANDOM,
                      ("hf", "pretrained"): HF_PRETRAINED, ("hf", "random"): HF_RANDOM}
    for (fw, init), counts in table.items():
        if fw not in frameworks:
            continue
        for seed, correct in enumerate(counts):
            correct = (overrides or {}).get((fw, init, seed), correct)
            r = run(profile, fw, init, seed, correct, wall=wall, created=created, precision=precision,
                    cpu_class=cpu_class, epochs=epochs, valid_size=valid_size)
            save_result(root / profile / f"{r.spec.name}.json", r)
    return root


def measured_cells(points: dict[str, list[float]]) -> dict:
    """Measured per-seed points ({"fairseq.pretrained": [80.15, ...]}) as ``write_results`` cells (counts)."""
    return {tuple(cell.split(".")): tuple(round(v * TEST_SIZE / 100) for v in values) for cell, values in points.items()}
