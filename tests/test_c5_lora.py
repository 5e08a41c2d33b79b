"""C5: what the report says about LoraConfig (report §3 "Question 2"), checked against peft.

Counts: analytic (module shapes) == peft's get_nb_trainable_parameters() == a count by parameter
name, exact, on real architectures built on the meta device; the figures come from
expected/lora.toml. Semantics: scale alpha/r, dropout in train mode only, bias modes, targets,
task type, and a few training steps of a tiny random-init causal LM. The report's statements are
C5's rows, one per statement (expected/report.toml, each with its reading), judged on peft's
observed behaviour (harness.claims.lora_behaviour).
"""

import copy
import dataclasses
import json

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from harness.claims import claimsfile, ledger, lora, lora_behaviour
from harness.claims.relations import lora_statement
from harness.core.config import ConfigError, LoraSpec

REPORT = claimsfile.load()
STATED = {c.params.argument: c.params.states for c in REPORT.claims if c.relation == "lora_statement"}
FIGURES = lora.load_figures()
LAB = FIGURES.lab
TINY = ("tiny-bloom", "tiny-gpt2", "tiny-llama", "tiny-opt")


def _trainable(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize("case", FIGURES.cases, ids=[c.arch for c in FIGURES.cases])
def test_counts_exact_on_real_architectures(case):
    model = lora.build_model(case.arch)
    count = lora.analytic(model, case.lora)
    peft_model = lora.wrap(model, case.lora)
    peft_trainable, peft_all = peft_model.get_nb_trainable_parameters()
    by_name = lora.name_count(peft_model, case.lora.bias)
    numbers = (
        f"{case.arch}: analytic {count.trainable:,} / peft {peft_trainable:,} / by name {by_name:,}"
        f" / expected {case.trainable:,}; all: analytic {count.total:,} / peft {peft_all:,}"
        f" / expected {case.all_params:,} ({case.source})"
    )
    assert count.trainable == peft_trainable == by_name == _trainable(peft_model) == case.trainable, numbers
    assert count.total == peft_all, numbers
    if case.all_params:
        assert peft_all == case.all_params, numbers


def test_lab_all_params_unquantized_and_naive_4bit():
    """peft's "all params" is the unquantized bloom-560m plus the adapters; the naive figure is
    numel() over the packed 4-bit base (two nf4 weights per byte, LM head unquantized), adapters
    not included (with them it would read naive + trainable)."""
    model = lora.build_model(LAB.arch)
    count = lora.analytic(model, LAB.lora)
    naive = lora.naive_4bit_total(model)
    assert count.base_total + count.adapters == LAB.all_params, (
        f"base {count.base_total:,} + adapters {count.adapters:,} != {LAB.all_params:,}"
    )
    assert naive == LAB.all_params_naive_4bit, (
        f"packed-4-bit numel {naive:,} != {LAB.all_params_naive_4bit:,}"
        f" (unquantized {count.base_total:,}, halved {count.base_total - naive:,})"
    )


def test_lab_targets_are_the_attention_projections():
    model = lora.build_model(LAB.arch)
    modules = lora.adapted_modules(model, LAB.lora)
    outside = [n for n in modules if STATED['target_modules'] not in n]
    assert modules and not outside, f"{len(modules)} adapted, outside '{STATED['target_modules']}': {outside}"
    assert len(modules) == model.config.n_layer, f"{len(modules)} adapted for {model.config.n_layer} blocks"


# --- property test on small random-init models ------------------------------------------------

_BASES = {}


def _tiny(name):
    if name not in _BASES:
        _BASES[name] = lora.build_model(name, device="cpu")
    return copy.deepcopy(_BASES[name])


def _leaf_names(model) -> list[str]:
    from transformers.pytorch_utils import Conv1D

    kinds = (torch.nn.Linear, Conv1D)
    names = {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, kinds)}
    return sorted(names - {"lm_head"})


