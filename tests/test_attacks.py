import pytest
import torch
from torch import nn
from torch.nn import functional as F

from mi_lib import attacks
from mi_lib.attacks import pgd_linf


def small_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 5))


def batch():
    g = torch.Generator().manual_seed(1)
    return torch.rand(64, 3, 8, 8, generator=g), torch.randint(0, 5, (64,), generator=g)


def test_eps_zero_gives_the_clean_input_and_clean_accuracy():
    model, (x, y) = small_model(), batch()
    x_adv = pgd_linf(model, x, y, eps=0.0, step_size=0.1, steps=10, random_start=True)
    assert torch.equal(x_adv, x)
    assert torch.equal(model(x_adv).argmax(1), model(x).argmax(1))


def test_stays_inside_the_ball_and_the_image_range():
    model, (x, y) = small_model(), batch()
    for random_start in (False, True):
        x_adv = pgd_linf(
            model,
            x,
            y,
            eps=0.1,
            step_size=0.05,
            steps=7,
            random_start=random_start,
            generator=torch.Generator().manual_seed(0),
        )
        assert (x_adv - x).abs().max() <= 0.1 + 1e-6
        assert x_adv.min() >= 0 and x_adv.max() <= 1


def test_raises_the_loss_and_lowers_accuracy():
    model, (x, y) = small_model(), batch()
    x_adv = pgd_linf(model, x, y, eps=0.2, step_size=0.05, steps=10, random_start=False)
    with torch.no_grad():
        assert F.cross_entropy(model(x_adv), y) > F.cross_entropy(model(x), y)
        assert (model(x_adv).argmax(1) == y).float().mean() <= (model(x).argmax(1) == y).float().mean()


def test_restores_training_mode_and_leaves_no_parameter_gradients():
    model, (x, y) = small_model(), batch()
    model.train()
    pgd_linf(model, x, y, eps=0.1, step_size=0.05, steps=3, random_start=False)
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_random_start_is_seeded():
    model, (x, y) = small_model(), batch()
    run = lambda: pgd_linf(
        model, x, y, eps=0.1, step_size=0.02, steps=2, random_start=True, generator=torch.Generator().manual_seed(5)
    )  # noqa: E731
    assert torch.equal(run(), run())


def test_wrm_adversary_raises_the_loss_stays_in_range_and_restores_mode():
    from mi_lib.attacks import wrm_linf

    model, (x, y) = small_model(), batch()
    model.train()
    x_adv = wrm_linf(model, x, y, coeff=0.05, steps=5)
    assert model.training and x_adv.min() >= 0 and x_adv.max() <= 1
    with torch.no_grad():
        assert F.cross_entropy(model(x_adv), y) > F.cross_entropy(model(x), y)


def test_kl_pgd_stays_in_the_ball_and_moves_the_output():
    from mi_lib.attacks import pgd_kl

    model, (x, _) = small_model(), batch()
    x_adv = pgd_kl(model, x, eps=0.1, step_size=0.03, steps=5, generator=torch.Generator().manual_seed(0))
    assert (x_adv - x).abs().max() <= 0.1 + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    with torch.no_grad():
        p, q = torch.softmax(model(x), 1), torch.log_softmax(model(x_adv), 1)
        assert F.kl_div(q, p, reduction="batchmean") > 1e-4
    assert torch.equal(pgd_kl(model, x, eps=0.0, step_size=0.03, steps=5), x)


def test_targeted_pgd_moves_toward_the_target_and_stays_in_the_ball():
    model, (x, y) = small_model(), batch()
    target = (y + 1) % 5
    x_adv = attacks.pgd_linf_targeted(model, x, target, eps=0.1, step_size=0.02, steps=10)
    assert (x_adv - x).abs().max() <= 0.1 + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    with torch.no_grad():
        before = torch.softmax(model(x), 1).gather(1, target[:, None])
        after = torch.softmax(model(x_adv), 1).gather(1, target[:, None])
    assert after.mean() > before.mean()
    assert torch.equal(attacks.pgd_linf_targeted(model, x, target, eps=0.0, step_size=0.02, steps=10), x)


def test_targeted_confidences_columns_follow_the_wrong_labels():
    model, (x, y) = small_model(), batch()
    conf = attacks.targeted_confidences(
        model, x[:6], y[:6], eps=0.1, step_size=0.02, steps=3, n_classes=5, batch_size=4
    )
    assert conf.shape == (6, 4)
    for i in range(6):
        for t in range(5):
            if t == int(y[i]):
                continue
            j = t if t < int(y[i]) else t - 1  # columns: the wrong labels in increasing order
            x_adv = attacks.pgd_linf_targeted(model, x[i : i + 1], torch.tensor([t]), eps=0.1, step_size=0.02, steps=3)
            with torch.no_grad():
                direct = torch.softmax(model(x_adv), 1)[0, int(y[i])]
            assert float(conf[i, j]) == pytest.approx(float(direct), rel=1e-4, abs=1e-6)
