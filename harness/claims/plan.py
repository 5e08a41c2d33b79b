"""The command that would decide a verdict the seeds at hand cannot, and the commands that make
the runs a claim needs.

:func:`decide` is what the ledger prints under a NOT ESTABLISHED equivalence that lacks power (fewer
seeds than ±margin needs): the ``reproduce`` command with enough seeds, how many runs that is (and how
many are new: seeds already trained come from the run cache), and the time it should take, from
measured run times (``wall_time_s``) with the source named. :data:`REPORT_FILES` is what goes before a
command that must run on the report's own data and checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.core.config import load_profile
from harness.core.records import FRAMEWORKS
from harness.core.paths import PROFILES_DIR
from harness.runs.cache import cache_root_of, read_entry
from harness.runs.local import default_jobs
from harness.runs.seeds import extend_seeds, seeds_arg


REPORT_FILES = "LAB_DATA=<the report's data> LAB_CHECKPOINT=<its checkpoint> "


def on_report_files(profile: str, claims_name: str) -> str:
    """The commands that make fresh runs of ``profile`` on the report's own files and judge them."""
    return (f"`{REPORT_FILES}python -m harness reproduce --profile {profile} --out out-{profile}`, then "
            f"`python -m harness ledger --claims {claims_name} --results out-{profile}/results`")


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
    profile = None
    if (PROFILES_DIR / f"{profile_name}.toml").is_file():
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
