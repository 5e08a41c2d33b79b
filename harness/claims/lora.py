"""LoRA (C5): analytic trainable-parameter counts, architectures as data, peft helpers.

The ledger's C5 row (the report's statements checked on peft) is ``harness.claims.lora_claims``.

Counting convention (peft's ``get_nb_trainable_parameters``): an adapter on a module with weight
``d_out x d_in`` adds ``A (r x d_in)`` and ``B (d_out x r)``, i.e. ``r·(d_in + d_out)`` trainable
parameters. ``bias`` adds: ``"none"`` nothing; ``"lora_only"`` the biases of the adapted modules;
``"all"`` every parameter whose name contains ``bias`` (LayerNorm biases included). peft's
"all params" is the base model's unique parameters plus the adapters.

Architectures live in ``harness/claims/archs/NAME.toml`` (the shape-defining fields of a public
``config.json``); big ones are built on the ``meta`` device, so a billion parameters cost no memory.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from pathlib import Path

from harness.core.config import ConfigError, LoraSpec, build, read_toml
from harness.core.paths import EXPECTED_DIR

ARCHS_DIR = Path(__file__).parent / "archs"


@dataclass(frozen=True)
class Arch:
    """One architecture as data."""

    name: str
    source: str  # where the config fields come from
    kind: str  # "causal" (AutoModelForCausalLM) or "seq2seq" (AutoModelForSeq2SeqLM)
    config: dict  # config.json fields; model_type picks the transformers config class
    untie: tuple[str, ...] = ()  # modules the checkpoint stores untied although transformers ties them


@dataclass(frozen=True)
class CountCase:
    """A published count: architecture, LoraConfig, and the figures (0 = not published)."""

    arch: str
    lora: LoraSpec
    trainable: int
    source: str
    all_params: int = 0
    all_params_naive_4bit: int = 0


@dataclass(frozen=True)
class Figures:
    source: str
    lab: CountCase
    published: tuple[CountCase, ...]

    @property
    def cases(self) -> tuple[CountCase, ...]:
        return (self.lab, *self.published)


@dataclass(frozen=True)
class Count:
    adapters: int  # sum of r·(d_in + d_out) over adapted modules
    biases: int  # what the bias mode makes trainable
    base_total: int  # the base model's unique parameters

    @property
    def trainable(self) -> int:
        return self.adapters + self.biases

    @property
    def total(self) -> int:
        return self.base_total + self.adapters

    @property
    def ratio(self) -> float:
        return self.trainable / self.total


class LoraTargetError(ValueError):
    """target_modules names a module the model does not have."""


def load_arch(name: str) -> Arch:
    path = ARCHS_DIR / f"{name}.toml"
    arch = build(Arch, {**read_toml(path), "name": name}, str(path))
    if arch.kind not in ("causal", "seq2seq"):
        raise ConfigError(f"{path}: kind must be 'causal' or 'seq2seq', got {arch.kind!r}")
    if "model_type" not in arch.config:
        raise ConfigError(f"{path}: config: missing required field 'model_type'")
    return arch


def load_figures(path: str | Path | None = None) -> Figures:
    path = Path(path) if path else EXPECTED_DIR / "lora.toml"
    return build(Figures, read_toml(path), str(path))


def build_model(arch: Arch | str, device: str = "meta", seed: int = 0):
    """The architecture's transformers model: on ``meta`` (shapes only) or random-init on a device."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    arch = load_arch(arch) if isinstance(arch, str) else arch
    fields = dict(arch.config)
    config = AutoConfig.for_model(fields.pop("model_type"), **fields)
    auto = AutoModelForSeq2SeqLM if arch.kind == "seq2seq" else AutoModelForCausalLM
    torch.manual_seed(seed)
    with torch.device(device):
        model = auto.from_config(config)
        for name in arch.untie:
            module = model.get_submodule(name)
            module.weight = torch.nn.Parameter(torch.empty_like(module.weight))
    return model


def targets(spec: LoraSpec, model) -> tuple[str, ...]:
    """The spec's target_modules, or peft's default targets for the model type when empty."""
    if spec.target_modules:
        return spec.target_modules
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as DEFAULTS

    model_type = model.config.model_type
    if model_type not in DEFAULTS:
        raise LoraTargetError(f"peft has no default target_modules for model type {model_type!r}")
    return tuple(DEFAULTS[model_type])


def adapted_modules(model, spec: LoraSpec) -> dict:
    """The modules that get adapters: a name equal to a target or ending in ``.target`` (peft's rule)."""
    names = targets(spec, model)
    found = {
        n: m for n, m in model.named_modules() if any(n == t or n.endswith("." + t) for t in names)
    }
    missing = [t for t in names if not any(n == t or n.endswith("." + t) for n in found)]
    if missing:
        raise LoraTargetError(
            f"target_modules {missing} match no module of {type(model).__name__}"
            f" (e.g. {[n for n, _ in model.named_modules()][1:6]} ...)"
        )
    return found


