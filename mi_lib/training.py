"""Training: the robust objectives (CCS'19 Eq. 6–8) and a seeded, resumable training loop.

Robust objective: min_θ mean_x α·ℓ(x) + (1 − α)·ℓ_R(x). Natural training is α = 1; PGD-based
adversarial training (Madry) is α = 0 with ℓ_R approximated by a PGD example (spec §3.1); Dist-based
training uses the authors' l-inf WRM adversary (§3.2); Diff-based training is TRADES (§3.3).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from . import bounds, dual_network
from .attacks import pgd_kl, pgd_linf, wrm_linf
from .config import ExperimentConfig
from .data import MembershipSplit
from .pixeldp import pixeldp_loss
from .runs_io import load_checkpoint, save_checkpoint

LossFn = Callable[..., torch.Tensor]


def natural_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Mean cross-entropy on clean inputs (α = 1 in CCS Eq. 8)."""
    return F.cross_entropy(model(x), y)


def step_at(config: ExperimentConfig, eps: float) -> float:
    """The training attack's step at the current eps of a warm-up ramp, keeping the configured step/eps ratio."""
    return config.step_size * (eps / config.eps) if config.eps > 0 else 0.0


def adversary(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """The training adversary of ``config.method``: PGD with a random start (PGD-based), the authors' WRM ascent
    (Dist-based; clean inputs while eps = 0 in a warm-up) or TRADES' KL-PGD (Diff-based). Returns x_adv, detached."""
    if config.method == "pgd":
        return pgd_linf(
            model,
            x,
            y,
            eps=eps,
            step_size=step_at(config, eps),
            steps=config.train_steps,
            random_start=True,
            generator=generator,
        )
    if config.method == "dist":
        return x if eps == 0 else wrm_linf(model, x, y, coeff=config.dist_coeff, steps=config.train_steps)
    if config.method == "diff":
        return pgd_kl(model, x, eps=eps, step_size=step_at(config, eps), steps=config.train_steps, generator=generator)
    raise ValueError(f"method: {config.method!r} has no training adversary; accepted values: pgd, dist, diff")


def pgd_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
    adv_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Madry's PGD adversarial training (CCS Eq. 10, α = 0): mean CE on PGD examples with a random start.

    The step size scales with the current eps of a warm-up ramp, so the ratio step/eps stays as configured.
    ``adv_mask`` (B,) bool, for mixed training (CCS Table 5, spec §3.5): only the masked examples are replaced by
    their PGD examples, the others stay clean, and the CE is the mean over the whole batch.
    """
    if adv_mask is None:
        return F.cross_entropy(model(adversary(model, x, y, eps=eps, config=config, generator=generator)), y)
    adv_mask = adv_mask.to(x.device)
    x_in = x.clone()
    if adv_mask.any():
        x_in[adv_mask] = adversary(model, x[adv_mask], y[adv_mask], eps=eps, config=config, generator=generator)
    return F.cross_entropy(model(x_in), y)


def dist_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Dist-based adversarial training (Sinha et al. with the authors' l-inf penalty; spec §3.2): mean CE on the
    WRM adversary's examples (α = 0). ``eps`` is nominal for this method (used only in evaluation), but a warm-up
    with eps = 0 trains on clean inputs."""
    return F.cross_entropy(model(adversary(model, x, y, eps=eps, config=config, generator=generator)), y)


def diff_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Diff-based adversarial training, TRADES (Zhang et al.; spec §3.3): CE(f(x), y) + β·KL(f(x) ‖ f(x_adv)),
    batch-mean KL, x_adv from :func:`~mi_lib.attacks.pgd_kl`."""
    return trades_objective(
        model, x, y, adversary(model, x, y, eps=eps, config=config, generator=generator), beta=config.trades_beta
    )


def trades_objective(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, x_adv: torch.Tensor, *, beta: float
) -> torch.Tensor:
    """CE(f(x), y) + β·KL(f(x) ‖ f(x_adv)), batch-mean KL (TRADES' objective for a given perturbed input)."""
    logits = model(x)
    # KL(p ‖ q) from log-probabilities: F.kl_div with a softmax target that keeps its gradient (as TRADES does)
    # back-propagates log(p) + 1 = −inf through a probability that underflowed to 0, i.e. NaN, once the model is
    # confident (logit gaps above ~100 in float32). The same value, computed from log_softmax, stays finite.
    log_p = F.log_softmax(logits, 1)
    kl = (log_p.exp() * (log_p - F.log_softmax(model(x_adv), 1))).sum(1).mean()
    return F.cross_entropy(logits, y) + beta * kl


def ibp_train_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """IBP training (Gowal et al.; spec §3.4): κ·CE(clean) + (1 − κ)·CE(verified worst case), κ ramped from 1 to
    ``config.ibp_kappa`` together with ε (both linearly after the warm-up)."""
    kappa = 1.0 - (1.0 - config.ibp_kappa) * (eps / config.eps) if config.eps > 0 else 1.0
    return bounds.ibp_loss(model, x, y, eps=eps, kappa=kappa)


def diffai_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """DiffAI with the Box domain (Mirman et al.; spec §3.4): the Box loss at the current (ramped) radius; with
    ``config.box_weight_ramp`` the Box term's weight grows with the radius, from 0 to the authors' 0.2."""
    if eps <= 0:
        return F.cross_entropy(model(x), y)
    return bounds.box_loss(model, x, y, eps=eps, weight=0.2 * (eps / config.eps if config.box_weight_ramp else 1.0))


def duality_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Duality-based training (Wong & Kolter; spec §3.4): cross-entropy of the dual network's worst-case logits at
    the current (ramped) ε, with ``config.dual_projections`` Cauchy projections (0: the exact bound)."""
    if eps <= 0:
        return F.cross_entropy(model(x), y)
    return dual_network.dual_loss(
        model, x, y, eps=eps, projections=config.dual_projections or None, generator=generator
    )


METHOD_LOSSES: dict[str, LossFn] = {
    "natural": natural_loss,
    "pgd": pgd_loss,
    "dist": dist_loss,
    "diff": diff_loss,
    "ibp": ibp_train_loss,
    "diffai": diffai_loss,
    "duality": duality_loss,
    "pixeldp": pixeldp_loss,
}


def training_precision(config: ExperimentConfig, device: torch.device | str) -> contextlib.AbstractContextManager:
    """The arithmetic of training's forward passes (model and training attack): bfloat16 autocast for
    ``precision="bf16"`` (convolutions and matrix products in bf16; losses, softmax and the weights stay float32),
    else a no-op. Back-propagation and the optimiser step run outside it; evaluation never uses it."""
    return torch.autocast(
        device_type=torch.device(device).type, dtype=torch.bfloat16, enabled=config.precision == "bf16"
    )


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


def _optimizer(config: ExperimentConfig, model: nn.Module) -> torch.optim.Optimizer:
    if config.optimizer == "adam":  # coupled L2 as the authors' TF code (spec §9.11), not AdamW
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
    """Mixed training (CCS Table 5, spec §3.5 and §9.8): a fixed random subset of round(adv_fraction·n) of the n
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
    train_time_s: float = 0.0  # wall time spent in training epochs, summed over resumed sessions
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
    from tqdm import tqdm  # plain bars: tqdm.auto warns in kernels without ipywidgets

    loss_fn = METHOD_LOSSES[config.method]
    model.to(device)
    optimizer = _optimizer(config, model)
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
        from .pineat import ExampleTrace, round_update, watched_members

        trace = ExampleTrace(**state.trace) if state.trace else ExampleTrace(watched_members(y_all))
    bar = tqdm(
        range(state.epoch, total),
        desc=f"{config.method} {config.dataset}",
        disable=not progress,
        initial=state.epoch,
        total=total,
    )
    for epoch in bar:
        start = time.perf_counter()
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
        state.train_time_s += time.perf_counter() - start
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
            save_checkpoint(snapshot_path(checkpoint, state.epoch), {"model": model.state_dict(), "epoch": state.epoch})
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
