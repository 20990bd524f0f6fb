"""l-inf projected gradient descent (Madry et al.; CCS'19 Eq. 10, docs/settings.md#pgd-based-training and #evaluation-attack)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn import functional as F


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode and restore its previous mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def pgd_linf(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    step_size: float,
    steps: int,
    random_start: bool,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Untargeted l-inf PGD on the cross-entropy of the true label.

    x (B, C, H, W) in [0, 1], y (B,). Each step: x <- clip_[0,1](clip_{B_eps(x0)}(x + step_size·sign(∇ CE))).
    ``random_start`` draws the start uniformly in B_eps(x0) from ``generator`` (training); the authors'
    evaluation uses no random start (docs/settings.md#evaluation-attack). Runs the model in eval mode, restoring its mode.
    Returns x_adv (B, C, H, W), detached, inside B_eps(x0) ∩ [0, 1].
    """
    if eps == 0 or steps == 0:
        return x.detach().clone()
    x0 = x.detach()
    lower, upper = (x0 - eps).clamp_(0, 1), (x0 + eps).clamp_(0, 1)
    if random_start:
        noise = torch.rand(x0.shape, generator=generator, dtype=x0.dtype).to(
            x0.device
        )  # CPU generator: same draws on any device
        x_adv = torch.max(torch.min(x0 + (2 * noise - 1) * eps, upper), lower)
    else:
        x_adv = x0.clone()
    with eval_mode(model):
        for _ in range(steps):
            x_adv.requires_grad_(True)
            loss = F.cross_entropy(model(x_adv), y, reduction="sum")
            (grad,) = torch.autograd.grad(loss, x_adv)
            x_adv = torch.max(torch.min(x_adv.detach() + step_size * grad.sign(), upper), lower)
    return x_adv.detach()


def wrm_linf(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, coeff: float, steps: int) -> torch.Tensor:
    """The authors' l-inf adaptation of Sinha et al.'s WRM adversary (Dist-based training; docs/settings.md#dist-based-training).

    Gradient ascent on CE(x) − γ‖x − x0‖∞ with no projection and no random start; each step:
    g = coeff·∇_x(summed CE); x <- clip_[0,1](x + g − mean(|g|)·sign(x + g − x0)), the mean over the whole
    batch tensor. x (B, C, H, W) in [0, 1]. Eval mode, previous mode restored. Returns x_adv, detached.
    """
    x0 = x.detach()
    x_adv = x0.clone()
    with eval_mode(model):
        for _ in range(steps):
            x_adv.requires_grad_(True)
            (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y, reduction="sum"), x_adv)
            g = coeff * grad
            moved = x_adv.detach() + g
            x_adv = (moved - g.abs().mean() * torch.sign(moved - x0)).clamp_(0, 1)
    return x_adv.detach()


def pgd_kl(
    model: nn.Module,
    x: torch.Tensor,
    *,
    eps: float,
    step_size: float,
    steps: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """TRADES' inner maximisation (Zhang et al.; docs/settings.md#diff-based-training): l-inf PGD on KL(f(x) ‖ f(x_adv)).

    Starts at x + 0.001·N(0, 1) (drawn from ``generator``); no labels needed. x (B, C, H, W) in [0, 1].
    Eval mode, previous mode restored. Returns x_adv inside B_eps(x) ∩ [0, 1], detached.
    """
    x0 = x.detach()
    if eps == 0 or steps == 0:
        return x0.clone()
    lower, upper = (x0 - eps).clamp(0, 1), (x0 + eps).clamp(0, 1)
    with eval_mode(model):
        with torch.no_grad():
            p_clean = torch.softmax(model(x0), 1)
        noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype).to(x0.device)
        x_adv = torch.max(torch.min(x0 + 0.001 * noise, upper), lower)
        for _ in range(steps):
            x_adv.requires_grad_(True)
            kl = F.kl_div(F.log_softmax(model(x_adv), 1), p_clean, reduction="sum")
            (grad,) = torch.autograd.grad(kl, x_adv)
            x_adv = torch.max(torch.min(x_adv.detach() + step_size * grad.sign(), upper), lower)
    return x_adv.detach()


def pgd_linf_targeted(
    model: nn.Module, x: torch.Tensor, target: torch.Tensor, *, eps: float, step_size: float, steps: int
) -> torch.Tensor:
    """Targeted l-inf PGD (CCS §5.2.5): descend the cross-entropy of ``target`` (B,) from x (B, C, H, W), no random
    start, each step x <- clip_[0,1](clip_{B_eps(x0)}(x − step_size·sign(∇ CE_target))). Eval mode, previous mode
    restored. Returns x_adv inside B_eps(x0) ∩ [0, 1], detached."""
    if eps == 0 or steps == 0:
        return x.detach().clone()
    x0 = x.detach()
    lower, upper = (x0 - eps).clamp(0, 1), (x0 + eps).clamp(0, 1)
    x_adv = x0.clone()
    with eval_mode(model):
        for _ in range(steps):
            x_adv.requires_grad_(True)
            (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), target, reduction="sum"), x_adv)
            x_adv = torch.max(torch.min(x_adv.detach() - step_size * grad.sign(), upper), lower)
    return x_adv.detach()


def targeted_confidences(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    step_size: float,
    steps: int,
    n_classes: int,
    batch_size: int = 256,
) -> torch.Tensor:
    """F_y(x_adv,t) for every wrong label t (docs/settings.md#inference-strategies, targeted variant of IA): (N, n_classes − 1), column j holding
    the true-label confidence on the example targeted at the j-th wrong label in increasing label order."""
    out = []
    for start in range(0, len(y), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        cols = []
        for shift in range(1, n_classes):
            target = (yb + shift) % n_classes
            x_adv = pgd_linf_targeted(model, xb, target, eps=eps, step_size=step_size, steps=steps)
            with torch.no_grad():
                cols.append(torch.softmax(model(x_adv), 1).gather(1, yb[:, None])[:, 0])
        order = torch.argsort((yb[:, None] + torch.arange(1, n_classes)[None, :]) % n_classes, dim=1)
        out.append(torch.stack(cols, 1).gather(1, order))
    return torch.cat(out)
