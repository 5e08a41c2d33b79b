"""HuggingFace fine-tuning: the lab's ``run_glue.py``-style recipe with transformers' ``Trainer``.

One run = the lab-layout splits written as ``run_glue`` JSON rows (``{"sentence1": ..., "label": ...}``)
and loaded with ``datasets`` → ids from ``Checkpoint.encode`` (the very ids the fairseq path feeds)
→ ``RobertaForSequenceClassification`` converted from the checkpoint's fairseq weights
(``harness.inputs.convert``; random init: the same HF config, fresh weights) → ``Trainer`` with the
profile's ``[hf]`` recipe, validation accuracy after every epoch → test accuracy of the first best
validation epoch (its weights are kept in memory: nothing is saved to disk). Each epoch's
validation predictions are kept in the result, sentence by sentence, in file order.

The scheduler follows ``run_glue``: warmup as a share of the updates (0.06 × 1,125 = 68 in the
lab, vs fairseq's 72) and decay to the end of training (1,125 updates, vs fairseq's 1,200).
"""

from __future__ import annotations

import json
import math
import resource
import shutil
import time
from pathlib import Path

from harness.core import env, machine
from harness.core.config import ConfigError, Profile
from harness.core.records import RunResult, RunSpec
from harness.inputs import convert, models, tokens
from harness.inputs.data import data_hash, read_split
from harness.train import optim, precision

SPLITS = ("train", "valid", "test")
EVAL_BATCH = 64  # sentences per forward pass when scoring (no gradients: larger is faster)
SCHEDULERS = {"polynomial_decay": "polynomial", "linear": "linear", "cosine": "cosine"}  # TrainSpec -> HF


def write_json_rows(data_dir: Path, out_dir: Path) -> dict[str, Path]:
    """``{split}.json`` with one ``{"sentence1": review, "label": int}`` row per line (run_glue's input)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split in SPLITS:
        reviews, labels = read_split(data_dir, split)
        paths[split] = out_dir / f"{split}.json"
        with paths[split].open("w", encoding="utf-8") as fh:
            for review, label in zip(reviews, labels, strict=True):
                fh.write(json.dumps({"sentence1": review, "label": int(label)}, ensure_ascii=False) + "\n")
    return paths


def load_splits(json_paths: dict[str, Path], encoded: dict, cache: Path):
    """The JSON rows as a ``datasets.DatasetDict`` with ``input_ids`` (``harness.inputs.tokens.encoded``:
    the ids ``checkpoint.encode`` gives, computed once per data and checkpoint). Validation and test
    are sorted by length, so scoring pads little (accuracy does not depend on the order)."""
    import datasets

    datasets.disable_progress_bars()
    raw = datasets.load_dataset("json", data_files={k: str(v) for k, v in json_paths.items()},
                                cache_dir=str(cache))
    out = {}
    for split, ds in raw.items():
        ids = encoded[split]["ids"]
        if len(ids) != len(ds) or list(map(str, ds["label"])) != list(encoded[split]["labels"]):
            raise RuntimeError(f"{json_paths[split]}: rows do not match the encoded {split} split")
        ds = ds.remove_columns(["sentence1"]).add_column("input_ids", ids)
        if split != "train":
            ds = ds.select(length_order(ids))
        out[split] = ds
    return datasets.DatasetDict(out)


def length_order(ids: list) -> list[int]:
    """Row indices by length (a stable sort, as Arrow's): the order validation and test are scored in."""
    return sorted(range(len(ids)), key=lambda i: len(ids[i]))


def collate(pad: int):
    """Pad a batch to its longest row with fairseq's ``<pad>`` id (so HF numbers positions alike)."""
    import torch

    def collate_fn(rows: list[dict]) -> dict:
        longest = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), longest), pad, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r["input_ids"])] = torch.tensor(r["input_ids"])
        return {"input_ids": ids, "attention_mask": ids.ne(pad).long(),
                "labels": torch.tensor([r["label"] for r in rows])}

    return collate_fn


