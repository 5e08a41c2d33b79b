"""The gate's outputs: text (the terminal), Markdown (a pull request or ``$GITHUB_STEP_SUMMARY``),
JSON (tools), JUnit XML (CI test reports: one test case per gated metric and per verdict, the
value, expected value, tolerance and statistic in its properties).

Every failure carries its numbers: a score's expected and obtained values, tolerance and
|obtained - expected|; a verdict's expected and obtained strings and the ledger's statistic; a
FRAGILE verdict its decision's distance to the rule's boundary and the score's tolerance. Every
format names the regime the gate used and why (``harness.gate.regime``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from harness.gate.drift import PASSING, Outcome, Row, evaluate, fmt
from harness.gate.expected import is_verdict

COLUMNS = ("metric", "expected", "obtained", "tolerance", "|diff|", "status")


def _cells(r: Row) -> tuple[str, ...]:
    exact = r.status not in ("UNEXPECTED", "UNGATED") and (is_verdict(r.metric) or r.tolerance == 0.0)
    tolerance = "exact" if exact else "none" if r.status == "UNGATED" else fmt(r.tolerance)
    return r.metric, fmt(r.expected), fmt(r.obtained), tolerance, fmt(r.delta), r.status


def table(rows: list[Row]) -> str:
    """The diff table: expected / obtained / tolerance / |diff| / status for every metric."""
    cells = [COLUMNS, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def _verdict_lines(rows: list[Row]) -> list[str]:
    """One line per changed or fragile verdict: both strings, the statistics behind them, and a
    fragile one's distance to its boundary."""
    out = []
    for r in rows:
        if is_verdict(r.metric) and r.status != "ok":
            line = (f"{r.metric}: expected {r.expected!r}, obtained {r.obtained!r} "
                    f"(now: {r.statistic or '-'}; expected file: {r.expected_statistic or '-'})")
            if r.status == "FRAGILE":
                line = f"{r.metric}: FRAGILE, {r.note}" + ("" if r.obtained == r.expected else f"; {line}")
            elif r.note:  # near its boundary, yet the score did not cross it: the rule, not the numbers, moved
                line += f"; not noise: its decision did not cross the rule's boundary ({r.note})"
            out.append(line)
        elif r.status == "UNGATED":
            out.append(f"{r.metric}: {r.note}")
    return out


def regime_line(o: Outcome) -> str:
    return f"regime: {o.regime.reason}" if o.regime else ""


def text(o: Outcome) -> str:
    return "\n".join(x for x in [regime_line(o), table(o.rows), *_verdict_lines(o.rows), *o.notes, o.summary] if x)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(o: Outcome) -> str:
    """A summary line, the failing metrics first, then every metric in a collapsed table."""
    head = "| " + " | ".join(_md(c) for c in COLUMNS + ("statistic",)) + " |\n|" + "---|" * (len(COLUMNS) + 1) + "\n"

    def line(r: Row) -> str:
        cells = [*_cells(r), r.statistic or ""]
        cells[0], cells[-2] = f"`{cells[0]}`", f"**{cells[-2]}**" if r.status != "ok" else cells[-2]
        return "| " + " | ".join(_md(c) for c in cells) + " |"

    bad = [r for r in o.rows if r.status not in PASSING]
    shaky = [r for r in o.rows if r.status in ("FRAGILE", "UNGATED")]
    mark = "✅" if o.code == 0 else "❌"
    out = [f"### {mark} Drift gate, profile `{o.profile}`: {o.summary.split(':')[0]}", "",
           f"{_md(o.summary)} (expected file `{o.expected_path}`, results `{o.results_dir}`).", ""]
    out += [f"_{_md(regime_line(o))}_", ""] if o.regime else []
    out += [f"- {_md(n)}" for n in o.notes] + ([""] if o.notes else [])
    if bad:
        out += ["**Failing:**", "", head + "\n".join(line(r) for r in bad), ""]
    if bad or shaky:
        out += [f"- {_md(v)}" for v in _verdict_lines(o.rows)] + [""]
    out += [f"<details><summary>All {len(o.rows)} metrics</summary>", "",
            head + "\n".join(line(r) for r in o.rows), "", "</details>"]
    return "\n".join(out) + "\n"


def to_json(o: Outcome) -> str:
    rows = [{"metric": r.metric, "expected": r.expected, "obtained": r.obtained, "tolerance": r.tolerance,
             "diff": r.delta, "status": r.status, "statistic": r.statistic,
             "expected_statistic": r.expected_statistic, "note": r.note} for r in o.rows]
    regime = {"name": o.regime.name, "reason": o.regime.reason, "scale": o.regime.scale,
              "pair": list(o.regime.pair) or None, "measurement": o.regime.measurement or None} if o.regime else None
    return json.dumps({"profile": o.profile, "exit_code": o.code, "summary": o.summary, "notes": o.notes,
                       "regime": regime, "expected": str(o.expected_path), "results": str(o.results_dir),
                       "provenance": o.provenance, "metrics": rows}, indent=2)


def render(o: Outcome, kind: str = "text") -> str:
    return {"text": text, "markdown": markdown, "json": to_json}[kind](o)


def junit(o: Outcome) -> str:
    """JUnit XML: one <testcase> per gated metric (classname gate.<profile>.metrics) and per verdict
    (gate.<profile>.verdicts); <failure> on drift, missing or unexpected; numbers in <properties>."""
    bad = sum(r.status not in PASSING for r in o.rows)
    skipped = sum(r.status == "UNGATED" for r in o.rows)
    suites = ET.Element("testsuites", name="harness gate", tests=str(len(o.rows)), failures=str(bad))
    suite = ET.SubElement(suites, "testsuite", name=f"gate.{o.profile}", tests=str(len(o.rows)),
                          failures=str(bad), errors="0", skipped=str(skipped))
    if o.regime:
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="regime", value=o.regime.reason)
    for r in o.rows:
        group = "verdicts" if is_verdict(r.metric) else "metrics"
        case = ET.SubElement(suite, "testcase", classname=f"gate.{o.profile}.{group}", name=r.metric)
        props = ET.SubElement(case, "properties")
        statistic = r.statistic if is_verdict(r.metric) else f"|diff| {fmt(r.delta)}"
        for name, value in (("value", r.obtained), ("expected", r.expected), ("tolerance", r.tolerance),
                            ("statistic", statistic), ("expected_statistic", r.expected_statistic),
                            ("fragile", r.note)):
            if value is not None:
                ET.SubElement(props, "property", name=name, value=str(value))
        if r.status == "UNGATED":
            ET.SubElement(case, "skipped", message=r.note)
        elif r.status not in PASSING:
            message = " ".join(f"{k}={v}" for k, v in zip(COLUMNS[1:], _cells(r)[1:]))
            failure = ET.SubElement(case, "failure", message=f"{r.metric}: {message}", type=r.status)
            failure.text = "\n".join(_verdict_lines([r])) or message
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def check(results_dir, expected_path) -> tuple[int, str]:
    """Gate ``results_dir`` against an expected file: (exit code, the diff table and verdict)."""
    outcome = evaluate(results_dir, expected_path)
    return outcome.code, text(outcome)
