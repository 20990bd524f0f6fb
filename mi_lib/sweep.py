"""``./run plan`` and ``./run sweep``: the runs a chapter needs, and the missing ones trained elsewhere.

``plan NAME [-p NAME VALUE ...] [--tier T]`` lists every run the chapter trains at a tier (from :mod:`mi_lib.plans`,
nothing executed): its config, run id, whether it is cached, and its cost (recorded, or estimated). ``plan --all``
sums it over the book.

``sweep NAME ... --executor local|slurm|ray`` submits one job per missing training (configs that train the same
weights, e.g. a natural model attacked at several ε, share a job): in this process (``local``), on a SLURM cluster
through submitit (``slurm``), or on a Ray cluster (``ray``). Each job trains, evaluates and writes its runs; their
files come back to this machine's results folder, checksummed and written atomically (so Ray needs no shared
filesystem). A failed job is reported with its log and error and submitted again by the next call; a rerun submits
only what is still missing, and an interrupted training resumes from its checkpoint where the worker kept it.
Then ``./run notebook NAME --tier T`` executes the chapter from the results.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from shutil import which
from typing import Any

import torch

from . import paper, plans
from .book import REPO_ROOT, TARGETS, Chapter, _parse_value, chapters, run_tier, tier_parameters
from .chapters import FULL_SIZES
from .config import TIER_NAMES, ConfigError, ExperimentConfig
from .experiments import run_configs
from .parameters import declared, validate
from .report import machine, trained_on
from .runs import (
    RETRAIN_LOCAL,
    checkpoint_path,
    load_run,
    load_summary,
    recorded_summaries,
    resolve_device,
    run_dir,
    save_summary,
)
from .runs_io import atomic_write, sha256_bytes, verified_read

EXECUTORS = ("local", "slurm", "ray")
RUN_FILES = ("trace.npz", "signals.npz", "result.json")  # result.json last: a run is complete once it exists
LOG_ROOT = REPO_ROOT / "_build" / "sweep"


class SweepError(ConfigError):
    """A sweep that cannot start: an unknown executor, a missing optional dependency, no SLURM here."""


# --------------------------------------------------------------------------- planning
def chapter_by_name(name: str) -> Chapter:
    by_name = {c.name: c for c in chapters()}
    if name not in by_name:
        raise ConfigError(f"chapter: unknown value {name!r}; accepted values: {', '.join(by_name)}")
    return by_name[name]


def chapter_plan(chapter: Chapter, *, tier: str, parameters: dict[str, Any] | None = None) -> plans.Plan:
    """The plan of ``chapter`` at ``tier`` with a rerun's ``parameters`` (validated as ``./run notebook`` does)."""
    parameters = dict(parameters or {})
    validate(chapter.path, parameters, chapter=chapter.name)
    if tier not in TIER_NAMES:
        raise ConfigError(f"tier: unknown value {tier!r}; accepted values: {', '.join(TIER_NAMES)}")
    full = {
        **declared(chapter.path),
        **tier_parameters(chapter, tier, parameters, book_copy=False),
        **parameters,
        "tier": tier,
    }
    return plans.for_chapter(chapter.source, full)


def _work(config: ExperimentConfig) -> float:
    """How much training ``config`` does, up to a constant: members (``n_members`` = 0: the whole training split) ×
    epochs × (1 + attack steps) × width², times a wide ResNet's blocks per group ((depth − 4) / 6: WRN-16-2 does
    twice WRN-10-2's work)."""
    steps = 0 if config.method == "natural" else max(config.train_steps, 1)
    blocks = (config.depth - 4) / 6 if config.model == "wrn" else 1
    members = config.n_members or FULL_SIZES[config.dataset][0]
    return members * config.epochs * (1 + steps) * config.width**2 * blocks


