"""Signals: per-example softmax outputs of a trained model, in the authors' schema.

This is the only step of an evaluation that needs the model; attacks and metrics then work on these
arrays (:mod:`mi_lib.metrics`). Keys, as in the authors' ``output_results/*.npz`` files:
``output_train_benign`` (M, K), ``output_test_benign`` (N, K), ``output_train_adversarial`` (M, K),
``output_test_adversarial`` (N, K), ``train_label`` (M,), ``test_label`` (N,). "train" = members,
"test" = non-members.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import bounds, dual_network
from .attacks import eval_mode, pgd_linf
from .data import MembershipSplit
from .runs_io import load_arrays, save_arrays

SIGNAL_KEYS = (
    "output_train_benign",
    "output_test_benign",
    "output_train_adversarial",
    "output_test_adversarial",
    "train_label",
    "test_label",
)


def model_outputs(
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
    partial: Path | None = None,
    save_every: int = 2000,
) -> tuple[np.ndarray, np.ndarray]:
    """Logits on clean inputs and on evaluation-PGD inputs (no random start; the papers' evaluation attack); the PGD
    attacks ``attack_model`` when given (PixelDP: one noise draw per step), else ``model``.

    Logits do not saturate where float32 softmax does (a confidence of 1.0 ties every well-fit point), so the
    attacks that rank points at low false-positive rates score them (:mod:`mi_lib.lira`, :mod:`mi_lib.rmia`).
    With ``partial``, the outputs computed so far are saved there about every ``save_every`` images and an
    interrupted evaluation resumes from them (the evaluation PGD is deterministic, so the result is the same).

    x (N, C, H, W) in [0, 1], y (N,). Returns (benign (N, K), adversarial (N, K)) float32 arrays."""
    benign, adversarial, start = _resume(partial, n=len(y), eps=eps, steps=steps)
    attacked = attack_model if attack_model is not None else model
    since_save = 0
    with eval_mode(model), eval_mode(attacked):
        for i in range(start, len(y), batch_size):
            xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
            x_adv = pgd_linf(attacked, xb, yb, eps=eps, step_size=step_size, steps=steps, random_start=False)
            with torch.no_grad():
                benign.append(model(xb).float().cpu().numpy())
                adversarial.append(model(x_adv).float().cpu().numpy())
            since_save += len(yb)
            if partial is not None and since_save >= save_every and i + batch_size < len(y):
                _save_partial(partial, benign, adversarial, n=len(y), eps=eps, steps=steps)
                since_save = 0
    return np.concatenate(benign), np.concatenate(adversarial)


def _resume(partial: Path | None, *, n: int, eps: float, steps: int) -> tuple[list, list, int]:
    """The outputs an interrupted evaluation saved at ``partial`` (if they belong to this evaluation), as lists of
    blocks and the index to continue from."""
    saved = load_arrays(partial) if partial is not None else None
    if saved is None:
        return [], [], 0
    if int(saved["n"]) != n or float(saved["eps"]) != eps or int(saved["steps"]) != steps:
        return [], [], 0
    return [saved["benign"]], [saved["adversarial"]], len(saved["benign"])


def _save_partial(path: Path, benign: list, adversarial: list, *, n: int, eps: float, steps: int) -> None:
    save_arrays(
        path,
        {
            "benign": np.concatenate(benign),
            "adversarial": np.concatenate(adversarial),
            "n": np.array(n),
            "eps": np.array(eps),
            "steps": np.array(steps),
        },
    )


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float32, as the models' confidences have always been recorded."""
    return torch.softmax(torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32)), 1).numpy()


def softmax_outputs(model: nn.Module, x: torch.Tensor, y: torch.Tensor, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """:func:`model_outputs` as softmax confidences: (benign (N, K), adversarial (N, K)) float32 arrays."""
    benign, adversarial = model_outputs(model, x, y, **kwargs)
    return softmax(benign), softmax(adversarial)


def compute_signals(
    model: nn.Module,
    split: MembershipSplit,
    *,
    eps: float,
    steps: int,
    step_size: float,
    device: torch.device | str = "cpu",
    attack_model: nn.Module | None = None,
    partial_dir: Path | None = None,
) -> dict[str, np.ndarray]:
    """All six arrays of the authors' schema for ``split`` (members = train, non-members = test), and beside them
    the logits they come from (``logits_train_benign`` …). ``partial_dir`` makes the evaluation resumable."""
    kwargs = dict(eps=eps, steps=steps, step_size=step_size, device=device, attack_model=attack_model)
    arrays = {"train_label": split.y_members.numpy(), "test_label": split.y_nonmembers.numpy()}
    for part, xs, ys in (("train", split.x_members, split.y_members), ("test", split.x_nonmembers, split.y_nonmembers)):
        partial = partial_dir / f"{part}.npz" if partial_dir is not None else None
        benign, adversarial = model_outputs(model, xs, ys, partial=partial, **kwargs)
        arrays[f"logits_{part}_benign"], arrays[f"logits_{part}_adversarial"] = benign, adversarial
        arrays[f"output_{part}_benign"], arrays[f"output_{part}_adversarial"] = softmax(benign), softmax(adversarial)
        if partial is not None:  # this part is whole: keep it as one block so a later interruption does not redo it
            _save_partial(partial, [benign], [adversarial], n=len(ys), eps=eps, steps=steps)
    return arrays


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
    """The verified worst-case softmax, softmax(−m) with m the certified margin lower bounds over B_eps (docs/settings.md#inference-strategies):
    IBP / Box bounds, or (``dual``) the exact dual-network bound of the duality-based defence, computed a few points
    at a time (its cost grows with the unstable units). Its y-entry is strategy IV's score and its argmax is y exactly
    when the point is verified. (N, K)."""

    bound, step = (dual_network.margin_lower_bounds, 4) if dual else (bounds.margin_lower_bounds, batch_size)
    out = []
    with eval_mode(model), torch.no_grad():
        for i in range(0, len(y), step):
            xb, yb = x[i : i + step].to(device), y[i : i + step].to(device)
            out.append(torch.softmax(bounds.worst_case_logits(bound(model, xb, yb, eps=eps)), 1).cpu())
    return torch.cat(out).numpy()
