"""fairseq extensions, loaded with ``--user-dir`` (fairseq's own extension point).

- optimizer ``adamw_fused``: :class:`harness.train.optim.AdamW` (torch's fused AdamW kernel) with fairseq's
  Adam update rule; takes ``--adam-betas``, ``--adam-eps`` and ``--weight-decay`` like ``adam``.
  Gradient scaling and the total norm use torch's multi-tensor (``foreach``) kernels.
- task ``sentence_prediction_harness``: fairseq's ``sentence_prediction`` whose training forward runs
  under the harness's precision policy (``--harness-precision fp32|bf16``: bf16 autocast of the
  forward and the loss, fp32 weights, backward outside autocast), as HF's ``Trainer(bf16=True)``
  does. fairseq's ``--bf16`` (the whole model cast to bf16) is not used by the harness.

fairseq imports this directory as a top-level module named after it, once per process.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, List

import torch
from fairseq.dataclass import FairseqDataclass
from fairseq.optim import FairseqOptimizer, register_optimizer
from fairseq.tasks import register_task
from fairseq.tasks.sentence_prediction import SentencePredictionConfig, SentencePredictionTask
from omegaconf import II, OmegaConf

from harness.train import optim, precision


@dataclass
class AdamWFusedConfig(FairseqDataclass):
    adam_betas: Any = field(default=(0.9, 0.999), metadata={"help": "betas for Adam"})
    adam_eps: float = field(default=1e-8, metadata={"help": "epsilon for Adam (fairseq's placement)"})
    weight_decay: float = field(default=0.0, metadata={"help": "decoupled weight decay"})
    lr: List[float] = II("optimization.lr")


@register_optimizer("adamw_fused", dataclass=AdamWFusedConfig)
class AdamWFused(FairseqOptimizer):
    """fairseq's ``adam`` update rule on torch's fused AdamW kernel."""

    def __init__(self, cfg: AdamWFusedConfig, params):
        super().__init__(cfg)
        self._optimizer = optim.AdamW(params, rule="fairseq", **self.optimizer_config)

    @property
    def optimizer_config(self):
        lr = self.cfg.lr[0] if isinstance(self.cfg.lr, Collection) else self.cfg.lr
        betas = self.cfg.adam_betas
        betas = eval(betas) if isinstance(betas, str) else OmegaConf.to_container(betas)  # as fairseq's adam
        return {"lr": lr, "betas": tuple(betas), "eps": self.cfg.adam_eps,
                "weight_decay": self.cfg.weight_decay}

    def clip_grad_norm(self, max_norm, aggregate_norm_fn=None):
        """The total gradient norm (clipped to ``max_norm`` when > 0), with foreach kernels."""
        params = [p for p in self.params if p.grad is not None]
        if not params:
            return torch.tensor(0.0)
        total = torch.nn.utils.get_total_norm([p.grad for p in params], foreach=True)
        if aggregate_norm_fn is not None:
            total = aggregate_norm_fn(total)
        if max_norm > 0:
            torch.nn.utils.clip_grads_with_norm_(params, max_norm, total, foreach=True)
        return total


@dataclass
class HarnessSentencePredictionConfig(SentencePredictionConfig):
    harness_precision: str = field(default="fp32", metadata={"help": "fp32 | bf16 (autocast forward)"})


@register_task("sentence_prediction_harness", dataclass=HarnessSentencePredictionConfig)
class HarnessSentencePredictionTask(SentencePredictionTask):
    """``sentence_prediction`` with the forward under the harness's precision policy."""

    def train_step(self, sample, model, criterion, optimizer, update_num, ignore_grad=False):
        model.train()
        model.set_num_updates(update_num)
        device = sample["net_input"]["src_tokens"].device.type
        with precision.autocast(device, self.cfg.harness_precision):
            loss, sample_size, logging_output = criterion(model, sample)
        if ignore_grad:
            loss *= 0
        optimizer.backward(loss)
        return loss, sample_size, logging_output
