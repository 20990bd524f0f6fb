"""Cost of one epoch's worth of updates for Original adversarial training and for PINEAT-n/m and its baselines,
measured back to back on the same minibatches, per base method (PINEAT's runtime claim, C13, free of the noise of
timing separate training runs). A strategy makes n + m updates per round and 1/(n + m) of the rounds, so for the
same number of updates it generates n/(n + m) of the adversarial examples. Prints seconds per base-method epoch
of updates and the ratio to Original.

Run: ./run bench-pineat [--dataset fmnist] [--bases pgd,dist,diff] [--rounds 12]
"""

from __future__ import annotations

import argparse
import time

import torch

from mi_lib.config import ExperimentConfig
from mi_lib.models import build_model
from mi_lib.objectives import LOSSES as METHOD_LOSSES
from mi_lib.pineat import round_update
from mi_lib.tiers import preset

SHAPES = {"fmnist": ((1, 28, 28), 10), "yale": ((1, 48, 42), 38), "cifar10": ((3, 32, 32), 10)}
STRATEGIES = [
    ("original", 1, 1),
    ("pineat", 1, 1),
    ("advnat", 1, 1),
    ("advran", 1, 1),
    ("pineat", 2, 1),
    ("pineat", 1, 2),
    ("pineat", 1, 3),
]


def seconds_per_update(config: ExperimentConfig, batches: list, in_shape, classes: int) -> float:
    """Wall time of the rounds over ``batches``, divided by the parameter updates they make."""
    model = build_model(config, in_shape=in_shape, n_classes=classes)
    optimizer = torch.optim.Adam(model.parameters(), 1e-4)
    generator = torch.Generator().manual_seed(0)
    model.train()
    start = time.perf_counter()
    for x, y in batches:
        if config.strategy == "original":
            loss = METHOD_LOSSES[config.method](model, x, y, eps=config.eps, config=config, generator=generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        else:
            round_update(model, optimizer, x, y, eps=config.eps, config=config, generator=generator)
    return (time.perf_counter() - start) / (len(batches) * config.updates_per_round)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fmnist", choices=sorted(SHAPES))
    parser.add_argument("--bases", default="pgd,dist,diff")
    parser.add_argument("--rounds", type=int, default=12, help="minibatch rounds timed per strategy")
    args = parser.parse_args()
    in_shape, classes = SHAPES[args.dataset]
    print(f"{args.dataset}, cpu-tier model, {torch.get_num_threads()} threads; time per update, ratio to Original")
    for base in args.bases.split(","):
        config = preset(args.dataset, "cpu", method=base)
        g = torch.Generator().manual_seed(1)
        batches = [
            (
                torch.rand(config.batch_size, *in_shape, generator=g),
                torch.randint(0, classes, (config.batch_size,), generator=g),
            )
            for _ in range(args.rounds)
        ]
        seconds_per_update(config, batches[:2], in_shape, classes)  # warm-up
        original = None
        for strategy, n, m in STRATEGIES:
            per_update = seconds_per_update(
                config.replace(strategy=strategy, pineat_n=n, pineat_m=m), batches, in_shape, classes
            )
            original = original or per_update
            label = (
                "Original"
                if strategy == "original"
                else f"{ {'pineat': 'PINEAT', 'advnat': 'AdvNat', 'advran': 'AdvRan'}[strategy] }-{n}/{m}"
            )
            print(
                f"  {base:5s} {label:12s} {1000 * per_update:8.2f} ms/update   {per_update / original:5.2f}x Original"
            )


if __name__ == "__main__":
    main()
