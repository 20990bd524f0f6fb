"""The training methods, one record each: what the config, training, chapters, report and book know about a method.

Adding a method is one :class:`Method` record here and its loss in :mod:`mi_lib.objectives` (registered under the
method's name with ``@objective``); DEVELOPERS.md lists what else a method with new config fields needs.

Kinds: ``natural`` (clean inputs), ``empirical`` (an attack builds the training inputs: the methods PINEAT's
strategies wrap), ``verifiable`` (certified bounds, no attack; plain CNNs only), ``noise`` (PixelDP's noise layer).

This module holds no torch code: :mod:`mi_lib.config` reads it before any model exists.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: the config module imports this one
    from .config import ExperimentConfig

KINDS = ("natural", "empirical", "verifiable", "noise")
ATTACK_FIELDS = ("eps", "train_steps", "train_step_ratio", "eps_warmup_iters", "eps_ramp_iters")
DP_EPS, DP_DELTA = 1.0, 0.05  # the released PixelDP model's differential-privacy parameters (CCS App. E)


@dataclasses.dataclass(frozen=True)
class Method:
    """One training method.

    ``label``: its name in tables ("PGD-Based Adv-Train", the papers' wording); ``short``: in sentences and column
    headers ("PGD"); ``ignores``: the config fields its training does not read, left out of the hash that names its
    weights (so configs differing only there share a checkpoint); ``describe``: how its training builds its inputs, in
    words, for a config of it."""

    name: str
    label: str
    short: str
    kind: str
    ignores: tuple[str, ...]
    describe: Callable[[ExperimentConfig], str]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: unknown value {self.kind!r}; accepted values: {', '.join(KINDS)}")

    @property
    def adjective(self) -> str:
        """ "PGD-based", as the papers name a defence in running text."""
        return f"{self.short}-based"


def noise_sigma(
    l2_bound: float, *, dp_eps: float = DP_EPS, dp_delta: float = DP_DELTA, sensitivity: float = 1.0
) -> float:
    """σ of the Gaussian mechanism that makes PixelDP's noise layer (ε, δ)-DP for input changes of l2 norm ≤
    ``l2_bound``: √(2 ln(1.25/δ)) · sensitivity · L / ε."""
    return math.sqrt(2 * math.log(1.25 / dp_delta)) * sensitivity * l2_bound / dp_eps


def _duality(c: ExperimentConfig) -> str:
    bound = f"{c.dual_projections} Cauchy projections" if c.dual_projections else "the exact bound"
    certified = "exact dual" if c.verified_bound == "dual" else "IBP"
    return f"dual-network bound with {bound}, certified with the {certified} bound (duality)"


def _pixeldp(c: ExperimentConfig) -> str:
    return (
        f"Gaussian noise σ = {noise_sigma(c.pixeldp_l2):.4f} on the input (l2 budget {c.pixeldp_l2:g}), "
        f"predictions averaged over {c.noise_draws} draws (PixelDP)"
    )


_RECORDS = (
    Method("natural", "Natural", "natural", "natural", ATTACK_FIELDS, lambda c: "clean inputs (natural)"),
    Method(
        "pgd",
        "PGD-Based Adv-Train",
        "PGD",
        "empirical",
        (),
        lambda c: f"PGD-{c.train_steps}, step {c.step_size:.4g}, random start (PGD)",
    ),
    Method(
        "dist",
        "Dist-Based Adv-Train",
        "Dist",
        "empirical",
        ("train_step_ratio",),  # its WRM ascent has no budget: eps is nominal, and so is the step/eps ratio
        lambda c: f"WRM ascent with coefficient {c.dist_coeff:g}, {c.train_steps} steps, no projection (Dist)",
    ),
    Method(
        "diff",
        "Diff-Based Adv-Train",
        "Diff",
        "empirical",
        (),
        lambda c: f"KL-PGD-{c.train_steps}, step {c.step_size:.4g}, β = {c.trades_beta:g} (Diff, TRADES)",
    ),
    Method(
        "duality",
        "Duality-based (Wong & Kolter)",
        "Duality",
        "verifiable",
        ("train_steps", "train_step_ratio"),  # bounds, not an attack
        _duality,
    ),
    Method(
        "diffai",
        "Abstract interpretation (DiffAI)",
        "DiffAI",
        "verifiable",
        ("train_steps", "train_step_ratio"),
        lambda c: "Box-domain bounds (DiffAI)",
    ),
    Method(
        "ibp",
        "Interval bound propagation (IBP)",
        "IBP",
        "verifiable",
        ("train_steps", "train_step_ratio"),
        lambda c: f"interval bounds, clean-loss weight κ ramped from 1 to {c.ibp_kappa:g} (IBP)",
    ),
    Method("pixeldp", "PixelDP (noise layer)", "PixelDP", "noise", ATTACK_FIELDS, _pixeldp),
)
REGISTRY: dict[str, Method] = {m.name: m for m in _RECORDS}
METHODS = tuple(REGISTRY)
EMPIRICAL_METHODS = tuple(m.name for m in _RECORDS if m.kind == "empirical")
VERIFIABLE_METHODS = tuple(m.name for m in _RECORDS if m.kind == "verifiable")


def method(name: str) -> Method:
    """The record of ``name``, or a one-line error naming the accepted methods."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"method: unknown value {name!r}; accepted values: {', '.join(METHODS)}") from None


def labels(field: str = "label") -> dict[str, Any]:
    """{method name: its ``field``} for every method (``label``, ``short``, ``adjective``)."""
    return {m.name: getattr(m, field) for m in _RECORDS}


def by_label(label: str) -> str:
    """The name of the method whose table label is ``label`` (tables index rows by label)."""
    return next(m.name for m in _RECORDS if m.label == label)


def seeds_of(method: str, seeds: int, other_seeds: int) -> int:
    """How many seeds a natural-vs-robust page trains of ``method``: ``seeds`` for the natural and PGD models (every
    claim compares with them), ``other_seeds`` for the Dist- and Diff-based ones (parameters of the same names)."""
    return seeds if method in ("natural", "pgd") else other_seeds


def chapter_methods(methods) -> list[str]:
    """Validate the ``methods`` parameter of a chapter: natural first (every claim compares with it), then the
    robust methods in the paper's order."""
    methods = [methods] if isinstance(methods, str) else list(methods)
    unknown = [m for m in methods if m not in ("natural", *EMPIRICAL_METHODS)]
    if unknown:
        raise ValueError(
            f"methods: unknown value(s) {unknown}; accepted values: natural, {', '.join(EMPIRICAL_METHODS)}"
        )
    return ["natural"] + [m for m in EMPIRICAL_METHODS if m in methods]
