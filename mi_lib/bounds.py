"""Certified bounds for the verifiable defences (CCS §6, docs/settings.md#verifiable-defences and #inference-strategies): interval bound propagation (IBP,
Gowal et al.), which is also DiffAI's Box domain (Mirman et al.), the losses trained on them, verified accuracy,
and the verified worst-case confidence that strategy IV thresholds.

A model is a sequence of layers (:func:`layers`): Conv2d, Linear, ReLU, Flatten, ZeroPad2d. Every bound is over the l∞ ball
of radius ``eps`` around x intersected with the image range [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

SUPPORTED = (nn.Conv2d, nn.Linear, nn.ReLU, nn.Flatten, nn.ZeroPad2d)


def layers(model: nn.Module) -> list[nn.Module]:
    """The model's layers in order (the plain CNNs of :mod:`mi_lib.models`, or any nn.Sequential of supported
    layers). Raises for a layer the bounds do not handle."""
    found = [m for m in model.modules() if not list(m.children())]
    unsupported = sorted({type(m).__name__ for m in found if not isinstance(m, SUPPORTED)})
    if unsupported:
        raise TypeError(
            f"model: layers {unsupported} are not supported by the bounds; supported: Conv2d, Linear, ReLU, Flatten, ZeroPad2d"
        )
    return found


def _affine_radius(layer: nn.Module, radius: torch.Tensor) -> torch.Tensor:
    if isinstance(layer, nn.Linear):
        return F.linear(radius, layer.weight.abs())
    return F.conv2d(radius, layer.weight.abs(), None, layer.stride, layer.padding, layer.dilation, layer.groups)


def interval_bounds(
    model: nn.Module, x: torch.Tensor, *, eps: float, upto: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """IBP / Box bounds (lower, upper) of the model's output (or of layer ``upto``'s input) over
    B_eps(x) ∩ [0, 1]. x (B, C, H, W); returns two tensors of the output's shape."""
    lower, upper = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    for layer in layers(model)[:upto]:
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            mid, rad = layer((upper + lower) / 2), _affine_radius(layer, (upper - lower) / 2)
            lower, upper = mid - rad, mid + rad
        elif isinstance(layer, nn.ReLU):
            lower, upper = lower.clamp(min=0), upper.clamp(min=0)
        else:  # Flatten, ZeroPad2d (the padding is exactly 0)
            lower, upper = layer(lower), layer(upper)
    return lower, upper


def margin_lower_bounds(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float) -> torch.Tensor:
    """Certified lower bounds m_j ≤ min over B_eps(x) ∩ [0, 1] of z_y − z_j (B, K), with m_y = 0.

    IBP bounds up to the last layer, then the last (linear) layer's rows are differenced before bounding
    (Gowal et al.'s elision), which is tighter than differencing the logit bounds.
    """
    all_layers = layers(model)
    last = all_layers[-1]
    if not isinstance(last, nn.Linear):
        raise TypeError("model: the last layer must be Linear")
    lower, upper = interval_bounds(model, x, eps=eps, upto=len(all_layers) - 1)
    w = last.weight[y][:, None, :] - last.weight[None, :, :]  # (B, K, H): w_y − w_j
    b = last.bias[y][:, None] - last.bias[None, :]  # (B, K)
    mid, rad = (upper + lower) / 2, (upper - lower) / 2
    return (w @ mid[:, :, None])[..., 0] - (w.abs() @ rad[:, :, None])[..., 0] + b


def worst_case_logits(margins: torch.Tensor) -> torch.Tensor:
    """Logits whose softmax is the verified worst case: −m (z_y − z_j ≥ m_j for every j), docs/settings.md#inference-strategies."""
    return -margins


def verified_confidence(margins: torch.Tensor) -> torch.Tensor:
    """Strategy IV's score: the worst-case true-label confidence 1 / Σ_j exp(−m_j) over the ball (B,)."""
    return 1.0 / torch.exp(-margins).sum(1)  # m_y = 0 contributes exp(0) = 1: the softmax of −m at y


