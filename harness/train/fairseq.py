"""fairseq fine-tuning: the lab's ``sentence_prediction`` recipe, run in-process.

One run = binarize (``harness.train.binarize``: the checkpoint's own tokenizer, then
``fairseq-preprocess --srcdict``) →
``fairseq-train`` (one checkpoint per epoch, no validation inside fairseq) → validation accuracy
of every epoch and test accuracy of the best-validation epoch, all computed from predictions (each
epoch's validation predictions are kept in the result, sentence by sentence).

The lab's traps, handled here:
- ``--shorten-method truncate`` would drop ``</s>``: sequences are truncated when the token files
  are written (``Checkpoint.encode`` keeps ``</s>``); the binarized ids are checked against it.
- Random init is the lab's: ``--restore-file`` naming a file that does not exist (fairseq then
  trains from scratch); a pretrained run checks that its ``model.pt`` exists first.
- The label dictionary is sorted by frequency (label "1" may be class 0): predictions are mapped
  back through it and compared with the label files.
- fairseq logs accuracy with one decimal and keeps the *last* epoch on ties; here every epoch is
  scored exactly and the first best epoch wins (``RunResult.best_epoch``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import resource
import shutil
import sys
import time
import warnings
from pathlib import Path

from harness.core import env, machine
from harness.core.config import ConfigError, Profile
from harness.core.records import RunResult, RunSpec
from harness.inputs import tokens
from harness.inputs.data import data_hash, read_split
from harness.train import precision
from harness.train.binarize import binarized, train_tokens

EVAL_BATCH = 64  # sentences per forward pass when scoring (no gradients: larger is faster)
LOG_INTERVAL = 5  # updates between fairseq's progress records (they drive the progress bar)


PLUGINS = Path(__file__).resolve().parent / "fairseq_plugins"  # --user-dir: optimizer + task


def load_plugins() -> None:
    """Register the harness's fairseq optimizer and task (fairseq's ``--user-dir`` import, once).

    fairseq's import puts the plugins' parent folder (this module's own, ``harness/train``) first on
    ``sys.path`` and leaves it there. A process spawned afterwards inherits that ``sys.path``, where
    ``import fairseq`` then finds this very file: the folder comes off again here (a spawned worker
    of ``harness.runs.local`` failed with "cannot import name 'checkpoint_utils' from 'fairseq'").
    """
    from argparse import Namespace

    from fairseq import utils

    before = list(sys.path)
    try:
        utils.import_user_module(Namespace(user_dir=str(PLUGINS)))
    finally:
        sys.path[:] = before


def train_argv(spec: RunSpec, profile: Profile, bin_dir: Path, checkpoint, save_dir: Path,
               updates_per_epoch: int, precision: str = "fp32") -> list[str]:
    """The ``fairseq-train`` command line of one run (the lab's flags; dims from the checkpoint).

    The harness's plugins (``--user-dir``) give the task its precision policy (``precision``: the
    resolved "fp32" or "bf16") and the optimizer (fairseq's Adam rule on torch's fused AdamW)."""
    t, enc = profile.fairseq, checkpoint.encoder_config()
    total = t.total_updates or t.max_epochs * updates_per_epoch
    warmup = t.warmup_updates or round(t.warmup_ratio * total)
    if spec.init == "pretrained":
        restore = Path(checkpoint.dir) / "model.pt"
        if not restore.is_file():  # fairseq would silently train from scratch
            raise FileNotFoundError(f"{restore}: pretrained checkpoint not found")
    else:
        restore = save_dir / "random-init-no-such-checkpoint.pt"
    argv = [
        str(bin_dir), "--user-dir", str(PLUGINS), "--task", "sentence_prediction_harness",
        "--harness-precision", precision, "--num-classes", "2",
        "--init-token", "0", "--separator-token", "2", "--criterion", "sentence_prediction",
        "--arch", "roberta_base", "--encoder-layers", str(enc.layers),
        "--encoder-embed-dim", str(enc.d_model), "--encoder-ffn-embed-dim", str(enc.d_ff),
        "--encoder-attention-heads", str(enc.heads), "--max-positions", str(enc.max_positions),
        "--dropout", str(t.dropout), "--attention-dropout", str(t.dropout),
        "--batch-size", str(t.batch_size), "--required-batch-size-multiple", "1",
        "--optimizer", "adamw_fused", "--adam-betas", f"({t.adam_betas[0]}, {t.adam_betas[1]})",
        "--adam-eps", str(t.adam_eps), "--weight-decay", str(t.weight_decay),
        "--clip-norm", str(t.clip_norm), "--lr-scheduler", t.scheduler, "--lr", str(t.lr),
        "--warmup-updates", str(warmup), "--total-num-update", str(total),
        "--max-epoch", str(t.max_epochs), "--seed", str(spec.seed),
        "--restore-file", str(restore), "--reset-optimizer", "--reset-dataloader", "--reset-meters",
        "--save-dir", str(save_dir), "--no-last-checkpoints", "--no-save-optimizer-state",
        "--disable-validation", "--num-workers", "0",
        "--log-format", "json", "--log-interval", str(LOG_INTERVAL),
    ]
    if t.adam_rule != "fairseq":
        raise ConfigError(f"{profile.path or profile.name}: [fairseq].adam_rule: fairseq runs its own "
                          f"Adam rule ('fairseq'), got {t.adam_rule!r}")
    if machine.device() == "cpu":
        argv.append("--cpu")
    return argv


class _Progress(logging.Handler):
    """Feeds fairseq's JSON progress records (``num_updates``) to a tqdm bar."""

    def __init__(self, bar):
        super().__init__(logging.INFO)
        self.bar = bar

    def emit(self, record):
        with contextlib.suppress(ValueError, TypeError):
            stats = json.loads(record.getMessage())
            done = int(float(stats.get("num_updates", stats.get("train_num_updates", 0))))
            self.bar.update(max(0, done - self.bar.n))


@contextlib.contextmanager
def _progress_to(bar):
    log = logging.getLogger("fairseq.logging.progress_bar")
    handler, old = _Progress(bar), (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(old[0])
        log.propagate = old[1]


def _parse(argv: list[str]):
    from fairseq import options
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    args = options.parse_args_and_arch(options.get_training_parser(), argv)
    return convert_namespace_to_omegaconf(args)


def _fit(cfg, bar) -> None:
    from fairseq import checkpoint_utils
    from fairseq_cli import train as fairseq_train

    if hasattr(checkpoint_utils.save_checkpoint, "best"):  # fairseq keeps it across in-process runs
        del checkpoint_utils.save_checkpoint.best
    with _progress_to(bar):
        fairseq_train.main(cfg)


def _scorer(cfg, precision_: str):
    """A function ``(state_dict, split) -> predicted labels`` (in file order) for this run's task:
    fp32 weights, the forward under the run's precision, sentences in length-sorted batches."""
    import torch
    from fairseq import tasks

    task = tasks.setup_task(cfg.task)
    model = task.build_model(cfg.model)
    labels = task.label_dictionary
    for split in ("valid", "test"):
        task.load_dataset(split)

    def predict(state_dict, split: str) -> list[str]:
        model.load_state_dict(state_dict, strict=True, model_cfg=cfg.model)
        net = model.float().eval()
        ds = task.dataset(split)
        order = sorted(range(len(ds)), key=ds.num_tokens)
        out = [""] * len(ds)
        device = next(net.parameters()).device.type
        with torch.inference_mode(), precision.autocast(device, precision_):
            for start in range(0, len(order), EVAL_BATCH):
                batch = ds.collater([ds[i] for i in order[start:start + EVAL_BATCH]])
                logits, _ = net(**batch["net_input"], features_only=True,
                                classification_head_name="sentence_classification_head")
                for i, cls in zip(batch["id"].tolist(), logits.argmax(-1).tolist()):
                    out[i] = labels[cls + labels.nspecial]
        return out

    return predict


def _accuracy(predicted: list[str], gold: list[str]) -> float:
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)


def train(spec: RunSpec, profile: Profile, data_dir: Path, checkpoint, workdir: Path,
          bar=None) -> RunResult:
    """Fine-tune ``checkpoint`` (or its architecture from random init) on ``data_dir``.

    ``bar``: an optional tqdm-like bar advanced per update (its ``total`` is set here).
    """
    logging.getLogger("fairseq_cli").setLevel(logging.WARNING)
    with warnings.catch_warnings():  # hydra / torch deprecation notices raised inside fairseq
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("always", message=".*does not have a deterministic implementation")  # recorded by harness.runs.cache
        return _train(spec, profile, Path(data_dir), checkpoint, Path(workdir), bar)


def _train(spec, profile, data_dir, checkpoint, workdir, bar) -> RunResult:
    import torch
    from fairseq import checkpoint_utils

    env.setup()
    env.set_threads(profile.threads)
    start = time.perf_counter()
    numerics = precision.resolve(profile.fairseq.precision, machine.device(),
                                 where=f"{profile.path or profile.name}: [fairseq] ")
    shutil.rmtree(workdir, ignore_errors=True)
    bin_dir = binarized(data_dir, checkpoint, profile.data.max_tokens)
    n_train = len(read_split(data_dir, "train")[1])
    per_epoch = math.ceil(n_train / profile.fairseq.batch_size)
    load_plugins()
    cfg = _parse(train_argv(spec, profile, bin_dir, checkpoint, workdir / "checkpoints", per_epoch,
                            numerics))
    if bar is not None:
        bar.reset(total=per_epoch * profile.fairseq.max_epochs)
    t0 = time.perf_counter()
    _fit(cfg, bar if bar is not None else _NullBar())
    train_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    predict = _scorer(cfg, numerics)
    gold = {split: read_split(data_dir, split)[1] for split in ("valid", "test")}
    valid, predicted, best, updates = [], [], None, 0
    for epoch in range(1, profile.fairseq.max_epochs + 1):  # checkpoint{N}.pt: the end of epoch N
        path = workdir / "checkpoints" / f"checkpoint{epoch}.pt"
        state = checkpoint_utils.load_checkpoint_to_cpu(str(path))
        updates = state["optimizer_history"][-1]["num_updates"]
        predicted.append(predict(state["model"], "valid"))
        valid.append(_accuracy(predicted[-1], gold["valid"]))
        if best is None or valid[-1] > max(valid[:-1]):  # the first best epoch wins ties
            best = state["model"]
    best_epoch = valid.index(max(valid)) + 1
    test = _accuracy(predict(best, "test"), gold["test"])
    score_s = time.perf_counter() - t1
    shutil.rmtree(workdir / "checkpoints")

    n_tokens = train_tokens(bin_dir) * profile.fairseq.max_epochs
    return RunResult(
        spec=spec,
        valid_accuracy=tuple(valid),
        best_epoch=best_epoch,
        test_accuracy=test,
        test_size=len(gold["test"]),
        updates_per_epoch=per_epoch,
        updates=updates,
        wall_time_s=round(time.perf_counter() - start, 2),
        provenance={
            "framework_version": env.library_versions(("fairseq-fixed", "torch")),
            "hardware": machine.hardware(),
            "checkpoint": str(checkpoint.dir),
            "checkpoint_hash": checkpoint.hash,
            "data_dir": str(data_dir),
            "data_hash": data_hash(data_dir),
            "precision": numerics,
            "test_label_counts": tokens.label_counts(gold["test"]),
            "train_s": round(train_s, 2),
            "score_s": round(score_s, 2),
            "train_tokens_per_s": round(n_tokens / train_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "torch_threads": torch.get_num_threads(),
        },
        valid_predictions=tuple("".join(p) for p in predicted),
        valid_labels="".join(gold["valid"]),
    )


class _NullBar:
    n = 0

    def update(self, k):
        self.n += k
