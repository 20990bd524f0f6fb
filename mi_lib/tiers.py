"""Tier presets: the same method at three sizes.

* ``paper`` — the authors' settings (spec §3.1; GPU-days): full data, full width, their optimiser,
  schedule and epochs.
* ``cpu`` — what the rendered book runs on a 2-core CPU in under 45 minutes per chapter: a class-balanced
  member subset, a narrower net, a faster optimiser (Adam 1e-3 with one decay), fewer epochs. The
  attack (eps, steps, step size) is the paper's. Chosen so the models sit in the papers' regime
  (train accuracy ≈ 100%, adv-train far above adv-test); the Fashion-MNIST member count comes from the
  pilot sweep in the book's appendix.
* ``smoke`` — seconds, for CI: tiny data and width, two epochs. Numbers mean nothing; code paths are
  exercised end to end.

Yale and CIFAR-10 ``cpu`` presets are provisional until their chapters calibrate them.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .config import ConfigError, ExperimentConfig

_COMMON_FMNIST = dict(dataset="fmnist", model="fmnist_cnn", eps=0.1, train_steps=8, train_step_ratio=0.2)  # step 0.02
_COMMON_YALE = dict(dataset="yale", model="yale_cnn", eps="8/255", train_steps=10, train_step_ratio=0.2,  # step 2·eps/10
                    dist_coeff=1.5)  # the authors' Dist-based ascent coefficient for Yale (spec §3.2)
_COMMON_CIFAR = dict(model="wrn", eps="8/255", train_steps=10, train_step_ratio=0.25, augment=True)  # step 2/255

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "fmnist": {
        # Spec §3.1: Adam 1e-4, 80,001 iterations of batch 100 (~133 epochs), lr /10 at 50k and /100 at 65k.
        "paper": dict(_COMMON_FMNIST, width=1.0, epochs=133, batch_size=100, optimizer="adam", lr=1e-4, weight_decay=2e-6,
                      lr_schedule=((0.625, 0.1), (0.8125, 0.01))),
        "cpu": dict(_COMMON_FMNIST, width=0.125, epochs=60, batch_size=50, optimizer="adam", lr=1e-3,
                    lr_schedule=((0.75, 0.1),), n_members=2000, n_nonmembers=2000),
        "smoke": dict(_COMMON_FMNIST, width=0.0625, epochs=2, batch_size=50, optimizer="adam", lr=1e-3,
                      n_members=200, n_nonmembers=100, eval_steps=5),
    },
    "yale": {
        # Spec §3.1: Adam 1e-4, batch 20, 20,001 iterations (~210 epochs), eps ramp over 1,000 iterations.
        "paper": dict(_COMMON_YALE, width=1.0, epochs=210, batch_size=20, optimizer="adam", lr=1e-4, weight_decay=1e-5,
                      eps_ramp_iters=1000, lr_schedule=((0.5, 0.5), (0.75, 0.1))),
        # Provisional (issue probe): 48x42 images, eps 0 for 600 iterations, then a 2,000-iteration ramp.
        "cpu": dict(_COMMON_YALE, width=1.0, downsample=4, epochs=100, batch_size=32, optimizer="adam", lr=1e-3,
                    eps_warmup_iters=600, eps_ramp_iters=2000),
        "smoke": dict(_COMMON_YALE, width=0.5, downsample=8, epochs=2, batch_size=32, optimizer="adam", lr=1e-3,
                      n_members=190, n_nonmembers=76, eval_steps=5),
    },
    "cifar10": {
        # Spec §3.1: WRN-34-10, SGD 0.1 momentum 0.9, batch 128, 80,001 iterations (~205 epochs), /10 at 40k and 60k.
        "paper": dict(_COMMON_CIFAR, depth=34, width=10, epochs=205, batch_size=128, optimizer="sgd", lr=0.1,
                      weight_decay=2e-4, lr_schedule=((0.5, 0.1), (0.75, 0.01))),
        "cpu": dict(_COMMON_CIFAR, depth=10, width=2, epochs=60, batch_size=128, optimizer="sgd", lr=0.1,
                    weight_decay=2e-4, lr_schedule=((0.5, 0.1), (0.75, 0.01)), n_members=5000, n_nonmembers=2000),
        "smoke": dict(_COMMON_CIFAR, depth=10, width=1, epochs=2, batch_size=64, optimizer="sgd", lr=0.05,
                      n_members=200, n_nonmembers=100, eval_steps=5),
    },
}
PRESETS["cifar10-jpeg"] = PRESETS["cifar10"]
TIER_NAMES = ("smoke", "cpu", "paper")
# Points of the calibration pilot (book appendix), per tier: overrides of the tier's preset.
PILOT_POINTS = {
    "smoke": [{"n_members": n} for n in (100, 200)],
    "cpu": [{"width": 0.125, "epochs": 60, "n_members": n} for n in (500, 1000, 2000)]
    + [{"width": 0.0625, "epochs": 30, "n_members": n} for n in (5000, 10000)]
    + [{"width": 0.25, "epochs": 60, "n_members": 1000}],
    "paper": [{"n_members": n} for n in (5000, 20000, 60000)],
}


def preset(dataset: str, tier: str, *, method: str = "natural", **overrides: Any) -> ExperimentConfig:
    """The ``tier`` preset of ``dataset`` for ``method``, with ``overrides`` applied (papermill parameters).

    Example: ``preset("fmnist", "cpu", method="pgd", eps="0.05", seed=1)``. Unknown names raise
    :class:`ConfigError` listing the accepted values.
    """
    if dataset not in PRESETS:
        raise ConfigError(f"dataset: unknown value {dataset!r}; accepted values: {', '.join(PRESETS)}")
    if tier not in TIER_NAMES:
        raise ConfigError(f"tier: unknown value {tier!r}; accepted values: {', '.join(TIER_NAMES)}")
    fields = {f.name for f in dataclasses.fields(ExperimentConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ConfigError(f"unknown parameter(s) {unknown}; accepted: {', '.join(sorted(fields))}")
    values = {**PRESETS[dataset][tier], "dataset": dataset, "method": method, "tier": tier}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ExperimentConfig(**values)


def describe_tier(dataset: str, tier: str) -> dict[str, Any]:
    """What ``tier`` changes against the paper tier for ``dataset``: {field: (tier value, paper value)}."""
    ours, paper = preset(dataset, tier).to_dict(), preset(dataset, "paper").to_dict()
    shown = lambda k, v: "all" if k in ("n_members", "n_nonmembers") and v == 0 else v  # noqa: E731
    return {k: (shown(k, ours[k]), shown(k, paper[k])) for k in ours if ours[k] != paper[k] and k != "tier"}
