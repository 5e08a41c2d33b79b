"""One skip condition for hardware, libraries and user-supplied inputs (after Lightning's ``RunIf``).

``@requires(cuda=True, libraries=["bitsandbytes"], env=["LAB_DATA"])`` skips a test with a reason
that lists only what is missing, e.g. ``Requires: [CUDA GPU + bitsandbytes]``. The reason logic is
the pure function :func:`missing`, tested on its own with fake probes.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Mapping


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def missing(
    *,
    cuda: bool = False,
    libraries: Iterable[str] = (),
    env: Iterable[str] = (),
    has_cuda: Callable[[], bool] = _has_cuda,
    has_module: Callable[[str], bool] = _has_module,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """What is missing among the requirements, in a stable order (empty when all are met)."""
    environ = os.environ if environ is None else environ
    out = []
    if cuda and not has_cuda():
        out.append("CUDA GPU")
    out += [lib for lib in libraries if not has_module(lib)]
    out += [f"${name} (set it to your own files)" for name in env if not environ.get(name)]
    return out


def reason(what: list[str]) -> str:
    return "Requires: [" + " + ".join(what) + "]"


def requires(**conditions):
    """A ``pytest.mark.skipif`` that skips when anything in ``conditions`` is missing."""
    import pytest

    what = missing(**conditions)
    return pytest.mark.skipif(bool(what), reason=reason(what) if what else "")
