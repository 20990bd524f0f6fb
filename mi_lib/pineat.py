"""PINEAT (Yan et al., PRCV 2023; docs/settings.md#pineat): reverse-symmetry examples over an empirical adversarial training
method (PGD-, Dist- or Diff-based), and the paper's two baselines.

Per minibatch round, with the current weights: generate n adversarial examples with the base method's adversary
(independent random starts), aggregate their noise δ* = Σᵢ (x_adv,i − x), build m reverse-symmetry examples from
x_rs* = x − δ*, then make n updates on the adversarial examples and m on the reverse-symmetry ones, each with the
base method's loss. A run makes 1/(n + m) of the base method's rounds (:attr:`ExperimentConfig.round_epochs`), so
its number of updates matches the base method's while it generates only n/(n + m) of its adversarial examples.
Baselines (1/1): AdvNat updates a second time on x itself, AdvRan on a uniform random point of the ε-ball.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .config import ExperimentConfig
from .objectives import adversary, trades_objective, training_precision


def base_objective(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, x_pert: torch.Tensor, *, config: ExperimentConfig
) -> torch.Tensor:
    """The base method's loss with ``x_pert`` in the place of its adversarial example."""
    if config.method == "diff":
        return trades_objective(model, x, y, x_pert, beta=config.trades_beta)
    return F.cross_entropy(model(x_pert), y)


def _into_ball(x: torch.Tensor, x_new: torch.Tensor, eps: float | None) -> torch.Tensor:
    """Clip to B_eps(x) (skipped for eps None: the Dist adversary has no ball) and to [0, 1]."""
    if eps is not None:
        x_new = torch.max(torch.min(x_new, x + eps), x - eps)
    return x_new.clamp(0, 1)


def _uniform_in_ball(x: torch.Tensor, radius: float, eps: float | None, generator: torch.Generator) -> torch.Tensor:
    """A point drawn uniformly in the l-inf ball of ``radius`` around x, clipped as :func:`_into_ball`."""
    noise = 2 * torch.rand(x.shape, generator=generator, dtype=x.dtype).to(x.device) - 1
    return _into_ball(x, x + radius * noise, eps)


def reverse_symmetry_examples(
    x: torch.Tensor, adversarial: list[torch.Tensor], *, m: int, eps: float | None, generator: torch.Generator
) -> list[torch.Tensor]:
    """The m reverse-symmetry examples (docs/settings.md#pineat) for x (B, C, H, W) and its n adversarial examples.

    x_rs* = x − Σᵢ (x_adv,i − x). m = 1: x_rs* clipped into B_eps(x) ∩ [0, 1] (for n = 1 this is 2x − x_adv, in the
    ball already). m > 1: m − 1 points drawn uniformly in B_eps(x), the last carrying the rest of the noise,
    x + (x_rs* − x) − Σⱼ (x_rs,j − x), clipped. ``eps`` None (Dist-based) clips to [0, 1] only and draws the random
    points within the largest noise magnitude."""
    noise = -sum(a - x for a in adversarial)
    if m == 1:
        return [_into_ball(x, x + noise, eps)]
    radius = eps if eps is not None else float(noise.abs().max())
    randoms = [_uniform_in_ball(x, radius, eps, generator) for _ in range(m - 1)]
    rest = noise - sum(r - x for r in randoms)
    return randoms + [_into_ball(x, x + rest, eps)]


def round_update(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """One round of ``config.strategy`` on a minibatch: n + m parameter updates (docs/settings.md#pineat: all n adversarial
    examples generated with the current weights, then n adversarial updates, then m second-kind updates). Returns
    the mean loss of the round (detached), the n adversarial examples and the m second-kind examples."""
    n, m = config.pineat_n, config.pineat_m
    with training_precision(config, x.device):
        adversarial = [adversary(model, x, y, eps=eps, config=config, generator=generator) for _ in range(n)]
    ball = None if config.method == "dist" else eps
    if config.strategy == "pineat":
        second = reverse_symmetry_examples(x, adversarial, m=m, eps=ball, generator=generator)
    elif config.strategy == "advnat":
        second = [x]
    else:  # advran: a uniform random point of the ε-ball (Dist: of the ball its adversary reached)
        radius = eps if ball is not None else float((adversarial[0] - x).abs().max())
        second = [_uniform_in_ball(x, radius, ball, generator)]
    losses = []
    for x_pert in adversarial + second:
        with training_precision(config, x.device):
            loss = base_objective(model, x, y, x_pert.detach(), config=config)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return torch.tensor(sum(losses) / len(losses)), adversarial, second


ADVERSARIAL, SECOND = 0, 1  # kinds of traced examples


def watched_members(y_members: torch.Tensor, n_points: int = 2) -> torch.Tensor:
    """The members whose training examples a strategy run traces (PINEAT Fig. 1): the first member of each of the
    first ``n_points`` classes, a choice that depends on the split only."""
    return torch.stack([torch.nonzero(y_members == c)[0, 0] for c in range(n_points)])


@dataclasses.dataclass
class ExampleTrace:
    """Every adversarial and second-kind example that training generated for the :func:`watched_members`."""

    watched: torch.Tensor
    point: list[int] = dataclasses.field(default_factory=list)  # position in ``watched``
    kind: list[int] = dataclasses.field(default_factory=list)  # ADVERSARIAL or SECOND
    epoch: list[int] = dataclasses.field(default_factory=list)
    example: list[torch.Tensor] = dataclasses.field(default_factory=list)

    def add(
        self, idx: torch.Tensor, adversarial: list[torch.Tensor], second: list[torch.Tensor], *, epoch: int
    ) -> None:
        """Record the examples of the round on minibatch ``idx`` (member indices) that belong to watched points."""
        for point, member in enumerate(self.watched.tolist()):
            rows = torch.nonzero(idx == member)
            if len(rows):
                row = int(rows[0, 0])
                for kind, examples in ((ADVERSARIAL, adversarial), (SECOND, second)):
                    for example in examples:
                        self.point.append(point), self.kind.append(kind), self.epoch.append(epoch)
                        self.example.append(example[row].detach().cpu().float().clone())

    def state(self) -> dict:
        return dataclasses.asdict(self)

    def arrays(self, x_members: torch.Tensor) -> dict[str, np.ndarray]:
        """The trace as ``trace_*`` arrays for the run's signals file (``trace_natural``: the watched points)."""
        return {
            "trace_natural": x_members[self.watched].numpy(),
            "trace_point": np.asarray(self.point, dtype=np.int64),
            "trace_kind": np.asarray(self.kind, dtype=np.int64),
            "trace_epoch": np.asarray(self.epoch, dtype=np.int64),
            "trace_example": torch.stack(self.example).numpy()
            if self.example
            else np.zeros((0, *x_members.shape[1:]), np.float32),
        }
