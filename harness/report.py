"""The reproducibility report: ``python -m harness report RESULTS --out DIR``.

Writes ``report.md`` and a static ``report.html`` (same content) plus the figures as PNG:
the claim ledger (``harness.ledger``; a NOT RUN note when that module is absent), per profile the
per-seed table in the report's shape (Seed 0/1/2 x Pretrained/Random, fairseq; the HF row) next
to what the report states, Figure 1 (test accuracy per seed, the report's beside the
reproduction's, labelled error bars), Figure 2 (validation curves of every run, best epochs
marked), the runs' provenance, and a note for every claim
the ledger could not run (with its reason). :func:`write_report` is what ``python -m harness reproduce`` calls last.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import statistics
from pathlib import Path

from harness import atomic, figures, ledger
from harness.claims import Report, load_report
from harness.results import Results, describe_provenance, git_commit, load_results

ROWS = (("fairseq", "pretrained", "Pretrained (fairseq)"), ("fairseq", "random", "Random (fairseq)"),
        ("hf", "pretrained", "Pretrained (HF)"), ("hf", "random", "Random (HF)"))


def _pct(values: list[float]) -> str:
    if not values:
        return "not run"
    if len(values) == 1:
        return f"{100 * values[0]:.1f}"
    return f"{100 * statistics.fmean(values):.1f} ± {100 * statistics.stdev(values):.2f} (SD, n={len(values)})"


def _ledger(rows: list) -> tuple[list, list]:
    """The ledger's block, and one note per claim it could not run."""
    notes = [("p", f"{r.claim} ({r.says}): {r.verdict}") for r in rows if r.verdict.startswith("NOT RUN")]
    return [("md", ledger.to_markdown(rows))], notes or [("p", "None: every claim has a verdict.")]


def _per_seed(results: Results, profile: str, claims: Report) -> list:
    seeds = sorted({r.spec.seed for r in results.all(profile)} | set(claims.fairseq.seeds))
    head = [""] + [f"Seed {s}" for s in seeds] + ["mean ± sample SD (n seeds)"]
    obtained = []
    for fw, init, label in ROWS:
        runs = {r.spec.seed: r.test_accuracy for r in results.group(profile, fw, init)}
        if runs or init == "pretrained":
            cells = [f"{100 * runs[s]:.1f}%" if s in runs else "not run" for s in seeds]
            obtained.append([label, *cells, _pct(list(runs.values()))])
    return [("p", f"Test accuracy at the best-validation checkpoint, profile `{profile}` "
                  "(mean ± sample SD over the n seeds, in points):"),
            ("table", head, obtained)]


def _stated(claims: Report) -> list:
    """The report's own per-seed table (its data and model, at the lab's scale)."""
    seeds = sorted(set(claims.fairseq.seeds) | set(claims.hf.seeds))
    head = [""] + [f"Seed {s}" for s in seeds] + ["mean ± sample SD (n seeds)"]
    stated = []
    for label, seeds_, values in (("Pretrained (fairseq)", claims.fairseq.seeds, claims.fairseq.pretrained),
                                  ("Random (fairseq)", claims.fairseq.seeds, claims.fairseq.random),
                                  ("Pretrained (HF)", claims.hf.seeds, claims.hf.pretrained)):
        by_seed = dict(zip(seeds_, values))
        stated.append([label, *[f"{by_seed[s]:g}%" if s in by_seed else "" for s in seeds],
                       _pct([v / 100 for v in values])])
    return [("p", f"What the report states (§{claims.fairseq.section}, §{claims.hf.section}; its own "
                  "data and model):"), ("table", head, stated)]


def _stated_by_cell(claims: Report) -> dict[tuple[str, str], dict[int, float]]:
    """The report's per-seed test accuracies (points) by (framework, init)."""
    fs, hf = claims.fairseq, claims.hf
    return {("fairseq", "pretrained"): dict(zip(fs.seeds, fs.pretrained)),
            ("fairseq", "random"): dict(zip(fs.seeds, fs.random)),
            ("hf", "pretrained"): dict(zip(hf.seeds, hf.pretrained))}


def _figures(results: Results, profile: str, claims: Report, out_dir: Path) -> list:
    runs = {(fw, init): results.group(profile, fw, init) for fw, init, _ in ROWS}
    runs = {cell: group for cell, group in runs.items() if group}
    one, two = f"figure1-{profile}.png", f"figure2-{profile}.png"
    sizes = "/".join(f"{n:,}" for n in sorted({r.test_size for group in runs.values() for r in group}))
    seeds = max((len(group) for group in runs.values()), default=0)
    atomic.write_bytes(out_dir / one, figures.png(figures.figure1(
        runs, _stated_by_cell(claims), f"Figure 1: test accuracy per seed, the report vs this reproduction ({profile})")))
    atomic.write_bytes(out_dir / two, figures.png(figures.figure2(
        results.all(profile), claims.fairseq.best_epoch, f"Figure 2: validation accuracy per epoch ({profile})")))
    return [("img", one, "Figure 1: test accuracy per seed, the report's numbers (hatched) beside this "
                         f"reproduction's (solid); per seed ±1 binomial SE, n={sizes} test items per run; means ±1 seed SD, "
                         f"n={seeds} seeds"),
            ("img", two, "Figure 2: validation accuracy per epoch, one line per framework, init and seed; "
                         "stars: each run's best epoch (its checkpoint is tested); dotted: the report's epoch")]


