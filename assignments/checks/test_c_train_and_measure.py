"""Checker of assignment (c): the PGD training loss equals the library's, the training loop fits a learnable
problem deterministically, and the advantage gap equals the library's computation."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from mi_lib import objectives
from mi_lib.config import ExperimentConfig
from mi_lib.metrics import inference_results


def data(n=128):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 6, 6, generator=g)
    y = torch.arange(n) % 3
    x[torch.arange(n), 0, y, y] = 1.0  # a learnable class signal
    return x, y


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(36, 32), nn.ReLU(), nn.Linear(32, 3))


def test_pgd_training_loss_equals_the_library(submission):
    x, y = data(32)
    config = ExperimentConfig(dataset="fmnist", model="fmnist_cnn", method="pgd", eps=0.1, train_steps=5, train_step_ratio=0.25)
    net = model()
    theirs = submission.pgd_training_loss(net, x, y, eps=0.1, step_size=0.025, steps=5, generator=torch.Generator().manual_seed(3))
    ours = objectives.pgd_loss(net, x, y, eps=0.1, config=config, generator=torch.Generator().manual_seed(3))
    assert float(theirs) == pytest.approx(float(ours), rel=1e-5)
    assert float(theirs) > float(F.cross_entropy(net(x), y))  # adversarial examples raise the loss
    theirs.backward()
    assert all(p.grad is not None for p in net.parameters())


def test_training_loop_fits_and_is_seeded(submission):
    x, y = data()
    ce = lambda m, xb, yb, g: F.cross_entropy(m(xb), yb)  # noqa: E731
    first = submission.train(model(), x, y, loss_fn=ce, epochs=30, batch_size=16, lr=1e-2, seed=0)
    assert not first.training
    with torch.no_grad():
        assert (first(x).argmax(1) == y).float().mean() > 0.9
    second = submission.train(model(), x, y, loss_fn=ce, epochs=30, batch_size=16, lr=1e-2, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters()))


def test_advantage_gap_matches_the_library(submission):
    rng = np.random.default_rng(0)

    def signals(shift):
        probs = lambda n, s: np.stack([np.clip(rng.beta(2 + s, 2, n), 1e-6, 1 - 1e-6), np.zeros(n)], 1)  # noqa: E731
        out = {"output_train_benign": probs(200, shift), "output_test_benign": probs(100, 0),
               "output_train_adversarial": probs(200, 2 * shift), "output_test_adversarial": probs(100, 0),
               "train_label": np.zeros(200, int), "test_label": np.zeros(100, int)}
        for k in list(out)[:4]:
            out[k][:, 1] = 1 - out[k][:, 0]
        return out

    natural, robust = signals(0.5), signals(2.0)
    best = lambda s: max(r.advantage for r in inference_results(s).values())  # noqa: E731
    assert submission.advantage_gap(natural, robust) == pytest.approx(best(robust) - best(natural))


def test_the_question_is_answered(answers):
    assert answers and all("Your answer here" not in a for a in answers), "write your answer in the answer cell"
