"""C5 for the claim ledger: the report's LoraConfig statements checked against peft's behaviour.

Each statement of the claims file's ``[lora]`` is checked by what peft does, not by comparing
strings: the trainable count (analytic == peft == by name == the lab's figure), the scale
(measured on a Linear), the targets (the adapted modules' names), the bias mode (what
``bias="none" / "lora_only" / "all"`` makes trainable on a tiny model, and what the report says
bias applies to) and the task type (the peft model class).

peft's ``bias`` frees the *base model's* biases -- "lora_only": the adapted layers' own biases
(``base_layer.bias``), "all": every bias -- and ``lora_A`` / ``lora_B`` never have one (a bias on
B is peft's separate ``lora_bias`` option). The report says bias is "applied to the matrices A and
B": ``bias_applies_to = "adapters"`` in expected/report.toml; peft's behaviour is "base_layers".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from harness.claims import lora
from harness.claims.expected import load_report
from harness.core.config import LoraSpec

TEST_ID = "tests/test_c5_lora.py::test_report_lora_statements_hold"
BIAS_ARCH = "tiny-opt"  # a small random-init model whose Linear layers have biases
BIAS_TARGETS = ("q_proj", "v_proj")
BIAS_MODES = ("none", "lora_only", "all")
MEANINGS = {"adapters": "the adapters A and B", "base_layers": "the base layers' own biases"}


@dataclass(frozen=True)
class BiasBehaviour:
    trainable_biases: set[str]  # base-model bias names (as in the unwrapped model) that train
    adapter_biases: list[str]  # any bias parameter on lora_A / lora_B (peft: none)
    other: list[str]  # trainable base parameters that are not biases (peft: none)


def bias_trains(mode: str) -> BiasBehaviour:
    """What ``LoraConfig(bias=mode)`` makes trainable besides A and B, on ``BIAS_ARCH``."""
    model = lora.wrap(lora.build_model(BIAS_ARCH, device="cpu"),
                      LoraSpec(r=2, lora_alpha=4, target_modules=BIAS_TARGETS, bias=mode))
    biases, adapter_biases, other = set(), [], []
    for name, p in model.named_parameters():
        base = name.removeprefix("base_model.model.").replace(".base_layer.", ".")
        if ".lora_A." in name or ".lora_B." in name:
            if name.endswith("bias"):
                adapter_biases.append(base)
        elif p.requires_grad:
            (biases.add(base) if name.endswith("bias") else other.append(base))
    return BiasBehaviour(biases, adapter_biases, other)


def bias_applies_to() -> str:
    """What peft's bias acts on, observed: "adapters" if any mode gives lora_A/lora_B a trainable
    bias, "base_layers" if the modes free only base-model biases."""
    seen = [bias_trains(mode) for mode in BIAS_MODES]
    if any(s.adapter_biases for s in seen):
        return "adapters"
    return "base_layers" if any(s.trainable_biases for s in seen) else "nothing"


def ledger_row(report=None) -> dict:
    """C5 for the claim ledger: the report's [lora] statements checked on the lab's configuration."""
    from peft import PeftModelForCausalLM

    claim = (report or load_report()).lora
    case = lora.load_figures().lab
    spec = case.lora
    model = lora.build_model(case.arch)
    count = lora.analytic(model, spec)
    modules = lora.adapted_modules(model, spec)
    peft_model = lora.wrap(copy.deepcopy(model), spec)
    peft_trainable, peft_all = peft_model.get_nb_trainable_parameters()
    stated = lora.evaluate_scale(claim.scale, spec.r, spec.lora_alpha)
    scale, residual = lora.measured_scale(spec.r, spec.lora_alpha)
    applies = bias_applies_to()
    behaviour = {mode: bias_trains(mode) for mode in BIAS_MODES}
    checks = {
        "count": count.trainable == peft_trainable == lora.name_count(peft_model, spec.bias) == case.trainable,
        "scale": abs(scale - stated) <= 1e-6 * abs(stated) and residual < 1e-5,
        "target": all(claim.target.lower() in n.lower() for n in modules),
        "bias": claim.bias == spec.bias and claim.bias_applies_to == applies,
        "task_type": claim.task_type == spec.task_type and isinstance(peft_model, PeftModelForCausalLM),
    }
    failed = [k for k, ok in checks.items() if not ok]
    if "bias" in failed:
        wrong = []
        if claim.bias_applies_to != applies:
            wrong.append(f"the report says bias applies to {MEANINGS.get(claim.bias_applies_to, claim.bias_applies_to)}; "
                         f"peft's bias frees {MEANINGS.get(applies, applies)}, lora_A/lora_B have none")
        if claim.bias != spec.bias:
            wrong.append(f"the report uses bias={claim.bias!r}, the lab's LoraConfig {spec.bias!r}")
        failed[failed.index("bias")] = "bias: " + "; ".join(wrong)
    where = "all" if checks["target"] else "not all"
    bias_seen = ", ".join(f"{m!r} {len(b.trainable_biases)}" for m, b in behaviour.items())
    return {
        "claim": "C5",
        "says": (f"scale {claim.scale}; target {claim.target}; bias {claim.bias}, applied to "
                 f"{MEANINGS.get(claim.bias_applies_to, claim.bias_applies_to)}; task_type {claim.task_type}"),
        "computed": (
            f"{case.arch} r={spec.r} {list(spec.target_modules)}: trainable {count.trainable:,} of "
            f"{peft_all:,} ({100 * count.trainable / peft_all:.4f}%); measured scale {scale:.6g} "
            f"(stated {stated:.6g}); {len(modules)} adapted modules, {where} in {claim.target}; "
            f"bias modes on {BIAS_ARCH} ({', '.join(BIAS_TARGETS)}) free base-layer "
            f"biases only ({bias_seen} trainable), no bias on lora_A/lora_B; {type(peft_model).__name__}"
        ),
        "statistic": f"exact counts (analytic == peft == by name); scale fit residual {residual:.1e}; trainable sets by name",
        "verdict": "REPRODUCED" if not failed else "REFUTED (" + ", ".join(failed) + ")",
        "test": TEST_ID,
    }
