"""The precision policy (harness/precision.py): native bf16 detected from the CPU's flags (capped as
oneDNN is capped) or the GPU's compute capability; "auto" picks bf16 only where it is native; an
explicit bf16 without it warns with the slow-down; both runners get the same numerics."""

from __future__ import annotations

import dataclasses

import pytest

from harness.train import precision
from harness.core import machine
from harness.core import records
from harness.runs import key as runkey

ZEN3 = {"fpu", "sse4_2", "avx", "avx2", "fma", "f16c"}  # AVX2 only (e.g. AMD EPYC Zen 3)
ZEN4 = ZEN3 | {"avx512f", "avx512bw", "avx512_bf16", "avx512_vnni"}
SAPPHIRE_RAPIDS = ZEN3 | {"avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}
SKYLAKE_X = ZEN3 | {"avx512f", "avx512bw"}


@pytest.mark.parametrize(
    ("flags", "environ", "expected"),
    [
        (ZEN3, {}, "avx2"),
        (ZEN4, {}, "avx512_bf16"),
        (SAPPHIRE_RAPIDS, {}, "amx"),
        (SKYLAKE_X, {}, "avx512"),
        ({"sse2"}, {}, "baseline"),
        (ZEN4, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, "avx2"),  # oneDNN capped: behaves as AVX2
        (ZEN4, {"ATEN_CPU_CAPABILITY": "avx2"}, "avx2"),
        (SAPPHIRE_RAPIDS, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, "avx512_bf16"),
        (ZEN3, {"ONEDNN_MAX_CPU_ISA": "ALL"}, "avx2"),  # a cap never raises the class
    ],
)
def test_cpu_class_from_flags_and_caps(flags, environ, expected):
    assert machine.cpu_class(flags, environ) == expected


def test_flags_are_read_from_cpuinfo_text():
    text = "processor : 0\nflags\t\t: fpu avx2 fma avx512f avx512_bf16\nbogomips : 1\n"
    assert machine.cpu_class(machine.cpu_flags(text), {}) == "avx512_bf16"
    assert machine.cpu_flags("no flags here") == set()


@pytest.mark.parametrize(("cls", "native"), [("avx2", False), ("avx512", False), ("avx512_bf16", True), ("amx", True)])
def test_native_bf16_on_cpu(cls, native):
    assert machine.native_bf16("cpu", cls) is native


@pytest.mark.parametrize(("capability", "native"), [((7, 5), False), ((8, 0), True), ((9, 0), True)])
def test_native_bf16_on_gpu_needs_compute_capability_8(capability, native):
    assert machine.native_bf16("cuda", capability=capability) is native


@pytest.mark.parametrize(("requested", "native", "resolved"),
                         [("auto", True, "bf16"), ("auto", False, "fp32"), ("fp32", True, "fp32"),
                          ("bf16", True, "bf16")])
def test_resolve(requested, native, resolved):
    assert precision.resolve(requested, "cpu", native) == resolved


def test_bf16_without_native_support_warns_with_the_slowdown():
    with pytest.warns(RuntimeWarning, match=rf"about {precision.EMULATED_BF16_SLOWDOWN}x slower"):
        assert precision.resolve("bf16", "cpu", native=False) == "bf16"


def test_unknown_precision_is_refused_in_profiles(tmp_path):
    from harness.core.paths import PROFILES_DIR
    from harness.core.config import ConfigError, load_profile

    bad = tmp_path / "bad.toml"
    bad.write_text((PROFILES_DIR / "smoke.toml").read_text().replace('precision = "auto"', 'precision = "fp16"', 1))
    with pytest.raises(ConfigError, match=r"bad.toml.*precision must be one of"):
        load_profile(bad)


def test_the_cache_key_holds_the_numerics(monkeypatch):
    """The resolved precision and the CPU's class are part of every run's key, on every machine: each
    alone moves the key (the CPU's flags are given, so the check does not depend on this CPU)."""
    from harness.core.config import load_profile

    profile = load_profile("smoke")
    spec = records.RunSpec("smoke", "fairseq", "pretrained", 0)

    class Ckpt:
        hash = "h"

    def parts(precision_name: str) -> dict:
        recipe = dataclasses.replace(profile.fairseq, precision=precision_name)
        return runkey.key_parts(spec, dataclasses.replace(profile, fairseq=recipe), "/nonexistent", Ckpt())

    monkeypatch.setattr("harness.runs.key.data_hash", lambda d: "d")
    assert runkey.key_parts(spec, profile, "/nonexistent", Ckpt())["cpu_class"] == machine.cpu_class()
    bf16, fp32 = parts("bf16"), parts("fp32")
    assert (bf16["precision"], fp32["precision"]) == ("bf16", "fp32"), (bf16["precision"], fp32["precision"])
    assert runkey.cache_key(bf16) != runkey.cache_key(fp32)
    by_class = {}
    for flags in ({"avx2", "fma"}, {"avx2", "fma", "avx512f", "avx512_bf16"}):
        monkeypatch.setattr(machine, "cpu_flags", lambda cpuinfo=None, flags=flags: set(flags))
        by_class[machine.cpu_class()] = parts("fp32")
    assert sorted(by_class) == ["avx2", "avx512_bf16"], sorted(by_class)
    assert {p["cpu_class"] for p in by_class.values()} == {"avx2", "avx512_bf16"}
    assert runkey.cache_key(by_class["avx2"]) != runkey.cache_key(by_class["avx512_bf16"])
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "SSE41")  # a cap lowers the class, and "auto" resolves to fp32
    capped = runkey.key_parts(spec, profile, "/nonexistent", Ckpt())
    assert capped["cpu_class"] == "baseline" and capped["precision"] == "fp32", capped
    assert runkey.cache_key(capped) != runkey.cache_key(by_class["avx512_bf16"])


def test_both_runners_use_autocast_not_a_cast_model():
    """fairseq's --bf16 casts the whole model; the harness never passes it (same numerics as HF)."""
    from pathlib import Path

    from harness.core.config import load_profile
    from harness.core.records import RunSpec
    from harness.train import fairseq as runner

    class Ckpt:
        dir = Path("/x")

        def encoder_config(self):
            from harness.core.config import EncoderConfig

            return EncoderConfig(vocab_size=10, d_model=8, d_ff=8, max_positions=8, layers=1, heads=1)

    argv = runner.train_argv(RunSpec("smoke", "fairseq", "random", 0), load_profile("smoke"), Path("/b"),
                             Ckpt(), Path("/s"), 225, "bf16")
    assert "--bf16" not in argv and "--fp16" not in argv
    assert argv[argv.index("--harness-precision") + 1] == "bf16"
    assert argv[argv.index("--optimizer") + 1] == "adamw_fused"
