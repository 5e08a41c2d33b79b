"""A warm ``reproduce`` finds its cells before torch's switches load (issue 24, item 4): it applies
``env.setup()``'s environment without torch (``key.apply_setup_defaults``), so the keys it computes
must be the keys a run computes after ``env.setup()``, or a warm call would retrain everything."""

from __future__ import annotations

import os
import sys
import types

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
