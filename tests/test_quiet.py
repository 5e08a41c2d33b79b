"""fairseq's noise stays out of the user's output (issue 12, item 6): Hydra's deprecation notices,
torch.load's weights_only note and the INFO lines of its optional dependencies. (The training path
is checked on a real ``reproduce`` in test_cache_processes.py.)"""

import subprocess
import sys
import warnings

import pytest

from harness.core import env
from tests.faults import child_env


def test_loading_a_fairseq_checkpoint_warns_nothing(tiny_cli):
    _, _, ckpt = tiny_cli
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env.load_fairseq_roberta(ckpt)
    assert not caught, [f"{w.category.__name__}: {str(w.message)[:100]}" for w in caught]


@pytest.mark.heavy  # an interpreter importing torch and fairseq
def test_a_spawned_worker_imports_the_real_fairseq_and_it_prints_nothing(tmp_path):
    """One interpreter, started as ``harness.runs.local`` spawns a worker, checks both:
    - fairseq's ``--user-dir`` import puts ``harness/train`` (the plugins' parent) first on ``sys.path``
      and leaves it; a worker spawned later (``jobs=2``) inherits that path, where ``import fairseq``
      found ``harness/train/fairseq.py`` and training failed: ``load_plugins`` must leave no trace;
    - importing fairseq after ``env.setup()`` prints nothing (no Hydra notice, no INFO line)."""
    from harness.train import fairseq as runner

    runner.load_plugins()
    assert str(runner.PLUGINS.parent) not in sys.path, sys.path[:3]
    found = tmp_path / "fairseq_file"
    code = (f"import sys; sys.path[:] = {sys.path!r}\n"  # a spawned interpreter gets the parent's sys.path
            "import harness.core.env; harness.core.env.setup()\n"
            "import fairseq, fairseq_cli.train, fairseq_cli.preprocess\n"
            "from fairseq.models.roberta import RobertaModel\n"
            f"open({str(found)!r}, 'w').write(fairseq.__file__)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=child_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr[-2000:]
    where = found.read_text()
    assert "site-packages" in where and not where.startswith(str(runner.PLUGINS.parent)), where
