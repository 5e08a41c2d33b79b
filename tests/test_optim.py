"""One optimizer for both frameworks (harness/optim.py, the fairseq plugin ``adamw_fused``): N steps
of torch's fused AdamW under fairseq's rule give fairseq's own ``adam`` weights, from the same state
and gradients; the "torch" rule is torch's AdamW.

Compared in float64, where the rules agree to ~1e-14 and the two rules differ by ~3e-5, so the
tolerance separates "same rule, rounding" from "another rule". (In float32 the same runs differ
by ~1e-5 after 50 steps: rounding, accumulated.)"""

from __future__ import annotations

import pytest
import torch

from harness.train import optim

STEPS = 50
HP = {"lr": 1e-3, "betas": (0.9, 0.98), "eps": 1e-6, "weight_decay": 0.01}
SAME = 1e-12  # float64: the same update rule, up to rounding
OTHER = 1e-6  # float64: a different rule (torch's eps placement) moves the weights further than this


def _params(seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    shapes = [(64, 32), (32,), (300, 16), (1,)]
    return [torch.randn(s, generator=g, dtype=torch.float64).requires_grad_() for s in shapes]


def _run(make, steps: int = STEPS, lr_schedule=None) -> list[torch.Tensor]:
    """``steps`` updates of ``make(params)`` with the same gradient sequence (small and large
    gradients, so eps matters); one parameter never gets a gradient (skipped by both)."""
    params = _params()
    opt = make(params)
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        for i, p in enumerate(params):
            p.grad = None if i == 3 else (torch.randn(p.shape, generator=g) * (10.0 ** (-(step % 7)))).to(p.dtype)
        if lr_schedule:
            for group in opt.param_groups:
                group["lr"] = lr_schedule(step)
        opt.step()
    return [p.detach().clone() for p in params]


def _max_diff(a, b) -> float:
    return max((x - y).abs().max().item() for x, y in zip(a, b))


def test_fairseq_rule_on_the_fused_kernel_matches_fairseqs_adam():
    from fairseq.optim.adam import Adam as FairseqAdam

    schedule = lambda step: HP["lr"] * min(1.0, (step + 1) / 10)  # noqa: E731 (warmup, as in training)
    ours = _run(lambda ps: optim.AdamW(ps, rule="fairseq", **HP), lr_schedule=schedule)
    theirs = _run(lambda ps: FairseqAdam(ps, **HP), lr_schedule=schedule)
    plain = _run(lambda ps: torch.optim.AdamW(ps, foreach=False, **HP), lr_schedule=schedule)
    diff, rule_gap = _max_diff(ours, theirs), _max_diff(plain, theirs)
    assert diff < SAME, f"{STEPS} steps: fused AdamW (fairseq rule) vs fairseq adam differ by {diff:.2e} > {SAME}"
    # the check can fail: torch's own eps placement is another rule, and it shows
    assert rule_gap > OTHER, f"torch's rule vs fairseq adam differ by only {rule_gap:.2e} <= {OTHER}"
    assert torch.equal(ours[3], _params()[3]), "a parameter without gradients must not move"


def test_torch_rule_is_torchs_adamw():
    ours = _run(lambda ps: optim.AdamW(ps, rule="torch", **HP))
    theirs = _run(lambda ps: torch.optim.AdamW(ps, foreach=False, **HP))
    diff = _max_diff(ours, theirs)
    assert diff < SAME, f"{STEPS} steps: fused AdamW (torch rule) vs torch AdamW differ by {diff:.2e} > {SAME}"


def test_uses_the_fused_kernel_on_cpu():
    opt = optim.AdamW(_params(), rule="fairseq", **HP)
    assert opt.param_groups[0]["fused"] is True


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="rule must be one of"):
        optim.AdamW(_params(), rule="adam", **HP)


def test_fairseq_registry_builds_it_from_the_command_line():
    """``--user-dir harness/fairseq_plugins --optimizer adamw_fused``: fairseq's registry builds the
    same optimizer ``adam`` would with the same flags, and steps to the same weights."""
    from fairseq import optim as fairseq_optim
    from fairseq import options
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    from harness.train import fairseq as runner

    runner.load_plugins()
    argv = ["/dev/null", "--task", "sentence_prediction", "--criterion", "sentence_prediction",
            "--arch", "roberta_base", "--cpu", "--lr", "1e-3",
            "--adam-betas", "(0.9, 0.98)", "--adam-eps", "1e-6", "--weight-decay", "0.01"]

    def build(name):
        parser = options.get_training_parser()
        args = options.parse_args_and_arch(parser, argv + ["--optimizer", name])
        cfg = convert_namespace_to_omegaconf(args)
        return lambda ps: fairseq_optim.build_optimizer(cfg.optimizer, ps)

    ours, theirs = _run(build("adamw_fused")), _run(build("adam"))
    diff = _max_diff(ours, theirs)
    assert diff < SAME, f"{STEPS} steps through fairseq's registry: adamw_fused vs adam differ by {diff:.2e}"


# A spawned worker's `import fairseq` after load_plugins(): tests/test_quiet.py (one interpreter checks it
# and that the import prints nothing).
