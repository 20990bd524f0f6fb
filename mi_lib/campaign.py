"""The ``long`` tier's campaign: its runs one after another (two training jobs at once on 2 cores ran ~10x slower),
each resumable from its checkpoint, so a job killed with its session continues where it stopped.

``python -m mi_lib.campaign fmnist`` (or ``cifar10-jpeg``) runs the dataset's pilot map (:data:`mi_lib.tiers.LONG_PILOTS`), skipping
what is finished: first the robust models of a point whose natural model already meets the natural targets, then the
natural models of every point, then the other robust models (:func:`prioritise`); ``--methods`` and ``--seeds`` widen it once a point is chosen.
Each finished run writes ``results/long/<run_id>/``; the unfinished one keeps its checkpoint in
``results/long/checkpoints/``. Commit both as they land.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from . import report
from .config import ConfigError
from .experiments import cached_pilot, run_grid
from .runs import checkpoint_path, load_run
from .runs_io import load_checkpoint
from .tiers import LONG_PILOTS, TARGETS_BY_DATASET, describe_point, meets, preset


def plan(dataset: str, *, methods: tuple[str, ...] = ("natural", "pgd"), seeds: int = 1) -> list[tuple[dict, str, int]]:
    """The campaign's runs in order: (point, method, seed) for every pilot point of the long tier, the cheap natural
    models of every point first (they show which points can be in the regime), then the robust ones."""
    points = LONG_PILOTS[dataset]
    return [(point, method, seed) for method in methods for seed in range(seeds) for point in points]


def natural_meets_targets(summary: dict, dataset: str = "fmnist") -> bool:
    """Whether a finished natural model meets the natural targets of ``dataset``'s pilot
    (:data:`mi_lib.tiers.TARGETS_BY_DATASET`: test accuracy, and train accuracy or best advantage), so its point
    deserves its robust models before other points' natural ones."""
    values = {
        "natural test accuracy": summary["test_acc"],
        "natural train accuracy": summary.get("train_acc"),
        "natural best advantage": max(summary["ib"]["advantage"], summary["ia"]["advantage"]),
    }
    targets = TARGETS_BY_DATASET[dataset]
    return all(meets(targets[name], values[name]) for name in targets if name.startswith("natural "))


def prioritise(
    runs: list[tuple[dict, str, int]], finished_naturals: dict[str, dict], dataset: str = "fmnist"
) -> list[tuple[dict, str, int]]:
    """``runs`` reordered: first the robust models of points whose natural model meets the natural targets (they can
    give the first in-regime ratio), then every natural model, then the other robust models. ``finished_naturals``:
    {point key: natural summary}. Stable within each group."""

    def rank(entry: tuple[dict, str, int]) -> int:
        point, method, _ = entry
        if method == "natural":
            return 1
        natural = finished_naturals.get(_key(point))
        return 0 if natural is not None and natural_meets_targets(natural, dataset) else 2

    return sorted(runs, key=rank)


def _key(point: dict) -> str:
    return repr(sorted(point.items()))


def pilot_frame(dataset: str, *, seed: int = 0) -> pd.DataFrame:
    """The finished runs of ``dataset``'s long pilot (:data:`mi_lib.tiers.LONG_PILOTS`) as :func:`mi_lib.report.runs_frame`
    rows, each with its ``point`` in words (:func:`mi_lib.tiers.describe_point`); never trains."""
    frames = [
        report.runs_frame(found).assign(point=describe_point(point))
        for point in LONG_PILOTS[dataset]
        if (found := cached_pilot(dataset, "long", points=[point], seed=seed))
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def status_frame(dataset: str, *, methods: tuple[str, ...] = ("natural", "pgd"), seed: int = 0) -> pd.DataFrame:
    """Where each model of ``dataset``'s long pilot stands: finished, in progress (the epoch its committed checkpoint
    reached) or to run; one row per point, one column per method."""
    rows = []
    for point in LONG_PILOTS[dataset]:
        row = {"point": describe_point(point)}
        for method in methods:
            config = preset(dataset, "long", method=method, seed=seed, **point)
            if load_run(config) is not None:
                row[method] = "finished"
            elif (saved := load_checkpoint(checkpoint_path(config))) is not None:
                row[method] = f"in progress: epoch {saved['state']['epoch']} of {config.epochs}"
            else:
                row[method] = "to run"
        rows.append(row)
    return pd.DataFrame(rows)


def progress_sentence(dataset: str) -> str:
    """One sentence on how far ``dataset``'s long pilot got: models finished and in progress, and the point that meets
    the most of its targets (:data:`mi_lib.tiers.TARGETS_BY_DATASET`) with how many it meets."""
    status = status_frame(dataset)
    cells = status.drop(columns="point").to_numpy().ravel()
    finished, running = int(sum(c == "finished" for c in cells)), int(sum(c.startswith("in progress") for c in cells))
    text = (
        f"The long tier's pilot map looks for this regime on 2 cores: {finished} of {cells.size} models finished, "
        f"{running} in progress."
    )
    frame = pilot_frame(dataset)
    if len(frame):
        targets = TARGETS_BY_DATASET[dataset]
        table = report.pilot_targets(frame, targets, by=("point",))
        judged = table[[c for c in table if c.endswith(("%", "×"))]]
        met = judged.apply(lambda row: sum(bool(v) for v in row if pd.notna(v)), axis=1)
        best = int(met.idxmax())
        text += f" Closest so far: {table.loc[best, 'point']}, which meets {met[best]} of {len(targets)} targets" + (
            " (its robust model is still to come)." if judged.loc[best].isna().any() else "."
        )
    return text


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
            for point in LONG_PILOTS[args.dataset]
        }
        runs = prioritise(runs, {k: r.summary for k, r in naturals.items() if r is not None}, args.dataset)
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
