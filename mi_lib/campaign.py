"""The ``long`` tier's campaign: its runs one after another (two training jobs at once on 2 cores ran ~10x slower),
each resumable from its checkpoint, so a job killed with its session continues where it stopped.

``python -m mi_lib.campaign fmnist`` (or ``cifar10-jpeg``) runs the dataset's pilot map (:data:`mi_lib.tiers.LONG_PILOTS`),
skipping what is finished: first the robust models of a point whose natural model already meets the natural targets,
then the natural models of every point, then the other robust models (:func:`prioritise`, recomputed after each
finished run). ``--methods`` and ``--seeds`` widen it once a point is chosen, ``--point`` narrows it to that point.
The tier trains in bfloat16, and the campaign refuses to train it where bf16 is emulated; ``--precision fp32``
continues the float32 map its first points ran in.
Each finished run writes ``results/long/<run_id>/``; the unfinished one keeps its checkpoint in
``results/long/checkpoints/``. Commit both as they land.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import paper, report
from .book import page_methods, page_parameters
from .config import PRECISION_NAMES, PRECISIONS, ConfigError, ExperimentConfig
from .data import DISPLAY_NAMES, N_CLASSES
from .experiments import page_runs, run_configs
from .objectives import bf16_native
from .runs import REPO_ROOT, checkpoint_path, load_run, load_summary, resolve_device
from .runs_io import load_checkpoint
from .tiers import LONG_PILOTS, PAGE_OVERRIDES, TARGETS_BY_DATASET, describe_point, meets, natural_target_values, preset


def plan(
    dataset: str, *, methods: tuple[str, ...] = ("natural", "pgd"), seeds: int = 1, point: str | None = None
) -> list[tuple[dict, str, int]]:
    """The campaign's runs in order: (point, method, seed) for every pilot point of the long tier, the cheap natural
    models of every point first (they show which points can be in the regime), then the robust ones. ``point``
    ("n_members=20000,width=0.25,epochs=40", see :func:`select_points`) keeps the matching points only, so that
    ``seeds`` widens the chosen point and not the whole map."""
    points = select_points(dataset, point)
    return [(p, method, seed) for method in methods for seed in range(seeds) for p in points]


def select_points(dataset: str, point: str | None) -> list[dict]:
    """The pilot points of ``dataset`` that match ``point``, comma-separated key=value pairs (every key given must
    match; the others are free); None: every point. A ConfigError names the field and the accepted values when
    nothing matches or a pair does not parse."""
    points = LONG_PILOTS[dataset]
    if point is None:
        return list(points)
    accepted = "; ".join(point_text(p) for p in points)
    wanted = {}
    for pair in point.split(","):
        key, sep, value = pair.partition("=")
        if not sep or key.strip() not in {k for p in points for k in p}:
            raise ConfigError(f"point: cannot read {pair!r}; accepted points: {accepted}")
        wanted[key.strip()] = value.strip()
    chosen = [p for p in points if all(k in p and _same(p[k], v) for k, v in wanted.items())]
    if not chosen:
        raise ConfigError(f"point: no pilot point matches {point!r}; accepted points: {accepted}")
    return chosen


def point_text(point: dict) -> str:
    """A pilot point as :func:`select_points` reads it: "n_members=10000,width=0.25,epochs=80"."""
    return ",".join(f"{key}={value}" for key, value in point.items())


def _same(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    try:
        return float(text) == float(value)
    except ValueError:
        return False


def natural_meets_targets(summary: dict, dataset: str = "fmnist") -> bool:
    """Whether a finished natural model meets the natural targets of ``dataset``'s pilot
    (:data:`mi_lib.tiers.TARGETS_BY_DATASET`: test accuracy, and train accuracy or best advantage), so its point
    deserves its robust models before other points' natural ones."""
    values = natural_target_values(
        summary["train_acc"], summary["test_acc"], max(summary["ib"]["advantage"], summary["ia"]["advantage"])
    )
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


def long_config(
    dataset: str, point: dict, method: str, seed: int = 0, precision: str | None = None
) -> ExperimentConfig:
    """The long-tier config of one model of the pilot map; ``precision`` None: the tier's (bf16), "fp32": the float32
    map that the first points ran in (on a CPU without bf16 arithmetic)."""
    return preset(dataset, "long", method=method, seed=seed, **point, **({"precision": precision} if precision else {}))


def _pilot_models(
    dataset: str, methods: tuple[str, ...], seed: int, precision: str | None = None
) -> list[tuple[dict, dict[str, Any]]]:
    """Each point of ``dataset``'s long pilot with, per method, its config and finished run (None if not finished):
    loaded once for every table and sentence below."""
    models = []
    for point in LONG_PILOTS[dataset]:
        configs = {m: long_config(dataset, point, m, seed, precision) for m in methods}
        models.append((point, {m: (config, load_run(config)) for m, config in configs.items()}))
    return models


