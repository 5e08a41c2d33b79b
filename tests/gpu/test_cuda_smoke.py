"""GPU tier: the device the full-scale runs will use is really there and computes. ``[cpu-tiny]``
runs the same body on the device the tests force (tests/gpu_tier.py)."""

from harness.core.requires import requires
from harness.core import machine
from tests.gpu_tier import tier_fixture

tier = tier_fixture(requires(cuda=True))


def test_cuda_matmul_matches_cpu(tier):
    import torch

    assert machine.device() == tier.device, f"harness.core.machine.device() is {machine.device()!r}; the {tier.name} tier runs on {tier.device!r}"
    a = torch.randn(64, 64, generator=torch.Generator().manual_seed(0))
    got = a.to(machine.device()) @ a.to(machine.device())
    want = (a.double() @ a.double()).float()
    err = (got.cpu() - want).abs().max().item()
    assert got.device.type == tier.device and err < 1e-4, f"on {got.device}: max abs error {err:.2e} vs the fp64 product"
