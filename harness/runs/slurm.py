"""``reproduce --executor slurm``: one submitit job per cell, the run cache on the shared filesystem.

``local`` (the default) is the process pool of ``harness.runs.local.compute``. ``slurm`` submits each
cell that the run cache lacks as one job of submitit's ``AutoExecutor`` (a Slurm job array):

- A cell already cached is never submitted. The submitting machine (a login node) may differ from
  the nodes that train (a GPU, another CPU class), so the cache key it computes is not theirs:
  :func:`find_entry` takes this machine's own entry first, else an entry of the cell whose key
  parts equal this call's in everything but the machine's numerics (``MACHINE``: the resolved
  precision, CPU class and GPU model) and whose device is the jobs' (``cuda`` with ``--slurm-gpus``).
- A job is ``harness.runs.cache.get_or_run`` in a fresh process: it writes its entry atomically, under
  the entry's file lock. A job that dies writes nothing; the next call finds no entry and no live
  job and submits the cell again. A resubmitted cell that another job is still training waits on
  that lock and trains nothing.
- Submitted jobs are recorded in ``<folder>/jobs.json`` (``{cache entry name: job id}``), so a later
  call (after ``--no-wait``) waits for the live ones instead of submitting them twice.

In tests, ``--slurm-cluster local`` runs the same jobs as submitit's local executor (processes on
this machine, the functions and arguments pickled as for Slurm).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.core import atomic, env
from harness.core.config import ConfigError
from harness.runs.cache import valid_entry, cache_root_of, get_or_run, locate, read_entry
from harness.runs.key import cache_key

MACHINE = ("precision", "cpu_class", "gpu")  # key parts a login node cannot know of a compute node
ACTIVE = ("PENDING", "RUNNING", "REQUEUED", "CONFIGURING", "COMPLETING", "RESIZING", "SUSPENDED")
CLUSTERS = ("slurm", "local")
OPTIONS = {  # --slurm-<option>: (SlurmSpec field, type, help)
    "partition": ("partition", str, "Slurm partition (default: the profile's [slurm], else the cluster's default)"),
    "gpus": ("gpus", int, "GPUs per job (default: the profile's [slurm] gpus, else 0)"),
    "time": ("time_min", int, "time limit per job in minutes (default: the profile's [slurm], else 60)"),
    "mem": ("mem_gb", float, "memory per job in GB (default: the profile's [slurm], else 8)"),
    "cpus": ("cpus", int, "CPUs per job (default: the profile's [slurm], else its threads)"),
}


def add_arguments(parser) -> None:
    group = parser.add_argument_group("--executor slurm (one submitit job per cell)")
    for name, (_, type_, help_) in OPTIONS.items():
        group.add_argument(f"--slurm-{name}", type=type_, help=help_)
    group.add_argument("--slurm-folder", help="submitit's job folder (logs, pickles; default: <cache>/submitit)")
    group.add_argument("--slurm-cluster", choices=CLUSTERS, default="slurm",
                       help="submitit cluster: slurm, or local to run the same jobs on this machine (tests)")
    group.add_argument("--no-wait", action="store_true",
                       help="return once the jobs are submitted (printing their ids); a later call collects")


def require_submitit():
    try:
        import submitit
    except ImportError:
        raise ValueError("--executor slurm needs submitit: pip install submitit==1.5.4 "
                         "(pinned in requirements/lock.txt)") from None
    return submitit


@dataclass(frozen=True)
class Options:
    spec: object  # harness.core.config.SlurmSpec: the job's resources
    folder: Path
    cluster: str = "slurm"
    wait: bool = True
    poll_s: float = 2.0


def options(args, profile, cache_root) -> Options:
    """The executor's options: ``--slurm-*`` over the profile's ``[slurm]`` table. Errors name the option."""
    given = {f: getattr(args, f"slurm_{o}") for o, (f, _, _) in OPTIONS.items() if getattr(args, f"slurm_{o}") is not None}
    if args.executor != "slurm":
        extra = [f"--slurm-{o}" for o in (*OPTIONS, "folder") if getattr(args, f"slurm_{o}") is not None]
        extra += ["--no-wait"] * args.no_wait + ["--slurm-cluster"] * (args.slurm_cluster != "slurm")
        if extra:
            raise ValueError(f"{', '.join(extra)}: only with --executor slurm")
        return None
    require_submitit()
    try:
        spec = dataclasses.replace(profile.slurm, **given)
    except ValueError as exc:  # SlurmSpec's own check, named as the option
        name = str(exc).split()[0].removeprefix("slurm.")
        flag = next(o for o, (f, _, _) in OPTIONS.items() if f == name)
        raise ValueError(f"--slurm-{flag}: {exc}") from None
    if args.slurm_cluster == "slurm" and shutil.which("sbatch") is None:
        raise ValueError("--executor slurm: no sbatch on PATH; submit from a Slurm login node "
                         "(--slurm-cluster local runs the same jobs on this machine)")
    folder = Path(args.slurm_folder) if args.slurm_folder else cache_root_of(cache_root) / "submitit"
    return Options(spec, folder.resolve(), args.slurm_cluster, not args.no_wait,  # local: /proc, a few files
                   0.5 if args.slurm_cluster == "local" else 30.0)


def job_cell(spec, profile, data_dir, checkpoint, cache_root):
    """One job: one cell through the run cache (what a worker of the local pool runs)."""
    env.setup()
    return get_or_run(spec, profile, data_dir, checkpoint, cache_root)


def find_entry(spec, parts: dict, root: Path, device: str):
    """A cached result of ``spec`` for jobs on ``device``: this machine's entry, else one whose
    key parts match ``parts`` but for ``MACHINE`` (the newest); None when the cache has none."""
    exact = root / f"{spec.name}-{cache_key(parts)[:16]}.json"
    if parts["device"] == device and (hit := valid_entry(exact)) is not None:
        return hit
    want = json.loads(json.dumps({k: v for k, v in parts.items() if k not in MACHINE and k != "device"}))  # as stored
    for path in sorted(root.glob(f"{spec.name}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            result = read_entry(path)
        except ConfigError:  # a damaged entry serves nothing (get_or_run reports it when it is used)
            continue
        got = result.provenance.get("key_parts") or {}
        if got.get("device") == device and {k: v for k, v in got.items() if k in want} == want:
            return result
    return None


@dataclass
class Outcome:
    results: dict = field(default_factory=dict)  # RunSpec -> RunResult: cached or collected
    cached: int = 0  # cells the cache held before any job ran
    submitted: list = field(default_factory=list)  # (RunSpec, job id) submitted by this call
    waiting: list = field(default_factory=list)  # (RunSpec, job id) still running when the call returned
    failed: list = field(default_factory=list)  # (RunSpec, job id, why): ended without a cache entry

    def describe(self) -> list[str]:
        lines = [f"slurm: {self.cached} cells cached, {len(self.submitted)} jobs submitted by this call"]
        if self.waiting:
            ids = ", ".join(f"{s.name}={j}" for s, j in self.waiting)
            lines.append(f"{len(self.waiting)} cells still running (jobs {ids}): run the same command again to collect")
        lines += [f"job {j} ({s.name}) ended without a cache entry ({why}): the next call resubmits it"
                  for s, j, why in self.failed]
        return lines


def submit(specs, profile, data_dir, checkpoint, cache_root, opts: Options, report=None) -> Outcome:
    """Every cell of ``specs``: cached ones read, the rest submitted (one job each), then waited for
    with a progress bar (``opts.wait``), ``report(spec, result)`` as each arrives."""
    from filelock import FileLock
    from tqdm import tqdm

    submitit = require_submitit()
    root = cache_root_of(cache_root).resolve()
    device = "cuda" if opts.spec.gpus else "cpu"
    parts = {s: locate(s, profile, data_dir, checkpoint, root) for s in specs}
    out, todo, watch = Outcome(), [], {}  # watch: spec -> (job id, job object or None)
    opts.folder.mkdir(parents=True, exist_ok=True)
    record = opts.folder / "jobs.json"
    with FileLock(str(record) + ".lock"):
        jobs = atomic.read_json(record) if record.exists() else {}
        for s in specs:
            if (hit := find_entry(s, parts[s][1], root, device)) is not None:
                out.results[s] = hit
            elif (job_id := jobs.get(parts[s][0].stem)) and _alive(submitit, opts, job_id):
                watch[s] = (job_id, None)
            else:
                todo.append(s)
        out.cached = len(out.results)
        if todo:
            executor = _executor(submitit, opts, profile)
            with executor.batch():
                made = [executor.submit(job_cell, s, profile, Path(data_dir).resolve(), checkpoint, root) for s in todo]
            for s, job in zip(todo, made):
                watch[s] = (job.job_id, job)
                jobs[parts[s][0].stem] = job.job_id
                out.submitted.append((s, job.job_id))
            atomic.write_json(record, jobs)
    if not opts.wait:
        out.waiting = [(s, j) for s, (j, _) in watch.items()]
        return out
    with tqdm(total=len(specs), initial=len(out.results), desc=f"{profile.name} cells ({opts.cluster})",
              unit="cell") as bar:
        while watch:
            for s, (job_id, job) in list(watch.items()):
                running = not job.done() if job is not None else _alive(submitit, opts, job_id)
                if (hit := find_entry(s, parts[s][1], root, device)) is not None:
                    out.results[s] = hit
                elif not running:
                    out.failed.append((s, job_id, _why(job)))
                else:
                    continue
                del watch[s]
                if s in out.results:
                    bar.update(1)
                    (report or (lambda *a: None))(s, hit)
            if watch:
                time.sleep(opts.poll_s)
    return out


def _executor(submitit, opts: Options, profile):
    executor = submitit.AutoExecutor(folder=opts.folder / "%j", cluster=opts.cluster)
    spec = opts.spec
    executor.update_parameters(
        name=f"{profile.name}-cell", timeout_min=spec.time_min, mem_gb=spec.mem_gb, gpus_per_node=spec.gpus,
        cpus_per_task=spec.cpus or max(1, profile.threads), **({"slurm_partition": spec.partition} if spec.partition else {}),
    )
    return executor


def _alive(submitit, opts: Options, job_id: str) -> bool:
    """Whether a job submitted by an earlier call still runs (or waits to). A job whose state cannot
    be read counts as gone: resubmitting it is safe (the entry's lock), waiting on it may never end."""
    if opts.cluster == "local":  # the job id is the controller's pid
        try:
            stat = Path(f"/proc/{int(job_id)}/stat").read_text()
            cmdline = Path(f"/proc/{int(job_id)}/cmdline").read_bytes()
        except (OSError, ValueError):
            return False
        return stat.rsplit(")", 1)[-1].split()[0] != "Z" and b"submitit" in cmdline
    state = submitit.SlurmJob(opts.folder / "%j", job_id).state
    return state.split()[0].upper() in ACTIVE


def _why(job) -> str:
    if job is None:
        return "it is no longer running"
    try:
        exc = job.exception()
    except Exception as err:  # noqa: BLE001 - submitit's own report of a job that died
        return str(err).strip().splitlines()[0][:300]
    if exc is None:
        return f"state {job.state}; log {job.paths.stderr}"
    return str(exc).strip().splitlines()[-1][:300] + f"; log {job.paths.stderr}"

