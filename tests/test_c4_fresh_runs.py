"""C4 on fresh runs: HF fine-tuning "is consistent with" fairseq fine-tuning (report §2.2).

Two levels. The frameworks compute the same function: the same weights on the same padded batch
of real reviews give the same classification logits (to 1e-5). And fine-tuning the same
checkpoint on the same splits with the *same* recipe (the `smoke` profile's matched `[fairseq]` and
`[hf]`: one optimizer and update rule, one precision policy, no clipping, the same dropout and
schedule) gives test accuracies equivalent within the suite's margin (TOST,
expected/thresholds.toml): that is what "consistent" is held to, never a non-significant Welch
test. Measured (matched): HF 0.55 points below fairseq (Welch 95% CI -1.10 to +0.00); with the
recipes as the lab had them the gap was about a point. The power test shows that three seeds can
establish the margin at this scale.
"""

import pytest
import torch

from harness.inputs import convert
from harness.inputs import data
from harness.claims import stats
from harness.claims.expected import load_thresholds
from harness.core.config import load_profile
from harness.claims.verdicts import equivalence
from harness.claims import power

PROFILE = load_profile("smoke")
T = load_thresholds()
ALPHA, EQ = T.significance.alpha, T.equivalence
TOL = 1e-5


@pytest.fixture(scope="module")
def checkpoint(smoke_inputs):
    return smoke_inputs[2]


@pytest.fixture(scope="module")
def data_dir(smoke_inputs):
    return smoke_inputs[1]


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
def smoke_hf_pretrained(request):
    """The HF pretrained cell (conftest's per-seed fixtures: the shared run cache)."""
    return request.getfixturevalue("smoke_hf")["pretrained"]


@pytest.fixture(scope="module")
def fresh(smoke_hf_pretrained, smoke_fairseq):
    """(HF points, fairseq points, test size, Welch p, TOST p by margin, a printable summary)."""
    hf = [100 * r.test_accuracy for r in smoke_hf_pretrained]
    fs = [100 * r.test_accuracy for r in smoke_fairseq["pretrained"]]
    r = equivalence(hf, fs, T)
    verdict, welch_p, tost_p = r.verdict, r.welch_p, r.tost_p
    table = (f"smoke, seeds {list(PROFILE.seeds)}: HF {[round(x, 2) for x in hf]} vs fairseq "
             f"{[round(x, 2) for x in fs]}; Welch p={welch_p:.3f}; TOST p by margin "
             f"{ {m: round(p, 4) for m, p in tost_p.items()} }; verdict {verdict}")
    print(table)
    return hf, fs, smoke_hf_pretrained[0].test_size, welch_p, tost_p, table


@pytest.mark.train
def test_fresh_equivalent_within_margin(fresh):
    hf, fs, _, _, _, table = fresh
    r = stats.tost(hf, fs, EQ.margin)
    assert r.pvalue < ALPHA, (
        f"TOST ±{EQ.margin:g} points: p={r.pvalue:.4f} >= {ALPHA} (diff {r.diff:+.2f}); {table}"
    )


@pytest.mark.train
def test_three_seeds_have_power_for_the_margin(fresh):
    """The smoke margin is the suite's (expected/thresholds.toml), justified at this scale by power.

    Planning SD: the measured seed-to-seed SD (pooled sample SD of both frameworks' runs), never
    the binomial SE of a fixed test set (reruns move by seed, not by test-set resampling). TOST with
    the profile's seeds must reach the target power at the margin both at no difference and at the
    observed difference (else a failure to establish it would say nothing)."""
    hf, fs, n, _, _, table = fresh
    sd = stats.pooled_sd(hf, fs)
    diff = sum(hf) / len(hf) - sum(fs) / len(fs)
    seeds = len(PROFILE.seeds)
    p0, pd = (power.tost_power(sd, EQ.margin, seeds, ALPHA, d) for d in (0.0, diff))
    assert p0 >= EQ.power and pd >= EQ.power, (
        f"TOST ±{EQ.margin:g} with {seeds} seeds at the measured pooled seed SD {sd:.2f} points "
        f"(n={len(hf)}+{len(fs)}): power {p0:.2f} at no difference, {pd:.2f} at the observed {diff:+.2f}; "
        f"target {EQ.power}; {power.seeds_needed(sd, EQ.margin, ALPHA, EQ.power)} seeds needed at no difference; {table}"
    )
