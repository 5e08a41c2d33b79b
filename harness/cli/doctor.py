"""``python -m harness doctor``: what this machine is (CPU class, native bf16, device) and what the
precision policy resolves to, at once (torch is not imported on a machine without a GPU driver).
``--bench`` (about a minute) measures where an update's time goes and estimates how long the cold
reproduction of the profile takes here."""

from __future__ import annotations

import os
import platform
from pathlib import Path

GPU_DRIVER_FILES = ("/proc/driver/nvidia/gpus", "/dev/nvidiactl", "/dev/kfd")  # NVIDIA, ROCm


def add_arguments(parser) -> None:
    parser.add_argument("--profile", default="smoke", help="profile to resolve (default: smoke)")
    parser.add_argument("--bench", action="store_true",
                        help="measure forward/backward/optimizer/scoring per framework and estimate the "
                             "profile's cold reproduction here (~1 min)")


def device() -> str:
    """The device a run would use: without a GPU driver on this machine torch can see no GPU, so
    the answer is "cpu" without importing torch; else torch is asked (``harness.core.machine``)."""
    from harness.core import machine

    if os.environ.get("LAB_REPRO_FORCE_DEVICE"):
        return os.environ["LAB_REPRO_FORCE_DEVICE"]
    if not any(Path(p).exists() for p in GPU_DRIVER_FILES):
        return "cpu"
    return machine.device()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def facts(profile) -> list[tuple[str, str]]:
    from harness.core import env, machine
    from harness.runs.local import default_jobs
    from harness.train import precision

    dev = device()
    caps = {k: os.environ[k] for k in ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY") if k in os.environ}
    rows = [
        ("cpu", cpu_model()),
        ("cpu class", machine.cpu_class() + (f" (capped by {caps})" if caps else "")),
        ("native bf16", "yes" if machine.native_bf16(dev) else "no (bf16 emulated, "
         f"~{precision.EMULATED_BF16_SLOWDOWN}x slower than fp32)" if dev == "cpu" else "no"),
        ("device", machine.hardware().get("gpu", dev) if dev != "cpu" else "cpu"),
        ("cores", str(len(os.sched_getaffinity(0)))),
        (f"{profile.name}: threads per cell, cells at once", f"{profile.threads or 'all'}, {default_jobs(profile)}"),
    ]
    for fw in ("fairseq", "hf"):
        spec = getattr(profile, fw)
        rows.append((f"{profile.name} [{fw}] precision", f"{spec.precision} -> "
                     f"{precision.resolve(spec.precision, dev, machine.native_bf16(dev))}"))
    versions = env.library_versions(("torch", "fairseq-fixed", "transformers"))
    rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return rows


def main(args) -> int:
    from harness.core.config import load_profile

    profile = load_profile(args.profile)
    for key, value in facts(profile):
        print(f"{key:>40}: {value}")
    if not args.bench:
        print(f"{'':>40}  (--bench, ~1 min: where an update's time goes, and the {profile.name} "
              "reproduction's expected time here)")
        return 0
    from harness.core import env
    from harness.runs.local import default_jobs, specs_of
    from harness.train import bench

    env.setup()
    splits = bench.measure(profile)
    print(f"\n{'framework':<9} {'precision':<9} {'forward':>9} {'backward':>9} {'optimizer':>9} "
          f"{'update':>9} {'scoring':>14}")
    for s in splits:
        print(f"{s.framework:<9} {s.precision:<9} {s.forward_ms:>7.0f}ms {s.backward_ms:>7.0f}ms "
              f"{s.optimizer_ms:>7.0f}ms {s.update_ms:>7.0f}ms {s.score_ms_per_sentence:>8.2f}ms/sent")
    jobs = default_jobs(profile)
    est = estimate_s(profile, specs_of(profile), splits, jobs)
    print(f"\nexpected cold {profile.name} reproduction here: ~{est / 60:.1f} min of training and scoring "
          f"({jobs} cells at a time; set-up, tokenizing and process start not included)")
    return 0


def estimate_s(profile, specs, splits, jobs: int) -> float:
    """The cold reproduction's expected wall time: every cell's updates and scored sentences at the
    measured rates (``splits``: ``harness.train.bench.measure``), ``jobs`` cells at a time (set-up
    and tokenizing excluded)."""
    by_fw = {s.framework: s for s in splits}
    d = profile.data
    total = 0.0
    for spec in specs:
        t = getattr(profile, spec.framework)
        updates = -(-d.train // t.batch_size) * t.max_epochs
        scored = d.valid * t.max_epochs + d.test
        s = by_fw[spec.framework]
        total += (updates * s.update_ms + scored * s.score_ms_per_sentence) / 1e3
    return total / max(1, jobs)