def _in_out(name: str, module) -> tuple[int, int]:
    import torch
    from transformers.pytorch_utils import Conv1D

    if isinstance(module, torch.nn.Linear):
        return module.in_features, module.out_features
    if isinstance(module, Conv1D):  # weight stored (d_in, d_out)
        return tuple(module.weight.shape)
    raise LoraTargetError(f"{name} is a {type(module).__name__}: the count covers Linear and Conv1D only")


def _unique(named_parameters) -> list:
    seen, out = set(), []
    for name, p in named_parameters:
        if id(p) not in seen:
            seen.add(id(p))
            out.append((name, p))
    return out


def analytic(model, spec: LoraSpec) -> Count:
    """The count from the base model's module shapes alone (before peft touches it)."""
    modules = adapted_modules(model, spec)
    adapters = 0
    for name, module in modules.items():
        d_in, d_out = _in_out(name, module)
        adapters += spec.r * (d_in + d_out)
    params = _unique(model.named_parameters())
    if spec.bias == "none":
        biases = 0
    elif spec.bias == "lora_only":
        biases = sum(m.bias.numel() for m in modules.values() if getattr(m, "bias", None) is not None)
    elif spec.bias == "all":
        biases = sum(p.numel() for n, p in params if "bias" in n)
    else:
        raise ValueError(f"bias must be 'none', 'lora_only' or 'all', got {spec.bias!r}")
    return Count(adapters, biases, sum(p.numel() for _, p in params))


def peft_config(spec: LoraSpec):
    from peft import LoraConfig

    return LoraConfig(
        r=spec.r,
        lora_alpha=spec.lora_alpha,
        target_modules=list(spec.target_modules) or None,
        lora_dropout=spec.lora_dropout,
        bias=spec.bias,
        task_type=spec.task_type or None,
    )


def wrap(model, spec: LoraSpec):
    """``get_peft_model`` with the spec (peft modifies ``model`` in place)."""
    from peft import get_peft_model

    return get_peft_model(model, peft_config(spec))


def name_count(peft_model, bias: str) -> int:
    """Independent of requires_grad: adapter parameters by name, plus the biases the mode frees."""
    params = _unique(peft_model.named_parameters())
    n = sum(p.numel() for name, p in params if ".lora_A." in name or ".lora_B." in name)
    if bias == "all":
        n += sum(p.numel() for name, p in params if "bias" in name and ".lora_" not in name)
    elif bias == "lora_only":
        n += sum(p.numel() for name, p in params if name.endswith(".base_layer.bias"))
    return n


def naive_4bit_total(model) -> int:
    """numel() summed as it reads on a bitsandbytes 4-bit model: nf4 packs two weights per byte,
    so each quantized Linear weight shows half its numel; the output head stays unquantized
    (transformers keeps it out of the conversion)."""
    import torch

    head = model.get_output_embeddings()
    halved = sum(
        m.weight.numel() // 2
        for m in model.modules()
        if isinstance(m, torch.nn.Linear) and m is not head
    )
    return sum(p.numel() for _, p in _unique(model.named_parameters())) - halved


def measured_scale(r: int, lora_alpha: float, seed: int = 0) -> tuple[float, float]:
    """Fit s in (peft output - base output) = s · B·A·x on a Linear with random non-zero B.

    Returns (s, worst relative residual); the report says s = lora_alpha / r."""
    import torch

    torch.manual_seed(seed)
    base = torch.nn.Sequential(torch.nn.Linear(12, 10))
    spec = LoraSpec(r=r, lora_alpha=lora_alpha, target_modules=("0",), task_type="")
    x = torch.randn(7, 12)
    with torch.no_grad():
        y0 = base(x)
        model = wrap(base, spec).eval()
        layer = model.base_model.model[0]
        torch.nn.init.normal_(layer.lora_B["default"].weight)
        a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
        delta = (model(x) - y0).flatten().double()
        bax = (x @ a.T @ b.T).flatten().double()
    s = float(delta @ bax / (bax @ bax))
    residual = float((delta - s * bax).abs().max() / bax.abs().max())
    return s, residual


_OPS = {ast.Div: operator.truediv, ast.Mult: operator.mul}


def evaluate_scale(expression: str, r: float, lora_alpha: float) -> float:
    """The value of a stated scale such as ``"lora_alpha / r"`` (names r, lora_alpha; * and /)."""

    def ev(node):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.Name) and node.id in ("r", "lora_alpha"):
            return {"r": r, "lora_alpha": lora_alpha}[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        raise ConfigError(f"lora.scale: cannot evaluate {expression!r} (names r, lora_alpha; * and /)")

    return ev(ast.parse(expression, mode="eval").body)
