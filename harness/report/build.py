"""The reproducibility report: ``report.md``, ``report.html`` (the same content) and the figures.

What it holds: the claim ledger (``harness.claims.ledger``), a note for every claim the ledger
could not run (with its reason), per profile the per-seed table in the report's shape (Seed 0/1/2 x
Pretrained/Random, fairseq; the HF row) next to what the report states, Figure 1 (test accuracy per
seed, the report's beside the reproduction's, labelled error bars), Figure 2 (validation curves of
every run, best epochs marked), the runs' provenance, and, given a gate history, each gated metric
over the commits. :func:`write_report` is what ``python -m harness reproduce`` and ``report`` call.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from harness.claims import claimsfile, ledger
from harness.claims.claimsfile import ClaimsFile
from harness.core import atomic
from harness.report import figure_cache, figures
from harness.report import history as history_figure
from harness.report.render import to_html, to_markdown
from harness.runs.provenance import git_commit
from harness.runs.results import Results, describe_provenance, load_results

ROWS = (("fairseq", "pretrained", "Pretrained (fairseq)"), ("fairseq", "random", "Random (fairseq)"),
        ("hf", "pretrained", "Pretrained (HF)"), ("hf", "random", "Random (HF)"))


def _pct(values: list[float]) -> str:
    if not values:
        return "not run"
    if len(values) == 1:
        return f"{100 * values[0]:.2f}"
    return f"{100 * statistics.fmean(values):.2f} ± {100 * statistics.stdev(values):.2f} (SD, n={len(values)})"


def _ledger(led: ledger.Ledger) -> tuple[list, list]:
    """The ledger's block, and one note per claim it could not run."""
    notes = [("p", f"{r.claim} ({r.says}): {r.verdict}") for r in led.all if r.verdict.startswith("NOT RUN")]
    return [("md", ledger.to_markdown(led))], notes or [("p", "None: every claim has a verdict.")]


LABELS = {f"{fw}.{init}": label for fw, init, label in ROWS}


def _per_seed(results: Results, profile: str, claims: ClaimsFile) -> list:
    seeds = sorted({r.spec.seed for r in results.all(profile)} | {s for c in claims.cells.values() for s in c.seeds})
    head = [""] + [f"Seed {s}" for s in seeds] + ["mean ± sample SD (n seeds)"]
    obtained = []
    for fw, init, label in ROWS:
        runs = {r.spec.seed: r.test_accuracy for r in results.group(profile, fw, init)}
        if runs or init == "pretrained":
            # two decimals: accuracies at n = 2,000 move in 0.05 steps (80.15 and 80.25 must not both read 80.2)
            cells = [f"{100 * runs[s]:.2f}%" if s in runs else "not run" for s in seeds]
            obtained.append([label, *cells, _pct(list(runs.values()))])
    return [("p", f"Test accuracy at the best-validation checkpoint, profile `{profile}` "
                  "(mean ± sample SD over the n seeds, in points):"),
            ("table", head, obtained)]


def _stated(claims: ClaimsFile) -> list:
    """The report's own per-seed table (its data and model, at the lab's scale)."""
    seeds = sorted({s for c in claims.cells.values() for s in c.seeds})
    head = [""] + [f"Seed {s}" for s in seeds] + ["mean ± sample SD (n seeds)"]
    stated = []
    for name, cell in claims.cells.items():
        by_seed = cell.by_seed()
        stated.append([LABELS[name], *[f"{by_seed[s]:g}%" if s in by_seed else "" for s in seeds],
                       _pct([v / 100 for v in cell.accuracy])])
    sections = ", ".join(f"§{s}" for s in dict.fromkeys(c.section for c in claims.cells.values()))
    return [("p", f"What the report states ({sections}; its own data and model):"), ("table", head, stated)]


def _stated_by_cell(claims: ClaimsFile) -> dict[tuple[str, str], dict[int, float]]:
    """The report's per-seed test accuracies (points) by (framework, init)."""
    return {tuple(name.split(".")): cell.by_seed() for name, cell in claims.cells.items()}


def _stated_epoch(claims: ClaimsFile) -> int | None:
    """The best epoch the report states (its ``best_epoch`` claim), or None."""
    return next((c.params.epoch for c in claims.claims if c.relation == "best_epoch" and c.stated), None)


