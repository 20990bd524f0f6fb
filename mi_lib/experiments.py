"""Experiment grids that chapters run: several configs, each cached as its own run (:mod:`mi_lib.runs`); and the runs
a natural-vs-robust page reads (:func:`page_runs`), for the pages that summarise it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .book import Chapter, page_methods, page_parameters, run_tier
from .config import ExperimentConfig
from .data import load_dataset, membership_split
from .methods import seeds_of
from .runs import RunResult, load_run, load_summary, recorded_summaries, run_experiment
from .tiers import PAGE_OVERRIDES, preset


def grid_configs(
    dataset: str, tier: str, *, methods: Iterable[str], seeds: Iterable[int] = (0,), **overrides: Any
) -> list[ExperimentConfig]:
    """The configs of every (seed, method) of ``dataset`` at ``tier`` with ``overrides``, seed by seed."""
    methods = tuple(methods)
    return [preset(dataset, tier, method=m, seed=s, **overrides) for s in seeds for m in methods]


def run_configs(
    configs: Iterable[ExperimentConfig], *, progress: bool = True, device: str | None = None, train_long: bool = False
) -> list[RunResult]:
    """Run every config in order, each cached, so rerunning computes only what is missing; a dataset is loaded
    (once) only if some run must be computed, so committed results re-execute a chapter without the data. A missing
    long-tier run is trained only with ``train_long`` (the campaign, a sweep; :func:`mi_lib.runs.run_experiment`)."""
    data: dict[str, Any] = {}
    results = []
    for config in configs:
        cached = load_run(config)
        if cached is None:
            if config.dataset not in data:
                data[config.dataset] = load_dataset(config.dataset)
            split = membership_split(config, data=data[config.dataset])
            cached = run_experiment(config, split=split, device=device, progress=progress, train_long=train_long)
        results.append(cached)
    return results


def run_grid(
    dataset: str,
    tier: str,
    *,
    methods: Iterable[str],
    seeds: Iterable[int] = (0,),
    progress: bool = True,
    device: str | None = None,
    **overrides: Any,
) -> list[RunResult]:
    """Run every (method, seed) of ``dataset`` at ``tier`` with ``overrides`` (e.g. ``eps``, ``n_members``), cached
    (:func:`run_configs`)."""
    configs = grid_configs(dataset, tier, methods=methods, seeds=seeds, **overrides)
    return run_configs(configs, progress=progress, device=device)


def member_sweep(
    dataset: str,
    tier: str,
    *,
    members: Iterable[int],
    methods: Iterable[str] = ("natural", "pgd"),
    seed: int = 0,
    progress: bool = True,
    **overrides: Any,
) -> list[RunResult]:
    """The tier's preset with the member count varied (leakage vs training-set size)."""
    return pilot_sweep(
        dataset,
        tier,
        points=[{"n_members": n} for n in members],
        methods=methods,
        seed=seed,
        progress=progress,
        **overrides,
    )


def pilot_sweep(
    dataset: str,
    tier: str,
    *,
    points: Iterable[dict[str, Any]],
    methods: Iterable[str] = ("natural", "pgd"),
    seed: int = 0,
    progress: bool = True,
    **overrides: Any,
) -> list[RunResult]:
    """The calibration pilot: one natural and one robust run per point, a point being overrides of the tier's
    preset (e.g. ``{"width": 0.0625, "epochs": 30, "n_members": 10000}``)."""
    return [
        r
        for point in points
        for r in run_grid(dataset, tier, methods=methods, seeds=(seed,), progress=progress, **{**overrides, **point})
    ]


def cached_runs(
    dataset: str,
    tier: str,
    *,
    methods: Iterable[str],
    max_seeds: int = 10,
    numbers_only: bool = False,
    **overrides: Any,
) -> list[RunResult]:
    """Every run of the tier's preset (with ``overrides``) already computed for ``methods``, seeds 0..max_seeds−1;
    never trains (the scoreboard reads what the chapters computed). With ``numbers_only`` (for pages that read only a
    run's numbers), a Yale run whose folder is not on this machine is its committed summary (:func:`load_summary`)."""
    load = load_summary if numbers_only else load_run
    found = []
    for method in methods:
        for seed in range(max_seeds):
            run = load(preset(dataset, tier, method=method, seed=seed, **overrides))
            if run is not None:
                found.append(run)
    return found


def cached_values(dataset: str, tier: str, *, method: str, field: str, seed: int = 0, **overrides: Any) -> list:
    """Every value of config ``field`` (e.g. ``"eps"``) for which a run of the tier's preset (with ``overrides``)
    differing only in that field has a result (a run folder, or a Yale run's committed summary): how a chapter picks
    up a value someone ran with papermill."""

    found = set()
    for summary in recorded_summaries(tier, f"{dataset}-{method}-"):
        config = ExperimentConfig.from_dict(summary["config"])
        if config.seed != seed:
            continue
        value = getattr(config, field)
        if preset(dataset, tier, method=method, seed=seed, **{**overrides, field: value}).run_id() == config.run_id():
            found.add(value)
    return sorted(found)


def page_runs(chapter: Chapter, tier: str) -> tuple[str, list]:
    """The dataset of a natural-vs-robust page and its cached runs at ``tier`` (of :func:`mi_lib.book.page_methods`; the book's
    copy of a long-tier page reads the long tier, :func:`mi_lib.book.run_tier`): the seeds the page itself uses at that
    tier, no more, so that runs of a rerun with more seeds never enter the book's summaries. Only their numbers are
    read: a Yale run not on this machine is its committed summary."""
    parameters = page_parameters(chapter, tier)
    runs = [
        run
        for m in page_methods(chapter, tier, parameters)
        for run in cached_runs(
            parameters["dataset"],
            run_tier(chapter, tier),
            methods=(m,),
            max_seeds=seeds_of(m, parameters["seeds"], parameters["other_seeds"]),
            numbers_only=True,
            **{key: parameters.get(key) for key in PAGE_OVERRIDES},
        )
    ]
    return parameters["dataset"], runs
