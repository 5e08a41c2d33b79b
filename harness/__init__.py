"""A reproducibility suite for the ALTeGraD 'NLP Frameworks' lab report.

Every claim of the report becomes a test with a verdict; see the README's claim table.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_DIR = ROOT / "expected"
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"

__version__ = "0.1.0"