# The embedded data sources (harness/inputs/sources.toml), in words.
DATA_NAMES = {"pang-lee-en": "English movie-review sentences (Pang & Lee)",
              "amazon-fr": "French Amazon.fr book reviews"}


def inputs_note(runs) -> tuple[str, str]:
    """(short, sentence): what this reproduction's runs were trained on, from their provenance
    ``inputs`` (embedded vs the user's files), set against the report's own data and model."""
    data = {((r.provenance.get("inputs") or {}).get("data") or {}).get("source", "not recorded") for r in runs}
    ckpt = {((r.provenance.get("inputs") or {}).get("checkpoint") or {}).get("source", "not recorded") for r in runs}
    if data == {"user"} and ckpt == {"user"}:
        return ("your data and checkpoint", "This reproduction's runs are on the user's data and checkpoint "
                "(--data / --checkpoint or $LAB_DATA / $LAB_CHECKPOINT), as the report's are on its own.")
    if "not recorded" in data | ckpt:
        return ("inputs not recorded", "These runs do not record their inputs (provenance `inputs`): whether "
                "they used the report's data and model is unknown, so the bars may not be comparable.")
    names = sorted({((r.provenance.get("key_parts") or {}).get("data_spec") or {}).get("source", "?") for r in runs})
    what = "; ".join(DATA_NAMES.get(n, n) for n in names)
    used = (f"the embedded data ({what})" if data == {"embedded"} else "the user's data") + (
        " and the embedded encoder (MiniLM)" if ckpt == {"embedded"} else " and the user's checkpoint")
    return (f"embedded: {what}" if data == {"embedded"} else "embedded encoder",
            "Not the same experiment: the report's bars are its own runs on French book reviews (CLS-Books) "
            f"with RoBERTa_small_fr; this reproduction's are on {used}. They stand side by side for scale, "
            "not as a reproduction of the report's numbers (that is C2, on the report's own files).")


def _figures(results: Results, profile: str, claims: ClaimsFile, out_dir: Path) -> list:
    runs = {(fw, init): results.group(profile, fw, init) for fw, init, _ in ROWS}
    runs = {cell: group for cell, group in runs.items() if group}
    one, two = f"figure1-{profile}.png", f"figure2-{profile}.png"
    sizes = "/".join(f"{n:,}" for n in sorted({r.test_size for group in runs.values() for r in group}))
    seeds = max((len(group) for group in runs.values()), default=0)
    short, sentence = inputs_note(results.all(profile))
    stated = _stated_by_cell(claims)
    title1 = f"Figure 1: test accuracy per seed, the report vs this reproduction ({profile}; {short})"
    facts1 = {"runs": [[list(cell), [figure_cache.run_facts(r) for r in group]] for cell, group in runs.items()],
              "stated": [[list(cell), sorted(by_seed.items())] for cell, by_seed in stated.items()], "title": title1}
    atomic.write_bytes(out_dir / one, figure_cache.png("figure1", facts1, lambda: figures.figure1(runs, stated, title1)))
    epochs = max((len(r.valid_accuracy) for r in results.all(profile)), default=0)
    title2 = f"Figure 2: validation accuracy {'after one epoch' if epochs == 1 else 'per epoch'} ({profile})"
    facts2 = {"runs": [figure_cache.run_facts(r) for r in results.all(profile)], "epoch": _stated_epoch(claims),
              "title": title2}
    atomic.write_bytes(out_dir / two, figure_cache.png(
        "figure2", facts2, lambda: figures.figure2(results.all(profile), _stated_epoch(claims), title2)))
    second = ("Figure 2: validation accuracy after the one epoch of each run, by framework, init and seed (one "
              f"epoch: no curve and no best epoch to choose; the report's best epoch, {_stated_epoch(claims)}, "
              "lies beyond these runs)" if epochs == 1 else
              "Figure 2: validation accuracy per epoch, one line per framework, init and seed; "
              "stars: each run's best epoch (its checkpoint is tested); dotted: the report's epoch")
    return [("img", one, "Figure 1: test accuracy per seed, the report's numbers (hatched) beside this "
                         f"reproduction's (solid); per seed ±1 binomial SE, n={sizes} test items per run; means ±1 seed SD, "
                         f"n={seeds} seeds. {sentence}"),
            ("img", two, second)]