def _provenance(results: Results, profile: str) -> list:
    runs = results.all(profile)
    seen: dict[str, set[str]] = {}
    for r in runs:
        for key, value in describe_provenance(r).items():
            seen.setdefault(key, set()).add(value)
    rows = [[k, ", ".join(sorted(v))] for k, v in seen.items()]
    rows.append(["runs / total wall time", f"{len(runs)} / {sum(r.wall_time_s for r in runs) / 60:.1f} min"])
    return [("table", ["", "value(s) over the runs"], rows)]


def build(results_dir: str | Path, out_dir: Path, rows: list | None = None, history: str | Path | None = None) -> list:
    """The report as blocks: ("h", level, text) | ("p", text) | ("table", head, rows) | ("img", file, caption) | ("md", text).
    ``rows``: the claim ledger when the caller already built it from ``results_dir``; ``history``: a
    gate history file (``harness.history``), plotted as the last section."""
    results, claims = load_results(results_dir), load_report()
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if rows is None:
        rows = ledger.build_ledger(claims, results_dir=Path(results_dir))
    ledger_blocks, not_run = _ledger(rows)
    blocks = [("h", 1, "Reproducibility report: the NLP Frameworks lab"),
              ("p", f"Results: `{results_dir}` (profiles: {', '.join(results.profiles)}). Claims: "
                    f"`{claims.path}`. Written {now} by harness commit `{git_commit()}`."),
              ("h", 2, "Claim ledger"), *ledger_blocks,
              ("h", 2, "Claims not run"), *not_run,
              ("h", 2, "The report's numbers"), *_stated(claims)]
    for profile in results.profiles:
        blocks += [("h", 2, f"Profile `{profile}`"), ("h", 3, "Per-seed test accuracy"),
                   *_per_seed(results, profile, claims), ("h", 3, "Figures"),
                   *_figures(results, profile, claims, out_dir), ("h", 3, "Provenance"), *_provenance(results, profile)]
    if history is not None:
        from harness import history as history_module

        blocks += [("h", 2, "Gated metrics over commits"), *history_module.report_blocks(history, out_dir)]
    return blocks


def to_markdown(blocks: list) -> str:
    out = []
    for kind, *rest in blocks:
        if kind == "h":
            out.append("#" * rest[0] + " " + rest[1])
        elif kind in ("p", "md"):
            out.append(rest[0].rstrip())
        elif kind == "table":
            head, rows = rest
            out.append("\n".join("| " + " | ".join(map(str, r)) + " |"
                                 for r in [head, ["---"] * len(head), *rows]))
        elif kind == "img":
            out.append(f"![{rest[1]}]({rest[0]})\n\n*{rest[1]}*")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    """Escaped HTML of a Markdown line's **bold** and `code`."""
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(str(text)))
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", text)


def _html_table(head, rows) -> str:
    cell = lambda tag, c: f"<{tag}>{_inline(c)}</{tag}>"  # noqa: E731
    body = "".join("<tr>" + "".join(cell("td", c) for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{''.join(cell('th', c) for c in head)}</tr>{body}</table>"


def _md_table(text: str):
    """A Markdown pipe table as (head, rows), or None when ``text`` is anything else."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 2 or not all(line.startswith("|") for line in lines):
        return None
    split = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return split[0], split[2:]


def to_html(blocks: list) -> str:
    out = []
    for kind, *rest in blocks:
        if kind == "h":
            out.append(f"<h{rest[0]}>{_inline(rest[1])}</h{rest[0]}>")
        elif kind == "p":
            out.append(f"<p>{_inline(rest[0])}</p>")
        elif kind == "md":
            table = _md_table(rest[0])
            out.append(_html_table(*table) if table else f"<pre>{html.escape(rest[0])}</pre>")
        elif kind == "table":
            out.append(_html_table(*rest))
        elif kind == "img":
            out.append(f'<figure><img src="{html.escape(rest[0])}" alt="{html.escape(rest[1])}">'
                       f"<figcaption>{html.escape(rest[1])}</figcaption></figure>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:2px 8px}img{max-width:100%}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Reproducibility report</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")


def write_report(results_dir: str | Path, out_dir: str | Path, rows: list | None = None,
                 history: str | Path | None = None) -> Path:
    """Write report.md, report.html and the figures into ``out_dir``; return the Markdown's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = build(results_dir, out_dir, rows, history)
    atomic.write_bytes(out_dir / "report.html", to_html(blocks).encode())
    atomic.write_bytes(out_dir / "report.md", to_markdown(blocks).encode())
    return out_dir / "report.md"


def add_arguments(parser) -> None:
    parser.add_argument("results", help="results directory (<dir>/<profile>/<run>.json)")
    parser.add_argument("--out", default="out/report", help="output directory (default: out/report)")
    parser.add_argument("--history", metavar="FILE", help="a gate history (gate --history FILE): plot each gated "
                        "metric over the commits with its tolerance band")


def main(args) -> int:
    atomic.writable_dir(args.out)
    path = write_report(args.results, args.out, history=args.history)
    print(f"report: {path} (and {path.with_suffix('.html')})")
    return 0
