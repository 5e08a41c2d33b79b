"""C5 at the lab's setting: bloom-560m loaded in 4-bit (bitsandbytes nf4, double quant, bf16
compute) with the lab's LoraConfig, on weights the user supplies:
``LAB_BLOOM_560M=/path/to/bloom-560m pytest -m gpu --runslow tests/gpu/test_lora_4bit.py``.

The counts the CPU tier derives from the architecture (tests/test_c5_lora.py) must hold on the
real quantized model: trainable 1,572,864 (expected/lora.toml), peft's "all params" counting 4-bit
weights unpacked, and the naive numel() over packed 4-bit storage.

``[cpu-tiny]`` (tests/gpu_tier.py) runs everything that needs neither bitsandbytes nor the real
weights -- the lab's LoraConfig on a random tiny BLOOM (harness/archs/tiny-bloom.toml), its counts
against the analytic ones, a few training steps -- on the CPU; the packed-storage count is gpu-lab only.
"""

import os

import pytest

from harness.claims import lora
from harness.core.requires import requires
from tests.gpu_tier import tier_fixture

LAB = lora.load_figures().lab
NEEDS = requires(cuda=True, libraries=["bitsandbytes"], env=["LAB_BLOOM_560M"])
tier = tier_fixture(NEEDS)
lab_only = tier_fixture(NEEDS, tiny=False)


def _load_4bit():
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    return AutoModelForCausalLM.from_pretrained(
        os.environ["LAB_BLOOM_560M"], quantization_config=quant, device_map={"": 0}, local_files_only=True
    )


@pytest.fixture
def model_and_expected(tier):
    """(base model, device, (trainable, peft's all params) it must show with the lab's LoraConfig)."""
    if tier.name == "gpu-lab":
        return _load_4bit(), "cuda", (LAB.trainable, LAB.all_params)
    model = lora.build_model("tiny-bloom", device="cpu")
    count = lora.analytic(model, LAB.lora)
    return model, "cpu", (count.trainable, count.total)


def test_lab_4bit_packed_storage_count(lab_only):
    packed = sum(p.numel() for p in _load_4bit().parameters())
    modelled = lora.naive_4bit_total(lora.build_model(LAB.arch))
    assert packed == modelled == LAB.all_params_naive_4bit, (
        f"packed numel {packed:,}, CPU model of the storage {modelled:,}, expected {LAB.all_params_naive_4bit:,}"
    )


def test_lab_lora_counts_and_a_few_steps(model_and_expected):
    import torch

    model, device, (want_trainable, want_all) = model_and_expected
    base = sum(p.numel() for p in model.parameters())
    peft_model = lora.wrap(model, LAB.lora)
    trainable, all_params = peft_model.get_nb_trainable_parameters()
    naive_with_adapters = sum(p.numel() for p in peft_model.parameters())
    assert (trainable, all_params) == (want_trainable, want_all), (
        f"peft: trainable {trainable:,} / all {all_params:,}; expected {want_trainable:,} / {want_all:,}"
    )
    assert naive_with_adapters == base + trainable, f"{naive_with_adapters:,} != {base:,} + {trainable:,}"

    before = {n: p.detach().clone() for n, p in peft_model.named_parameters() if ".lora_B." in n}
    assert before, "no lora_B parameters: the adapters are not where the LoraConfig targets them"
    opt = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=2e-4)
    x = torch.randint(0, model.config.vocab_size, (1, 32), device=device)
    peft_model.train()
    for _ in range(3):
        loss = peft_model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert torch.isfinite(loss), f"loss {loss.item()}"
    unchanged = [n for n, p in peft_model.named_parameters() if n in before and torch.equal(p, before[n])]
    assert not unchanged, f"lora_B unchanged after 3 steps: {unchanged[:3]}"