def build_model(init: str, checkpoint, dropout: float, num_labels: int = 2):
    """``RobertaForSequenceClassification``: converted from the checkpoint, or fresh with its config."""
    from transformers import RobertaForSequenceClassification

    cfg = checkpoint.encoder_config()
    if init == "pretrained":
        state = convert.load_fairseq_state(checkpoint.dir)
        return convert.hf_model(state, cfg, "classifier", num_labels=num_labels, dropout=dropout)
    config = models.hf_config(cfg, num_labels=num_labels, hidden_dropout_prob=dropout,
                              attention_probs_dropout_prob=dropout)
    return RobertaForSequenceClassification(config)


def training_arguments(profile: Profile, seed: int, out: Path, precision: str = "fp32"):
    """``precision``: the resolved "fp32" or "bf16" (bf16: accelerate's autocast of the forward).
    The optimizer: torch's fused AdamW, with the fairseq rule passed in by ``train`` (all parameters
    decay) or, for ``adam_rule = "torch"``, Trainer's own ``adamw_torch_fused`` (run_glue's rule:
    no decay on biases and LayerNorm weights)."""
    from transformers import TrainingArguments

    hp = profile.hf
    where = f"{profile.path or profile.name}: [hf]"
    if hp.scheduler not in SCHEDULERS:
        raise ConfigError(f"{where}.scheduler: {hp.scheduler!r} is not one of {sorted(SCHEDULERS)}")
    if hp.total_updates:
        raise ConfigError(f"{where}.total_updates: HF decays to the end of training; leave it unset")
    return TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=hp.batch_size,
        per_device_eval_batch_size=EVAL_BATCH,
        learning_rate=hp.lr,
        num_train_epochs=hp.max_epochs,
        adam_beta1=hp.adam_betas[0],
        adam_beta2=hp.adam_betas[1],
        adam_epsilon=hp.adam_eps,
        weight_decay=hp.weight_decay,
        lr_scheduler_type=SCHEDULERS[hp.scheduler],
        # fairseq's polynomial_decay ends at lr 0 (run_glue's default would end at 1e-7)
        lr_scheduler_kwargs={"lr_end": 0.0} if hp.scheduler == "polynomial_decay" else {},
        warmup_steps=hp.warmup_updates or hp.warmup_ratio,  # a float < 1 is a share of the updates
        max_grad_norm=hp.clip_norm,  # 0: no clipping
        optim="adamw_torch_fused",
        bf16=precision == "bf16",
        use_cpu=machine.device() == "cpu",
        eval_strategy="epoch",
        save_strategy="no",
        logging_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=seed,
        dataloader_num_workers=0,
    )


def _callback(bar, scored: "_Scored"):
    """Per-epoch validation accuracy and predictions; a copy of the weights of the first best epoch;
    progress."""
    from transformers import TrainerCallback

    class Best(TrainerCallback):
        def __init__(self):
            self.valid: list[float] = []
            self.predicted: list[str] = []  # per epoch, one label character per sentence, file order
            self.state: dict | None = None

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
            acc = metrics["eval_accuracy"]
            if not self.valid or acc > max(self.valid):
                self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            self.valid = [*self.valid, acc]
            self.predicted = [*self.predicted, scored.in_file_order()]

        def on_step_end(self, args, state, control, **kwargs):
            if bar is not None:
                bar.update(1)

    return Best()


class _Scored:
    """``compute_metrics``: the accuracy, and the predicted classes of the last evaluation, mapped
    back from the length-sorted order to file order (``order[j]`` is the file row of sorted row j)."""

    def __init__(self, order: list[int]):
        self.order, self.classes = order, None

    def __call__(self, prediction) -> dict:
        self.classes = prediction.predictions.argmax(-1)
        return {"accuracy": float((self.classes == prediction.label_ids).mean())}

    def in_file_order(self) -> str:
        out = [""] * len(self.order)
        for j, row in enumerate(self.order):
            out[row] = str(int(self.classes[j]))
        return "".join(out)