def _paper_hours(config: ExperimentConfig) -> float | None:
    """The authors' training time for this dataset and method (PINEAT Table 1, on their GPUs), where reported."""
    strategy = "natural" if config.method == "natural" else config.strategy or "original"
    for row in paper.tables()["pineat_table1"]["rows"]:
        base_matches = row["base"] == ("-" if config.method == "natural" else config.method)
        dataset = config.dataset.replace("-jpeg", "")
        if row["dataset"] == dataset and base_matches and row["method"] == strategy:
            return float(row["time_h"])
    return None


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    group: str
    config: ExperimentConfig
    cached: bool
    checkpoint: bool  # a partly trained checkpoint exists here: the run resumes from it
    cost: str  # recorded or estimated training time, with its source
    seconds: float | None  # the same, in seconds, when known
    elsewhere: bool = False  # a Yale run trained on another machine: its summary is here, its folder is not


Recorded = tuple[ExperimentConfig, float, str | None]  # a finished run's config, training seconds, report.machine


def _recorded_times(tier: str) -> list[Recorded]:
    found = []
    for summary in recorded_summaries(tier):
        if summary.get("train_time_s"):
            try:
                config = ExperimentConfig.from_dict(summary["config"])
                found.append((config, float(summary["train_time_s"]), machine(summary)))
            except (ConfigError, KeyError, TypeError, AttributeError):
                continue
    return found


def _cost(config: ExperimentConfig, cached, recorded: list[Recorded]) -> tuple[str, float | None]:
    if cached is not None and cached.summary.get("train_time_s"):
        seconds = float(cached.summary["train_time_s"])
        where = ", on a GPU" if trained_on(cached.summary) == "GPU" else ""
        return f"{_duration(seconds)} (recorded{where})", seconds
    gpu_here = resolve_device().type == "cuda"
    similar = [
        (other, seconds, kind)
        for other, seconds, kind in recorded
        if (other.dataset, other.method, other.strategy, other.model, other.precision)
        == (config.dataset, config.method, config.strategy, config.model, config.precision)
        and _work(other) > 0
        and (kind == "GPU") == gpu_here
    ]  # the same arithmetic (a bf16 run took ~1/4 of a float32 one where bf16 is native) on the same kind of device
    here = torch.backends.cpu.get_cpu_capability()
    if any(kind == here for _, _, kind in similar):  # this machine's kind, where timed (AVX2 vs AVX512: 2.6x)
        similar = [entry for entry in similar if entry[2] == here]
    alike = [seconds * _work(config) / _work(other) for other, seconds, _ in similar]
    if alike:
        seconds = statistics.median(alike)
        return f"≈ {_duration(seconds)} (scaled from {len(alike)} run{'s' * (len(alike) > 1)} here)", seconds
    hours = _paper_hours(config) if config.tier == "paper" else None
    if hours is not None:
        return f"≈ {hours:g} GPU-h (the authors' time, PINEAT Table 1)", hours * 3600
    return "unknown (no run of this kind timed yet)", None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def describe(plan: plans.Plan, *, tier: str) -> list[PlannedRun]:
    """Every distinct run of ``plan``: cached or not, and its cost."""
    recorded = _recorded_times(tier)
    rows, seen = [], set()
    for key, group in plan.items():
        for config in group:
            if config.run_id() in seen:
                continue
            seen.add(config.run_id())
            cached = load_run(config)
            elsewhere = load_summary(config) if cached is None else None  # its training time is on record too
            cost, seconds = _cost(config, cached or elsewhere, recorded)
            rows.append(
                PlannedRun(
                    group=plans.group_label(key),
                    config=config,
                    cached=cached is not None,
                    checkpoint=cached is None and checkpoint_path(config).exists(),
                    cost=cost,
                    seconds=seconds,
                    elsewhere=elsewhere is not None,
                )
            )
    return rows


_SHOWN_FIELDS = ("eps", "n_members", "epochs", "width", "strategy", "adv_fraction", "shadow", "removal_round")


