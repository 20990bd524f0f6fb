"""Wong & Kolter's dual network run forward, exact or with random projections (Wong, Schmidt, Metzen & Kolter,
NeurIPS 2018), for the duality-based defence of CCS §6 (docs/settings.md#verifiable-defences).

With every unstable ReLU (l < 0 < u) relaxed by the slope d = u / (u − l) — between d·ẑ and d·(ẑ − l) — the
network's output over B_eps(x) ∩ [0, 1] lies in a zonotope: a centre plus Σ_g e_g·G_g with every e_g ∈ [−1, 1].
The generators are the input's radius (one per pixel) and, for each unstable unit, half its relaxation's height
−d·l. A linear function c of a layer then has the certified lower bound c·centre − Σ_g |c·G_g|, the value of
Wong & Kolter's dual objective for these slopes (:func:`mi_lib.bounds.dual_margin_lower_bounds_backward` computes the same
bound backward; a test checks that they agree).

Exact: one generator per pixel and per unit, pushed forward with the layers' linear maps: for small nets and
tests. Projected: the l1 norm Σ_g |c·G_g| is estimated as the median of |c·G r| over ``projections`` vectors r of
i.i.d. standard Cauchy entries (c·G r is Cauchy with scale Σ_g |c·G_g|), so the generators cost ``projections``
forward passes whatever their number: how Wong et al. train on larger nets. The generators a ReLU adds are
projected with fresh Cauchy vectors and *added* to the running projections (a sum of independent Cauchy variables
is Cauchy with the sum of their scales), so one group of ``projections`` columns runs through the whole net and
each layer takes one median — where estimating every layer's group apart costs a group and a median per ReLU
layer before it (measured on the Fashion-MNIST net: about 2× slower). The estimate is not a certificate; verified
accuracies are computed with the exact bound.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .bounds import interval_bounds, layers, relu_relaxation
from .bounds import margin_lower_bounds as ibp_margin_lower_bounds


def _linear(layer: nn.Module, v: torch.Tensor, *, bias: bool) -> torch.Tensor:
    """The layer's affine map (``bias``) or its linear part on v (N, *in)."""
    if isinstance(layer, nn.Linear):
        return F.linear(v, layer.weight, layer.bias if bias else None)
    if isinstance(layer, nn.Conv2d):
        return F.conv2d(
            v, layer.weight, layer.bias if bias else None, layer.stride, layer.padding, layer.dilation, layer.groups
        )
    return layer(v)  # Flatten, ZeroPad2d: linear, no bias


EXACT_BOUND_MEMORY = 6 * 2**30  # bytes one layer's generators may take (a quarter of a 24 GiB machine)


class _Zonotope:
    """Centre (B, *s) and generator groups, each (B, R, *s); ``exact`` groups are summed, projected ones medianed."""

    def __init__(self, centre: torch.Tensor, groups: list[tuple[torch.Tensor, bool]]):
        self.centre, self.groups = centre, groups

    def map(self, layer: nn.Module) -> _Zonotope:
        def push(g: torch.Tensor) -> torch.Tensor:
            b, r = g.shape[:2]
            out = _linear(layer, g.reshape(b * r, *g.shape[2:]), bias=False)
            return out.reshape(b, r, *out.shape[1:])

        centre = _linear(layer, self.centre, bias=True)
        rows = sum(g.shape[0] * g.shape[1] for g, _ in self.groups)
        needed = rows * centre[0].numel() * centre.element_size()
        if (
            needed > EXACT_BOUND_MEMORY
        ):  # an exact bound on a wide net with many unstable units: fail clearly, not by the OOM killer
            raise MemoryError(
                f"the dual bound needs ~{needed / 2**30:.1f} GiB for one layer's generators ({rows} generator rows x "
                f"{centre[0].numel()} units; limit {EXACT_BOUND_MEMORY / 2**30:.0f} GiB): bound fewer points at a time, "
                "use a narrower net, or estimate with projections"
            )
        return _Zonotope(centre, [(push(g), exact) for g, exact in self.groups])

    def radius(self, spec: torch.Tensor | None = None) -> torch.Tensor:
        """Σ_g |c·G_g| for every unit (spec None: c = each unit's indicator) or for each row c of ``spec`` (B, S, *s)."""
        total = 0
        for g, exact in self.groups:
            values = g if spec is None else torch.einsum("br...,bs...->brs", g, spec)
            total = total + (values.abs().sum(1) if exact else values.abs().median(1).values)
        return total

    def relu(
        self, lower: torch.Tensor, upper: torch.Tensor, *, projections: int | None, generator: torch.Generator | None
    ) -> _Zonotope:
        """Through a ReLU with pre-activation bounds (lower, upper): slope d on every generator, the centre moved by
        half the relaxation's height h = −d·l of the unstable units, and a new group of generators of size h/2."""
        slope, height = relu_relaxation(lower, upper)
        half = height / 2
        groups = [(g * slope[:, None], exact) for g, exact in self.groups]
        if projections is not None:  # one projected group: the new terms' projections are added to it
            [(projected, _)] = groups
            fresh, _ = _generators(half, projections, generator)
            return _Zonotope(self.centre * slope + half, [(projected + fresh, False)])
        unstable = ((lower < 0) & (upper > 0)).any(
            0
        )  # exact: generators only for units unstable somewhere in the batch
        if unstable.any():
            groups.append(_generators(half, projections, generator, only=unstable))
        return _Zonotope(self.centre * slope + half, groups)


