"""Runs: train (or resume), compute signals, score them, and cache everything by config hash.

Layout, for a config ``c``:

* ``<cache>/checkpoints/<c.train_id()>.pt`` — the training checkpoint, rewritten atomically each epoch
  (``<cache>`` = ``$MI_CACHE_DIR`` or ``~/.cache/mi_lib``); configs that train the same weights share it.
* ``<results>/<tier>/<c.run_id()>/signals.npz`` — softmax outputs in the authors' schema, and the logits they come
  from (runs evaluated before logits were kept hold the softmax only);
  ``result.json`` — config, accuracies, IB / IA metrics, training wall time, per-epoch history;
  ``trace.npz`` (strategy runs only) — the examples generated for two training points (training images). A Yale
  run's whole folder stays out of git (see below and ``.gitignore``).
  ``<results>`` is the repository's ``results/`` (committed for the cpu and paper tiers) or
  ``$MI_RESULTS_DIR``; smoke results go to ``<cache>/results``.
* ``<results>/<tier>/summaries/<c.run_id()>.json`` — for a dataset in :data:`LOCAL_DATASETS` (Extended Yale B, whose
  terms allow research use but no redistribution), whose run folders never leave the machine that trained them (see
  ``.gitignore``): a copy of ``result.json`` (accuracies, attack metrics, per-epoch losses; no per-sample output, no
  label), committed so that the summary pages (landing page, scoreboard, appendix) read those runs' numbers on any
  clone (:func:`load_summary`). Re-executing a Yale chapter itself needs its run folders, and trains those it lacks,
  rewriting their summaries (on another CPU or torch version training takes another path and the numbers differ:
  stop 55, two Yale runs retrained on an AMD EPYC after an Intel Xeon, adv-test accuracy 74.3% → 68.1%).

A finished run is read back instead of recomputed; an interrupted one resumes from its checkpoint;
a file failing its checksum is ignored (with a warning) and recomputed. Processes that need the same run at once
(the test workers, two reruns, a sweep beside a chapter) take turns on its checkpoint (``<cache>/locks/``): one trains
and evaluates, the others wait and read its result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import platform
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import metrics
from .config import VERIFIABLE_METHODS, ExperimentConfig
from .data import DISPLAY_NAMES, MembershipSplit, membership_split
from .models import build_model
from .objectives import bf16_units, cpu_model
from .pineat import ExampleTrace
from .pixeldp import predictors
from .runs_io import load_arrays, load_json, save_arrays, save_json
from .signals import compute_signals, softmax_outputs, verified_outputs
from .training import train

REPO_ROOT = Path(__file__).resolve().parents[1]
# Datasets whose run folders (per-sample outputs, subject labels, traces, weights) stay on the machine that trained
# them: Extended Yale B is licensed for research use only, with no redistribution. Their summaries are committed.
LOCAL_DATASETS = ("yale",)


def cache_root() -> Path:
    return Path(os.environ.get("MI_CACHE_DIR", Path.home() / ".cache" / "mi_lib"))


def results_root(tier: str) -> Path:
    if os.environ.get("MI_RESULTS_DIR"):
        return Path(os.environ["MI_RESULTS_DIR"])
    return cache_root() / "results" if tier == "smoke" else REPO_ROOT / "results"


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` or ``$MI_DEVICE`` (default ``cpu``); ``auto`` picks CUDA when present."""
    name = str(device or os.environ.get("MI_DEVICE", "cpu"))
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


@dataclasses.dataclass(frozen=True)
class RunResult:
    """A finished run: its config, summary (accuracies, IB / IA metrics, timings) and where its signals are."""

    config: ExperimentConfig
    summary: dict[str, Any]
    directory: Path

    @property
    def signals(self) -> dict[str, np.ndarray]:
        arrays = load_arrays(self.directory / "signals.npz")
        if arrays is None:
            raise FileNotFoundError(f"{self.directory}/signals.npz is missing or corrupt; rerun the experiment")
        return arrays

    @property
    def trace(self) -> dict[str, np.ndarray]:
        """A strategy run's ``trace_*`` arrays (``mi_lib.pineat.ExampleTrace.arrays``); a run cached before traces had
        their own file keeps them in its signals file."""
        arrays = load_arrays(self.directory / "trace.npz")
        if arrays is None:
            arrays = {k: v for k, v in self.signals.items() if k.startswith("trace_")} or None
        if arrays is None:
            raise FileNotFoundError(
                f"{self.directory}/trace.npz is missing or corrupt (a Yale trace never leaves the machine "
                "that trained it; a run trained before runs traced their examples has none): delete the "
                "run's folder and its checkpoint and rerun to retrain it"
            )
        return arrays

    def __getitem__(self, key: str) -> Any:
        return self.summary[key]