@given(st.sampled_from(TINY), st.integers(1, 16), st.sampled_from(["none", "lora_only", "all"]), st.data())
def test_property_analytic_equals_peft_equals_by_name(arch, r, bias, data):
    model = _tiny(arch)
    chosen = data.draw(st.sets(st.sampled_from(_leaf_names(model)), min_size=1), label="targets")
    spec = LoraSpec(r=r, lora_alpha=2 * r, target_modules=tuple(sorted(chosen)), bias=bias)
    count = lora.analytic(model, spec)
    peft_model = lora.wrap(model, spec)
    peft_trainable, peft_all = peft_model.get_nb_trainable_parameters()
    by_name = lora.name_count(peft_model, bias)
    assert count.trainable == peft_trainable == by_name, (arch, spec, count, peft_trainable, by_name)
    assert count.total == peft_all, (arch, spec, count.total, peft_all)


# --- semantics the report states --------------------------------------------------------------


@pytest.mark.parametrize("r, alpha", [(1, 1.0), (8, 16.0), (16, 32.0), (4, 32.0)])
def test_scale_is_the_stated_expression(r, alpha):
    stated = lora.evaluate_scale(STATED['lora_alpha'], r, alpha)
    scale, residual = lora.measured_scale(r, alpha)
    assert scale == pytest.approx(stated, rel=1e-6) and residual < 1e-5, (
        f"r={r} alpha={alpha}: measured {scale!r} (residual {residual:.1e}), "
        f"report's '{STATED['lora_alpha']}' = {stated!r}"
    )


def test_doubling_r_at_fixed_alpha_halves_the_scale():
    s1, _ = lora.measured_scale(8, 32.0)
    s2, _ = lora.measured_scale(16, 32.0)
    assert s2 / s1 == pytest.approx(0.5, rel=1e-6), f"scale r=8 {s1!r}, r=16 {s2!r}"


def _with_nonzero_b(spec):
    model = lora.wrap(_tiny("tiny-bloom"), spec)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".lora_B." in name:
                torch.nn.init.normal_(p)
    return model


def test_dropout_only_in_train_mode():
    spec = dataclasses.replace(LAB.lora, lora_dropout=0.5)
    model = _with_nonzero_b(spec)
    x = torch.randint(0, 64, (2, 8), generator=torch.Generator().manual_seed(0))
    model.eval()
    with torch.no_grad():
        e1, e2 = model(x).logits, model(x).logits
        model.train()
        t1, t2 = model(x).logits, model(x).logits
    assert torch.equal(e1, e2), f"eval outputs differ by {(e1 - e2).abs().max():.3e}"
    assert not torch.equal(t1, t2), "train-mode outputs identical with lora_dropout=0.5"
    # tiny-bloom has no other dropout: without LoRA dropout, train mode is deterministic too
    plain = _with_nonzero_b(dataclasses.replace(spec, lora_dropout=0.0)).train()
    with torch.no_grad():
        assert torch.equal(plain(x).logits, plain(x).logits)


