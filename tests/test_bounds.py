"""The certified bounds hold on real perturbations: PGD examples and random points of the ball stay inside them."""

import pytest
import torch
from tiny import batch, margins_of, net
from torch import nn

from mi_lib import bounds
from mi_lib.attacks import pgd_linf


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pgd_examples_and_random_points_stay_inside_the_bounds(seed):
    model, (x, y) = net(seed), batch(seed=seed)
    eps = 0.05
    lower, upper = bounds.interval_bounds(model, x, eps=eps)
    m = bounds.margin_lower_bounds(model, x, y, eps=eps)
    points = [pgd_linf(model, x, y, eps=eps, step_size=eps / 4, steps=20, random_start=False)]
    g = torch.Generator().manual_seed(seed)
    points += [(x + eps * (2 * torch.rand(x.shape, generator=g) - 1)).clamp(0, 1) for _ in range(5)]
    with torch.no_grad():
        for p in points:
            logits = model(p)
            assert (logits >= lower - 1e-5).all() and (logits <= upper + 1e-5).all()
            assert (margins_of(logits, y) >= m - 1e-5).all()


def test_eps_zero_bounds_are_the_clean_logits():
    model, (x, y) = net(), batch()
    with torch.no_grad():
        logits = model(x)
        lower, upper = bounds.interval_bounds(model, x, eps=0.0)
        assert torch.allclose(lower, logits, atol=1e-5) and torch.allclose(upper, logits, atol=1e-5)
        assert torch.allclose(bounds.margin_lower_bounds(model, x, y, eps=0.0), margins_of(logits, y), atol=1e-5)


def test_elided_margins_are_at_least_as_tight_as_differenced_logit_bounds():
    model, (x, y) = net(), batch()
    lower, upper = bounds.interval_bounds(model, x, eps=0.05)
    naive = lower.gather(1, y[:, None]) - upper
    naive[torch.arange(len(y)), y] = 0
    assert (bounds.margin_lower_bounds(model, x, y, eps=0.05) >= naive - 1e-5).all()


def test_verified_accuracy_is_below_pgd_accuracy_below_clean_accuracy():
    model, (x, y) = net(), batch(256)
    eps = 0.02
    with torch.no_grad():
        clean = (model(x).argmax(1) == y).float().mean()
    robust = (
        (model(pgd_linf(model, x, y, eps=eps, step_size=eps / 4, steps=20, random_start=False)).argmax(1) == y)
        .float()
        .mean()
    )
    certified = bounds.verified(bounds.margin_lower_bounds(model, x, y, eps=eps), y).float().mean()
    assert certified <= robust <= clean


def test_verified_confidence_is_a_lower_bound_of_the_true_label_confidence():
    model, (x, y) = net(), batch()
    eps = 0.03
    conf = bounds.verified_confidence(bounds.margin_lower_bounds(model, x, y, eps=eps))
    x_adv = pgd_linf(model, x, y, eps=eps, step_size=eps / 4, steps=20, random_start=False)
    with torch.no_grad():
        attacked = torch.softmax(model(x_adv), 1).gather(1, y[:, None])[:, 0]
    assert (conf <= attacked + 1e-6).all() and ((conf >= 0) & (conf <= 1)).all()


def test_ibp_and_box_losses_train_toward_certified_robustness():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2))
    x = torch.rand(128, 1, 8, 8)
    y = (x.mean((1, 2, 3)) > 0.5).long()
    x = x + (y.float() - 0.5)[:, None, None, None] * 0.4  # separable classes
    x = x.clamp(0, 1)
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    before = bounds.verified(bounds.margin_lower_bounds(model, x, y, eps=0.02), y).float().mean()
    for step in range(150):
        loss = bounds.ibp_loss(model, x, y, eps=0.02, kappa=0.5) if step % 2 else bounds.box_loss(model, x, y, eps=0.02)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = bounds.verified(bounds.margin_lower_bounds(model, x, y, eps=0.02), y).float().mean()
    assert after > max(before, 0.8)


def test_unsupported_layers_are_named():
    with pytest.raises(TypeError, match="BatchNorm2d"):
        bounds.layers(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)))


@pytest.mark.parametrize("seed", [0, 1])
def test_dual_bound_is_sound_and_never_looser_than_ibp(seed):
    model, (x, y) = net(seed), batch(8, seed=seed)
    eps = 0.05
    dual = bounds.dual_margin_lower_bounds_backward(model, x, y, eps=eps)
    ibp = bounds.margin_lower_bounds(model, x, y, eps=eps)
    assert (dual >= ibp - 1e-5).all() and (dual > ibp + 1e-4).any()  # tighter somewhere on a random net
    points = [pgd_linf(model, x, y, eps=eps, step_size=eps / 4, steps=20, random_start=False)]
    g = torch.Generator().manual_seed(seed)
    points += [(x + eps * (2 * torch.rand(x.shape, generator=g) - 1)).clamp(0, 1) for _ in range(10)]
    with torch.no_grad():
        for p in points:
            assert (margins_of(model(p), y) >= dual - 1e-4).all()
    assert torch.allclose(dual[torch.arange(len(y)), y], torch.zeros(len(y)), atol=1e-5)


def test_dual_bound_at_eps_zero_is_the_clean_margin():
    model, (x, y) = net(), batch(4)
    with torch.no_grad():
        assert torch.allclose(
            bounds.dual_margin_lower_bounds_backward(model, x, y, eps=0.0), margins_of(model(x), y), atol=1e-4
        )


def test_box_weight_ramp_scales_the_box_term_with_the_radius():
    """DiffAI's Box term at weight 0.2 · ε_t/ε with ``box_weight_ramp`` (the Yale cpu tier), the authors' fixed 0.2 without."""
    from mi_lib.objectives import diffai_loss
    from mi_lib.tiers import preset

    model, (x, y) = net(0), batch(8, seed=1)
    config = preset("fmnist", "smoke", method="diffai", eps=0.1)
    ramped = config.replace(box_weight_ramp=True)
    g = torch.Generator().manual_seed(0)
    full = diffai_loss(model, x, y, eps=0.1, config=config, generator=g)
    assert float(diffai_loss(model, x, y, eps=0.1, config=ramped, generator=g)) == pytest.approx(
        float(full)
    )  # at ε the same loss
    expected = bounds.box_loss(model, x, y, eps=0.02, weight=0.2 * 0.02 / 0.1)
    assert float(diffai_loss(model, x, y, eps=0.02, config=ramped, generator=g)) == pytest.approx(float(expected))
    assert ramped.train_id() != config.train_id()
