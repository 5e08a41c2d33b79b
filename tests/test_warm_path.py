"""A warm ``reproduce`` finds its cells without torch (issue 24, item 4): it applies ``env.setup()``'s
environment without torch (``key.apply_setup_defaults``), and reads the device from the torch build's
version file where that build can see no GPU (``key.device_and_gpu``). The keys it computes must be
the keys a run computes after ``env.setup()`` with torch loaded, or a warm call would retrain."""

from __future__ import annotations

import os
import sys
import types

import pytest

from harness.core import env
from harness.runs import key


def _after(monkeypatch, apply) -> dict[str, str]:
    for name in key.SETUP_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(env, "_done", False)
    apply()
    return dict(os.environ)


def test_the_setup_defaults_are_what_setup_sets(monkeypatch):
    # env.setup() runs against a stand-in torch: only the environment it leaves is compared.
    stub = types.SimpleNamespace(use_deterministic_algorithms=lambda *a, **k: None,
                                 serialization=types.SimpleNamespace(add_safe_globals=lambda *a: None))
    monkeypatch.setitem(sys.modules, "torch", stub)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # no GPU pinning in either
    light = _after(monkeypatch, key.apply_setup_defaults)
    full = _after(monkeypatch, env.setup)
    moved = {k: (light.get(k), full.get(k)) for k in light.keys() | full.keys() if light.get(k) != full.get(k)}
    assert not moved, f"env.setup() and key.apply_setup_defaults() leave different environments: {moved}"
    assert key.keyed_environment() == {k: v for k, v in full.items()
                                       if k.startswith(key.KEY_ENV_PREFIXES) or k in key.KEY_ENV_NAMES}


def test_a_value_the_user_set_wins(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    key.apply_setup_defaults()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def _fake_torch(monkeypatch, tmp_path, version_py: str | None):
    pkg = tmp_path / "torch"
    pkg.mkdir()
    if version_py is not None:
        (pkg / "version.py").write_text(version_py)
    spec = types.SimpleNamespace(submodule_search_locations=[str(pkg)])
    monkeypatch.setattr(key.importlib.util, "find_spec", lambda name: spec if name == "torch" else None)


@pytest.mark.parametrize("version_py, gpu_free", [
    ("cuda: Optional[str] = None\nhip: Optional[str] = None\n", True),
    ("cuda = None\nhip = None\n", True),
    ("cuda: Optional[str] = '12.8'\nhip: Optional[str] = None\n", False),
    ("cuda: Optional[str] = None\nhip: Optional[str] = '6.2'\n", False),
    ("cuda: Optional[str] = None\n", False),  # says nothing of ROCm: ask torch
    ("cuda = (\n", False),  # unreadable
    (None, False),  # no version.py
], ids=["cpu build", "cpu build, plain", "CUDA build", "ROCm build", "no hip line", "broken", "missing"])
def test_a_torch_build_is_gpu_free_only_when_its_version_file_says_so(monkeypatch, tmp_path, version_py, gpu_free):
    _fake_torch(monkeypatch, tmp_path, version_py)
    assert key.gpu_free_torch() is gpu_free


def test_without_torch_the_device_is_what_torch_says(monkeypatch):
    import torch

    from harness.core import machine

    assert key.gpu_free_torch() == (torch.version.cuda is None and torch.version.hip is None)
    with_torch = (machine.device(), machine.hardware().get("gpu", ""))
    assert key.device_and_gpu() == with_torch
    monkeypatch.delitem(sys.modules, "torch")  # as a warm reproduce starts: torch not imported
    assert key.device_and_gpu() == with_torch, "the key would differ from the one a training process computes"
    assert "torch" not in sys.modules, "device_and_gpu imported torch"
