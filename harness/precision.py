"""The precision policy: which numerics a run uses, decided from the hardware, the same for both frameworks.

A profile's ``[fairseq]`` / ``[hf]`` table says ``precision = "auto" | "fp32" | "bf16"``:

- ``fp32``: everything in fp32.
- ``bf16``: fp32 master weights and optimizer; the forward passes (training and scoring) run under
  ``torch.autocast(dtype=bfloat16)``; the backward follows the forward's dtypes. fairseq does it in
  the harness's task (``harness/fairseq_plugins``), HF through ``Trainer(bf16=True)`` (accelerate's
  autocast). fairseq's own ``--bf16`` (the whole model cast to bf16, LayerNorm and softmax included)
  is never used, so "bf16" means the same numerics in both runners.
- ``auto``: ``bf16`` where the device computes bf16 natively, else ``fp32``.

Native bf16, detected without running a kernel:

- CUDA: compute capability >= 8.0 (Ampere and later).
- CPU: the ``avx512_bf16`` or ``amx_bf16`` flag in ``/proc/cpuinfo``; there oneDNN runs bf16 matmuls
  in hardware. Without them (e.g. AVX2-only CPUs) bf16 is emulated: measured ~9x slower than fp32
  per update. A cap set with ``ONEDNN_MAX_CPU_ISA`` (oneDNN's own switch) or ``ATEN_CPU_CAPABILITY``
  lowers the class as it lowers the kernels torch runs, so
  ``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2`` makes an AVX-512 machine behave, and be
  classed, as an AVX2 one.

The CPU's class (``amx`` > ``avx512_bf16`` > ``avx512`` > ``avx2`` > ``baseline``) and the resolved
precision go into every result's provenance and into the run-cache key.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

PRECISIONS = ("auto", "fp32", "bf16")
CLASSES = ("baseline", "avx2", "avx512", "avx512_bf16", "amx")  # ascending
NATIVE_BF16 = ("avx512_bf16", "amx")
EMULATED_BF16_SLOWDOWN = 9  # measured: fairseq 5.6 s/update in bf16 vs 0.62 in fp32 (AVX2, 2 cores)

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


def resolve(requested: str, device: str, native: bool | None = None, *, where: str = "") -> str:
    """``"fp32"`` or ``"bf16"``: what a run asking for ``requested`` uses on ``device``.

    ``auto`` picks bf16 only where it is native. An explicit ``bf16`` without native support is
    honoured, with a warning that says how much slower it will be.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"{where}precision must be one of {PRECISIONS}, got {requested!r}")
    native = native_bf16(device) if native is None else native
    if requested == "auto":
        return "bf16" if native else "fp32"
    if requested == "bf16" and not native:
        warnings.warn(
            f"{where}precision 'bf16' on a {device} without native bf16 ({describe(device)}): bf16 is "
            f"emulated there, about {EMULATED_BF16_SLOWDOWN}x slower than fp32 per update; "
            "precision = 'auto' would pick fp32",
            RuntimeWarning,
            stacklevel=2,
        )
    return requested


def describe(device: str) -> str:
    """A short description of the device's class, for messages and provenance."""
    if device == "cuda":
        import torch

        major, minor = torch.cuda.get_device_capability()
        return f"{torch.cuda.get_device_name(0)}, compute capability {major}.{minor}"
    return f"CPU class {cpu_class()}"


def autocast(device: str, precision: str):
    """The context for a forward pass under ``precision`` (a no-op context for fp32)."""
    import torch

    return torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=precision == "bf16")
