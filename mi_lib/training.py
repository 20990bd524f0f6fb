"""Training: a seeded, resumable loop over the members, minimising the method's objective
(:mod:`mi_lib.objectives`), or making PINEAT's rounds (:mod:`mi_lib.pineat`) for its strategies."""

from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm  # plain bars: tqdm.auto warns in kernels without ipywidgets

from .config import ExperimentConfig
from .data import MembershipSplit
from .objectives import LOSSES, bf16_native, training_precision
from .pause import PauseClock
from .pineat import ExampleTrace, round_update, watched_members
from .runs_io import load_checkpoint, save_checkpoint


def eps_at(config: ExperimentConfig, iteration: int) -> float:
    """Training eps at ``iteration``: 0 during the warm-up, then a linear ramp to ``config.eps``."""
    if iteration < config.eps_warmup_iters:
        return 0.0
    if config.eps_ramp_iters == 0:
        return config.eps
    return config.eps * min(1.0, (iteration - config.eps_warmup_iters + 1) / config.eps_ramp_iters)


def lr_at(config: ExperimentConfig, epoch: int) -> float:
    """Step schedule: lr times the multiplier of the last ``lr_schedule`` milestone passed (fractions of epochs)."""
    factor = 1.0
    for at, multiplier in config.lr_schedule:
        if epoch >= at * config.epochs:
            factor = multiplier
    return config.lr * factor


def optimizer_for(config: ExperimentConfig, model: nn.Module) -> torch.optim.Optimizer:
    """The optimiser ``config`` trains ``model`` with (also what ``./run bench-pineat`` times)."""
    if (
        config.optimizer == "adam"
    ):  # coupled L2 as the authors' TF code (docs/settings.md#optimiser-and-weight-decay), not AdamW
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random crop with 4-pixel zero padding and random horizontal flip (the authors' CIFAR augmentation)."""
    b, _, h, w = x.shape
    padded = F.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (b,), generator=generator)
    dx = torch.randint(0, 9, (b,), generator=generator)
    flip = torch.rand(b, generator=generator) < 0.5
    out = torch.stack([padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(b)])
    out[flip] = out[flip].flip(-1)
    return out


def adversarial_members(config: ExperimentConfig, n: int) -> torch.Tensor | None:
    """Mixed training (CCS Table 5, docs/settings.md#mixed-training): a fixed random subset of round(adv_fraction·n) of the n
    members, drawn from the run's seed, trains on PGD examples; returns its (n,) bool mask, or None when every
    member does (adv_fraction = 1)."""
    if config.adv_fraction == 1.0:
        return None
    order = torch.randperm(n, generator=torch.Generator().manual_seed(config.seed * 1_000_003 + 999_983))
    mask = torch.zeros(n, dtype=torch.bool)
    mask[order[: round(config.adv_fraction * n)]] = True
    return mask


@dataclasses.dataclass
class TrainingState:
    """What a checkpoint holds besides the weights: progress and per-epoch history."""

    epoch: int = 0  # epochs completed
    train_time_s: float = 0.0  # wall time spent in training epochs, summed over resumed sessions, less SIGTSTP pauses
    history: list[dict] = dataclasses.field(default_factory=list)
    trace: dict | None = (
        None  # strategy runs: the examples generated for the watched points (mi_lib.pineat.ExampleTrace)
    )


