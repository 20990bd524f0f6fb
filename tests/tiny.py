"""Tiny seeded inputs shared by the tests: a learnable 4-class split and a seconds-long config over it, and a small
plain CNN with a batch for the bounds' checks."""

import torch

from mi_lib.config import ExperimentConfig
from mi_lib.data import MembershipSplit
from mi_lib.models import PlainCNN


def tiny_split(n=64):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2 * n, 1, 12, 12, generator=g)
    y = torch.arange(2 * n) % 4
    x[torch.arange(2 * n), 0, y, y] = 1.0  # a learnable class signal
    return MembershipSplit("fmnist", x[:n], y[:n], x[n:], y[n:], n_classes=4)


def tiny_config(**changes):
    base = dict(
        dataset="fmnist",
        model="fmnist_cnn",
        method="pgd",
        eps=0.1,
        width=1 / 32,
        train_steps=2,
        epochs=3,
        batch_size=16,
        lr=1e-3,
        n_members=64,
        n_nonmembers=64,
        eval_steps=3,
        tier="smoke",
    )
    return ExperimentConfig(**{**base, **changes})


def net(seed=0):
    torch.manual_seed(seed)
    return PlainCNN(in_shape=(1, 8, 8), channels=[4, 6], strides=[1, 2], n_classes=5, hidden=16).eval()


def batch(n=32, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 8, 8, generator=g), torch.randint(0, 5, (n,), generator=g)


def margins_of(logits, y):
    return logits.gather(1, y[:, None]) - logits
