"""The user's own files: a command-line flag wins over its environment variable.

``--data DIR`` over ``$LAB_DATA`` (``harness.inputs.data``) and ``--checkpoint DIR`` over
``$LAB_CHECKPOINT`` (``harness.inputs.checkpoints``); when both are set and differ, a note on
stderr says which one is used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_ENV = "LAB_DATA"
CHECKPOINT_ENV = "LAB_CHECKPOINT"


def which_wins(cli_value, env_name: str, flag: str):
    """``cli_value`` when given, else ``$env_name``; a note on stderr when both are set and differ."""
    env_value = os.environ.get(env_name)
    if cli_value and env_value and Path(cli_value).resolve() != Path(env_value).resolve():
        print(f"note: {flag} {cli_value} wins over ${env_name}={env_value}; using {cli_value}",
              file=sys.stderr)
    return cli_value or env_value
