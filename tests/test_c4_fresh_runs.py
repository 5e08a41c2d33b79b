"""C4 on fresh runs: HF fine-tuning "is consistent with" fairseq fine-tuning (report §2.2).

Two levels. The frameworks compute the same function: the same weights on the same padded batch
of real reviews give the same classification logits (to 1e-5). And fine-tuning the same
checkpoint on the same splits with the *same* recipe (the `smoke` profile's matched `[fairseq]` and
`[hf]`: one optimizer and update rule, one precision policy, no clipping, the same dropout and
schedule) gives test accuracies equivalent within the claim's margin (C4's ``equivalence`` relation,
expected/report.toml): that is what "consistent" is held to, never a non-significant Welch test.
The verdict the smoke runs give is pinned in the gate's expected file (tests/pins.py); the plan
test shows that three seeds give TOST the power to establish the margin at this scale.
"""

import pytest
import torch

from harness.claims import claimsfile, ledger, power
from harness.core.config import load_profile
from harness.inputs import convert, data
from tests import pins

PROFILE = load_profile("smoke")
REPORT = claimsfile.load()
C4 = REPORT.claim("C4").params
TOL = 1e-5


@pytest.fixture(scope="module")
def checkpoint(smoke_inputs):
    return smoke_inputs[2]


@pytest.fixture(scope="module")
def data_dir(smoke_inputs):
    return smoke_inputs[1]


@pytest.mark.heavy  # the full-size embedded encoder built in both frameworks (~1 s)
def test_same_weights_same_batch_same_class_logits(checkpoint, data_dir):
    cfg = checkpoint.encoder_config()
    fs = convert.fairseq_model(convert.load_fairseq_state(checkpoint.dir), cfg, checkpoint.dictionary())
    torch.manual_seed(0)
    fs.register_classification_head(convert.HEAD, num_classes=2)
    hf = convert.hf_model(fs.eval().state_dict(), cfg, "classifier")
    reviews, _ = data.read_split(data_dir, "valid")
    rows = [checkpoint.encode(r, PROFILE.data.max_tokens) for r in reviews[:16]]
    ids = torch.full((len(rows), max(map(len, rows))), cfg.padding_idx)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
    with torch.no_grad():
        a, _ = fs(ids, features_only=True, classification_head_name=convert.HEAD)
        b = hf(ids, attention_mask=ids.ne(cfg.padding_idx).long()).logits
    diff = (a - b).abs().max().item()
    assert diff <= TOL, f"fairseq vs HF class logits: max abs {diff} > {TOL} on 16 padded reviews"
    assert torch.equal(a.argmax(-1), b.argmax(-1)), "the frameworks predict different classes"


@pytest.fixture(scope="module")
def fresh(smoke_hf, smoke_fairseq):
    """(C4's row on the smoke runs, HF points, fairseq points)."""
    runs = smoke_hf["pretrained"] + smoke_fairseq["pretrained"]
    hf, fs = ([100 * r.test_accuracy for r in group] for group in (smoke_hf["pretrained"], smoke_fairseq["pretrained"]))
    return ledger.fresh_row("C4", "smoke", runs), hf, fs


@pytest.mark.train
def test_fresh_hf_consistent_with_fairseq(request, fresh, smoke_pin):
    """C4's row on the smoke runs: HOLDS WITHIN ±m (the 90% CI of HF - fairseq inside ±m)."""
    row, _, _ = fresh
    pins.expect(request, row, f"HOLDS WITHIN ±{C4.margin:g}", smoke_pin("C4"), "the smoke expected file")


@pytest.mark.train
def test_three_seeds_have_power_for_the_margin(fresh):
    """The margin is the claim's, and at this scale the profile's seeds give Welch TOST the target
    power at no difference at the measured seed SDs (else a failure to establish it would say
    nothing). Planning SDs: the seed-to-seed SDs, never the binomial SE of a fixed test set."""
    row, hf, fs = fresh
    plan = power.plan(hf, fs, C4.margin, REPORT.rules.alpha, REPORT.rules.power)
    assert plan.power_at_hand >= plan.power, f"{plan.describe()}; HF {hf} vs fairseq {fs}; {row.statistic}"
