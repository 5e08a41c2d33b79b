"""C4: HuggingFace fine-tuning "is consistent with the results we get using fairseq" (report §2.2).

"Consistent" is what expected/thresholds.toml defines: equivalence within ±margin points, shown by
TOST at alpha (never by a non-significant difference test: with 3 seeds against 3 a Welch test
cannot see gaps of several points). The ledger's rule (``harness.verdicts.equivalence``) answers
at that margin; narrower or wider margins of the ladder are information only.

On the report's own numbers the rule does not establish ±margin: the named test is a strict
xfail whose reason carries the numbers (it turns red if the data ever establish the claim).
"""

import pytest

from harness.claims import stats
from harness.claims import verdicts
from harness.claims.expected import load_report, load_thresholds
from harness.claims import power

REPORT = load_report()
HF, FS = list(REPORT.hf.pretrained), list(REPORT.fairseq.pretrained)
T = load_thresholds()
ALPHA, EQ = T.significance.alpha, T.equivalence
TABLE = f"HF {HF} vs fairseq {FS} (pretrained, points, n={len(HF)}+{len(FS)} seeds)"
RULE = verdicts.equivalence(HF, FS, T)
NUMBERS = (
    f"{RULE.verdict}: diff {stats.tost(HF, FS, EQ.margin).diff:+.2f} points; TOST p by margin "
    + ", ".join(f"±{m:g} {p:.3f}" for m, p in RULE.tost_p.items())
    + f"; beyond ±{EQ.margin:g} p={RULE.beyond_p:.3f}; alpha {ALPHA}; {TABLE}"
)


@pytest.mark.xfail(strict=True, reason=f"the report's numbers do not establish ±{EQ.margin:g}: {NUMBERS}")
def test_report_hf_equivalent_to_fairseq_within_margin():
    """The ledger's rule: HOLDS WITHIN ±x with x <= the suite's margin (TOST p < alpha)."""
    assert RULE.verdict.startswith("HOLDS WITHIN ±"), NUMBERS
    assert RULE.tost_p[EQ.margin] < ALPHA, NUMBERS


def test_report_margin_needs_more_seeds_than_the_report_has():
    """Why ±margin is not established: at the report's seed-to-seed SD it needs more than its 3
    seeds, and the power of TOST with 3 seeds is low at no difference and at the observed one."""
    sd = stats.pooled_sd(HF, FS)
    n = power.seeds_needed(sd, EQ.margin, ALPHA, EQ.power)
    diff = stats.tost(HF, FS, EQ.margin).diff
    p0 = power.tost_power(sd, EQ.margin, len(HF), ALPHA, 0.0)
    pd = power.tost_power(sd, EQ.margin, len(HF), ALPHA, diff)
    smallest = power.smallest_tost_margin(HF, FS, ALPHA)
    assert n > len(HF) and p0 < EQ.power and pd < EQ.power, (
        f"±{EQ.margin:g} at power {EQ.power} needs {n} seeds (pooled seed SD {sd:.2f}, n={len(HF)}+{len(FS)}); "
        f"TOST power with {len(HF)} seeds: {p0:.2f} at no difference, {pd:.2f} at the observed {diff:+.2f}; "
        f"narrowest margin its numbers establish ±{smallest:.2f}; {TABLE}"
    )
