"""harness.env: the per-worker GPU of pytest-xdist on a multi-GPU machine."""

from harness.core.env import worker_gpu


def test_xdist_workers_take_one_gpu_each():
    assert [worker_gpu(f"gw{n}", 4) for n in range(6)] == [0, 1, 2, 3, 0, 1]
    assert worker_gpu("", 4) is None and worker_gpu("gw0", 0) is None and worker_gpu("master", 2) is None
