"""fairseq's noise stays out of the user's output (issue 12, item 6): Hydra's deprecation notices,
torch.load's weights_only note and the INFO lines of its optional dependencies. (The training path
is checked on a real ``reproduce`` in test_concurrency.py.)"""

import subprocess
import sys
import warnings

from harness.core import env
from tests.faults import child_env


def test_loading_a_fairseq_checkpoint_warns_nothing(tiny_cli):
    _, _, ckpt = tiny_cli
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env.load_fairseq_roberta(ckpt)
    assert not caught, [f"{w.category.__name__}: {str(w.message)[:100]}" for w in caught]


def test_importing_fairseq_after_setup_prints_nothing(tmp_path):
    code = ("import harness.core.env; harness.core.env.setup()\n"
            "import fairseq, fairseq_cli.train, fairseq_cli.preprocess\n"
            "from fairseq.models.roberta import RobertaModel\n")
    proc = subprocess.run([sys.executable, "-c", code], env=child_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr[-2000:]
