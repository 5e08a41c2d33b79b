"""The gate's tolerances rest on measured moves (expected/results/tolerances.toml): the exact regime
on computations of one numerics key that agreed to the sentence, the cross-numerics tolerances on
the same cells computed under two keys (a pair) at each scale, set by one stated rule; and the
measured sets pass under the regime each one selects, at the smoke and the lab scale."""

import math
import re

import pytest

from harness.gate import drift as gate
from harness.gate import output as gate_output
from harness.gate import tolerances
from tests.synthetic import SHAPE, measured_cells, write_results
from tests.test_gate import regenerated

TOL = tolerances.load()
EXPECTED = TOL.path.parent
SCALES = ("smoke", "lab")
PAIRS = [(scale, p) for scale in SCALES for p in TOL.scales[scale].pairs]
IDS = [f"{scale}:{p.label.replace(' <-> ', '~')}" for scale, p in PAIRS]
CELLS = {"fairseq.pretrained", "fairseq.random", "hf.pretrained"}


def test_the_exact_regime_rests_on_computations_that_agreed_to_the_sentence():
    """Every numerics key with an expected file has same-numerics measurements at its scale, every
    measurement found identical runs, and fp32 was compared across CPU classes on all 9 cells at
    both scales (fp32 is keyed by precision alone). A measurement that moved would make the exact
    regime call a machine change drift: key the numerics finer then (as bf16 is keyed by CPU class)."""
    for name in SCALES:
        same = TOL.scales[name].same_numerics
        files = {p.name.split(".", 1)[1].removesuffix(".json") for p in EXPECTED.glob(f"{name}.*.json")}
        assert files <= {m["numerics"] for m in same}, (name, files, same)
        moved = [m for m in same if m["identical"] != m["runs"]]
        assert not moved, f"{name}: computations of one numerics key that did not agree: {moved}"
        fp32 = [m for m in same if m["numerics"] == "fp32" and m["runs"] == 9 and "class" in m["a"] + m["b"]]
        assert fp32, f"{name}: fp32 never compared across CPU classes on the 9 cells: {same}"


@pytest.mark.parametrize("scale, pair", PAIRS, ids=IDS)
def test_the_stated_spread_is_the_measured_cells_spread(scale, pair):
    n, s, upper = pair.spread()
    largest = max(abs(d) for d in pair.moves())
    assert (n, round(s, 3), round(upper, 3), round(largest, 2)) == (
        pair.stated["moves"], pair.stated["s"], pair.stated["s_upper"], pair.stated["largest"]), (
        f"{scale} {pair.label}: stated {pair.stated}; the cells give:\n{tolerances.stated_lines(pair, TOL)}")


def test_the_spreads_are_the_measurements():
    """Smoke bf16 (AVX512-BF16) vs fp32: moves of 0.15 points at most, s ~ 0.08; lab: RMS 0.58, one
    seed 1.5. Two native-bf16 classes, smoke: 9 moves, none zero, the largest 0.15 (AMX vs
    AVX512-BF16 kernels), s ~ 0.075."""
    smoke, lab = (TOL.scales[n].pair("bf16-avx512-bf16", "fp32") for n in SCALES)
    assert round(smoke.spread()[1], 2) == 0.08 and max(map(abs, smoke.moves())) == pytest.approx(0.15)
    assert round(lab.spread()[1], 2) == 0.58 and max(map(abs, lab.moves())) == pytest.approx(1.5)
    classes = TOL.scales["smoke"].pair("bf16-amx", "bf16-avx512-bf16")
    moves = [round(abs(d), 2) for d in classes.moves()]
    assert len(moves) == 9 and min(moves) > 0 and max(moves) == 0.15, moves
    assert round(classes.spread()[1], 3) == 0.075, classes.spread()


@pytest.mark.parametrize("scale, pair", PAIRS, ids=IDS)
def test_every_stored_tolerance_is_the_rule_applied_to_the_measured_moves(scale, pair):
    s = pair.spread()[1]
    want = {k: tolerances.rule_tolerance(k, s, TOL) for k in tolerances.KINDS}
    assert pair.tolerance == pytest.approx(want, abs=1e-12), (
        f"{scale} {pair.label}: stated {pair.tolerance}; the rule gives:\n{tolerances.stated_lines(pair, TOL)}")
    # and the rule is Bonferroni at alpha over one gate run's score metrics: the union bound at s
    assert tolerances.scores_trip(pair, s) <= TOL.alpha, tolerances.scores_trip(pair, s)
    assert TOL.z == pytest.approx(3.4938, abs=1e-4) and TOL.metrics == sum(tolerances.COUNTS.values()) + 5


@pytest.mark.parametrize("path", sorted(EXPECTED.glob("*.*.json")), ids=lambda p: p.name)
def test_the_bonferroni_count_is_every_score_gated_with_a_z_tolerance(path):
    """m counts every score a cross-numerics gate run holds to a z-based tolerance: the 16 accuracy
    scores and the ledger's (C3's difference and bounds, C4's difference and narrowest margin), not
    only the accuracies (issue 25, item 11: it was 16 of 21)."""
    from harness.gate import regime
    from harness.gate.expected import load_expected

    gated = regime.z_scored(load_expected(path))
    assert len(gated) == TOL.metrics, (f"{path.name}: {len(gated)} scores carry z-tolerances, {TOL.path.name} "
                                       f"[rule] metrics = {TOL.metrics}: {gated}")


