"""``lora_statement`` (C5, one claim per statement of the report's LoraConfig list): what the report
says one argument does, checked against what peft does (``harness.claims.lora_behaviour``).

Every statement is held to one standard: its ``reading`` (stored beside the quote in the claims
file) says what the words assert; REPRODUCED when peft's observed behaviour is that, REFUTED (with
what peft does) when it is not. What ``states`` can be, per argument:
- ``r``: "rank" (r is the rank of A and B: lora_A is r x d_in, lora_B d_out x r);
- ``lora_alpha``: an expression in r and lora_alpha, the factor B·A is scaled by (e.g. "lora_alpha / r");
- ``target_modules``: a word every adapted module's name contains (e.g. "attention");
- ``lora_dropout``: "adapters" (it acts on A and B) or "input" (on the adapter's input x);
- ``bias``: "adapters" (it decides a bias of A and B) or "base_layers" (the base model's biases), or
  the mode the report uses, "none" / "lora_only" / "all" (what it trains);
- ``task_type``: a peft task type (e.g. "CAUSAL_LM": next-token prediction);
- any argument: ``"other: <the report's words>"``, a statement that is none of the above: recorded
  in the row and REFUTED, beside what peft does with the argument (``reading`` is then optional).
"""

from __future__ import annotations


from harness.claims import lora
from harness.claims.lora_behaviour import TINY, behaviour
from harness.claims.row import REPORT, Row
from harness.claims.schema import FREE, STATES

NAME = "lora_statement"


def observed(argument: str, states: str, b: dict) -> tuple[bool, str, str]:
    """(holds, what peft does, how it was observed) for one statement."""
    spec, t = b["spec"], b["trainable"]
    if argument == "r":
        ok = all(a[0] == spec["r"] and bb[1] == spec["r"] for a, bb in b["shapes"])
        shapes = "; ".join(f"lora_A {a[0]}x{a[1]}, lora_B {bb[0]}x{bb[1]}" for a, bb in b["shapes"])
        return ok, (f"r={spec['r']}: on {len(b['modules'])} adapted modules {shapes}; trainable {t['peft']:,} of "
                    f"{t['all']:,} ({100 * t['peft'] / t['all']:.4f}%)"), \
            f"adapter shapes; trainable count analytic {t['analytic']:,} == peft {t['peft']:,} == by name {t['by_name']:,} == the lab's {t['lab']:,}"
    if argument == "lora_alpha":
        stated = lora.evaluate_scale(states, spec["r"], spec["lora_alpha"])
        ok = abs(b["scale"] - stated) <= 1e-6 * abs(stated) and b["scale_residual"] < 1e-5
        return ok, f"measured scale {b['scale']:.6g} (stated {states} = {stated:.6g})", \
            f"least-squares fit of peft's output minus the base output on s·B·A·x, {_residual(b['scale_residual'])}"
    if argument == "target_modules":
        inside = [m for m in b["modules"] if states.lower() in m.lower()]
        return len(inside) == len(b["modules"]) > 0, \
            f"{len(b['modules'])} adapted modules, {len(inside)} named '{states}' (e.g. {b['modules'][0]})", \
            f"target_modules={spec['target_modules']} on {b['arch']}: the adapted modules by name"
    if argument == "lora_dropout":
        d = b["dropout"]
        where = "input" if d["dropout_input_is_x"] and d["A_input_is_dropout_output"] and d["B_input_is_A_output"] else "adapters"
        does = ("the adapter's input x is dropped before lora_A; lora_A's output enters lora_B undropped; the weights of A "
                "and B are never dropped" if where == "input" else "dropout acts between or on the adapters")
        return states == where, does, f"forward hooks on an adapted Linear of {TINY}, train mode, lora_dropout 0.5"
    if argument == "bias":
        modes = b["bias"]
        if states in ("adapters", "base_layers"):
            adapters = any(m["adapter_biases"] for m in modes.values())
            where = "adapters" if adapters else "base_layers"
            freed = ", ".join(f"'{m}' {len(v['trainable_biases'])}" for m, v in modes.items())
            return states == where, (f"bias frees the base layers' own biases ({freed} trainable on {TINY}); lora_A and "
                                     "lora_B have no bias"), "trainable parameters by name under each bias mode"
        trained = modes[states]["trainable_biases"]
        return spec["bias"] == states and (states != "none" or not trained), \
            f"the lab's bias={spec['bias']!r}; with bias={states!r} {len(trained)} biases train", \
            "trainable parameters by name under that mode"
    task = b["task"]
    ok = spec["task_type"] == states == "CAUSAL_LM" and task["class"] == "PeftModelForCausalLM" and task["loss_is_next_token"]
    return ok, (f"task_type={spec['task_type']!r}: {task['class']}, whose loss is the next-token loss"
                if task["loss_is_next_token"] else f"{task['class']}"), \
        "the wrapper's class; its loss against the shifted cross-entropy on a tiny causal LM"


def other(argument: str, words: str, b: dict) -> tuple[str, str, str]:
    """(verdict, what peft does, how it was observed) of a statement that is none of the checkable
    ones (``states = "other: <the report's words>"``): REFUTED, beside what the argument does."""
    spec = b["spec"]
    probe = {"r": "rank", "lora_dropout": "input", "bias": "adapters", "lora_alpha": "lora_alpha / r",
             "target_modules": (spec["target_modules"] or [""])[0], "task_type": "CAUSAL_LM"}[argument]
    _, does, how = observed(argument, probe, b)
    if argument == "lora_alpha":
        does = f"B·A is scaled by {b['scale']:.6g} = lora_alpha / r ({spec['lora_alpha']:g} / {spec['r']})"
    can = ", ".join(STATES[argument]) if STATES[argument] else FREE[argument].split(", the ")[0].split(" (")[0]
    return (f"REFUTED ({argument}: the report says {words!r}, none of what {argument} can be read as ({can}); "
            f"peft: {does})"), does, how


def report_rows(claim, ctx) -> list[Row]:
    params = claim.params
    if params.other:
        verdict, does, how = other(params.argument, params.other, behaviour())
    else:
        holds, does, how = observed(params.argument, params.states, behaviour())
        verdict = "REPRODUCED" if holds else f"REFUTED ({params.argument}: {does})"
    read = f"read as: {params.reading}" if params.reading else f"states: {params.states}"
    if params.other:
        read = f"the report says of {params.argument}: {params.other!r}" + (f"; {read}" if params.reading else "")
    says = f"§{claim.section}: {claim.quote!r} ({read})"
    test = ctx.checked_by(claim)
    return [Row(claim.id, says, does, how, verdict, test, REPORT)]


def _residual(residual: float) -> str:
    """The fit's worst relative residual: float32 rounding (its digits differ between CPU classes, so
    the ledger, and the README's table, state the bound) or, past it, the number."""
    return "residual < 1e-6 (float32 rounding; the rule allows 1e-5)" if residual < 1e-6 else f"residual {residual:.1e}"