def format_plan(rows: list[PlannedRun], *, title: str) -> str:
    lines = [title]
    if not rows:
        return title + "\n  trains nothing (it reads other chapters' results)"
    for row in rows:
        c = row.config
        settings = ", ".join(
            f"{f}={getattr(c, f)}" for f in _SHOWN_FIELDS if getattr(c, f) not in (None, 0, "original", 1.0)
        )
        status = "cached" if row.cached else "missing" + _why_missing(row)
        lines.append(f"  {c.run_id():<34} seed {c.seed}  {status:<33} {row.cost:<40} [{row.group}] {settings}")
    missing = [r for r in rows if not r.cached]
    known = [r.seconds for r in missing if r.seconds is not None]
    lines.append(
        f"  {len(rows)} runs: {len(rows) - len(missing)} cached, {len(missing)} missing"
        + (f"; missing training ≈ {_duration(sum(known))}" if known else "")
        + (f" ({len(missing) - len(known)} of unknown cost)" if len(known) < len(missing) else "")
        + _elsewhere_note(rows)
    )
    return "\n".join(lines)


def _why_missing(row: PlannedRun) -> str:
    if row.elsewhere:
        return " (trained elsewhere)"
    return " (resumes from checkpoint)" if row.checkpoint else ""


def _elsewhere_note(rows: list[PlannedRun]) -> str:
    """Runs whose committed summary the summary pages read, and whose folders are on the machine that trained them:
    training them here is refused unless asked (:func:`mi_lib.runs.run_experiment`)."""
    n = sum(r.elsewhere for r in rows)
    if not n:
        return ""
    return f"; {n} trained elsewhere: {_ELSEWHERE_HINT}"


_ELSEWHERE_HINT = f"copy their folders here, or set {RETRAIN_LOCAL}=1 to train them again"


# --------------------------------------------------------------------------- jobs
@dataclasses.dataclass(frozen=True)
class Job:
    """Configs that train the same weights (one ``train_id``): one training, then each config's evaluation."""

    configs: tuple[ExperimentConfig, ...]

    @property
    def name(self) -> str:
        first = self.configs[0]
        return f"{first.dataset}-{first.method}-{first.train_id()}"


def jobs_for(configs: Iterable[ExperimentConfig]) -> list[Job]:
    grouped: dict[tuple[str, str], list[ExperimentConfig]] = {}
    for config in configs:
        grouped.setdefault((config.dataset, config.train_id()), []).append(config)
    return [Job(tuple(group)) for group in grouped.values()]


def run_job(config_dicts: list[dict[str, Any]], device: str | None = None, threads: int | None = None) -> list[dict]:
    """A job's body, on the worker: train and evaluate each config (cached ones are read back), then return each
    run's files with their checksums so the driver can write them where it keeps results."""
    if threads:
        torch.set_num_threads(threads)
    configs = [ExperimentConfig.from_dict(d) for d in config_dicts]
    payloads = []
    for config, result in zip(configs, run_configs(configs, progress=False, device=device, train_long=True)):
        files = {}
        for name in RUN_FILES:
            data = verified_read(result.directory / name)
            if data is not None:
                files[name] = (data, sha256_bytes(data))
        payloads.append({"config": config.to_dict(), "files": files})
    return payloads


def receive(payloads: list[dict]) -> list[str]:
    """Write the runs a job sent back into this machine's results folder (unless already intact here); every file
    is checked against the worker's checksum first. Returns the run ids."""
    done = []
    for payload in payloads:
        config = ExperimentConfig.from_dict(payload["config"])
        if load_run(config) is None:
            files = payload["files"]
            if "result.json" not in files or "signals.npz" not in files:
                raise SweepError(f"{config.run_id()}: the job sent back no result.json or signals.npz")
            for name in RUN_FILES:
                if name in files:
                    data, checksum = files[name]
                    if sha256_bytes(data) != checksum:
                        raise SweepError(f"{config.run_id()}/{name}: checksum mismatch after transfer; rerun the sweep")
            directory = run_dir(config)
            directory.mkdir(parents=True, exist_ok=True)
            for name in RUN_FILES:
                if name in files:
                    atomic_write(directory / name, files[name][0])
            run = load_run(config)
            if run is None:
                raise SweepError(f"{config.run_id()}: the files sent back do not make a readable run")
            save_summary(run)  # a Yale run's folder stays here; its summary is what gets committed
        done.append(config.run_id())
    return done


@dataclasses.dataclass
class Outcome:
    job: Job
    run_ids: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None
    log: str | None = None
    seconds: float = 0.0


