"""What peft does with the lab's LoraConfig, observed (C5): the facts the report's statements are
checked against, computed on real peft modules (``observe``) and cached (``harness.claims.facts``).

- rank: every adapted module's ``lora_A`` is r x d_in and ``lora_B`` d_out x r (bloom-560m, the lab's
  config, on the meta device); the trainable count, analytic == peft == by name == the lab's figure;
- scale: s in (peft output - base output) = s·B·A·x, fitted on a Linear;
- targets: the adapted modules' names;
- dropout: where ``lora_dropout`` acts, from forward hooks on a tiny model in train mode: on the
  adapter's input x (before A; A's output goes into B undropped) or elsewhere;
- bias: what ``bias="none" / "lora_only" / "all"`` makes trainable: the base model's own biases
  (the adapted layers' ``base_layer.bias`` for "lora_only", every bias for "all"); lora_A/lora_B
  never have one (a bias on B is peft's separate ``lora_bias`` option);
- task type: the peft model class, and whether its loss is the next-token loss (logits at position t
  scored against token t + 1) on a tiny causal LM.
"""

from __future__ import annotations

import copy
from pathlib import Path

from harness.claims import facts, lora
from harness.core.config import LoraSpec
from harness.core.paths import EXPECTED_DIR

TINY = "tiny-opt"  # a small random-init model whose Linear layers have biases
TINY_TARGETS = ("q_proj", "v_proj")
BIAS_MODES = ("none", "lora_only", "all")


def _bias_trains(mode: str) -> dict:
    """What ``LoraConfig(bias=mode)`` makes trainable besides A and B, on the tiny model."""
    model = lora.wrap(lora.build_model(TINY, device="cpu"),
                      LoraSpec(r=2, lora_alpha=4, target_modules=TINY_TARGETS, bias=mode))
    biases, adapter_biases = [], []
    for name, p in model.named_parameters():
        if ".lora_A." in name or ".lora_B." in name:
            adapter_biases += [name] if name.endswith("bias") else []
        elif p.requires_grad and name.endswith("bias"):
            biases.append(name.removeprefix("base_model.model.").replace(".base_layer.", "."))
    return {"trainable_biases": sorted(biases), "adapter_biases": adapter_biases}


def _dropout_placement() -> dict:
    """Forward hooks on one adapted Linear of the tiny model (train mode, lora_dropout 0.5)."""
    import torch

    torch.manual_seed(0)
    model = lora.wrap(lora.build_model(TINY, device="cpu"),
                      LoraSpec(r=4, lora_alpha=8, target_modules=TINY_TARGETS, lora_dropout=0.5)).train()
    layer = next(m for n, m in model.named_modules() if n.endswith("q_proj") and hasattr(m, "lora_A"))
    seen = {}
    parts = {"x": layer.base_layer, "dropout": layer.lora_dropout["default"], "A": layer.lora_A["default"],
             "B": layer.lora_B["default"]}
    def keep(key):
        def hook(module, args, out):  # returns None: the output is left as it is
            seen.setdefault(key, (args[0].detach(), out.detach()))
        return hook

    hooks = [m.register_forward_hook(keep(k)) for k, m in parts.items()]
    with torch.no_grad():
        model(torch.randint(0, 64, (2, 8)))
    for h in hooks:
        h.remove()
    same = torch.equal
    return {"dropout_input_is_x": same(seen["dropout"][0], seen["x"][0]),
            "dropout_drops": not same(seen["dropout"][1], seen["dropout"][0]),
            "A_input_is_dropout_output": same(seen["A"][0], seen["dropout"][1]),
            "B_input_is_A_output": same(seen["B"][0], seen["A"][1])}


def _next_token_loss() -> dict:
    """The CAUSAL_LM peft model's loss against the shifted cross-entropy computed by hand."""
    import torch

    torch.manual_seed(0)
    model = lora.wrap(lora.build_model("tiny-gpt2", device="cpu"),
                      LoraSpec(r=2, lora_alpha=4, target_modules=("c_attn",), task_type="CAUSAL_LM")).eval()
    ids = torch.randint(0, 64, (2, 10))
    with torch.no_grad():
        out = model(input_ids=ids, labels=ids)
    shifted = torch.nn.functional.cross_entropy(out.logits[:, :-1].reshape(-1, out.logits.shape[-1]), ids[:, 1:].reshape(-1))
    return {"class": type(model).__name__, "loss_is_next_token": abs(float(out.loss) - float(shifted)) < 1e-5}


def observe() -> dict:
    """Every fact above, for the lab's LoraConfig (``expected/lora.toml`` [lab])."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the tiny configs' notices (token ids outside a 64-word vocab)
    case = lora.load_figures().lab
    spec = case.lora
    model = lora.build_model(case.arch)
    count = lora.analytic(model, spec)
    modules = sorted(lora.adapted_modules(model, spec))
    peft_model = lora.wrap(copy.deepcopy(model), spec)
    trainable, total = peft_model.get_nb_trainable_parameters()
    shapes = sorted({(tuple(m.lora_A["default"].weight.shape), tuple(m.lora_B["default"].weight.shape))
                     for _, m in peft_model.named_modules() if hasattr(m, "lora_A") and "default" in m.lora_A})
    scale, residual = lora.measured_scale(spec.r, spec.lora_alpha)
    return {"arch": case.arch, "spec": {"r": spec.r, "lora_alpha": spec.lora_alpha, "target_modules": list(spec.target_modules),
                                        "lora_dropout": spec.lora_dropout, "bias": spec.bias, "task_type": spec.task_type},
            "trainable": {"analytic": count.trainable, "peft": trainable, "by_name": lora.name_count(peft_model, spec.bias),
                          "lab": case.trainable, "all": total},
            "modules": modules, "shapes": [list(map(list, s)) for s in shapes],
            "scale": scale, "scale_residual": residual, "dropout": _dropout_placement(),
            "bias": {mode: _bias_trains(mode) for mode in BIAS_MODES}, "task": _next_token_loss()}


def behaviour() -> dict:
    """:func:`observe`'s facts, cached by the peft/transformers/torch versions and this code."""
    here = Path(__file__).parent
    code = (Path(__file__), here / "lora.py", EXPECTED_DIR / "lora.toml", *sorted((here / "archs").glob("*.toml")))
    return facts.cached("peft-behaviour", {}, observe, code=code, libraries=("peft", "transformers", "torch"))
