"""This machine's facts: the device a run uses, the CPU's ISA class, native bf16, the hardware.

Native bf16, detected without running a kernel:

- CUDA: compute capability >= 8.0 (Ampere and later).
- CPU: the ``avx512_bf16`` or ``amx_bf16`` flag in ``/proc/cpuinfo``; there oneDNN runs bf16 matmuls
  in hardware. Without them (e.g. AVX2-only CPUs) bf16 is emulated: measured ~9x slower than fp32
  per update. A cap set with ``ONEDNN_MAX_CPU_ISA`` (oneDNN's own switch) or ``ATEN_CPU_CAPABILITY``
  lowers the class as it lowers the kernels torch runs, so
  ``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2`` makes an AVX-512 machine behave, and be
  classed, as an AVX2 one.

The CPU's class (``amx`` > ``avx512_bf16`` > ``avx512`` > ``avx2`` > ``baseline``) goes into every
result's provenance and into the run-cache key; the precision policy (``harness.train.precision``)
resolves ``auto`` from it.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

CLASSES = ("baseline", "avx2", "avx512", "avx512_bf16", "amx")  # ascending


NATIVE_BF16 = ("avx512_bf16", "amx")


# oneDNN's ONEDNN_MAX_CPU_ISA values (and ATen's ATEN_CPU_CAPABILITY values) -> the class they cap at.
_ONEDNN_CAP = {
    "sse41": "baseline", "avx": "baseline", "avx2": "avx2", "avx2_vnni": "avx2",
    "avx2_vnni_2": "avx2", "avx512_core": "avx512", "avx512_core_vnni": "avx512",
    "avx512_core_bf16": "avx512_bf16", "avx512_core_fp16": "avx512_bf16",
    "avx10_1_512": "avx512_bf16", "avx512_core_amx": "amx", "avx512_core_amx_fp16": "amx",
    "avx10_1_512_amx": "amx", "avx10_1_512_amx_fp16": "amx", "all": "amx", "default": "baseline",
    "avx512": "avx512",
}


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU feature flags of ``/proc/cpuinfo`` (or of the given text); empty if unreadable."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_class(flags: set[str] | None = None, environ=None) -> str:
    """The CPU's ISA class from its flags, lowered by an ``ONEDNN_MAX_CPU_ISA`` or ``ATEN_CPU_CAPABILITY`` cap."""
    flags = cpu_flags() if flags is None else flags
    environ = os.environ if environ is None else environ
    if "amx_bf16" in flags:
        cls = "amx"
    elif "avx512_bf16" in flags:
        cls = "avx512_bf16"
    elif "avx512f" in flags:
        cls = "avx512"
    elif "avx2" in flags and "fma" in flags:
        cls = "avx2"
    else:
        cls = "baseline"
    for var in ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY"):
        cap = _ONEDNN_CAP.get(environ.get(var, "").strip().lower())
        if cap and CLASSES.index(cap) < CLASSES.index(cls):
            cls = cap
    return cls


def native_bf16(device: str, cls: str | None = None, capability: tuple[int, int] | None = None) -> bool:
    """Whether ``device`` ("cpu" or "cuda") computes bf16 in hardware."""
    if device == "cuda":
        if capability is None:
            import torch

            capability = torch.cuda.get_device_capability()
        return tuple(capability) >= (8, 0)
    return (cpu_class() if cls is None else cls) in NATIVE_BF16


def describe(device: str) -> str:
    """A short description of the device's class, for messages and provenance."""
    if device == "cuda":
        import torch

        major, minor = torch.cuda.get_device_capability()
        return f"{torch.cuda.get_device_name(0)}, compute capability {major}.{minor}"
    return f"CPU class {cpu_class()}"


def device() -> str:
    """``cuda`` when a GPU is visible, else ``cpu``; ``$LAB_REPRO_FORCE_DEVICE`` (set only by the tests'
    GPU tier on the CPU, tests/gpu_tier.py) overrides it."""
    import torch

    return os.environ.get("LAB_REPRO_FORCE_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


def hardware() -> dict[str, str]:
    import torch

    info = {"device": device(), "cpu": platform.processor() or platform.machine()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["threads"] = str(torch.get_num_threads())
    info["cpu_class"] = cpu_class()
    info["native_bf16"] = str(native_bf16(info["device"]))
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
