"""The precision policy: which numerics a run uses, decided from the hardware, the same for both frameworks.

A profile's ``[fairseq]`` / ``[hf]`` table says ``precision = "auto" | "fp32" | "bf16"``:

- ``fp32``: everything in fp32.
- ``bf16``: fp32 master weights and optimizer; the forward passes (training and scoring) run under
  ``torch.autocast(dtype=bfloat16)``; the backward follows the forward's dtypes. fairseq does it in
  the harness's task (``harness/train/fairseq_plugins``), HF through ``Trainer(bf16=True)`` (accelerate's
  autocast). fairseq's own ``--bf16`` (the whole model cast to bf16, LayerNorm and softmax included)
  is never used, so "bf16" means the same numerics in both runners.
- ``auto``: ``bf16`` where the device computes bf16 natively (``harness.core.machine``), else ``fp32``.

The resolved precision goes into every result's provenance and into the run-cache key.
"""

from __future__ import annotations

import warnings

from harness.core.config import PRECISIONS
from harness.core.machine import describe, native_bf16

EMULATED_BF16_SLOWDOWN = 9  # measured: fairseq 5.6 s/update in bf16 vs 0.62 in fp32 (AVX2, 2 cores)


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


def autocast(device: str, precision: str):
    """The context for a forward pass under ``precision`` (a no-op context for fp32)."""
    import torch

    return torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=precision == "bf16")