def _frame(models: list[tuple[dict, dict[str, Any]]]) -> pd.DataFrame:
    frames = [
        report.runs_frame(found).assign(
            point=describe_point(point), trained_on=[report.trained_on(r.summary) for r in found]
        )
        for point, by_method in models
        if (found := [run for _, run in by_method.values() if run is not None])
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _state(config: ExperimentConfig, run: Any) -> str:
    """A model of the campaign: finished, in progress (the epoch its checkpoint reached) or to run."""
    if run is not None:
        return "finished"
    if (saved := load_checkpoint(checkpoint_path(config))) is not None:  # only an unfinished model's
        return f"in progress: epoch {saved['state']['epoch']} of {config.epochs}"
    return "to run"


def _status(models: list[tuple[dict, dict[str, Any]]]) -> pd.DataFrame:
    rows = []
    for point, by_method in models:
        row = {"point": describe_point(point)}
        for method, (config, run) in by_method.items():
            row[method] = _state(config, run)
        rows.append(row)
    return pd.DataFrame(rows)


def seeds_frame(
    dataset: str,
    *,
    seeds: int = 3,
    methods: tuple[str, ...] = ("natural", "pgd"),
    precision: str | None = None,
    point: dict | None = None,
) -> pd.DataFrame:
    """Where each seed of one point stands (``point`` None: the tier's preset): one
    row per method, one column per seed, each finished, in progress or to run; never trains."""
    rows = []
    for method in methods:
        row = {"method": report.METHOD_LABELS[method]}
        for seed in range(seeds):
            config = long_config(dataset, point or {}, method, seed, precision)
            row[f"seed {seed}"] = _state(config, load_summary(config))
        rows.append(row)
    return pd.DataFrame(rows)


def point_frame(
    dataset: str,
    *,
    methods: tuple[str, ...] = ("natural", "pgd", "dist", "diff"),
    seed: int = 0,
    precision: str | None = None,
    point: dict | None = None,
) -> pd.DataFrame:
    """The finished models of ``methods`` at one point (``point`` None: the tier's preset) for one seed: accuracies,
    IB, IA, best advantage, each robust model's advantage ratio over the natural model, and where it trained; never
    trains. One seed is no verdict: this is where a point stands before its seeds are widened."""
    runs = [r for m in methods if (r := load_summary(long_config(dataset, point or {}, m, seed, precision)))]
    if not runs:
        return pd.DataFrame()
    frame = report.runs_frame(runs).assign(trained_on=[report.trained_on(r.summary) for r in runs])
    frame["best_advantage"] = report.best_advantage(frame)
    natural = frame.loc[frame["method"] == "natural", "best_advantage"]
    frame["ratio"] = frame["best_advantage"] / natural.iloc[0] if len(natural) else float("nan")
    frame.loc[frame["method"] == "natural", "ratio"] = float("nan")
    columns = ["method", "seed", "train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia"]
    return frame[[*columns, "best_advantage", "ratio", "trained_on"]]


def pilot_frame(dataset: str, *, seed: int = 0, precision: str | None = None) -> pd.DataFrame:
    """The finished runs of ``dataset``'s long pilot (:data:`mi_lib.tiers.LONG_PILOTS`) as :func:`mi_lib.report.runs_frame`
    rows, each with its ``point`` in words (:func:`mi_lib.tiers.describe_point`); never trains. ``precision``: see
    :func:`long_config`."""
    return _frame(_pilot_models(dataset, ("natural", "pgd"), seed, precision))


def status_frame(
    dataset: str, *, methods: tuple[str, ...] = ("natural", "pgd"), seed: int = 0, precision: str | None = None
) -> pd.DataFrame:
    """Where each model of ``dataset``'s long pilot stands: finished, in progress (the epoch its committed checkpoint
    reached) or to run; one row per point, one column per method."""
    return _status(_pilot_models(dataset, methods, seed, precision))


def page_point(page: Any) -> tuple[ExperimentConfig, dict]:
    """The config of the runs a long-tier page of the book shows (the tier's preset with the page's own overrides,
    :data:`mi_lib.tiers.PAGE_OVERRIDES`) and its pilot point, keyed as :data:`mi_lib.tiers.LONG_PILOTS` is."""
    dataset = page.parameters["dataset"]
    parameters = page_parameters(page, "cpu")  # the book's copy: the long tier, at the page's point
    config = preset(dataset, "long", **{key: parameters.get(key) for key in PAGE_OVERRIDES})
    return config, {key: getattr(config, key) for key in LONG_PILOTS[dataset][0]}


def page_out_of_regime(page: Any) -> str | None:
    """Why a long-tier page's finished models cannot test its claims (:func:`mi_lib.report.out_of_regime`: the first
    outside the papers' regime, natural first as on the page, named), or None when all are in it or none has finished.
    The runs are those its book copy reads (:func:`mi_lib.experiments.page_runs`: its point, its seeds per method);
    never trains."""
    dataset, runs = page_runs(page, "cpu")
    if not runs:
        return None
    return report.out_of_regime(report.runs_frame(runs), page_methods(page, "cpu"), n_classes=N_CLASSES[dataset])


def long_page_status(page: Any) -> tuple[str, pd.DataFrame, int]:
    """A long-tier page of the book (a :class:`mi_lib.book.Chapter` with ``book_tier="long"``, e.g.
    ``book.long_page("fmnist")``): a sentence on its point (the tier's preset with the page's own overrides,
    :data:`mi_lib.tiers.PAGE_OVERRIDES`), arithmetic and seeds, :func:`seeds_frame` for them, and how many of its
    models have finished; never trains."""
    dataset = page.parameters["dataset"]
    parameters = page_parameters(page, "cpu")  # the book's copy: the long tier, at the page's point
    config, point = page_point(page)
    frame = seeds_frame(dataset, seeds=parameters["seeds"], precision=config.precision, point=point)
    finished = int((frame.drop(columns="method") == "finished").to_numpy().sum())
    arithmetic = PRECISION_NAMES[config.precision]
    text = (
        f"Its point: {describe_point(point)}, {arithmetic} training, {parameters['seeds']} seeds per model; "
        f"{finished} of its {frame.shape[0] * parameters['seeds']} models have finished"
        + (" (it is in the book)." if page.in_book else "; the page enters the book when all have.")
    )
    return text, frame, finished


def _change(base: dict, point: dict) -> str:
    """What ``point`` changes against the map's first point ``base``, in words: "epochs 40 → 80"."""
    names = {"n_members": "members", "augment": "augmentation"}

    def shown(key: str, value: Any) -> str:
        if key == "augment":
            return "on" if value else "off"
        return f"{value:,}" if key == "n_members" else f"{value:g}"

    return ", ".join(
        f"{names.get(key, key)} {shown(key, base[key])} → {shown(key, value)}"
        for key, value in point.items()
        if value != base.get(key)
    )


def direction_frame(dataset: str, *, seed: int = 0, precision: str | None = None) -> pd.DataFrame:
    """How far each direction of ``dataset``'s long pilot moved the numbers its targets judge: one row per point after
    the map's first (its base), with what it changes and, per target of
    :data:`mi_lib.tiers.TARGETS_BY_DATASET`, the point's number minus the base point's (NaN where a model of either
    point has not finished). Points with no finished model are left out; never trains."""
    models = _pilot_models(dataset, ("natural", "pgd"), seed, precision)
    frame = _frame(models)
    targets = list(TARGETS_BY_DATASET[dataset])
    if frame.empty:
        return pd.DataFrame(columns=["change", *targets])
    values = report.pilot_targets(frame, TARGETS_BY_DATASET[dataset], by=("point",)).set_index("point")[targets]
    base_point = models[0][0]
    base = values.reindex([describe_point(base_point)]).iloc[0]
    rows = [
        {"change": _change(base_point, point), **(values.loc[describe_point(point)] - base).to_dict()}
        for point, _ in models[1:]
        if describe_point(point) in values.index
    ]
    return pd.DataFrame(rows, columns=["change", *targets])


def longer_training(dataset: str, *, seed: int = 0, precision: str | None = None) -> list[str]:
    """What training longer did on ``dataset``'s long pilot: for each point that repeats an earlier one with more
    epochs, and whose four models (natural and PGD at both) have finished, one sentence with the PGD model's fit of its
    training set, its adv-train − adv-test gap and both models' best advantage, before → after; never trains."""

    def numbers(by_method: dict[str, Any]) -> dict[str, dict] | None:
        if any(run is None for _, run in by_method.values()):
            return None
        frame = report.runs_frame([run for _, run in by_method.values()])
        frame = frame.assign(best=report.best_advantage(frame)).set_index("method")
        return {method: frame.loc[method].to_dict() for method in ("natural", "pgd")}

    def change(key: str, method: str, a: dict, b: dict) -> str:
        return f"{report.percent(a[method][key], 1)} → {report.percent(b[method][key], 1)}"

    def gap(models: dict) -> str:
        return report.points(models["pgd"]["adv_train_acc"] - models["pgd"]["adv_test_acc"], 1)

    models = _pilot_models(dataset, ("natural", "pgd"), seed, precision)
    sentences = []
    for i, (point, runs) in enumerate(models):
        others = {k: v for k, v in point.items() if k != "epochs"}
        for before, earlier in models[:i]:
            if {k: v for k, v in before.items() if k != "epochs"} != others or point["epochs"] <= before["epochs"]:
                continue
            if (old := numbers(earlier)) is None or (new := numbers(runs)) is None:
                continue
            sentences.append(
                f"{describe_point(before)} → {point['epochs']} epochs: the PGD model fits "
                f"{change('train_acc', 'pgd', old, new)} of its training set, its adv-train − adv-test gap "
                f"{gap(old)} → {gap(new)}, its best advantage {change('best', 'pgd', old, new)}; the natural model's "
                f"best advantage {change('best', 'natural', old, new)}, its test accuracy "
                f"{change('test_acc', 'natural', old, new)}."
            )
    return sentences


# Where benchmarks/gpu_check.py's JSON records land once it has run on a GPU (--out benchmarks/results/gpu-check-*.txt).
GPU_CHECKS = REPO_ROOT / "benchmarks" / "results"


def gpu_projections(dataset: str) -> list[dict]:
    """``benchmarks/gpu_check.py``'s projected hours per paper-tier PGD model of ``dataset``, one per GPU and precision,
    from its committed JSON records (GPU runs only; the last record of a GPU and precision wins). A record that does not
    read is warned about and left out."""
    found: dict[tuple[str, str], float] = {}
    for path in sorted(GPU_CHECKS.glob("gpu-check*.json")):
        try:
            summary = json.loads(path.read_text())
            if summary["device_type"] != "cuda":
                raise ValueError(f"device_type {summary['device_type']!r}, not a GPU")
            for r in summary["projections"]:
                if r["dataset"] == dataset:
                    found[(str(summary["device"]), str(r["precision"]))] = float(r["hours_per_model"])
        except (ValueError, KeyError, TypeError) as err:
            warnings.warn(f"{path}: not a GPU record of gpu_check ({err}); left out", RuntimeWarning, stacklevel=2)
    return [dict(device=d, precision=p, hours=h) for (d, p), h in found.items()]


def paper_regime_cost(dataset: str) -> str:
    """One sentence on what a PGD model in the paper's regime costs: the training time PINEAT's Table 1 reports (on
    its authors' server with three V100 GPUs) and this project's projection on a GPU (:func:`gpu_projections`: bf16
    where measured, else fp32), or that it is not measured yet; "" where PINEAT does not time ``dataset``."""
    base = "cifar10" if dataset.startswith("cifar10") else dataset
    table = paper.table("pineat_table1")
    row = table[(table["dataset"] == base) & (table["base"] == "pgd") & (table["method"] == "original")]
    if row.empty:
        return ""
    text = (
        f"In the paper's regime, PINEAT's authors report {row['time_h'].iloc[0]:g} hours of training for one "
        f"{DISPLAY_NAMES[base]} PGD model on a server with three V100 GPUs (PINEAT Table 1)"
    )
    projections = gpu_projections(base)
    devices = sorted({p["device"] for p in projections})
    if not devices:
        return text + "; this project's own projection on a GPU is not measured yet."
    shown = []
    for device in devices:
        mine = {p["precision"]: p["hours"] for p in projections if p["device"] == device}
        precision = "bf16" if "bf16" in mine else min(mine)
        shown.append(f"{mine[precision]:.1f} hours on one {device} ({precision})")
    return text + "; this project's code projects " + ", ".join(shown) + "."


def progress_sentence(dataset: str) -> str:
    """One sentence on how far ``dataset``'s long pilot got: models finished and in progress, and the point that meets
    the most of its targets (:data:`mi_lib.tiers.TARGETS_BY_DATASET`), the highest PGD/natural ratio among those, with
    how many it meets."""
    models = _pilot_models(dataset, ("natural", "pgd"), seed=0)
    status = _status(models)
    cells = status.drop(columns="point").to_numpy().ravel()
    finished, running = int(sum(c == "finished" for c in cells)), int(sum(c.startswith("in progress") for c in cells))
    text = (
        f"The long tier's pilot map looks for the paper's operating point (its targets: the appendix) on 2 cores: "
        f"{finished} of {cells.size} models finished, "
        f"{running} in progress."
    )
    fp32 = _frame(_pilot_models(dataset, ("natural", "pgd"), seed=0, precision="fp32"))
    if len(fp32):
        text += f" Its float32 map (trained where bf16 is emulated, or on a GPU) has {len(fp32)} more."
        fp32["point"] = fp32["point"] + " (float32)"
    frames = [f for f in (_frame(models), fp32) if len(f)]
    if frames:
        targets = TARGETS_BY_DATASET[dataset]
        table = report.pilot_targets(pd.concat(frames, ignore_index=True), targets, by=("point",))
        judged = table[[c for c in table if c.endswith(("%", "×"))]]
        met = judged.apply(lambda row: sum(bool(v) for v in row if pd.notna(v)), axis=1)
        ratio = table.get("PGD / natural advantage ratio", pd.Series(np.nan, index=table.index)).fillna(-np.inf)
        best = int(
            table.assign(met=met, ratio=ratio).sort_values(["met", "ratio"], ascending=False, kind="stable").index[0]
        )
        point = table.loc[best, "point"]
        missing = (
            ""
            if not judged.loc[best].isna().any()
            else " (its robust model is not in the float32 map)"
            if point.endswith("(float32)")
            else " (its robust model is still to come)"
        )
        text += f" Closest so far: {point}, which meets {met[best]} of {len(targets)} targets{missing}."
    return text


def ordered_configs(
    dataset: str, methods: str = "natural,pgd", seeds: int = 1, precision: str | None = None, point: str | None = None
) -> list[tuple[tuple[dict, str, int], ExperimentConfig, bool]]:
    """The campaign's runs in the order they run now (:func:`prioritise` over the finished natural models), each with
    its config and whether it is finished."""
    runs = plan(dataset, methods=tuple(methods.split(",")), seeds=seeds, point=point)
    loaded = {}  # run id -> the finished run or None; each run is loaded once

    def finished(config: ExperimentConfig):
        if config.run_id() not in loaded:
            loaded[config.run_id()] = load_run(config)
        return loaded[config.run_id()]

    naturals = {
        _key(point): finished(long_config(dataset, point, "natural", 0, precision)) for point in LONG_PILOTS[dataset]
    }
    runs = prioritise(runs, {k: r.summary for k, r in naturals.items() if r is not None}, dataset)
    configs = [long_config(dataset, point, m, s, precision) for point, m, s in runs]
    return [(run, config, finished(config) is not None) for run, config in zip(runs, configs)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mi_lib.campaign")
    parser.add_argument("dataset", choices=["fmnist", "cifar10-jpeg", "cifar10"])
    parser.add_argument(
        "--methods", default="natural,pgd", help="comma-separated methods per point (default natural,pgd)"
    )
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument(
        "--point",
        help="only the pilot points matching these key=value pairs, e.g. n_members=20000,width=0.25,epochs=40 "
        "(with --seeds 3: widen the chosen point only)",
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="training arithmetic (default: the tier's, bf16); fp32 runs the separate float32 map",
    )
    parser.add_argument("--dry-run", action="store_true", help="list the runs and whether each is finished")
    args = parser.parse_args(argv)
    device = resolve_device()
    listed, attempted = False, set()
    while True:  # the order is recomputed after each finished run: a natural model that meets its targets moves
        try:  # its point's robust model to the front
            queue = ordered_configs(args.dataset, args.methods, args.seeds, args.precision, args.point)
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if not listed:
            for (point, method, seed), config, done in queue:
                print(
                    f"{config.run_id()}  {method:8s} seed {seed}  {point}  {'finished' if done else 'to run'}",
                    flush=True,
                )
            listed = True
        todo = [(entry, config) for entry, config, done in queue if not done]
        if args.dry_run or not todo:
            return 0
        (point, method, seed), config = todo[0]
        if config.run_id() in attempted:  # trained, yet not loadable (a corrupt artifact): never loop on it
            print(
                f"error: {config.run_id()} finished but its result does not load; see the warnings above",
                file=sys.stderr,
            )
            return 1
        attempted.add(config.run_id())
        if config.precision == "bf16" and not bf16_native(device):
            print(
                f"error: precision: bf16 is emulated on this {device.type} (no AVX512-BF16 or AMX), about 12x slower "
                "than fp32; run the campaign where bf16 is native (such a CPU, or MI_DEVICE=cuda), or pass "
                "--precision fp32 for the separate float32 map",
                file=sys.stderr,
            )
            return 2
        print(f"next: {config.run_id()}  {method} seed {seed}  {point}", flush=True)
        start = time.time()
        result = run_configs([config], progress=True, device=device, train_long=True)[0]
        print(
            f"finished {config.run_id()} in {time.time() - start:.0f} s: train {result['train_acc']:.4f} test {result['test_acc']:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
