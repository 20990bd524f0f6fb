"""What each chapter trains, declared without training anything.

A chapter's plan maps the key its notebook groups runs by (a method, an ε, a width, a fraction, ...) to the configs
of that group, in the order the chapter runs them. The notebook gets its runs through :func:`run`, so
``./run plan`` and ``./run sweep`` (:mod:`mi_lib.sweep`) list and fan out exactly what the chapter trains.

Each function takes a chapter's parameters by name (its notebook's ``parameters`` cell: :func:`for_chapter` fills in
the defaults) and ignores the ones that do not change what it trains. Chapters that train nothing (the landing page,
the scoreboard, the released outputs) plan nothing; work that is not a run (weight snapshots for training dynamics,
re-attacks of cached models) is named in :data:`OTHER_WORK`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .config import ConfigError, ExperimentConfig, parse_eps, parse_fraction
from .experiments import cached_values, grid_configs, run_configs
from .methods import chapter_methods, seeds_of
from .parameters import check_target_models
from .runs import RunResult
from .tiers import PILOT_POINTS, preset
from .why_leak import EPS_LADDERS

Plan = dict[Any, list[ExperimentConfig]]


def run(plan: Plan, *, progress: bool = True, device: str | None = None) -> dict[Any, list[RunResult]]:
    """Every run of ``plan`` (trained and evaluated if not cached), grouped by the plan's keys."""
    flat = [config for configs in plan.values() for config in configs]
    results = iter(run_configs(flat, progress=progress, device=device))
    return {key: [next(results) for _ in configs] for key, configs in plan.items()}


def configs(plan: Plan) -> list[ExperimentConfig]:
    """The plan's configs, each once (a run two groups share is trained once), in order."""
    unique: dict[str, ExperimentConfig] = {}
    for group in plan.values():
        for config in group:
            unique.setdefault(config.run_id(), config)
    return list(unique.values())


def empirical_defences(
    *, dataset, tier, eps, methods, seeds, other_seeds, n_members, epochs, precision=None, width=None, augment=None, **_
) -> Plan:
    eps = parse_eps(eps) if eps is not None else preset(dataset, tier).eps
    overrides = dict(eps=eps, n_members=n_members, epochs=epochs, width=width, augment=augment, precision=precision)
    return {
        m: grid_configs(dataset, tier, methods=(m,), seeds=range(seeds_of(m, seeds, other_seeds)), **overrides)
        for m in chapter_methods(methods)
    }


def attack_eps(*, dataset, tier, methods, seeds=1, **_) -> Plan:
    return {m: grid_configs(dataset, tier, methods=(m,), seeds=range(seeds)) for m in methods}


def lira(*, dataset, tier, shadows, target_models=1, **_) -> Plan:
    """The target (seed 0) of each method, then its shadow models 1..``shadows`` (``target_models`` − 1 of them also
    play the target: checked here, before anything trains)."""
    check_target_models(target_models, shadows)
    plan: Plan = {}
    for m in ("natural", "pgd"):
        plan[("target", m)] = grid_configs(dataset, tier, methods=(m,))
        plan[("shadows", m)] = [
            c for k in range(1, shadows + 1) for c in grid_configs(dataset, tier, methods=(m,), shadow=k)
        ]
    return plan


def mixed_training(*, dataset, tier, fractions, seeds, **_) -> Plan:
    """r = 0 is the natural model (no adversarial point); r > 0 the PGD model trained adversarially on r of a batch."""
    values = sorted(parse_fraction(r, field="fractions") for r in fractions)
    return {
        r: grid_configs(dataset, tier, methods=("natural",), seeds=range(seeds))
        if r == 0
        else grid_configs(dataset, tier, methods=("pgd",), seeds=range(seeds), adv_fraction=r)
        for r in values
    }


def model_capacity(*, dataset, tier, widths, seeds, **_) -> Plan:
    base = preset(dataset, tier, method="pgd").width
    return {
        float(w): grid_configs(dataset, tier, methods=("natural", "pgd"), seeds=range(seeds), width=float(w) * base)
        for w in widths
    }


def modern_evaluation(*, dataset, tier, seeds, weight_decays, weight_decay_seeds=1, **_) -> Plan:
    """The natural and PGD targets (seeds 0..``seeds``−1), then seeds 0..``weight_decay_seeds``−1 retrained with each
    weight decay (the targets are their weight decay 0, so there are at most ``seeds`` of them)."""
    if not 1 <= weight_decay_seeds <= seeds:
        raise ConfigError(
            f"weight_decay_seeds: accepted values are 1 to seeds ({seeds}; the targets are their weight decay 0), "
            f"got {weight_decay_seeds}"
        )
    plan: Plan = {"targets": grid_configs(dataset, tier, methods=("natural", "pgd"), seeds=range(seeds))}
    for wd in weight_decays:
        plan[("weight decay", wd)] = grid_configs(
            dataset, tier, methods=("natural", "pgd"), seeds=range(weight_decay_seeds), weight_decay=wd
        )
    return plan