@dataclasses.dataclass(frozen=True)
class Options:
    executor: str = "local"
    device: str | None = None
    threads: int | None = None  # torch threads per job (default: torch's own)
    log_dir: Path = LOG_ROOT
    # slurm (submitit)
    submitit_cluster: str = "slurm"  # "local": submitit's LocalExecutor, jobs as local processes (the tests use it)
    partition: str | None = None
    gpus: int = 0
    cpus: int | None = None
    mem_gb: float | None = None
    time_min: int = 24 * 60
    array_parallelism: int = 64
    # ray
    address: str | None = None


def _one_line(error: BaseException | str) -> str:
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__


def _run_local(jobs: list[Job], options: Options, report: Callable[[Outcome], None]) -> None:
    options.log_dir.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        start, log = time.time(), options.log_dir / f"{job.name}.log"
        try:
            payloads = run_job([c.to_dict() for c in job.configs], options.device, options.threads)
            report(Outcome(job, receive(payloads), seconds=time.time() - start))
        except Exception as err:  # noqa: BLE001  (a failed job is reported, the others go on)
            log.write_text(traceback.format_exc())
            report(
                Outcome(job, error=f"{type(err).__name__}: {_one_line(err)}", log=str(log), seconds=time.time() - start)
            )


def _run_slurm(jobs: list[Job], options: Options, report: Callable[[Outcome], None]) -> None:
    import submitit

    folder = options.log_dir / "submitit" / "%j"
    executor = submitit.AutoExecutor(folder=folder, cluster=options.submitit_cluster)
    settings: dict[str, Any] = dict(timeout_min=options.time_min, slurm_array_parallelism=options.array_parallelism)
    if options.gpus:
        settings["gpus_per_node"] = options.gpus
    if options.cpus:
        settings["cpus_per_task"] = options.cpus
    if options.mem_gb:
        settings["mem_gb"] = options.mem_gb
    if options.partition:
        settings["slurm_partition"] = options.partition
    executor.update_parameters(**settings)
    start = time.time()
    with executor.batch():
        submitted = [
            (job, executor.submit(run_job, [c.to_dict() for c in job.configs], options.device, options.threads))
            for job in jobs
        ]
    by_future = {id(f): job for job, f in submitted}
    for future in submitit.helpers.as_completed([f for _, f in submitted]):
        job = by_future[id(future)]
        try:
            report(Outcome(job, receive(future.result()), seconds=time.time() - start))
        except Exception as err:  # noqa: BLE001
            report(
                Outcome(
                    job,
                    error=f"{type(err).__name__}: {_one_line(err)}",
                    log=str(future.paths.stderr),
                    seconds=time.time() - start,
                )
            )


def _has_slurm() -> bool:
    return which("sbatch") is not None


def _run_ray(jobs: list[Job], options: Options, report: Callable[[Outcome], None]) -> None:
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        if options.address:
            ray.init(address=options.address, log_to_driver=False)
        else:  # a local Ray; on a loaded machine its processes need longer than Ray's default to register
            os.environ.setdefault("RAY_raylet_start_wait_time_s", "300")
            os.environ.setdefault("RAY_agent_register_timeout_ms", "300000")
            ray.init(include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=options.cpus or 1, num_gpus=options.gpus, max_retries=0)(run_job)
        start = time.time()
        refs = {remote.remote([c.to_dict() for c in job.configs], options.device, options.threads): job for job in jobs}
        waiting = list(refs)
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=1)
            job = refs[ready[0]]
            try:
                report(Outcome(job, receive(ray.get(ready[0])), seconds=time.time() - start))
            except Exception as err:  # noqa: BLE001
                log = "the Ray worker logs (`ray logs`; locally under /tmp/ray/session_latest/logs)"
                report(
                    Outcome(job, error=f"{type(err).__name__}: {_one_line(err)}", log=log, seconds=time.time() - start)
                )
    finally:
        if started_here:
            ray.shutdown()


RUNNERS = {"local": _run_local, "slurm": _run_slurm, "ray": _run_ray}