def train(
    config: ExperimentConfig,
    model: nn.Module,
    split: MembershipSplit,
    *,
    checkpoint: Path,
    device: torch.device | str = "cpu",
    progress: bool = True,
    snapshot_every: int = 0,
) -> TrainingState:
    """Train ``model`` on the members of ``split`` with ``config.method``, checkpointing every epoch.

    ``snapshot_every`` = k > 0 also keeps the weights after every k-th epoch and the last in :func:`snapshot_path` (for the
    training dynamics, DLS Fig. 3).

    Seeded: epoch e shuffles and draws attack starts from a generator seeded by (seed, e), so a run resumed
    from ``checkpoint`` (written atomically after each epoch) gives the same weights as an uninterrupted one.
    Returns the final :class:`TrainingState`; the model is left in eval mode with the trained weights.
    """
    loss_fn = LOSSES[config.method]
    if config.precision == "bf16" and not bf16_native(device):
        warnings.warn(
            f"precision: bf16 is emulated on this {torch.device(device).type} (no AVX512-BF16/AMX or bf16 GPU); "
            "training runs ~10x slower than in fp32",
            RuntimeWarning,
            stacklevel=2,
        )
    model.to(device)
    optimizer = optimizer_for(config, model)
    state = TrainingState()
    saved = load_checkpoint(checkpoint)
    if saved is not None:
        _check_threads(saved, checkpoint)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = TrainingState(**saved["state"])
    x_all, y_all = split.x_members, split.y_members
    n = len(y_all)
    adversarial = adversarial_members(config, n)
    iters_per_epoch = -(-n // config.batch_size)
    total = config.round_epochs  # = epochs, except PINEAT-style strategies (n + m updates per round)
    trace = None
    if config.strategy != "original":  # PINEAT and its baselines make their own n + m updates per round
        trace = ExampleTrace(**state.trace) if state.trace else ExampleTrace(watched_members(y_all))
    bar = tqdm(
        range(state.epoch, total),
        desc=f"{config.method} {config.dataset}",
        disable=not progress,
        initial=state.epoch,
        total=total,
    )
    with PauseClock() as clock:  # a pause by SIGTSTP is not training time (mi_lib.pause)
        for epoch in bar:
            start, paused_before = time.perf_counter(), clock.paused_s
            generator = torch.Generator().manual_seed(config.seed * 1_000_003 + epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr_at(config, epoch * config.updates_per_round)
            order = torch.randperm(n, generator=generator)
            model.train()
            loss_sum = 0.0
            for b in range(iters_per_epoch):
                idx = order[b * config.batch_size : (b + 1) * config.batch_size]
                x, y = x_all[idx], y_all[idx]
                if config.augment:
                    x = _augment(x, generator)
                x, y = x.to(device), y.to(device)
                eps = eps_at(config, (epoch * iters_per_epoch + b) * config.updates_per_round)
                if trace is not None:
                    loss, adversarial_examples, second_examples = round_update(
                        model, optimizer, x, y, eps=eps, config=config, generator=generator
                    )
                    trace.add(idx, adversarial_examples, second_examples, epoch=epoch + 1)
                else:
                    extra = {"adv_mask": adversarial[idx]} if adversarial is not None else {}
                    with training_precision(config, device):
                        loss = loss_fn(model, x, y, eps=eps, config=config, generator=generator, **extra)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if config.grad_clip:
                        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                    optimizer.step()
                loss_sum += float(loss.detach()) * len(idx)
            paused = clock.paused_s - paused_before  # read before the time: a pause in between counts as work, not less
            state.train_time_s += max(0.0, time.perf_counter() - start - paused)
            state.epoch = epoch + 1
            state.history.append(
                {
                    "epoch": epoch + 1,
                    "loss": loss_sum / n,
                    "eps": eps if config.method != "natural" else 0.0,
                    "lr": lr_at(config, epoch * config.updates_per_round),
                }
            )
            if snapshot_every and (state.epoch % snapshot_every == 0 or state.epoch == total):
                save_checkpoint(
                    snapshot_path(checkpoint, state.epoch), {"model": model.state_dict(), "epoch": state.epoch}
                )
            state.trace = trace.state() if trace is not None else None
            save_checkpoint(
                checkpoint,
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "state": dataclasses.asdict(state),
                    "threads": torch.get_num_threads(),
                },
            )
            bar.set_postfix(loss=f"{loss_sum / n:.3f}")
    model.eval()
    return state


class ResumeError(RuntimeError):
    """A checkpoint that cannot be resumed here without changing the run's numbers."""


def _check_threads(saved: dict, checkpoint: Path) -> None:
    """Refuse to resume under another thread count: CPU results are bit-identical only at the same count, so a run
    resumed under another would mix two trajectories under one run id. (Checkpoints written before the count was
    recorded carry none and resume as before.)"""
    threads, here = saved.get("threads"), torch.get_num_threads()
    if threads is not None and threads != here:
        raise ResumeError(
            f"threads: {checkpoint} was trained with {threads} threads and this process has {here}; resume with "
            f"torch.set_num_threads({threads}) (or OMP_NUM_THREADS={threads}), or delete the checkpoint to retrain"
        )


def snapshot_path(checkpoint: Path, epoch: int) -> Path:
    """Where :func:`train` keeps the weights after ``epoch`` when asked for snapshots."""
    return checkpoint.with_name(f"{checkpoint.stem}.snapshots") / f"epoch{epoch:04d}.pt"
