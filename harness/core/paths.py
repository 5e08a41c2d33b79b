"""Where the project's own files are: the checkout, ``expected/`` and the training profiles."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # harness/
ROOT = PACKAGE.parent  # the checkout
EXPECTED_DIR = ROOT / "expected"
PROFILES_DIR = PACKAGE / "profiles"
