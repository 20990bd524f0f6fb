"""The ``long`` tier's campaign: its runs one after another (two training jobs at once on 2 cores ran ~10x slower),
each resumable from its checkpoint, so a job killed with its session continues where it stopped.

``python -m mi_lib.campaign fmnist`` runs the pilot map of :data:`mi_lib.tiers.PILOT_POINTS` ``["long"]``, skipping
what is finished: first the robust models of a point whose natural model already meets the natural targets, then the
natural models of every point, then the other robust models (:func:`prioritise`); ``--methods`` and ``--seeds`` widen it once a point is chosen.
Each finished run writes ``results/long/<run_id>/``; the unfinished one keeps its checkpoint in
``results/long/checkpoints/``. Commit both as they land.
"""

from __future__ import annotations

import argparse
import sys
import time

from .config import ConfigError
from .experiments import run_grid
from .runs import load_run
from .tiers import LONG_TARGETS, PILOT_POINTS, preset


def plan(dataset: str, *, methods: tuple[str, ...] = ("natural", "pgd"), seeds: int = 1) -> list[tuple[dict, str, int]]:
    """The campaign's runs in order: (point, method, seed) for every pilot point of the long tier, the cheap natural
    models of every point first (they show which points can be in the regime), then the robust ones."""
    return [(point, method, seed) for method in methods for seed in range(seeds) for point in PILOT_POINTS["long"]]


def natural_meets_targets(summary: dict) -> bool:
    """Whether a finished natural model meets the long tier's natural targets (:data:`mi_lib.tiers.LONG_TARGETS`:
    test accuracy and best advantage), so its point deserves its robust models before other points' natural ones."""
    best = max(summary["ib"]["advantage"], summary["ia"]["advantage"])
    checks = (("natural test accuracy", summary["test_acc"]), ("natural best advantage", best))
    return all(
        value >= bound if op == ">=" else value <= bound
        for (op, bound), value in ((LONG_TARGETS[n], v) for n, v in checks)
    )


def prioritise(runs: list[tuple[dict, str, int]], finished_naturals: dict[str, dict]) -> list[tuple[dict, str, int]]:
    """``runs`` reordered: first the robust models of points whose natural model meets the natural targets (they can
    give the first in-regime ratio), then every natural model, then the other robust models. ``finished_naturals``:
    {point key: natural summary}. Stable within each group."""

    def rank(entry: tuple[dict, str, int]) -> int:
        point, method, _ = entry
        if method == "natural":
            return 1
        natural = finished_naturals.get(_key(point))
        return 0 if natural is not None and natural_meets_targets(natural) else 2

    return sorted(runs, key=rank)


def _key(point: dict) -> str:
    return repr(sorted(point.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mi_lib.campaign")
    parser.add_argument("dataset", choices=["fmnist", "cifar10-jpeg", "cifar10"])
    parser.add_argument(
        "--methods", default="natural,pgd", help="comma-separated methods per point (default natural,pgd)"
    )
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="list the runs and whether each is finished")
    args = parser.parse_args(argv)
    try:
        runs = plan(args.dataset, methods=tuple(args.methods.split(",")), seeds=args.seeds)
        naturals = {
            _key(point): load_run(preset(args.dataset, "long", method="natural", seed=0, **point))
            for point in PILOT_POINTS["long"]
        }
        runs = prioritise(runs, {k: r.summary for k, r in naturals.items() if r is not None})
        configs = [preset(args.dataset, "long", method=m, seed=s, **point) for point, m, s in runs]
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for (point, method, seed), config in zip(runs, configs):
        done = load_run(config) is not None
        print(f"{config.run_id()}  {method:8s} seed {seed}  {point}  {'finished' if done else 'to run'}", flush=True)
        if done or args.dry_run:
            continue
        start = time.time()
        result = run_grid(args.dataset, "long", methods=(method,), seeds=(seed,), progress=True, **point)[0]
        print(
            f"finished {config.run_id()} in {time.time() - start:.0f} s: train {result['train_acc']:.4f} test {result['test_acc']:.4f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
