"""Checker of assignment (b): l∞ PGD stays in the ball and the image range, ε = 0 is the identity, the model's mode
is restored, and it equals the library's evaluation PGD on a fixed model."""
import torch
from torch import nn

from mi_lib.attacks import pgd_linf as reference


def model_and_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 5))
    g = torch.Generator().manual_seed(1)
    return model, torch.rand(64, 3, 8, 8, generator=g), torch.randint(0, 5, (64,), generator=g)


def test_stays_in_the_ball_and_the_image_range(submission):
    model, x, y = model_and_batch()
    x_adv = submission.pgd_linf(model, x, y, eps=0.1, step_size=0.03, steps=10)
    assert (x_adv - x).abs().max() <= 0.1 + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    assert not x_adv.requires_grad


def test_eps_zero_is_the_identity(submission):
    model, x, y = model_and_batch()
    assert torch.allclose(submission.pgd_linf(model, x, y, eps=0.0, step_size=0.0, steps=5), x)


def test_restores_the_training_mode(submission):
    model, x, y = model_and_batch()
    model.train()
    submission.pgd_linf(model, x, y, eps=0.1, step_size=0.03, steps=2)
    assert model.training


def test_equals_the_evaluation_pgd(submission):
    model, x, y = model_and_batch()
    ours = reference(model, x, y, eps=0.1, step_size=0.0125, steps=20, random_start=False)
    theirs = submission.pgd_linf(model, x, y, eps=0.1, step_size=0.0125, steps=20)
    assert torch.allclose(theirs, ours, atol=1e-6)
    with torch.no_grad():
        assert (model(theirs).argmax(1) == y).float().mean() < (model(x).argmax(1) == y).float().mean()


def test_the_question_is_answered(answers):
    assert answers and all("Your answer here" not in a for a in answers), "write your answer in the answer cell"
