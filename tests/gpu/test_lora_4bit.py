"""C5 at the lab's setting: bloom-560m loaded in 4-bit (bitsandbytes nf4, double quant, bf16
compute) with the lab's LoraConfig, on weights the user supplies:
``LAB_BLOOM_560M=/path/to/bloom-560m pytest -m gpu --runslow tests/gpu/test_lora_4bit.py``.

The counts the CPU tier derives from the architecture (tests/test_c5_lora.py) must hold on the
real quantized model: trainable 1,572,864 (expected/lora.toml), peft's "all params" counting 4-bit
weights unpacked, and the naive numel() over packed 4-bit storage.
"""

import os

import pytest

from harness import lora
from harness.requires import requires

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

LAB = lora.load_figures().lab


@requires(cuda=True, libraries=["bitsandbytes"], env=["LAB_BLOOM_560M"])
def test_lab_4bit_counts_and_a_few_steps():
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    model = AutoModelForCausalLM.from_pretrained(
        os.environ["LAB_BLOOM_560M"], quantization_config=quant, device_map={"": 0}, local_files_only=True
    )
    packed = sum(p.numel() for p in model.parameters())
    modelled = lora.naive_4bit_total(lora.build_model(LAB.arch))
    assert packed == modelled == LAB.all_params_naive_4bit, (
        f"packed numel {packed:,}, CPU model of the storage {modelled:,},"
        f" expected {LAB.all_params_naive_4bit:,}"
    )

    peft_model = lora.wrap(model, LAB.lora)
    trainable, all_params = peft_model.get_nb_trainable_parameters()
    naive_with_adapters = sum(p.numel() for p in peft_model.parameters())
    assert (trainable, all_params) == (LAB.trainable, LAB.all_params), (
        f"peft: trainable {trainable:,} / all {all_params:,}; expected {LAB.trainable:,} / {LAB.all_params:,}"
    )
    assert naive_with_adapters == packed + trainable, f"{naive_with_adapters:,} != {packed:,} + {trainable:,}"

    before = {n: p.detach().clone() for n, p in peft_model.named_parameters() if ".lora_B." in n}
    opt = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=2e-4)
    x = torch.randint(0, model.config.vocab_size, (1, 32), device="cuda")
    peft_model.train()
    for _ in range(3):
        loss = peft_model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert torch.isfinite(loss), f"loss {loss.item()}"
    unchanged = [n for n, p in peft_model.named_parameters() if n in before and torch.equal(p, before[n])]
    assert not unchanged, f"lora_B unchanged after 3 steps: {unchanged[:3]}"