def check_executor(options: Options) -> None:
    """Refuse, before anything runs, an executor that is unknown or cannot run here."""
    if options.executor not in RUNNERS:
        raise SweepError(f"executor: unknown value {options.executor!r}; accepted values: {', '.join(EXECUTORS)}")
    module = {"slurm": "submitit", "ray": "ray"}.get(options.executor)
    if module and importlib.util.find_spec(module) is None:
        raise SweepError(f"executor: {options.executor} needs {module}: pip install -e '.[cluster]'")
    if options.executor == "slurm" and options.submitit_cluster == "slurm" and not _has_slurm():
        raise SweepError("executor: slurm, but this machine has no SLURM (sbatch not found); accepted here: local, ray")


def sweep(plan: plans.Plan, options: Options, *, echo: Callable[[str], None] = print) -> list[Outcome]:
    """Submit one job per missing training of ``plan`` with ``options.executor``; report each as it ends."""
    check_executor(options)
    missing = [c for c in plans.configs(plan) if load_run(c) is None]
    jobs = jobs_for(missing)
    if not jobs:
        echo("nothing to run: every run of the plan is cached")
        return []
    echo(
        f"submitting {len(jobs)} job{'s' * (len(jobs) > 1)} ({len(missing)} runs) with the {options.executor} executor"
    )
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        head = f"[{len(outcomes)}/{len(jobs)}] {outcome.job.name}"
        if outcome.error:
            echo(f"{head} FAILED after {_duration(outcome.seconds)}: {outcome.error}\n    log: {outcome.log}")
        else:
            echo(f"{head} done ({', '.join(outcome.run_ids)}) at {_duration(outcome.seconds)}")

    RUNNERS[options.executor](jobs, options, report)
    failed = [o for o in outcomes if o.error]
    echo(
        f"{len(outcomes) - len(failed)} of {len(jobs)} jobs done"
        + (f"; {len(failed)} failed: rerun the same command to resubmit them" if failed else "")
    )
    return outcomes


# --------------------------------------------------------------------------- command line
def _parameters(pairs: list[list[str]]) -> dict[str, Any]:
    return {name: _parse_value(value) for name, value in pairs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("plan", "list the runs a chapter needs"), ("sweep", "train a chapter's missing runs")):
        p = sub.add_parser(name, help=text)
        p.add_argument("name", nargs="?", help="a chapter name (see mi_lib.book.CHAPTERS)")
        p.add_argument(
            "--tier",
            choices=TIER_NAMES,
            help="default: the tier the book shows the chapter at (cpu; long for a long-tier page); plan --all: cpu",
        )
        p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
        if name == "plan":
            p.add_argument("--all", action="store_true", help="every chapter of the book, with the total")
        else:
            p.add_argument("--executor", default="local", help=f"one of {', '.join(EXECUTORS)}")
            p.add_argument("--device", help="cpu or cuda (default: $MI_DEVICE, else cuda when --gpus > 0, else cpu)")
            p.add_argument("--threads", type=int, help="torch threads per job (default: torch's)")
            p.add_argument("--log-dir", type=Path, default=LOG_ROOT, help="job logs (submitit's folder for slurm)")
            p.add_argument("--partition", help="slurm: the partition")
            p.add_argument("--gpus", type=int, default=0, help="GPUs per job (slurm, ray)")
            p.add_argument("--cpus", type=int, help="CPUs per job (slurm; ray, default 1)")
            p.add_argument("--mem-gb", type=float, help="slurm: memory per job")
            p.add_argument("--time", type=int, default=24 * 60, help="slurm: time limit per job, minutes")
            p.add_argument("--array-parallelism", type=int, default=64, help="slurm: jobs running at once")
            p.add_argument("--submitit-cluster", default="slurm", choices=("slurm", "local"), help=argparse.SUPPRESS)
            p.add_argument("--address", help="ray: the cluster's address (default: start Ray on this machine)")
    args = parser.parse_args(argv)
    try:
        if args.command == "plan" and args.all:
            return _plan_all(args.tier or "cpu", _parameters(args.parameter))
        if not args.name:
            raise ConfigError("name: a chapter name is needed (or plan --all); see mi_lib.book.CHAPTERS")
        chapter = chapter_by_name(args.name)
        tier = args.tier or chapter.book_tier
        plan = chapter_plan(chapter, tier=tier, parameters=_parameters(args.parameter))
        if args.command == "plan":
            print(format_plan(describe(plan, tier=tier), title=f"{chapter.name} at the {tier} tier"))
            if chapter.source in plans.OTHER_WORK:
                print(f"  when executed, the chapter also {plans.OTHER_WORK[chapter.source]} (not a run: not swept)")
            return 0
        device = args.device or os.environ.get("MI_DEVICE") or ("cuda" if args.gpus else None)
        options = Options(
            executor=args.executor,
            device=device,
            threads=args.threads,
            log_dir=args.log_dir / f"{chapter.name}-{tier}",
            submitit_cluster=args.submitit_cluster,
            partition=args.partition,
            gpus=args.gpus,
            cpus=args.cpus,
            mem_gb=args.mem_gb,
            time_min=args.time,
            array_parallelism=args.array_parallelism,
            address=args.address,
        )
        outcomes = sweep(plan, options)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if any(o.error for o in outcomes):
        return 1
    print(f"then: {notebook_command(chapter, tier, args.parameter)}")
    return 0


