"""What ``reproduce`` says while it runs, as a log file keeps it: plain lines on stdout (the plan,
then ``[k/N]`` per finished cell, cached ones marked), no tqdm bars where stderr is not a terminal."""

import dataclasses
import re

from harness.core.config import load_profile
from harness.runs import local
from tests import synthetic
from tests.faults import TINY_PROFILE


def test_a_log_gets_plain_lines_and_no_bars(tmp_path, monkeypatch, capsys):
    profile = dataclasses.replace(load_profile(TINY_PROFILE), seeds=(0,))
    specs = local.specs_of(profile)  # 2 frameworks x 2 inits x 1 seed
    cached = set(specs[:1])

    def result(spec):
        return synthetic.run(profile.name, spec.framework, spec.init, spec.seed, 1500, epochs=1)

    monkeypatch.setattr(local, "cached_result", lambda spec, *a, **k: result(spec) if spec in cached else None)
    monkeypatch.setattr(local, "get_or_run", lambda spec, *a, bar=None, **k: result(spec))
    local.run_all(profile, tmp_path / "data", None, tmp_path / "results", jobs=1)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines.pop(1) == (f"tiny: 1 of 4 cells from the run cache; training 3, 1 at a time: "
                            f"{', '.join(s.name for s in specs[1:])}"), lines  # after the cached cells' lines
    assert [re.match(r"\[(\d)/4\] (\S+): test 75\.00%", line).groups() for line in lines] == \
        [(str(i + 1), s.name) for i, s in enumerate(specs)], lines
    assert lines[0].endswith("(cached)") and lines[1].endswith(", 97 s"), lines
    assert "\r" not in captured.err and "it/s" not in captured.err, repr(captured.err[:300])  # no bar in a log
    assert len(list((tmp_path / "results" / "tiny").glob("*.json"))) == 4
