"""Experiment grids that chapters run: several configs, each cached as its own run (:mod:`mi_lib.runs`)."""
from __future__ import annotations

from typing import Any, Iterable

from .data import load_dataset, membership_split
from .runs import RunResult, run_experiment
from .tiers import preset


def run_grid(dataset: str, tier: str, *, methods: Iterable[str], seeds: Iterable[int] = (0,), progress: bool = True,
             device: str | None = None, **overrides: Any) -> list[RunResult]:
    """Run every (method, seed) of ``dataset`` at ``tier`` with ``overrides`` (e.g. ``eps``, ``n_members``).

    Loads the dataset once; each run is cached, so rerunning the grid only computes what is missing.
    """
    data = None
    results = []
    for seed in seeds:
        for method in methods:
            config = preset(dataset, tier, method=method, seed=seed, **overrides)
            data = data or load_dataset(dataset)
            results.append(run_experiment(config, split=membership_split(config, data=data), device=device, progress=progress))
    return results


def member_sweep(dataset: str, tier: str, *, members: Iterable[int], methods: Iterable[str] = ("natural", "pgd"),
                 seed: int = 0, progress: bool = True, **overrides: Any) -> list[RunResult]:
    """The pilot sweep: the tier's preset with the member count varied (leakage vs training-set size)."""
    return [r for n in members for r in run_grid(dataset, tier, methods=methods, seeds=(seed,), n_members=n, progress=progress, **overrides)]