def perturbation_budget(*, dataset, tier, eps_values, seeds, **_) -> Plan:
    """The requested training ε (default: the dataset's ladder) and every ε someone already ran."""
    requested = [parse_eps(e) for e in (eps_values if eps_values is not None else EPS_LADDERS[dataset])]
    every = sorted(set(requested) | set(cached_values(dataset, tier, method="pgd", field="eps")))
    return {e: grid_configs(dataset, tier, methods=("natural", "pgd"), seeds=range(seeds), eps=e) for e in every}


def pineat_variant(text: str) -> dict[str, Any]:
    """The config fields of PINEAT-n/m written ``"n/m"``."""
    n, m = (int(v) for v in text.split("/"))
    return dict(strategy="pineat", pineat_n=n, pineat_m=m)


def pineat(*, dataset, tier, bases, strategies, variants, seeds, pineat_seeds, **_) -> Plan:
    """The natural model, each strategy over each base (Original and PINEAT-1/1 of every base with
    ``pineat_seeds`` seeds when more), then the n/m variants on the first base."""
    plan: Plan = {"natural": grid_configs(dataset, tier, methods=("natural",), seeds=range(seeds))}
    for base in bases:
        for strategy in strategies:
            paired = strategy in ("original", "pineat")
            n = max(seeds, pineat_seeds) if paired else seeds
            plan[(base, strategy)] = grid_configs(dataset, tier, methods=(base,), seeds=range(n), strategy=strategy)
    for variant in variants:
        plan[("variant", variant)] = grid_configs(
            dataset, tier, methods=(bases[0],), seeds=range(seeds), **pineat_variant(variant)
        )
    return plan


def pixeldp(*, dataset, tier, seeds, **_) -> Plan:
    return {m: grid_configs(dataset, tier, methods=(m,), seeds=range(seeds)) for m in ("natural", "pixeldp")}


def sensitivity(*, dataset, tier, rounds, **_) -> Plan:
    """Per method, the model on all members (round 0) and each removal round's retrained model."""
    return {
        (m, r): grid_configs(dataset, tier, methods=(m,), removal_round=r)
        for m in ("natural", "pgd")
        for r in range(rounds + 1)
    }


def targeted_attack(*, dataset, tier, methods, seeds=1, **_) -> Plan:
    return {m: grid_configs(dataset, tier, methods=(m,), seeds=range(seeds)) for m in methods}


def verifiable_defences(*, dataset, tier, methods, eps, seeds, **_) -> Plan:
    return {m: grid_configs(dataset, tier, methods=(m,), seeds=range(seeds), eps=eps) for m in methods}


def appendix_cpu_tier_calibration(*, tier, points, eps, **_) -> Plan:
    """The calibration pilot: a natural and a PGD model (seed 0) of Fashion-MNIST at each point of the tier's map."""
    eps = parse_eps(eps)
    return {
        i: grid_configs("fmnist", tier, methods=("natural", "pgd"), **{"eps": eps, **point})
        for i, point in enumerate(points or PILOT_POINTS[tier])
    }


def nothing(**_) -> Plan:
    return {}


PLANS: dict[str, Callable[..., Plan]] = {
    "intro": nothing,  # reads the other chapters' verdict records
    "claims_scoreboard": nothing,
    "yale_released_outputs": nothing,  # the authors' released outputs
    "training_dynamics": nothing,  # see OTHER_WORK
    "empirical_defences": empirical_defences,
    "attack_eps": attack_eps,
    "lira": lira,
    "mixed_training": mixed_training,
    "model_capacity": model_capacity,
    "modern_evaluation": modern_evaluation,
    "perturbation_budget": perturbation_budget,
    "pineat": pineat,
    "pixeldp": pixeldp,
    "sensitivity": sensitivity,
    "targeted_attack": targeted_attack,
    "verifiable_defences": verifiable_defences,
    "appendix_cpu_tier_calibration": appendix_cpu_tier_calibration,
}

OTHER_WORK = {  # what a chapter computes when it executes besides its runs (not swept: it needs the executing kernel)
    "training_dynamics": "trains one model per seed with a weight snapshot every few epochs and attacks each snapshot",
    "modern_evaluation": "with early_stopping: the training-dynamics snapshots of the PGD model",
    "attack_eps": "re-attacks each cached robust model at every attack ε of the sweep",
    "targeted_attack": "targeted PGD toward every wrong label on each cached model",
}


def for_chapter(source: str, parameters: dict[str, Any]) -> Plan:
    """The plan of notebook ``source`` with ``parameters`` (every parameter of its ``parameters`` cell)."""
    if source not in PLANS:
        raise KeyError(f"chapter source {source!r} declares no plan; add it to mi_lib.plans.PLANS")
    return PLANS[source](**parameters)


def group_label(key: Any) -> str:
    """A plan key as a reader sees it."""
    return " ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def flatten(groups: Iterable[list[RunResult]]) -> list[RunResult]:
    return [r for group in groups for r in group]
