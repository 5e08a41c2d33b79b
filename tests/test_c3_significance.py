"""C3: "As expected, the pretrained models perform much better than the randomly initialized ones"
(report §2.1), on the report's own per-seed table.

The gate is Welch's one-sided t-test at alpha (expected/thresholds.toml), with the paired test by
seed and Hedges' g beside it. The exact rank and permutation tests are documented, not used: at
3 vs 3 their p-value has a floor that is not below alpha.
"""

from harness.claims import stats
from harness.claims.expected import load_report, load_thresholds
from harness.claims.verdicts import superiority_verdict

FS = load_report().fairseq
T = load_thresholds()
ALPHA = T.significance.alpha
PRE = stats.by_seed(FS.seeds, FS.pretrained, "fairseq.pretrained")
RND = stats.by_seed(FS.seeds, FS.random, "fairseq.random")
TABLE = f"pretrained {list(FS.pretrained)} vs random {list(FS.random)}"


def test_pretrained_beats_random_welch_one_sided():
    r = stats.welch(FS.pretrained, FS.random, "greater")
    assert r.pvalue < ALPHA, f"Welch t={r.statistic:.2f}, df={r.df:.2f}, one-sided p={r.pvalue:.4f} >= {ALPHA}; {TABLE}"


def test_pretrained_beats_random_paired_by_seed():
    r = stats.paired(PRE, RND, "greater")
    assert r.pvalue < ALPHA, f"paired t({r.df:g})={r.statistic:.2f}, one-sided p={r.pvalue:.4f} >= {ALPHA}; {TABLE}"


def test_effect_is_large():
    g = stats.hedges_g(FS.pretrained, FS.random)
    assert g >= T.effect.large, f"Hedges' g={g:.2f} < {T.effect.large} ('much better'); {TABLE}"


def test_pretrained_clearly_beats_random():
    """The ledger's rule: both one-sided tests below alpha and a large effect."""
    verdict = superiority_verdict(
        stats.welch(FS.pretrained, FS.random, "greater"),
        stats.paired(PRE, RND, "greater"),
        stats.welch(FS.pretrained, FS.random, "less").pvalue,
        stats.hedges_g(FS.pretrained, FS.random),
        T,
    )
    assert verdict == "REPRODUCED", f"{verdict}; {TABLE}"


def test_exact_tests_cannot_gate_at_three_seeds():
    """The report's groups do not overlap, so the exact tests are at their floor; at 3 vs 3 that
    floor is not below alpha (Mann-Whitney two-sided 0.10, one-sided and permutation 0.05)."""
    assert min(FS.pretrained) > max(FS.random), TABLE  # complete separation: the most extreme split
    mw2 = stats.mann_whitney(FS.pretrained, FS.random, "two-sided").pvalue
    mw1 = stats.mann_whitney(FS.pretrained, FS.random, "greater").pvalue
    perm = stats.permutation(FS.pretrained, FS.random, "greater").pvalue
    shifted = [v + 1000 for v in FS.pretrained]  # further apart: the floor cannot drop
    assert stats.mann_whitney(shifted, FS.random, "two-sided").pvalue == mw2
    assert mw2 > ALPHA and mw1 >= ALPHA and perm >= ALPHA, (
        f"Mann-Whitney p two-sided {mw2:.3f}, one-sided {mw1:.3f}; exact permutation {perm:.3f}; alpha {ALPHA}"
    )