def train(spec: RunSpec, profile: Profile, data_dir: Path, checkpoint, workdir: Path,
          bar=None) -> RunResult:
    """Fine-tune ``checkpoint`` converted to HF (or its architecture from random init) on ``data_dir``.

    ``bar``: an optional tqdm-like bar advanced per update (its ``total`` is set here).
    """
    import torch
    from transformers import PrinterCallback, Trainer

    env.setup()
    env.set_threads(profile.threads)
    start = time.perf_counter()
    hp = profile.hf
    numerics = precision.resolve(hp.precision, machine.device(), where=f"{profile.path or profile.name}: [hf] ")
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    encoded = tokens.encoded(data_dir, checkpoint, profile.data.max_tokens)
    splits = load_splits(write_json_rows(Path(data_dir), workdir / "json"), encoded, workdir / "datasets")
    per_epoch = math.ceil(len(splits["train"]) / profile.hf.batch_size)
    if bar is not None:
        bar.reset(total=per_epoch * profile.hf.max_epochs)

    env.seed_everything(spec.seed)  # the classifier's (or the whole model's) initial weights
    model = build_model(spec.init, checkpoint, hp.dropout)
    scored = _Scored(length_order(encoded["valid"]["ids"]))
    best = _callback(bar, scored)
    optimizer = None
    if hp.adam_rule == "fairseq":  # fairseq's update rule, every parameter decayed (as fairseq)
        optimizer = optim.AdamW(model.parameters(), lr=hp.lr, betas=hp.adam_betas, eps=hp.adam_eps,
                                weight_decay=hp.weight_decay, rule="fairseq")
    trainer = Trainer(
        model=model,
        args=training_arguments(profile, spec.seed, workdir / "trainer", numerics),
        optimizers=(optimizer, None),
        train_dataset=splits["train"],
        eval_dataset=splits["valid"],
        data_collator=collate(checkpoint.encoder_config().padding_idx),
        compute_metrics=scored,
        callbacks=[best],
    )
    trainer.remove_callback(PrinterCallback)  # the metrics are in the result
    t0 = time.perf_counter()
    out = trainer.train()
    train_s = time.perf_counter() - t0

    trainer.remove_callback(best)
    model.load_state_dict(best.state)
    t1 = time.perf_counter()
    test = trainer.evaluate(splits["test"], metric_key_prefix="test")["test_accuracy"]
    test_s = time.perf_counter() - t1
    train_tokens = sum(len(ids) for ids in splits["train"]["input_ids"]) * profile.hf.max_epochs
    shutil.rmtree(workdir / "datasets", ignore_errors=True)
    return RunResult(
        spec=spec,
        valid_accuracy=tuple(best.valid),
        best_epoch=best.valid.index(max(best.valid)) + 1,
        test_accuracy=test,
        test_size=len(splits["test"]),
        updates_per_epoch=per_epoch,
        updates=out.global_step,
        wall_time_s=round(time.perf_counter() - start, 2),
        provenance={
            "framework_version": env.library_versions(("transformers", "datasets", "torch")),
            "hardware": machine.hardware(),
            "checkpoint": str(checkpoint.dir),
            "checkpoint_hash": checkpoint.hash,
            "data_dir": str(data_dir),
            "data_hash": data_hash(data_dir),
            "warmup_updates": trainer.args.get_warmup_steps(out.global_step),
            "precision": numerics,
            "optimizer": f"torch AdamW, fused, {hp.adam_rule} rule",
            "test_label_counts": tokens.label_counts(encoded["test"]["labels"]),
            "train_s": round(train_s, 2),
            "test_score_s": round(test_s, 2),
            "train_tokens_per_s": round(train_tokens / train_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "torch_threads": torch.get_num_threads(),
        },
        valid_predictions=tuple(best.predicted),
        valid_labels="".join(encoded["valid"]["labels"]),
    )
