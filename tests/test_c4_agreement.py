"""C4: HuggingFace fine-tuning "is consistent with the results we get using fairseq" (report §2.2).

"Consistent" is tested two ways: no detectable difference (Welch two-sided p >= alpha), and
equivalence by TOST within the margin of expected/thresholds.toml. With three seeds per framework
the report's numbers establish equivalence only within a wider margin of the ladder: the test at
the suite's margin is a strict xfail, so it shows in every run and turns red if it ever passes.

Report-number tests are first; tests on fresh runs (other issues) follow in this file.
"""

import pytest

from harness import stats
from harness.claims import load_report, load_thresholds
from harness.ledger import equivalence_verdict

REPORT = load_report()
HF, FS = list(REPORT.hf.pretrained), list(REPORT.fairseq.pretrained)
T = load_thresholds()
ALPHA, EQ = T.significance.alpha, T.equivalence
TABLE = f"HF {HF} vs fairseq {FS} (pretrained)"
TOST_P = {m: stats.tost(HF, FS, m).pvalue for m in EQ.ladder}


def test_report_no_detectable_difference():
    r = stats.welch(HF, FS)
    assert r.pvalue >= ALPHA, f"Welch t={r.statistic:.2f}, df={r.df:.2f}, p={r.pvalue:.4f} < {ALPHA}; {TABLE}"


@pytest.mark.xfail(
    strict=True,
    reason=f"with 3 seeds, ±{EQ.margin:g} points is not established (TOST p={TOST_P[EQ.margin]:.2f})",
)
def test_report_equivalent_at_the_suites_margin():
    p = TOST_P[EQ.margin]
    assert p < ALPHA, f"TOST ±{EQ.margin:g}: p={p:.3f} >= {ALPHA}; {TABLE}"


def test_report_hf_equivalent_to_fairseq_within_margin():
    """The ledger's verdict: HOLDS WITHIN the narrowest ladder margin TOST establishes."""
    verdict = equivalence_verdict(stats.welch(HF, FS).pvalue, TOST_P, ALPHA)
    assert verdict.startswith("HOLDS WITHIN"), f"{verdict}; TOST p by margin {TOST_P}; {TABLE}"
    held = float(verdict.split("±")[1])
    assert TOST_P[held] < ALPHA and all(TOST_P[m] >= ALPHA for m in EQ.ladder if m < held), TOST_P


def test_report_margin_needs_more_seeds_than_the_report_has():
    """Why ±margin is not established: at the report's spread it needs more than its 3 seeds."""
    sd = stats.pooled_sd(HF, FS)
    n = stats.seeds_needed(sd, EQ.margin, ALPHA, EQ.power)
    smallest = stats.smallest_tost_margin(HF, FS, ALPHA)
    assert n > len(HF), (
        f"±{EQ.margin:g} at power {EQ.power} needs {n} seeds (pooled SD {sd:.2f}); the report has "
        f"{len(HF)}; narrowest margin its numbers establish ±{smallest:.2f}; {TABLE}"
    )