def checkpoint_path(config: ExperimentConfig) -> Path:
    """Where ``config``'s training checkpoint lives: the user cache, except at the ``long`` tier, whose runs take hours
    and outlive a session: their checkpoints sit beside the results (``results/long/checkpoints/``) so an unfinished run
    is committed and resumed by the next session. (No Yale run has a long tier: Yale weights never enter git.)"""
    if config.tier == "long":
        if config.dataset == "yale":
            raise ValueError(
                "tier: Yale Face has no long tier (its weights never enter git); accepted tiers: smoke, cpu, paper"
            )
        return results_root(config.tier) / config.tier / "checkpoints" / f"{config.dataset}-{config.train_id()}.pt"
    return cache_root() / "checkpoints" / f"{config.train_id()}.pt"


def evaluation_partial_dir(config: ExperimentConfig) -> Path:
    """Where an interrupted evaluation keeps the outputs it computed (beside the checkpoint: committed with it at the
    ``long`` tier, where one evaluation takes tens of minutes); removed once the run is saved."""
    checkpoint = checkpoint_path(config)
    return checkpoint.with_name(f"{checkpoint.stem}-eval-{config.run_id()}")


def run_dir(config: ExperimentConfig) -> Path:
    return results_root(config.tier) / config.tier / config.run_id()


def load_run(config: ExperimentConfig) -> RunResult | None:
    """The cached result of ``config`` if complete and intact, else None."""
    directory = run_dir(config)
    summary = load_json(directory / "result.json")
    if summary is None or load_arrays(directory / "signals.npz") is None:
        return None
    return RunResult(config=config, summary=summary, directory=directory)


def summary_path(config: ExperimentConfig) -> Path:
    """Where the committed summary of a run of a :data:`LOCAL_DATASETS` dataset lives."""
    return results_root(config.tier) / config.tier / "summaries" / f"{config.run_id()}.json"


def save_summary(run: RunResult) -> None:
    """Keep the summary of a run whose folder stays local (:data:`LOCAL_DATASETS`; others: nothing to do)."""
    if run.config.dataset in LOCAL_DATASETS:
        save_json(summary_path(run.config), run.summary)


def load_summary(config: ExperimentConfig) -> RunResult | None:
    """The finished run of ``config`` for the pages that read only its numbers (:func:`mi_lib.report.runs_frame`):
    the run itself when its folder is here, else, for a :data:`LOCAL_DATASETS` dataset, its committed summary (a
    result without signals: reading them raises). A summary that fails its checksum, or that is not the summary of
    ``config``, is not used. Never a cache for :func:`run_experiment`, which needs the signals."""
    run = load_run(config)
    if run is not None or config.dataset not in LOCAL_DATASETS:
        return run
    summary = load_json(summary_path(config))
    if summary is None or summary.get("run_id") != config.run_id():
        return None
    return RunResult(config=config, summary=summary, directory=run_dir(config))


def recorded_summaries(tier: str, prefix: str = "") -> list[dict[str, Any]]:
    """The ``result.json`` of every finished run of ``tier`` whose run id starts with ``prefix`` (e.g.
    ``"yale-pgd-"``), in run-id order, once each: from its run folder, else (a :data:`LOCAL_DATASETS` run trained
    elsewhere) from its committed summary. Files failing their checksum are skipped. Numbers only, for the readers
    that scan a tier (a chapter's extra values, ``./run plan``'s cost estimates); the same on every clone."""
    folder = results_root(tier) / tier
    found = {path.parent.name: path for path in folder.glob(f"{prefix}*/result.json")}
    for path in folder.glob(f"summaries/{prefix}*.json"):
        found.setdefault(path.stem, path)
    return [summary for _, path in sorted(found.items()) if (summary := load_json(path)) is not None]


def summarize(signals: dict[str, np.ndarray]) -> dict[str, Any]:
    """Accuracies (Tables 2–4 columns) and the IB / IA attack results of one model's signals."""
    inference = metrics.inference_results(signals)
    return {**metrics.accuracies(signals), **{name: result.to_dict() for name, result in inference.items()}}


def run_experiment(
    config: ExperimentConfig,
    *,
    split: MembershipSplit | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    train_long: bool = False,
) -> RunResult:
    """Train (resuming if interrupted), evaluate and score ``config``; reuse the cached result if present.

    ``split`` may be passed to share loaded data between runs; it must be ``membership_split(config)``. A long-tier
    run is trained only by the commands made for hours of training (``train_long``: the campaign, a sweep), never by
    a page that reads it (:class:`LongRunMissing`).
    """
    cached = load_run(config)
    if cached is None:
        with checkpoint_lock(config):
            cached = load_run(config)  # another process may have finished it while this one waited
            if cached is None:
                _refuse_if_trained_elsewhere(config)
                _refuse_long_here(config, train_long)
                return _train_and_score(config, split=split, device=device, progress=progress)
    if config.dataset in LOCAL_DATASETS and load_json(summary_path(config)) is None:
        save_summary(cached)  # a run trained before summaries existed, or whose summary was deleted
    return cached


class TrainedElsewhere(RuntimeError):
    """A :data:`LOCAL_DATASETS` run whose summary is here (committed) but whose run folder is not."""


RETRAIN_LOCAL = "MI_RETRAIN_LOCAL"


