"""Seeds as a parameter, and the command that would decide a verdict the seeds at hand cannot.

- :func:`parse_seeds` reads ``reproduce --seeds``: a list ``0,1,5``, a range ``0-9`` (both ends
  included), or both mixed (``0-2,7``); :func:`seeds_arg` writes a seed set back in that form.
- :func:`decide` is what the ledger prints under a NOT ESTABLISHED verdict that lacks power (C4:
  fewer seeds than ±margin needs): the ``reproduce`` command with enough seeds, how many runs that
  is (and how many are new: seeds already trained come from the run cache), and the time it
  should take, from measured run times (``wall_time_s``) with the source named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"0-2,7"`` -> ``(0, 1, 2, 7)``: sorted, duplicates dropped. A ValueError names the bad part."""
    seeds: set[int] = set()
    parts = [p.strip() for p in str(text).split(",")]
    for part in parts:
        m = _PART.match(part)
        if not m:
            raise ValueError(f"--seeds: {part!r} in {text!r} is not a seed (0, 1, ...) or a range (0-9)")
        lo, hi = int(m.group(1)), int(m.group(2) if m.group(2) is not None else m.group(1))
        if hi < lo:
            raise ValueError(f"--seeds: range {part!r} runs backwards (write {hi}-{lo})")
        seeds.update(range(lo, hi + 1))
    return tuple(sorted(seeds))


def seeds_arg(seeds) -> str:
    """The shortest ``--seeds`` text for a set of seeds: ``(0, 1, 2, 3, 7)`` -> ``"0-3,7"``."""
    out, run = [], []
    for s in sorted(set(seeds)):
        if run and s != run[-1] + 1:
            out.append(_span(run))
            run = []
        run.append(s)
    if run:
        out.append(_span(run))
    return ",".join(out)


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" if len(run) > 2 else f"{run[0]},{run[1]}"


def extend_seeds(have, n: int) -> tuple[int, ...]:
    """``n`` seeds that keep the ones already run: ``have``, then the smallest unused seeds."""
    seeds, s = set(have), 0
    while len(seeds) < n:
        seeds.add(s)
        s += 1
    return tuple(sorted(seeds))


@dataclass(frozen=True)
class Decision:
    command: str  # the reproduce command with enough seeds
    seeds: tuple[int, ...]
    runs: int  # every cell for every seed
    new: int  # of those, runs not in the results (trained unless the run cache has them)
    per_run_s: float | None  # measured seconds per run, None when nothing was measured
    source: str  # where per_run_s comes from
    jobs: int  # cells at once (reproduce's default -j for the profile)

    @property
    def time_s(self) -> float | None:
        return None if self.per_run_s is None else self.new * self.per_run_s / self.jobs

    def describe(self) -> str:
        head = (f"to decide: `{self.command}` ({len(self.seeds)} seeds x {self.runs // len(self.seeds)} cells = "
                f"{self.runs} runs, {self.new} new")
        if self.time_s is None:
            return head + f"; time unknown here: {self.source})"
        return head + (f"; ~{_duration(self.time_s)} at {self.per_run_s:.0f} s per run, -j {self.jobs}: "
                       f"{self.source})")


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.0f} min" if s < 5400 else f"{s / 3600:.1f} h"


def decide(profile_name: str, n_seeds: int, runs=(), cells=None, prefix: str = "") -> Decision:
    """The command that runs ``n_seeds`` seeds of every cell of ``profile_name``, keeping the seeds
    in ``runs`` (``RunResult``s of that profile: they also give the per-run time, their mean
    ``wall_time_s``). ``cells``: the profile's (framework, init) cells; by default the profile's
    own when it is a built-in, else those in ``runs``. The time assumes the profile's default ``-j``.
    ``prefix``: what goes before the command (the report's scale needs ``$LAB_DATA``, ``$LAB_CHECKPOINT``)."""
    from harness import PROFILES_DIR

    profile = None
    if (PROFILES_DIR / f"{profile_name}.toml").is_file():
        from harness.config import load_profile
        from harness.reproduce import FRAMEWORKS, default_jobs

        profile = load_profile(profile_name)
        cells = cells or [(fw, i) for fw in FRAMEWORKS for i in profile.inits_for(fw)]
    runs = [r for r in runs if r.spec.profile == profile_name]
    cells = sorted(set(cells or {(r.spec.framework, r.spec.init) for r in runs}))
    have = {(r.spec.framework, r.spec.init, r.spec.seed) for r in runs}
    seeds = extend_seeds({r.spec.seed for r in runs}, n_seeds)
    total = len(seeds) * len(cells)
    new = sum((fw, i, s) not in have for fw, i in cells for s in seeds)
    per_run, source = _per_run_s(profile_name, runs)
    name = profile_name if profile is not None else f"<{profile_name} profile TOML>"
    command = f"{prefix}python -m harness reproduce --profile {name} --seeds {seeds_arg(seeds)}"
    return Decision(command, seeds, total, new, per_run, source, default_jobs(profile) if profile else 1)


def _per_run_s(profile_name: str, runs) -> tuple[float | None, str]:
    """Seconds per run, measured: the runs' mean ``wall_time_s``, else that of the profile's entries
    in this machine's run cache; (None, why) when neither has one."""
    times = [r.wall_time_s for r in runs if r.wall_time_s > 0]
    if times:
        return sum(times) / len(times), f"the mean wall_time_s of the {len(times)} {profile_name} runs in the results"
    from harness.runs import cache_root_of, read_entry

    for path in sorted(cache_root_of().glob(f"{profile_name}-*.json")):
        try:
            times.append(read_entry(path).wall_time_s)
        except ValueError:  # a corrupt entry times nothing (get_or_run reports it when it is used)
            continue
    times = [t for t in times if t > 0]
    if times:
        return (sum(times) / len(times),
                f"the mean wall_time_s of the {len(times)} {profile_name} runs in this machine's run cache")
    return None, f"no {profile_name} run in the results or in this machine's run cache to time"
