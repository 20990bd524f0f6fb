"""The forward dual network (exact and projected) against the backward dual bound, IBP and real perturbations."""

import pytest
import torch
from tiny import batch, margins_of, net
from torch import nn

from mi_lib import bounds, dual_network
from mi_lib.attacks import pgd_linf


def padded_net(seed=0):
    """A Wong-Kolter-style net (4x4 stride-2 convolutions) on a padded non-square input."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.ZeroPad2d((1, 1, 0, 0)),
        nn.Conv2d(1, 4, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 6, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(6 * 2 * 2, 12),
        nn.ReLU(),
        nn.Linear(12, 5),
    ).eval()


@pytest.mark.parametrize("make", [net, padded_net])
def test_exact_forward_dual_equals_the_backward_dual_bound(make):
    model = make(0)
    x, y = batch(6, seed=2)
    if make is padded_net:
        x = x[..., :6]  # 8x6 input, padded to 8x8 inside the model
    forward = dual_network.margin_lower_bounds(model, x, y, eps=0.05)
    backward = bounds.dual_margin_lower_bounds_backward(model, x, y, eps=0.05)
    assert torch.allclose(forward, backward, atol=1e-4)


def test_exact_forward_dual_is_sound_on_pgd_and_random_points():
    model, (x, y) = padded_net(1), batch(16, seed=3)
    x = x[..., :6]
    eps = 0.04
    dual = dual_network.margin_lower_bounds(model, x, y, eps=eps)
    assert (dual >= bounds.margin_lower_bounds(model, x, y, eps=eps) - 1e-5).all()
    g = torch.Generator().manual_seed(0)
    points = [pgd_linf(model, x, y, eps=eps, step_size=eps / 4, steps=20, random_start=False)]
    points += [(x + eps * (2 * torch.rand(x.shape, generator=g) - 1)).clamp(0, 1) for _ in range(10)]
    with torch.no_grad():
        for p in points:
            assert (margins_of(model(p), y) >= dual - 1e-4).all()


def test_projected_estimate_approaches_the_exact_bound_as_projections_grow():
    model, (x, y) = net(2), batch(8, seed=4)
    exact = bounds.dual_margin_lower_bounds_backward(model, x, y, eps=0.03)
    # without the IBP intersection the exact zonotope bound is what the estimate targets
    errors = []
    for k in (20, 2000):
        g = torch.Generator().manual_seed(5)
        with torch.no_grad():
            estimate = dual_network.margin_lower_bounds(model, x, y, eps=0.03, projections=k, generator=g)
        errors.append(float((estimate - exact).abs().mean() / exact.abs().mean()))
    assert errors[1] < errors[0] and errors[1] < 0.1


def test_projected_dual_loss_trains_toward_certified_robustness():
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 24), nn.ReLU(), nn.Linear(24, 3))
    g = torch.Generator().manual_seed(6)
    centres = torch.rand(3, 16, generator=g)
    y = torch.arange(3).repeat(20)
    x = (centres[y] + 0.05 * torch.randn(60, 16, generator=g)).clamp(0, 1).reshape(60, 1, 4, 4)
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    eps = 0.05
    before = bounds.verified(dual_network.margin_lower_bounds(model, x, y, eps=eps), y).float().mean()
    for _ in range(150):
        loss = dual_network.dual_loss(model, x, y, eps=eps, projections=20, generator=g)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = bounds.verified(dual_network.margin_lower_bounds(model, x, y, eps=eps), y).float().mean()
    assert after > 0.9 > before


def test_duality_presets_use_the_dual_variant_and_validate_the_bound():
    from mi_lib.config import ConfigError
    from mi_lib.models import build_model
    from mi_lib.tiers import preset

    config = preset("yale", "paper", method="duality")
    assert config.model == "yale_cnn_dual"  # the CCS net's duality variant
    assert config.verified_bound == "dual" and config.grad_clip == 1.0 and config.dual_projections == 50
    model = build_model(config.replace(width=1.0), in_shape=(1, 48, 42), n_classes=38)
    kinds = [type(m).__name__ for m in bounds.layers(model)]
    assert kinds[0] == "ZeroPad2d" and model(torch.rand(2, 1, 48, 42)).shape == (2, 38)
    assert [c.kernel_size for c in model.modules() if isinstance(c, nn.Conv2d) and c.stride == (2, 2)] == [(4, 4)] * 4
    small = build_model(
        preset("yale", "cpu", method="duality"), in_shape=(1, 24, 21), n_classes=38
    )  # the cpu tier's net
    assert [(c.out_channels, c.kernel_size, c.stride) for c in small.modules() if isinstance(c, nn.Conv2d)] == [
        (16, (4, 4), (2, 2)),
        (32, (4, 4), (2, 2)),
    ]
    assert preset("cifar10-jpeg", "cpu", method="duality").eps == pytest.approx(
        2 / 255
    )  # DLS Table III's provable models
    assert config.replace(verified_bound="ibp").train_id() == config.train_id()
    assert config.replace(verified_bound="ibp").run_id() != config.run_id()
    with pytest.raises(ConfigError, match="verified_bound: unknown value 'lp'"):
        config.replace(verified_bound="lp")
    with pytest.raises(ConfigError, match="dual_projections: must be >= 0"):
        config.replace(dual_projections=-1)


def test_an_exact_bound_too_large_for_memory_fails_clearly(monkeypatch):
    model, (x, y) = padded_net(0), batch(6, seed=2)
    monkeypatch.setattr(dual_network, "EXACT_BOUND_MEMORY", 1000)  # bytes: the first layer's generators exceed it
    with pytest.raises(MemoryError, match="GiB for one layer's generators.*fewer points at a time"):
        dual_network.margin_lower_bounds(model, x[..., :6], y, eps=0.05)
