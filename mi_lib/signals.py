"""Signals: per-example softmax outputs of a trained model, in the authors' schema.

This is the only step of an evaluation that needs the model; attacks and metrics then work on these
arrays (:mod:`mi_lib.metrics`). Keys, as in the authors' ``output_results/*.npz`` files:
``output_train_benign`` (M, K), ``output_test_benign`` (N, K), ``output_train_adversarial`` (M, K),
``output_test_adversarial`` (N, K), ``train_label`` (M,), ``test_label`` (N,). "train" = members,
"test" = non-members.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .attacks import eval_mode, pgd_linf
from .data import MembershipSplit

SIGNAL_KEYS = (
    "output_train_benign",
    "output_test_benign",
    "output_train_adversarial",
    "output_test_adversarial",
    "train_label",
    "test_label",
)


def softmax_outputs(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    steps: int,
    step_size: float,
    batch_size: int = 500,
    device: torch.device | str = "cpu",
    attack_model: nn.Module | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Softmax on clean inputs and on evaluation-PGD inputs (no random start; spec §4.1); the PGD attacks
    ``attack_model`` when given (PixelDP: one noise draw per step), else ``model``.

    x (N, C, H, W) in [0, 1], y (N,). Returns (benign (N, K), adversarial (N, K)) float32 arrays.
    """
    benign, adversarial = [], []
    attacked = attack_model if attack_model is not None else model
    with eval_mode(model), eval_mode(attacked):
        for i in range(0, len(y), batch_size):
            xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
            x_adv = pgd_linf(attacked, xb, yb, eps=eps, step_size=step_size, steps=steps, random_start=False)
            with torch.no_grad():
                benign.append(torch.softmax(model(xb), 1).cpu())
                adversarial.append(torch.softmax(model(x_adv), 1).cpu())
    return torch.cat(benign).numpy(), torch.cat(adversarial).numpy()


def compute_signals(
    model: nn.Module,
    split: MembershipSplit,
    *,
    eps: float,
    steps: int,
    step_size: float,
    device: torch.device | str = "cpu",
    attack_model: nn.Module | None = None,
) -> dict[str, np.ndarray]:
    """All six arrays of the authors' schema for ``split`` (members = train, non-members = test)."""
    kwargs = dict(eps=eps, steps=steps, step_size=step_size, device=device, attack_model=attack_model)
    train_benign, train_adv = softmax_outputs(model, split.x_members, split.y_members, **kwargs)
    test_benign, test_adv = softmax_outputs(model, split.x_nonmembers, split.y_nonmembers, **kwargs)
    return {
        "output_train_benign": train_benign,
        "output_test_benign": test_benign,
        "output_train_adversarial": train_adv,
        "output_test_adversarial": test_adv,
        "train_label": split.y_members.numpy(),
        "test_label": split.y_nonmembers.numpy(),
    }


def verified_outputs(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    dual: bool = False,
    batch_size: int = 500,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """The verified worst-case softmax, softmax(−m) with m the certified margin lower bounds over B_eps (spec §4.2):
    IBP / Box bounds, or (``dual``) the exact dual-network bound of the duality-based defence, computed a few points
    at a time (its cost grows with the unstable units). Its y-entry is strategy IV's score and its argmax is y exactly
    when the point is verified. (N, K)."""
    from .bounds import margin_lower_bounds, worst_case_logits
    from .dual_network import margin_lower_bounds as dual_margin_lower_bounds

    bound, step = (dual_margin_lower_bounds, 4) if dual else (margin_lower_bounds, batch_size)
    out = []
    with eval_mode(model), torch.no_grad():
        for i in range(0, len(y), step):
            xb, yb = x[i : i + step].to(device), y[i : i + step].to(device)
            out.append(torch.softmax(worst_case_logits(bound(model, xb, yb, eps=eps)), 1).cpu())
    return torch.cat(out).numpy()