def test_dropout_acts_on_the_adapter_input():
    """peft drops the adapter's input x (base(x) + s·B·A·dropout(x)), not entries of A or B."""
    base = torch.nn.Sequential(torch.nn.Linear(12, 10))
    spec = LoraSpec(r=4, lora_alpha=8, target_modules=("0",), lora_dropout=0.5, task_type="")
    x = torch.randn(6, 12, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y0 = base(x)
        model = lora.wrap(base, spec).train()
        layer = model.base_model.model[0]
        torch.nn.init.normal_(layer.lora_B["default"].weight)
        a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
        torch.manual_seed(1)
        y = model(x)
        torch.manual_seed(1)
        expected = y0 + spec.scale * torch.nn.functional.dropout(x, 0.5, training=True) @ a.T @ b.T
    diff = (y - expected).abs().max().item()
    assert diff < 1e-5, f"train output differs from base + s*B*A*dropout(x) by {diff:.3e}"


def test_r_is_the_rank_of_a_and_b():
    r = 3
    model = _with_nonzero_b(dataclasses.replace(LAB.lora, r=r))
    layer = model.base_model.model.transformer.h[0].self_attention.query_key_value
    a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
    d_in, d_out = layer.in_features, layer.out_features
    assert a.shape == (r, d_in) and b.shape == (d_out, r), (a.shape, b.shape, r)
    rank = torch.linalg.matrix_rank((b @ a).detach()).item()
    assert rank == r, f"rank of B·A is {rank}, r = {r}"


@pytest.mark.parametrize("bias", ["none", "lora_only", "all"])
def test_bias_mode_sets_the_trainable_set(bias):
    base = _tiny("tiny-opt")
    names = [n for n, _ in base.named_parameters()]
    spec = LoraSpec(r=2, lora_alpha=4, target_modules=("q_proj", "v_proj"), bias=bias)
    model = lora.wrap(base, spec)
    got = {n.removeprefix("base_model.model.") for n, p in model.named_parameters() if p.requires_grad}
    adapters = {n for n in got if ".lora_" in n}
    targeted = ("q_proj.bias", "v_proj.bias")
    renamed = {n: n.replace(".bias", ".base_layer.bias") if n.endswith(targeted) else n for n in names}
    expected_bias = {
        "none": set(),
        "lora_only": {renamed[n] for n in names if n.endswith(targeted)},
        "all": {renamed[n] for n in names if "bias" in n},
    }[bias]
    assert adapters and got - adapters == expected_bias, (
        f"bias={bias}: extra trainable {sorted(got - adapters - expected_bias)}, "
        f"missing {sorted(expected_bias - got)}"
    )


def test_only_named_modules_get_adapters():
    base = _tiny("tiny-llama")
    spec = LoraSpec(r=2, lora_alpha=4, target_modules=("q_proj",))
    model = lora.wrap(base, spec)
    adapted = {n.removeprefix("base_model.model.") for n, m in model.named_modules() if hasattr(m, "lora_A")}
    expected = {n for n, _ in _tiny("tiny-llama").named_modules() if n.endswith(".q_proj")}
    assert adapted == expected, f"adapted {sorted(adapted)} != {sorted(expected)}"


def test_target_that_matches_nothing_is_a_clear_error():
    spec = LoraSpec(r=2, lora_alpha=4, target_modules=("query_key_value", "no_such_proj"))
    with pytest.raises(lora.LoraTargetError, match="no_such_proj"):
        lora.analytic(_tiny("tiny-bloom"), spec)
    with pytest.raises(ValueError, match="no_such_proj"):
        lora.wrap(_tiny("tiny-llama"), dataclasses.replace(spec, target_modules=("no_such_proj",)))


def test_task_type_causal_lm_gives_a_causal_lm():
    from peft import PeftModelForCausalLM

    model = lora.wrap(_tiny("tiny-bloom"), LAB.lora)
    x = torch.randint(0, 64, (2, 8), generator=torch.Generator().manual_seed(0))
    out = model(input_ids=x, labels=x)
    assert LAB.lora.task_type == STATED['task_type']
    assert isinstance(model, PeftModelForCausalLM), type(model).__name__
    assert out.logits.shape == (2, 8, 64) and torch.isfinite(out.loss), (out.logits.shape, out.loss)


def test_training_changes_only_adapters_and_merge_keeps_logits():
    model = lora.wrap(_tiny("tiny-bloom"), LAB.lora)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(5):
        x = torch.randint(0, 64, (4, 12), generator=gen)
        model(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad()
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    adapters = {n for n in before if ".lora_" in n}
    assert changed <= adapters, f"base weights changed: {sorted(changed - adapters)}"
    b_changed = {n for n in changed if ".lora_B." in n}
    assert b_changed == {n for n in adapters if ".lora_B." in n}, f"lora_B unchanged: {adapters - changed}"
    model.eval()
    x = torch.randint(0, 64, (2, 12), generator=gen)
    with torch.no_grad():
        adapted = model(x).logits
        merged = model.merge_and_unload()(x).logits
    diff = (adapted - merged).abs().max().item()
    assert diff <= 1e-5, f"merged logits differ by {diff:.3e} (max |logit| {adapted.abs().max():.3f})"


# --- the report's statements: one ledger row each ----------------------------------------------


STATEMENTS = [c.id for c in REPORT.claims if c.relation == "lora_statement"]
# The statements the data refute, fixed here: each one's reason is its row's own numbers.
REFUTED = {"C5.dropout", "C5.bias"}


@pytest.fixture(scope="module")
def rows() -> dict:
    """{claim id: its ledger row} of every statement, judged once for the module (not at import)."""
    return {cid: ledger.report_row(cid) for cid in STATEMENTS}


@pytest.mark.parametrize("cid", STATEMENTS)
def test_the_reports_lora_statement(request, rows, cid):
    """C5's rows, one per statement of the report's LoraConfig list: each statement, read as the
    claims file says, is what peft does (lora_statement, harness.claims.relations.lora_statement)."""
    row = rows[cid]
    if cid in REFUTED:  # strict: red the day peft does what the statement says
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"peft refutes it: {row.verdict}; {row.statistic}"))
    assert row.verdict == "REPRODUCED", f"{row.says}: {row.verdict}; {row.computed}"