def _generators(
    scale: torch.Tensor, projections: int | None, generator: torch.Generator | None, only: torch.Tensor | None = None
) -> tuple[torch.Tensor, bool]:
    """Generators for independent symmetric terms of size ``scale`` (B, *s): one per unit (exact; ``only``, a bool
    mask of shape s, keeps the units that can be non-zero), or ``projections`` Cauchy combinations of them."""
    b, shape = scale.shape[0], scale.shape[1:]
    if projections is None:
        units = (
            torch.arange(scale[0].numel(), device=scale.device) if only is None else torch.nonzero(only.flatten())[:, 0]
        )
        eye = torch.zeros(len(units), scale[0].numel(), dtype=scale.dtype, device=scale.device)
        eye[torch.arange(len(units)), units] = 1
        return eye.reshape(1, len(units), *shape) * scale[:, None], True
    u = torch.rand((b, projections, *shape), generator=generator, dtype=scale.dtype).to(scale.device)
    cauchy = torch.tan(torch.pi * (u - 0.5))
    return cauchy * scale[:, None], False


def margin_lower_bounds(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    projections: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Lower bounds m_j of z_y − z_j over B_eps(x) ∩ [0, 1] (B, K), m_y = 0, from the dual network: exact
    (``projections`` None; every intermediate bound also intersected with IBP's, so never looser than IBP) or
    estimated with ``projections`` Cauchy projections per generator group (for training)."""
    all_layers = layers(model)
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    zono = _Zonotope((hi + lo) / 2, [_generators((hi - lo) / 2, projections, generator)])
    for i, layer in enumerate(all_layers):
        if isinstance(layer, nn.ReLU):
            radius = zono.radius()
            lower, upper = zono.centre - radius, zono.centre + radius
            if projections is None:
                ibp_lower, ibp_upper = interval_bounds(model, x, eps=eps, upto=i)
                lower, upper = torch.maximum(lower, ibp_lower), torch.minimum(upper, ibp_upper)
            zono = zono.relu(lower, upper, projections=projections, generator=generator)
        else:
            zono = zono.map(layer)
    k = zono.centre.shape[1]
    spec = (
        torch.eye(k, dtype=x.dtype, device=x.device)[y][:, None, :] - torch.eye(k, dtype=x.dtype, device=x.device)[None]
    )  # e_y − e_j
    margins = torch.einsum("bk,bsk->bs", zono.centre, spec) - zono.radius(spec)
    return margins if projections is not None else torch.maximum(margins, ibp_margin_lower_bounds(model, x, y, eps=eps))


def dual_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    projections: int | None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Wong & Kolter's robust loss: cross-entropy of the worst-case logits −m (docs/settings.md#verifiable-defences)."""
    return F.cross_entropy(-margin_lower_bounds(model, x, y, eps=eps, projections=projections, generator=generator), y)
