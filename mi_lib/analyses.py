"""Analyses of a trained model beyond its IB / IA signals (CCS §5.2, App. D): the attack-ε sweep (Figs. 8–9) and
targeted adversarial examples (§5.2.5). Each result is cached beside the run's signals, under the hash of its
parameters (``results/<tier>/<run_id>/<name>-<hash>.npz``), so a chapter re-executes from committed results
without the model; computing one needs the trained weights, which are retrained (seeded, hence identical) when
the checkpoint is not on this machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .attacks import targeted_confidences
from .config import ExperimentConfig, parse_eps
from .data import MembershipSplit, membership_split
from .metrics import true_label_confidence as true_label_conf
from .models import build_model
from .runs import cache_root, checkpoint_path, resolve_device, run_dir, run_experiment, summarize
from .runs_io import load_arrays, load_checkpoint, save_arrays, save_checkpoint
from .signals import compute_signals, softmax_outputs
from .training import snapshot_path, train


def trained_model(
    config: ExperimentConfig,
    *,
    split: MembershipSplit | None = None,
    device: str | torch.device | None = None,
    progress: bool = False,
) -> tuple[nn.Module, MembershipSplit]:
    """The trained model of ``config`` (in eval mode) and its split. Runs the experiment if it has no result yet.
    The weights come from the run's ``model.pt`` (kept beside its results the first time an analysis needs them,
    so a committed run is analysed again without training), else from the training checkpoint, else from training
    again from scratch (the same seed gives the same weights)."""
    device = resolve_device(device)
    split = split or membership_split(config)
    run_experiment(config, split=split, device=device, progress=progress)
    model = build_model(config, in_shape=tuple(split.x_members.shape[1:]), n_classes=split.n_classes)
    weights = run_dir(config) / "model.pt"
    saved = load_checkpoint(weights)
    if saved is not None and saved.get("train_id") == config.train_id():
        model.load_state_dict(saved["model"])
    else:
        train(config, model, split, checkpoint=checkpoint_path(config), device=device, progress=progress)
        save_checkpoint(weights, {"model": model.state_dict(), "train_id": config.train_id()})
    return model.to(device).eval(), split


def cached_analysis(
    config: ExperimentConfig, name: str, params: dict[str, Any], compute: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """``compute()``'s arrays for (``config``, ``name``, ``params``), read from the run's folder when cached and
    intact, else computed and saved (atomically, with a checksum)."""
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    path = run_dir(config) / f"{name}-{key}.npz"
    arrays = load_arrays(path)
    if arrays is None:
        arrays = {**compute(), "params_json": np.array(json.dumps(params, sort_keys=True))}
        save_arrays(path, arrays)
    return arrays


def _confidences(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, steps: int, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """True-label confidence F_y and correctness on the evaluation PGD example at ``eps`` (step 2.5·eps/steps)."""
    _, adversarial = softmax_outputs(model, x, y, eps=eps, steps=steps, step_size=2.5 * eps / steps, device=device)
    labels = y.numpy()
    return true_label_conf(adversarial, labels), adversarial.argmax(1) == labels


def attack_eps_sweep(
    config: ExperimentConfig, attack_eps: Sequence[float | str], *, device: str | None = None
) -> dict[str, np.ndarray]:
    """CCS Figs. 8–9: the evaluation PGD (``config.eval_steps`` steps of 2.5ε/steps, no random start) run at every
    ``attack_eps`` against the model trained with ``config``. Returns ``attack_eps`` (E,), ``conf_train`` (E, M),
    ``conf_test`` (E, N) (true-label confidences: IA's scores at that ε) and ``correct_train`` / ``correct_test``
    (adversarial correctness), cached."""
    values = [parse_eps(e, field="attack_eps") for e in attack_eps]

    def compute() -> dict[str, np.ndarray]:
        dev = resolve_device(device)
        model, split = trained_model(config, device=dev)
        rows = [
            (
                _confidences(model, split.x_members, split.y_members, eps=e, steps=config.eval_steps, device=dev),
                _confidences(model, split.x_nonmembers, split.y_nonmembers, eps=e, steps=config.eval_steps, device=dev),
            )
            for e in values
        ]
        return {
            "attack_eps": np.array(values),
            "conf_train": np.stack([r[0][0] for r in rows]),
            "correct_train": np.stack([r[0][1] for r in rows]),
            "conf_test": np.stack([r[1][0] for r in rows]),
            "correct_test": np.stack([r[1][1] for r in rows]),
        }

    return cached_analysis(config, "attack_eps_sweep", {"attack_eps": values, "steps": config.eval_steps}, compute)


def targeted_signals(config: ExperimentConfig, *, device: str | None = None) -> dict[str, np.ndarray]:
    """CCS §5.2.5 (docs/settings.md#inference-strategies): for every member and non-member, the true-label confidence on the targeted PGD example
    of each wrong label (ε and steps of the evaluation attack, step 2.5ε/steps, no random start): ``targeted_train``
    (M, K−1), ``targeted_test`` (N, K−1), cached."""

    def compute() -> dict[str, np.ndarray]:
        dev = resolve_device(device)
        model, split = trained_model(config, device=dev)
        kw = dict(eps=config.eps, step_size=config.eval_step_size, steps=config.eval_steps, n_classes=split.n_classes)
        return {
            "targeted_train": targeted_confidences(model, split.x_members.to(dev), split.y_members.to(dev), **kw)
            .cpu()
            .numpy(),
            "targeted_test": targeted_confidences(model, split.x_nonmembers.to(dev), split.y_nonmembers.to(dev), **kw)
            .cpu()
            .numpy(),
        }

    return cached_analysis(config, "targeted", {"eps": config.eps, "steps": config.eval_steps}, compute)


DYNAMICS_COLUMNS = ("train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia")


def training_dynamics(
    config: ExperimentConfig, *, every: int, device: str | None = None, progress: bool = False
) -> dict[str, np.ndarray]:
    """DLS Fig. 3: train, test, adv-train and adv-test accuracy and the IB / IA inference accuracy of ``config``'s
    model after every ``every``-th epoch (and the last). Trains the run again with weight snapshots (a separate
    checkpoint; the same seed gives the same trajectory), evaluates each snapshot with the evaluation attack, and
    caches ``epoch`` (S,) and one (S,) array per column of :data:`DYNAMICS_COLUMNS`."""
    if every < 1:
        raise ValueError(f"every: must be a positive number of epochs, got {every!r}")

    def compute() -> dict[str, np.ndarray]:
        dev = resolve_device(device)
        split = membership_split(config)
        model = build_model(config, in_shape=tuple(split.x_members.shape[1:]), n_classes=split.n_classes)
        checkpoint = cache_root() / "checkpoints" / f"{config.train_id()}-every{every}.pt"
        train(config, model, split, checkpoint=checkpoint, device=dev, progress=progress, snapshot_every=every)
        epochs = sorted({*range(every, config.epochs + 1, every), config.epochs})
        rows = []
        for epoch in epochs:
            model.load_state_dict(load_checkpoint(snapshot_path(checkpoint, epoch))["model"])
            model.eval()
            summary = summarize(
                compute_signals(
                    model, split, eps=config.eps, steps=config.eval_steps, step_size=config.eval_step_size, device=dev
                )
            )
            rows.append([summary[c] if c.endswith("acc") else summary[c]["accuracy"] for c in DYNAMICS_COLUMNS])
        table = np.array(rows, dtype=np.float64)
        return {"epoch": np.array(epochs), **{c: table[:, i] for i, c in enumerate(DYNAMICS_COLUMNS)}}

    return cached_analysis(config, "dynamics", {"every": every}, compute)


def sensitivity(
    base: dict[str, np.ndarray], retrained: Sequence[dict[str, np.ndarray]], *, noise_seed: int = 0
) -> dict[str, np.ndarray]:
    """CCS Fig. 2 (docs/settings.md#sensitivity-analysis) from signals: the sensitivity of a removed training point is its true-label confidence
    in the model trained on it (``base``, removal_round 0) minus that in the model retrained without it (each of
    ``retrained``, removal_round >= 1). Returns ``removed`` (P,) sensitivities over every round, sorted ascending,
    and ``noise`` (P,): the same difference for as many points drawn at random (``noise_seed``) among those that
    stayed in the retraining — the change retraining alone causes, the noise floor. Also ``removed_index`` (P,) and
    ``removed_unsorted`` (P,): each removed point's position in the member list and its sensitivity, in the same
    order, to pair two models' sensitivities point by point, and ``removed_round`` (P,): the round (1, 2, …) that
    removed it."""
    base_conf = true_label_conf(base["output_train_benign"], base["train_label"])
    removed, noise, where = [], [], []
    rng = np.random.default_rng(noise_seed)
    for signals in retrained:
        index = signals["removed_index"]
        where.append(index)
        removed.append(base_conf[index] - true_label_conf(signals["output_removed_benign"], signals["removed_label"]))
        kept = np.setdiff1d(np.arange(len(base_conf)), index)
        if not np.array_equal(base["train_label"][kept], signals["train_label"]):
            raise ValueError("retrained signals do not come from the base run's members minus the removed ones")
        change = base_conf[kept] - true_label_conf(signals["output_train_benign"], signals["train_label"])
        noise.append(change[rng.choice(len(kept), size=len(index), replace=False)])
    return {
        "removed": np.sort(np.concatenate(removed)),
        "noise": np.sort(np.concatenate(noise)),
        "removed_index": np.concatenate(where),
        "removed_unsorted": np.concatenate(removed),
        "removed_round": np.concatenate([np.full(len(i), r) for r, i in enumerate(where, start=1)]),
    }