def _refuse_if_trained_elsewhere(config: ExperimentConfig) -> None:
    """Retraining a run whose committed summary the summary pages read would change them quietly: on another CPU or
    torch the same seeded run takes another path (stop 39: an adv-test accuracy of 1.17% came back as 0.19%),
    and the new folder wins over the summary. So it is done only when asked."""
    path = summary_path(config)
    if config.dataset in LOCAL_DATASETS and os.environ.get(RETRAIN_LOCAL) != "1" and load_json(path) is not None:
        raise TrainedElsewhere(
            f"{config.run_id()}: trained elsewhere: its summary {path.name} is here, its run folder (per-sample "
            f"outputs, never committed) is not; copy the folder from the machine that trained it into "
            f"{run_dir(config).parent}, or set {RETRAIN_LOCAL}=1 to train it again and rewrite its summary (on "
            "another CPU its numbers differ)"
        )


class LongRunMissing(RuntimeError):
    """A long-tier run asked for by a page (or a plain script) that is not trained: hours of training that only the
    campaign (or a sweep) starts."""


def _refuse_long_here(config: ExperimentConfig, train_long: bool) -> None:
    if config.tier == "long" and not train_long:
        raise LongRunMissing(
            f"{config.run_id()}: this long-tier run is not trained (hours per model, resumable); train it with "
            f"`./run campaign {config.dataset}` (--point, --seeds, --methods and --precision choose the runs; "
            "--dry-run lists them) or `./run sweep` on a cluster, then execute the page again"
        )


@contextlib.contextmanager
def checkpoint_lock(config: ExperimentConfig) -> Iterator[None]:
    """Hold ``config``'s checkpoint alone: an advisory lock (``flock``, released when the process ends, however it
    ends) on a file in the user cache, never in the repository. Keyed by the checkpoint, which configs that train the
    same weights share."""
    path = cache_root() / "locks" / f"{checkpoint_path(config).stem}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _train_and_score(
    config: ExperimentConfig, *, split: MembershipSplit | None, device: str | torch.device | None, progress: bool
) -> RunResult:
    device = resolve_device(device)
    split = split or membership_split(config)
    model = build_model(config, in_shape=tuple(split.x_members.shape[1:]), n_classes=split.n_classes)
    state = train(config, model, split, checkpoint=checkpoint_path(config), device=device, progress=progress)
    scored, attacked = model, None
    partial = evaluation_partial_dir(config)
    if config.method == "pixeldp":  # the prediction averages noise draws; the evaluation PGD sees one draw per step
        scored, attacked = predictors(model, config)
    signals = compute_signals(
        scored,
        split,
        eps=config.eps,
        steps=config.eval_steps,
        step_size=config.eval_step_size,
        device=device,
        attack_model=attacked,
        partial_dir=partial,
    )
    if config.method in VERIFIABLE_METHODS:  # strategy IV and verified accuracy, beside the authors' schema
        for part, xs, ys in (
            ("train", split.x_members, split.y_members),
            ("test", split.x_nonmembers, split.y_nonmembers),
        ):
            signals[f"output_{part}_verified"] = verified_outputs(
                model, xs, ys, eps=config.eps, dual=config.verified_bound == "dual", device=device
            )
    if split.x_removed is not None:  # sensitivity analysis: the left-out members' outputs, beside the authors' schema
        signals["output_removed_benign"] = softmax_outputs(
            scored, split.x_removed, split.y_removed, eps=0.0, steps=0, step_size=0.0, device=device
        )[0]
        signals["removed_label"], signals["removed_index"] = split.y_removed.numpy(), split.removed_index
    if split.pool_in is not None:  # LiRA shadow: where its members and non-members sit in the target's pool
        signals["pool_in"], signals["pool_out"] = split.pool_in, split.pool_out
    directory = run_dir(config)
    if state.trace:  # strategy runs: the examples generated for two training points (PINEAT Fig. 1), in their own file
        save_arrays(directory / "trace.npz", ExampleTrace(**state.trace).arrays(split.x_members))
    save_arrays(directory / "signals.npz", signals)
    summary = {
        "run_id": config.run_id(),
        "train_id": config.train_id(),
        "config": config.to_dict(),
        "dataset_name": DISPLAY_NAMES[config.dataset],
        "n_members": int(len(split.y_members)),
        "n_nonmembers": int(len(split.y_nonmembers)),
        "train_time_s": state.train_time_s,
        "history": state.history,
        "environment": {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "device": str(device),
            "machine": platform.machine(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            # the CPU itself: "AVX512" is both an AMX Xeon and an AMD EPYC, whose runs differ (bf16 speed; numbers)
            "cpu_model": cpu_model(),
            "bf16_units": None if str(device).startswith("cuda") else bf16_units(),
        },
        **summarize(signals),
    }
    save_json(directory / "result.json", summary)
    shutil.rmtree(partial, ignore_errors=True)
    run = RunResult(config=config, summary=summary, directory=directory)
    save_summary(run)
    return run
