"""GPU tier: the device the full-scale runs will use is really there and computes. ``[cpu-tiny]``
runs the same body on the device the tests force (tests/gpu_tier.py)."""

from harness import env
from harness.requires import requires
from tests.gpu_tier import tier_fixture

tier = tier_fixture(requires(cuda=True))


def test_cuda_matmul_matches_cpu(tier):
    import torch

    assert env.device() == tier.device, f"harness.env.device() is {env.device()!r}; the {tier.name} tier runs on {tier.device!r}"
    a = torch.randn(64, 64, generator=torch.Generator().manual_seed(0))
    got = a.to(env.device()) @ a.to(env.device())
    want = (a.double() @ a.double()).float()
    err = (got.cpu() - want).abs().max().item()
    assert got.device.type == tier.device and err < 1e-4, f"on {got.device}: max abs error {err:.2e} vs the fp64 product"