def test_every_statement_is_checked_to_one_standard(rows):
    """Every statement of the list has a row with its reading beside the quote; the two glosses that
    misplace what an argument acts on are refuted alike, each naming what peft does."""
    assert {"C5.r", "C5.alpha", "C5.target", "C5.dropout", "C5.bias", "C5.bias_none", "C5.task_type"} == set(rows)
    assert all("(read as: " in row.says for row in rows.values())
    assert "the adapter's input x is dropped before lora_A" in rows["C5.dropout"].verdict
    assert "lora_A and lora_B have no bias" in rows["C5.bias"].verdict
    assert f"{LAB.trainable:,}" in rows["C5.r"].computed


@pytest.mark.parametrize("bias", ["none", "lora_only", "all"])
def test_peft_bias_frees_base_layer_biases_never_adapter_ones(bias):
    """What ``LoraConfig(bias=...)`` trains besides A and B, on a tiny model, as peft defines it:
    "none" nothing, "lora_only" the adapted layers' own biases, "all" every bias; lora_A and
    lora_B never have a bias (that is peft's separate ``lora_bias`` option)."""
    seen = lora_behaviour.behaviour()["bias"][bias]
    base = _tiny(lora_behaviour.TINY)
    every_bias = {n for n, _ in base.named_parameters() if n.endswith("bias")}
    adapted = {n for n in every_bias if n.rsplit(".", 2)[-2] in lora_behaviour.TINY_TARGETS}
    expected = {"none": set(), "lora_only": adapted, "all": every_bias}[bias]
    assert not seen["adapter_biases"], f"bias={bias}: lora_A/lora_B biases {seen['adapter_biases']}"
    assert set(seen["trainable_biases"]) == expected, (
        f"bias={bias}: trainable biases {seen['trainable_biases']}, peft's definition {sorted(expected)}")


@pytest.mark.parametrize("states, holds", [("lora_alpha / r", True), ("lora_alpha", False), ("r / lora_alpha", False)])
def test_a_statement_is_refuted_by_what_peft_does(states, holds):
    verdict = lora_statement.observed("lora_alpha", states, lora_behaviour.behaviour())[0]
    assert verdict is holds, states


def test_the_observed_facts_are_computed_not_cached_copies(tmp_path, monkeypatch):
    """The cache holds what ``observe`` computes: computed afresh in an empty cache, the same facts."""
    monkeypatch.setenv("LAB_REPRO_CACHE", str(tmp_path))
    fresh = lora_behaviour.behaviour()
    assert fresh == json.loads(json.dumps(lora_behaviour.observe())) == lora_behaviour.behaviour()
    assert list((tmp_path / "facts").glob("peft-behaviour-*.json")), "nothing was cached"


@pytest.mark.parametrize("expression", ["__import__('os')", "lora_alpha - r", "alpha / r"])
def test_unreadable_scale_expression_is_a_config_error(expression):
    with pytest.raises(ConfigError, match="lora.scale"):
        lora.evaluate_scale(expression, 8, 16)


def test_bad_arch_file_names_file_and_field(tmp_path, monkeypatch):
    (tmp_path / "bad.toml").write_text('source = "x"\nkind = "encoder"\n[config]\nmodel_type = "bert"\n')
    monkeypatch.setattr(lora, "ARCHS_DIR", tmp_path)
    with pytest.raises(ConfigError, match=r"bad\.toml: kind"):
        lora.load_arch("bad")