def _claims_figure(claims: ClaimsFile, out_dir: Path) -> list:
    """Figure 1 from the claims file alone: the report's per-seed numbers, its source in the legend."""
    stated = _stated_by_cell(claims)
    title = "Figure 1: test accuracy per seed, as the report states it"
    facts = {"runs": [], "stated": [[list(cell), sorted(by_seed.items())] for cell, by_seed in stated.items()],
             "title": title, "source": claims.source}
    atomic.write_bytes(out_dir / "figure1-claims.png", figure_cache.png(
        "figure1", facts, lambda: figures.figure1({}, stated, title, source=claims.source)))
    return [("img", "figure1-claims.png", f"Figure 1: test accuracy per seed as the report states it (source: "
                                          f"{claims.source}); means ±1 sample SD over its seeds. No results were "
                                          "given: run `python -m harness reproduce` to set a reproduction beside it.")]


def _provenance(results: Results, profile: str) -> list:
    runs = results.all(profile)
    seen: dict[str, set[str]] = {}
    for r in runs:
        for key, value in describe_provenance(r).items():
            seen.setdefault(key, set()).add(value)
    rows = [[k, ", ".join(sorted(v))] for k, v in seen.items()]
    rows.append(["runs / total wall time", f"{len(runs)} / {sum(r.wall_time_s for r in runs) / 60:.1f} min"])
    return [("table", ["", "value(s) over the runs"], rows)]


def build(results_dir: str | Path | None, out_dir: Path, led: ledger.Ledger | None = None,
          history: str | Path | None = None, claims: str | Path | None = None) -> list:
    """The report as blocks: ("h", level, text) | ("p", text) | ("table", head, rows) | ("img", file, caption) | ("md", text).
    ``led``: the claim ledger when the caller already built it from ``results_dir``; ``history``: a
    gate history file (``harness.gate.history``), plotted as the last section; ``claims``: a claims
    file (default: expected/report.toml), whose numbers the ledger, the tables and Figure 1 use.
    ``results_dir`` None: the claims file alone (its ledger, its numbers, Figure 1 from them)."""
    results = load_results(results_dir) if results_dir is not None else None
    led = led or ledger.build(claimsfile.load(claims), Path(results_dir) if results_dir is not None else None)
    claims = led.claims
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    ledger_blocks, not_run = _ledger(led)
    given = (f"Results: `{results_dir}` (profiles: {', '.join(results.profiles)})" if results is not None else
             "Results: none given (the claims file alone; runs come from `python -m harness reproduce`)")
    blocks = [("h", 1, "Reproducibility report: the NLP Frameworks lab"),
              ("p", f"{given}. Claims: `{claims.name}` (source: {claims.source}). Written {now} by harness commit "
                    f"`{git_commit()}`."),
              ("h", 2, "Claim ledger"), *ledger_blocks,
              ("h", 2, "Claims not run"), *not_run,
              ("h", 2, "The report's numbers"), *_stated(claims)]
    if results is None:
        return blocks + _claims_figure(claims, out_dir)
    for profile in results.profiles:
        blocks += [("h", 2, f"Profile `{profile}`"), ("h", 3, "Per-seed test accuracy"),
                   *_per_seed(results, profile, claims), ("h", 3, "Figures"),
                   *_figures(results, profile, claims, out_dir), ("h", 3, "Provenance"), *_provenance(results, profile)]
    if history is not None:
        blocks += [("h", 2, "Gated metrics over commits"), *history_figure.report_blocks(history, out_dir)]
    return blocks


def write_report(results_dir: str | Path | None, out_dir: str | Path, led: ledger.Ledger | None = None,
                 history: str | Path | None = None, claims: str | Path | None = None) -> Path:
    """Write report.md, report.html and the figures into ``out_dir``; return the Markdown's path."""
    out_dir = Path(out_dir)  # created by the first file written: a bad input leaves no directory
    blocks = build(results_dir, out_dir, led, history, claims)
    atomic.write_bytes(out_dir / "report.html", to_html(blocks).encode())
    atomic.write_bytes(out_dir / "report.md", to_markdown(blocks).encode())
    return out_dir / "report.md"
