"""PixelDP (Lecuyer et al., S&P 2019), the certified defence of CCS Appendix E: a Gaussian noise layer makes the
network's prediction differentially private in its input, and the prediction is the softmax averaged over noise
draws (Monte-Carlo). The authors evaluated the released CIFAR-10 model (l2 budget L = 0.1, DP ε = 1, δ = 0.05,
500 draws; docs/settings.md#pixeldp) on benign inputs only.

Choices here (the paper is silent or its model is not ours): the noise layer sits on the **input** (PixelDP's
"pixel" placement, whose l2 sensitivity is 1, so no layer needs normalising), with the Gaussian mechanism's
σ = √(2 ln(1.25/δ)) · L / ε; training adds one draw to every training image (from the epoch's seeded generator,
so a resumed run draws the same noise); the released model's confidence vector is taken as the average over
draws (not stated by the paper; our choice, docs/settings.md#pixeldp). IA attacks the noisy model with the evaluation PGD, one fresh draw per step (expectation
over transformation with one sample), and scores the averaged prediction on the result: a weak attack on a noisy
model, so IA is a lower bound of what PGD examples reveal.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ExperimentConfig
from .methods import noise_sigma


class NoisyPrediction(nn.Module):
    """The PixelDP prediction of ``model``: log of the softmax averaged over ``draws`` noise draws (so its softmax is
    the averaged prediction). Its draws come from its own generator, seeded, so the outputs are reproducible."""

    def __init__(self, model: nn.Module, *, sigma: float, draws: int, seed: int = 0, chunk: int = 2048):
        super().__init__()
        self.model, self.sigma, self.draws, self.chunk = model, sigma, draws, chunk
        self.generator = torch.Generator().manual_seed(seed)
        self.train(model.training)  # a new module starts in training mode: take the model's, so eval_mode restores it

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        per_chunk = max(1, self.chunk // len(x))  # draws per forward pass, so a pass holds about ``chunk`` images
        total = 0.0
        for start in range(0, self.draws, per_chunk):
            k = min(per_chunk, self.draws - start)
            noise = torch.randn((k, *x.shape), generator=self.generator, dtype=x.dtype).to(x.device)
            noisy = (x.unsqueeze(0) + self.sigma * noise).reshape(k * len(x), *x.shape[1:])
            total = total + torch.softmax(self.model(noisy), 1).reshape(k, len(x), -1).sum(0)
        return torch.log((total / self.draws).clamp_min(1e-45))


def predictors(model: nn.Module, config: ExperimentConfig) -> tuple[nn.Module, nn.Module]:
    """(the model whose softmax the signals record: ``config.noise_draws`` draws averaged; the model the evaluation
    PGD attacks: one draw per step)."""
    sigma = noise_sigma(config.pixeldp_l2)
    return (
        NoisyPrediction(model, sigma=sigma, draws=config.noise_draws, seed=config.seed * 1_000_003),
        NoisyPrediction(model, sigma=sigma, draws=1, seed=config.seed * 1_000_003 + 1),
    )
