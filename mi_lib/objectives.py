"""The training objectives, one per method, and the adversaries that build their training inputs (CCS Eq. 6–8).

Robust objective: min_θ mean_x α·ℓ(x) + (1 − α)·ℓ_R(x). Natural training is α = 1; PGD-based adversarial training
(Madry) is α = 0 with ℓ_R approximated by a PGD example with a random start; Dist-based training uses the authors'
l-inf WRM adversary; Diff-based training is TRADES; the verifiable defences minimise a loss on certified bounds;
PixelDP trains through its noise layer. Each loss is registered under its method's name (:data:`LOSSES`), so
:mod:`mi_lib.training` and PINEAT's rounds (:mod:`mi_lib.pineat`) read it from here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from . import bounds, dual_network
from .attacks import pgd_kl, pgd_linf, wrm_linf
from .config import ExperimentConfig
from .methods import EMPIRICAL_METHODS, METHODS, noise_sigma

LossFn = Callable[..., torch.Tensor]
LOSSES: dict[str, LossFn] = {}


def objective(name: str) -> Callable[[LossFn], LossFn]:
    """Register the decorated function as the training loss of method ``name`` (a record of :mod:`mi_lib.methods`)."""
    if name not in METHODS:
        raise ValueError(f"method: unknown value {name!r}; accepted values: {', '.join(METHODS)}")

    def register(fn: LossFn) -> LossFn:
        LOSSES[name] = fn
        return fn

    return register


@objective("natural")
def natural_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Mean cross-entropy on clean inputs (α = 1 in CCS Eq. 8)."""
    return F.cross_entropy(model(x), y)


def step_at(config: ExperimentConfig, eps: float) -> float:
    """The training attack's step at the current eps of a warm-up ramp, keeping the configured step/eps ratio."""
    return config.step_size * (eps / config.eps) if config.eps > 0 else 0.0


ADVERSARIES: dict[str, LossFn] = {}


def training_adversary(name: str) -> Callable[[LossFn], LossFn]:
    """Register the decorated function as the training adversary of the empirical method ``name``."""
    if name not in EMPIRICAL_METHODS:
        raise ValueError(f"training_adversary: unknown value {name!r}; accepted values: {', '.join(EMPIRICAL_METHODS)}")

    def register(fn: LossFn) -> LossFn:
        ADVERSARIES[name] = fn
        return fn

    return register


