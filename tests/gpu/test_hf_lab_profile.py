"""GPU tier, C4 at the lab's scale: the `lab` profile's HF runs (run_glue recipe, 3 seeds) on the
user's data and checkpoint (``$LAB_DATA``: the lab's ``cls.books`` layout; ``$LAB_CHECKPOINT``:
RoBERTa_small_fr as fairseq ships it), against the report's HF numbers (expected/report.toml) and
against fresh fairseq runs of the same profile, through the shared run cache. Both are C4's own rule
(``harness.claims.relations.equivalence`` at the claim's margin), never a non-significant Welch test.

Each body runs twice (tests/gpu_tier.py): ``[gpu-lab]`` as above, ``[cpu-tiny]`` in CI on the tiny
profile with the device forced to the CPU, held to measured tiny numbers.
"""

import pytest

from harness.claims.relations import equivalence
from harness.core.requires import requires
from tests.gpu_tier import tier_fixture

tier = tier_fixture(requires(cuda=True, env=["LAB_DATA", "LAB_CHECKPOINT"]))


@pytest.fixture(scope="module")
def lab_runs(tier):
    inputs = tier.user()
    return {fw: {r.spec.seed: 100 * r.test_accuracy for r in tier.runs(fw, "pretrained", inputs)}
            for fw in ("hf", "fairseq")}


def _consistent(tier, a, b, names):
    claims = tier.claims()
    c4 = claims.claim("C4").params
    verdict, computed, statistic, *_ = equivalence.judge(a, b, names, c4.margin, claims.rules.alpha, claims.rules.power)
    assert verdict.startswith("HOLDS WITHIN ±"), f"{verdict} ({tier.name}): {computed}; {statistic}"


def test_lab_hf_runs_reproduce_the_reports_hf_numbers(tier, lab_runs):
    _consistent(tier, lab_runs["hf"], tier.stated[("hf", "pretrained")], ("fresh hf.pretrained", "the report's"))


def test_lab_hf_runs_equivalent_to_fresh_fairseq_runs(tier, lab_runs):
    _consistent(tier, lab_runs["hf"], lab_runs["fairseq"], ("hf.pretrained", "fairseq.pretrained"))
