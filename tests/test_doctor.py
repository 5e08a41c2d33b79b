"""``python -m harness doctor`` answers at once: the machine's facts without torch where no GPU
driver is present (the import check is tests/test_ledger_cli.py), torch asked where one is."""

from harness.__main__ import main as cli
from harness.cli import doctor
from harness.core import machine


def test_no_gpu_driver_means_cpu_without_asking_torch(tmp_path, monkeypatch):
    monkeypatch.delenv("LAB_REPRO_FORCE_DEVICE", raising=False)
    monkeypatch.setattr(doctor, "GPU_DRIVER_FILES", (str(tmp_path / "nvidiactl"),))
    monkeypatch.setattr(machine, "device", lambda: "asked torch")
    assert doctor.device() == "cpu"
    (tmp_path / "nvidiactl").write_text("")
    assert doctor.device() == "asked torch"
    monkeypatch.setenv("LAB_REPRO_FORCE_DEVICE", "cuda")
    assert doctor.device() == "cuda"


def test_doctor_prints_the_facts_and_says_what_bench_adds(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "device", lambda: "cpu")
    assert cli(["doctor"]) == 0
    out = capsys.readouterr().out
    facts = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in out.splitlines() if ": " in line}
    assert facts["cpu class"] == machine.cpu_class() and facts["device"] == "cpu", facts
    assert facts["native bf16"].startswith("yes" if machine.native_bf16("cpu") else "no"), facts
    assert "(--bench, ~1 min: where an update's time goes, and the smoke reproduction's expected time here)" in out