def _wrong_labels(margins: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(B, K) bool: True at every label j ≠ y."""
    wrong = torch.ones_like(margins, dtype=torch.bool)
    wrong[torch.arange(len(y)), y] = False
    return wrong


def verified(margins: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Whether every point is certified: m_j > 0 for every wrong label j (B,) bool."""
    wrong = _wrong_labels(margins, y)
    return (margins > 0).where(wrong, torch.ones_like(wrong)).all(1)


def ibp_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, kappa: float) -> torch.Tensor:
    """Gowal et al.'s IBP loss: κ·CE(z(x), y) + (1 − κ)·CE(worst-case logits, y) (docs/settings.md#verifiable-defences)."""
    clean = F.cross_entropy(model(x), y)
    return kappa * clean + (1 - kappa) * F.cross_entropy(
        worst_case_logits(margin_lower_bounds(model, x, y, eps=eps)), y
    )


def box_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, weight: float = 0.2) -> torch.Tensor:
    """DiffAI's Box loss as the authors ran it (docs/settings.md#verifiable-defences): (w·softplus(max_j upper(z_j − z_y)) + CE) / (w + 1),
    the max over wrong labels j, w = 0.2."""
    margins = margin_lower_bounds(model, x, y, eps=eps)
    worst = (-margins).masked_fill(~_wrong_labels(margins, y), float("-inf")).max(1).values  # upper bound of z_j − z_y
    return (weight * F.softplus(worst).mean() + F.cross_entropy(model(x), y)) / (weight + 1)


# ----------------------------------------------------------------------------------------------------------------
# The dual network of Wong & Kolter (2018): a linear bound propagated backward through the network, each unstable
# ReLU (l < 0 < u) relaxed with slope d = u / (u − l) — a lower bound z ≥ d·ẑ and an upper bound z ≤ d·(ẑ − l) —
# with pre-activation bounds computed layer by layer by the same backward pass. Every intermediate bound is
# intersected with IBP's, so the result is never looser than IBP (and still sound).


def _shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[int, ...]]:
    """Input shape (without batch) of every layer, and the output shape last."""
    shapes, h = [tuple(x.shape[1:])], x[:1]
    with torch.no_grad():
        for layer in layers(model):
            h = layer(h)
            shapes.append(tuple(h.shape[1:]))
    return shapes


def _transpose(layer: nn.Module, lam: torch.Tensor, in_shape: tuple[int, ...]) -> torch.Tensor:
    """λ (B, R, *out) ↦ λ·W (B, R, *in) for the layer's linear map W (bias excluded)."""
    b, r = lam.shape[:2]
    if isinstance(layer, nn.Linear):
        return lam @ layer.weight
    if isinstance(layer, nn.Flatten):
        return lam.reshape(b, r, *in_shape)
    if isinstance(layer, nn.ZeroPad2d):  # the transpose of padding is cropping
        left, right, top, bottom = layer.padding
        return lam[..., top : lam.shape[-2] - bottom, left : lam.shape[-1] - right]
    flat = lam.reshape(b * r, *lam.shape[2:])
    out_h, out_w = flat.shape[-2:]
    k_h, k_w = layer.kernel_size
    pad = [
        in_shape[1] - ((out_h - 1) * layer.stride[0] - 2 * layer.padding[0] + k_h),
        in_shape[2] - ((out_w - 1) * layer.stride[1] - 2 * layer.padding[1] + k_w),
    ]
    back = F.conv_transpose2d(flat, layer.weight, None, layer.stride, layer.padding, output_padding=tuple(pad))
    return back.reshape(b, r, *in_shape)


def _bias(layer: nn.Module, lam: torch.Tensor) -> torch.Tensor:
    """λ·b (B, R) for the layer's bias b."""
    if isinstance(layer, nn.Linear):
        return lam @ layer.bias
    return (lam.sum((-2, -1)) * layer.bias).sum(-1)