def notebook_command(chapter: Chapter, tier: str, parameters: list[tuple[str, str]]) -> str:
    """The ``./run notebook`` command that executes ``chapter`` from a sweep's runs: the book's own copy where the
    sweep ran the tier a copy shows (its default tier, or ``--tier smoke``), else a rerun into a notebook of yours."""
    command = f"./run notebook {chapter.name}"
    if not parameters and tier == chapter.book_tier:
        return command
    if not parameters and tier in TARGETS and run_tier(chapter, tier) == tier:
        return f"{command} --tier {tier}"
    return (
        f"{command} --tier {tier}" + "".join(f" -p {k} {v}" for k, v in parameters) + f" -o {chapter.name}-{tier}.ipynb"
    )


def _plan_all(tier: str, parameters: dict[str, Any]) -> int:
    if parameters:
        raise ConfigError("-p: plan --all takes no parameters (they differ between chapters)")
    everything: dict[str, PlannedRun] = {}
    shown = [(chapter, run_tier(chapter, tier)) for chapter in chapters() if chapter.in_book]
    for chapter, its_tier in shown:  # the book's long-tier pages at the long tier
        for row in describe(chapter_plan(chapter, tier=its_tier), tier=its_tier):
            everything.setdefault(row.config.run_id(), row)
    rows = list(everything.values())
    by_kind: dict[tuple[str, str, str], list[PlannedRun]] = {}
    for row in rows:
        its_tier = "" if row.config.tier == tier else f" ({row.config.tier})"
        by_kind.setdefault((row.config.dataset, row.config.method, its_tier), []).append(row)
    others = sorted({t for _, t in shown} - {tier})
    print(
        f"every chapter of the book at the {tier} tier"
        + "".join(f" (its {t}-tier pages at the {t} tier)" for t in others)
        + f": {len(rows)} distinct runs"
    )
    total, unknown = 0.0, 0
    width = max([8] + [len(method + its_tier) for _, method, its_tier in by_kind])
    for (dataset, method, its_tier), group in sorted(by_kind.items()):
        known = [r.seconds for r in group if r.seconds is not None]
        total += sum(known)
        unknown += len(group) - len(known)
        cached = sum(r.cached for r in group)
        elsewhere = sum(r.elsewhere for r in group)
        cost = f"≈ {_duration(sum(known))}" if known else "unknown"
        if known and len(known) < len(group):
            cost += f" for {len(known)} of them, the others unknown"
        state = f"{cached} cached" + (f", {elsewhere} trained elsewhere" if elsewhere else "")
        print(f"  {dataset:<13} {method + its_tier:<{width}} {len(group):>4} runs ({state})  training {cost}")
    print(f"  in all ≈ {_duration(total)} of training" + (f", plus {unknown} runs of unknown cost" if unknown else ""))
    if any(r.elsewhere for r in rows):
        print(f"  runs trained elsewhere: {_ELSEWHERE_HINT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
