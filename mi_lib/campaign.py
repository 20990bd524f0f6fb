"""The ``long`` tier's campaign: its runs one after another (two training jobs at once on 2 cores ran ~10x slower),
each resumable from its checkpoint, so a job killed with its session continues where it stopped.

``python -m mi_lib.campaign fmnist`` runs the pilot map of :data:`mi_lib.tiers.PILOT_POINTS` ``["long"]`` (natural,
then PGD, point by point), skipping what is finished; ``--methods`` and ``--seeds`` widen it once a point is chosen.
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
from .tiers import PILOT_POINTS, preset


def plan(dataset: str, *, methods: tuple[str, ...] = ("natural", "pgd"), seeds: int = 1) -> list[tuple[dict, str, int]]:
    """The campaign's runs in order: (point, method, seed) for every pilot point of the long tier, the cheap natural
    models of every point first (they show which points can be in the regime), then the robust ones."""
    return [(point, method, seed) for method in methods for seed in range(seeds) for point in PILOT_POINTS["long"]]


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
