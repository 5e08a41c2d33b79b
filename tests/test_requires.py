"""The one skip helper: its reason lists only what is missing."""

from harness.core.requires import missing, reason


def test_nothing_missing():
    assert missing(cuda=True, libraries=["x"], env=["A"], has_cuda=lambda: True,
                   has_module=lambda n: True, environ={"A": "1"}) == []


def test_lists_only_what_is_missing():
    what = missing(cuda=True, libraries=["bitsandbytes", "torch"], env=["LAB_DATA", "LAB_CKPT"],
                   has_cuda=lambda: False, has_module=lambda n: n == "torch",
                   environ={"LAB_CKPT": "/x"})
    assert what == ["CUDA GPU", "bitsandbytes", "$LAB_DATA (set it to your own files)"]
    assert reason(what) == "Requires: [CUDA GPU + bitsandbytes + $LAB_DATA (set it to your own files)]"


def test_cuda_not_probed_unless_asked():
    def boom():
        raise AssertionError("probed")

    assert missing(has_cuda=boom) == []