@pytest.mark.parametrize("scale, pair", PAIRS, ids=IDS)
def test_every_measured_move_is_within_its_tolerance(scale, pair):
    for kind, values in tolerances.measured_moves(pair).items():
        tol = 100 * pair.tolerance[kind]
        assert max(values) < tol, (f"{scale} {pair.label} {kind}: measured moves {[round(v, 3) for v in values]} "
                                   f"points, tolerance {tol:g}")


def test_a_numerics_key_has_one_set_of_cells_per_scale():
    """The exact regime's premise: one key, the same accuracies. Where a key appears in two pairs of a
    scale (bf16-avx512-bf16: the former expected files' accuracies), its cells are the same."""
    for scale in SCALES:
        seen = {}
        for pair in TOL.scales[scale].pairs:
            for key in pair.keys:
                first = seen.setdefault(key, (pair.label, pair.cells[key]))
                assert pair.cells[key] == first[1], (f"{scale} {key}: {first[1]} in {first[0]}, "
                                                     f"{pair.cells[key]} in {pair.label}")
            assert set(pair.cells[pair.keys[0]]) == CELLS, (scale, pair.label, sorted(pair.cells[pair.keys[0]]))


@pytest.mark.parametrize("kind, scale", [("test_accuracy", 1.0), ("mean_test_accuracy", 3 ** -0.5),
                                         ("mean_difference", (2 / 3) ** 0.5)])
def test_trip_probability_is_the_normal_tail_on_each_scale(kind, scale):
    from scipy.stats import norm

    s = 0.3
    assert tolerances.trip_probability(kind, 0.006, s) == pytest.approx(2 * norm.sf(0.6 / (s * scale)))
    assert tolerances.trip_probability("sd_test_accuracy", 0.006, s) == pytest.approx(math.exp(-4))


CLASS = {"fp32": ("fp32", "avx2"), "bf16-avx512-bf16": ("bf16", "avx512_bf16"), "bf16-amx": ("bf16", "amx")}


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """Per measured pair: each key's cells as two computations (result sets of its class), and an
    expected directory holding the first key's file only."""
    root = tmp_path_factory.mktemp("measured")
    out = {}
    for (scale, pair), tag in zip(PAIRS, IDS):
        sets = {}
        for key in pair.keys:
            precision, cpu_class = CLASS[key]
            sets[key] = [write_results(root / f"{tag}-{key}-{i}", scale, cells=measured_cells(pair.cells[key]),
                                       wall=50.0 + i, precision=precision, cpu_class=cpu_class,
                                       **SHAPE.get(scale, {})) for i in (0, 1)]
        out[tag] = sets, regenerated(root / f"{tag}-expected", *sets[pair.keys[0]]).parent
    return out


@pytest.mark.parametrize("scale, pair", PAIRS, ids=IDS)
def test_each_key_passes_in_the_exact_regime_with_its_own_expected_file(measured, scale, pair, tmp_path):
    """The gate is exact on both keys once each has its file, picked from the directory."""
    sets, directory = measured[IDS[PAIRS.index((scale, pair))]]
    both = tmp_path / "expected"
    both.mkdir()
    first = f"{scale}.{pair.keys[0]}.json"
    (both / first).write_bytes((directory / first).read_bytes())
    regenerated(both, *sets[pair.keys[1]])
    for key in pair.keys:
        code, text = gate_output.check(sets[key][1], both)
        assert code == gate.PASS, text
        assert text.startswith("regime: exact: the results' numerics (") and f"{scale}.{key}.json" in \
            text.splitlines()[0], text


@pytest.mark.parametrize("scale, pair", PAIRS, ids=IDS)
def test_the_other_key_passes_in_the_cross_numerics_regime(measured, scale, pair):
    """The second key's set against the first key's file alone: every score and verdict within the
    pair's tolerances (with the ledger's rules, C4 is judged at its one margin, ±3, far from the
    measured cells' narrowest margin, and its narrowest margin is a score with a tolerance)."""
    sets, directory = measured[IDS[PAIRS.index((scale, pair))]]
    outcome = gate.evaluate(sets[pair.keys[1]][0], directory)
    assert outcome.regime.name == "cross_numerics" and outcome.regime.pair == pair.keys, outcome.regime
    assert outcome.code == gate.PASS, gate_output.text(outcome)


def test_the_tolerances_file_states_its_sources():
    raw = (tolerances.PATH).read_text()
    assert "bf16-cast" not in raw and "--bf16" not in raw, "the old whole-model bf16 measurement goes"
    for scale, pair in PAIRS:
        assert re.search(r"\d{4}-\d{2}-\d{2}", pair.source), (scale, pair.label, pair.source)