def adversary(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """The training adversary of ``config.method`` (its registered one: :data:`ADVERSARIES`). Returns x_adv,
    detached."""
    try:
        attack = ADVERSARIES[config.method]
    except KeyError:
        accepted = ", ".join(ADVERSARIES)
        raise ValueError(f"method: {config.method!r} has no training adversary; accepted values: {accepted}") from None
    return attack(model, x, y, eps=eps, config=config, generator=generator)


@training_adversary("pgd")
def pgd_adversary(model, x, y, *, eps, config, generator):
    """PGD with a random start, ``config.train_steps`` steps of :func:`step_at`."""
    return pgd_linf(
        model,
        x,
        y,
        eps=eps,
        step_size=step_at(config, eps),
        steps=config.train_steps,
        random_start=True,
        generator=generator,
    )


@training_adversary("dist")
def dist_adversary(model, x, y, *, eps, config, generator):
    """The authors' WRM ascent (no budget); clean inputs while eps = 0 in a warm-up."""
    return x if eps == 0 else wrm_linf(model, x, y, coeff=config.dist_coeff, steps=config.train_steps)


@training_adversary("diff")
def diff_adversary(model, x, y, *, eps, config, generator):
    """TRADES' KL-PGD (the example that maximises the KL to the clean prediction)."""
    return pgd_kl(model, x, eps=eps, step_size=step_at(config, eps), steps=config.train_steps, generator=generator)


@objective("pgd")
def pgd_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
    adv_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Madry's PGD adversarial training (CCS Eq. 10, α = 0): mean CE on PGD examples with a random start.

    The step size scales with the current eps of a warm-up ramp, so the ratio step/eps stays as configured.
    ``adv_mask`` (B,) bool, for mixed training (CCS Table 5, docs/settings.md#mixed-training): only the masked examples are replaced by
    their PGD examples, the others stay clean, and the CE is the mean over the whole batch.
    """
    if adv_mask is None:
        return F.cross_entropy(model(adversary(model, x, y, eps=eps, config=config, generator=generator)), y)
    adv_mask = adv_mask.to(x.device)
    x_in = x.clone()
    if adv_mask.any():
        x_in[adv_mask] = adversary(model, x[adv_mask], y[adv_mask], eps=eps, config=config, generator=generator)
    return F.cross_entropy(model(x_in), y)


@objective("dist")
def dist_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Dist-based adversarial training (Sinha et al. with the authors' l-inf penalty; docs/settings.md#dist-based-training): mean CE on the
    WRM adversary's examples (α = 0). ``eps`` is nominal for this method (used only in evaluation), but a warm-up
    with eps = 0 trains on clean inputs."""
    return F.cross_entropy(model(adversary(model, x, y, eps=eps, config=config, generator=generator)), y)


@objective("diff")
def diff_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Diff-based adversarial training, TRADES (Zhang et al.; docs/settings.md#diff-based-training): CE(f(x), y) + β·KL(f(x) ‖ f(x_adv)),
    batch-mean KL, x_adv from :func:`~mi_lib.attacks.pgd_kl`."""
    return trades_objective(
        model, x, y, adversary(model, x, y, eps=eps, config=config, generator=generator), beta=config.trades_beta
    )


def trades_objective(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, x_adv: torch.Tensor, *, beta: float
) -> torch.Tensor:
    """CE(f(x), y) + β·KL(f(x) ‖ f(x_adv)), batch-mean KL (TRADES' objective for a given perturbed input)."""
    logits = model(x)
    # KL(p ‖ q) from log-probabilities: F.kl_div with a softmax target that keeps its gradient (as TRADES does)
    # back-propagates log(p) + 1 = −inf through a probability that underflowed to 0, i.e. NaN, once the model is
    # confident (logit gaps above ~100 in float32). The same value, computed from log_softmax, stays finite.
    log_p = F.log_softmax(logits, 1)
    kl = (log_p.exp() * (log_p - F.log_softmax(model(x_adv), 1))).sum(1).mean()
    return F.cross_entropy(logits, y) + beta * kl


@objective("ibp")
def ibp_train_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """IBP training (Gowal et al.; docs/settings.md#verifiable-defences): κ·CE(clean) + (1 − κ)·CE(verified worst case), κ ramped from 1 to
    ``config.ibp_kappa`` together with ε (both linearly after the warm-up)."""
    kappa = 1.0 - (1.0 - config.ibp_kappa) * (eps / config.eps) if config.eps > 0 else 1.0
    return bounds.ibp_loss(model, x, y, eps=eps, kappa=kappa)


@objective("diffai")
def diffai_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """DiffAI with the Box domain (Mirman et al.; docs/settings.md#verifiable-defences): the Box loss at the current (ramped) radius; with
    ``config.box_weight_ramp`` the Box term's weight grows with the radius, from 0 to the authors' 0.2."""
    if eps <= 0:
        return F.cross_entropy(model(x), y)
    return bounds.box_loss(model, x, y, eps=eps, weight=0.2 * (eps / config.eps if config.box_weight_ramp else 1.0))


@objective("duality")
def duality_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Duality-based training (Wong & Kolter; docs/settings.md#verifiable-defences): cross-entropy of the dual network's worst-case logits at
    the current (ramped) ε, with ``config.dual_projections`` Cauchy projections (0: the exact bound)."""
    if eps <= 0:
        return F.cross_entropy(model(x), y)
    return dual_network.dual_loss(
        model, x, y, eps=eps, projections=config.dual_projections or None, generator=generator
    )


@objective("pixeldp")
def pixeldp_loss(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    config: ExperimentConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Cross-entropy on the training images with one draw of the noise layer's Gaussian noise (``eps`` unused: the
    certified budget is ``config.pixeldp_l2``)."""
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return F.cross_entropy(model(x + noise_sigma(config.pixeldp_l2) * noise), y)


BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
"""The /proc/cpuinfo flags of a CPU that computes bfloat16 natively."""


def cpu_flags() -> frozenset[str]:
    """This CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        return frozenset(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return frozenset()


def cpu_model() -> str | None:
    """This CPU's model name from /proc/cpuinfo ("AMD EPYC", "Intel(R) Xeon(R) ..."), None where it cannot be read."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)


def bf16_units() -> str:
    """Which units of this CPU compute bfloat16: "AMX" (tiles; ~3x faster than AVX512-BF16's dot products on the
    Fashion-MNIST long model, benchmarks/results/bench-cpu-avx512-amx.txt against bench-cpu-avx512-bf16.txt),
    "AVX512-BF16", or "emulated"."""
    flags = cpu_flags() & BF16_CPU_FLAGS
    return "AMX" if "amx_bf16" in flags else "AVX512-BF16" if flags else "emulated"


def bf16_native(device: torch.device | str = "cpu") -> bool:
    """Whether ``device`` computes bfloat16 natively: a CUDA GPU that supports it, or a CPU with AVX512-BF16 or AMX
    (:data:`BF16_CPU_FLAGS`). Elsewhere bf16 is emulated: measured on an AVX2-only CPU, a PGD-10 training step ran
    12x slower in bf16 than in float32 (benchmarks/results/bench-cpu-avx2.txt)."""
    if torch.device(device).type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bf16_units() != "emulated"


def training_precision(config: ExperimentConfig, device: torch.device | str) -> contextlib.AbstractContextManager:
    """The arithmetic of training's forward passes (model and training attack): bfloat16 autocast for
    ``precision="bf16"`` (convolutions and matrix products in bf16; losses, softmax and the weights stay float32),
    else a no-op. Back-propagation and the optimiser step run outside it; evaluation never uses it."""
    return torch.autocast(
        device_type=torch.device(device).type, dtype=torch.bfloat16, enabled=config.precision == "bf16"
    )
