"""``python -m harness doctor``: what this machine is, what the precision policy resolves to, and how
long the smoke reproduction should take here (``--bench``: where an update's time goes, measured)."""

from __future__ import annotations

import os


def add_arguments(parser) -> None:
    parser.add_argument("--profile", default="smoke", help="profile to resolve (default: smoke)")
    parser.add_argument("--bench", action="store_true",
                        help="measure forward/backward/optimizer/scoring per framework (~1 min)")


def facts(profile) -> list[tuple[str, str]]:
    from harness.core import env, machine
    from harness.runs.local import default_jobs
    from harness.train import precision

    device = machine.device()
    hw = machine.hardware()
    caps = {k: os.environ[k] for k in ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY") if k in os.environ}
    rows = [
        ("cpu", hw["cpu"]),
        ("cpu class", machine.cpu_class() + (f" (capped by {caps})" if caps else "")),
        ("native bf16", "yes" if machine.native_bf16(device) else "no (bf16 emulated, "
         f"~{precision.EMULATED_BF16_SLOWDOWN}x slower than fp32)" if device == "cpu" else "no"),
        ("device", hw.get("gpu", device)),
        ("cores", str(len(os.sched_getaffinity(0)))),
        (f"{profile.name}: threads per cell, cells at once", f"{profile.threads or 'all'}, {default_jobs(profile)}"),
    ]
    for fw in ("fairseq", "hf"):
        spec = getattr(profile, fw)
        rows.append((f"{profile.name} [{fw}] precision", f"{spec.precision} -> "
                     f"{precision.resolve(spec.precision, device, machine.native_bf16(device))}"))
    versions = env.library_versions(("torch", "fairseq-fixed", "transformers"))
    rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return rows


def main(args) -> int:
    from harness.core import env
    from harness.core.config import load_profile
    from harness.runs.local import default_jobs, specs_of
    from harness.train import bench

    env.setup()
    profile = load_profile(args.profile)
    for key, value in facts(profile):
        print(f"{key:>40}: {value}")
    if not args.bench:
        print(f"{'':>40}  (--bench measures an update and estimates the {profile.name} reproduction)")
        return 0
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
