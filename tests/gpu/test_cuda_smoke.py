"""GPU tier: the device the full-scale runs will use is really there and computes."""

import pytest

from harness.requires import requires

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


@requires(cuda=True)
def test_cuda_matmul_matches_cpu():
    import torch

    a = torch.randn(64, 64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose((a.cuda() @ a.cuda()).cpu(), a @ a, atol=1e-4)