def relu_relaxation(lower: torch.Tensor, upper: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Wong & Kolter's linear relaxation of a ReLU with pre-activation bounds (lower, upper): the slope d (0 when
    inactive, 1 when active, u / (u − l) when unstable) and the height h = −d·l of the relaxation (0 unless
    unstable): d·ẑ ≤ ReLU(ẑ) ≤ d·ẑ + h over [l, u]."""
    slope = torch.where(
        upper <= 0,
        torch.zeros_like(upper),
        torch.where(lower >= 0, torch.ones_like(upper), upper / (upper - lower).clamp(min=1e-12)),
    )
    height = torch.where((lower < 0) & (upper > 0), -slope * lower, torch.zeros_like(lower))
    return slope, height


def _backward_lower(
    all_layers: list[nn.Module],
    shapes,
    relu_bounds: dict,
    spec: torch.Tensor,
    upto: int,
    box: tuple[torch.Tensor, torch.Tensor],
) -> torch.Tensor:
    """Lower bound of spec·(output of layers[:upto]) over the box, spec (B, R, *shape of that output) -> (B, R)."""
    lam, const = spec, torch.zeros(spec.shape[:2], dtype=spec.dtype)
    for i in range(upto - 1, -1, -1):
        layer = all_layers[i]
        if isinstance(layer, nn.ReLU):
            slope, intercept = relu_relaxation(*relu_bounds[i])  # z ≤ d·ẑ + intercept
            const = const + (lam.clamp(max=0) * intercept[:, None]).flatten(2).sum(-1)
            lam = lam * slope[:, None]
        else:
            if isinstance(layer, (nn.Linear, nn.Conv2d)):
                const = const + _bias(layer, lam)
            lam = _transpose(layer, lam, shapes[i])
    lo, hi = box
    mid, rad = ((hi + lo) / 2)[:, None], ((hi - lo) / 2)[:, None]
    return const + (lam * mid).flatten(2).sum(-1) - (lam.abs() * rad).flatten(2).sum(-1)


def dual_margin_lower_bounds_backward(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float
) -> torch.Tensor:
    """Wong & Kolter's dual bound of the margins (exact: every intermediate bound from a full backward pass):
    m_j ≤ min over B_eps(x) ∩ [0, 1] of z_y − z_j (B, K), m_y = 0, never below IBP's
    (:func:`margin_lower_bounds`). Costs one backward pass per neuron of every ReLU layer: for small nets and
    evaluation; x (B, C, H, W)."""
    all_layers, shapes = layers(model), _shapes(model, x)
    box = ((x - eps).clamp(0, 1), (x + eps).clamp(0, 1))
    relu_bounds = {}
    with torch.no_grad():
        for i, layer in enumerate(all_layers):
            if not isinstance(layer, nn.ReLU):
                continue
            ibp_lower, ibp_upper = interval_bounds(model, x, eps=eps, upto=i)
            n = ibp_lower[0].numel()
            eye = torch.eye(n, dtype=x.dtype).reshape(1, n, *shapes[i]).expand(len(x), -1, *shapes[i])
            lower = _backward_lower(all_layers, shapes, relu_bounds, eye, i, box).reshape(ibp_lower.shape)
            upper = -_backward_lower(all_layers, shapes, relu_bounds, -eye, i, box).reshape(ibp_lower.shape)
            relu_bounds[i] = (torch.maximum(lower, ibp_lower), torch.minimum(upper, ibp_upper))
        k = shapes[-1][0]
        spec = (
            torch.eye(k, dtype=x.dtype)[y][:, None, :] - torch.eye(k, dtype=x.dtype)[None, :, :]
        )  # (B, K, K): e_y − e_j
        dual = _backward_lower(all_layers, shapes, relu_bounds, spec, len(all_layers), box)
        return torch.maximum(dual, margin_lower_bounds(model, x, y, eps=eps))
