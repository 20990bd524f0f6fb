"""Cost of one epoch's worth of updates for Original adversarial training and for PINEAT-n/m and its baselines,
measured back to back on the same minibatches, per base method (PINEAT's runtime claim, C13, free of the noise of
timing separate training runs). A strategy makes n + m updates per round and 1/(n + m) of the rounds, so for the
same number of updates it generates n/(n + m) of the adversarial examples. Prints seconds per base-method epoch
of updates and the ratio to Original.

Run: ./run bench-pineat [--dataset fmnist] [--bases pgd,dist,diff] [--methods Original,PINEAT-1/1] [--rounds 12]
[--repeats 3] [--save]. With --save, on an idle machine, the timings go where the PINEAT chapter judges C13 from
them (mi_lib.pineat_runtime).
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from mi_lib import pineat_runtime
from mi_lib.config import ExperimentConfig
from mi_lib.models import build_model
from mi_lib.objectives import LOSSES as METHOD_LOSSES
from mi_lib.objectives import training_precision
from mi_lib.pineat import round_update
from mi_lib.tiers import preset
from mi_lib.training import optimizer_for

SHAPES = {
    "fmnist": ((1, 28, 28), 10),
    "yale": ((1, 48, 42), 38),
    "cifar10": ((3, 32, 32), 10),
    "cifar10-jpeg": ((3, 32, 32), 10),
}
BASES = ("pgd", "dist", "diff")
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
    """Wall time of the rounds over ``batches``, divided by the parameter updates they make: the training loop's
    step of ``config`` (its optimiser, precision and gradient clipping), without the data handling around it."""
    model = build_model(config, in_shape=in_shape, n_classes=classes)
    optimizer = optimizer_for(config, model)
    generator = torch.Generator().manual_seed(0)
    device = torch.device("cpu")
    model.train()
    start = time.perf_counter()
    for x, y in batches:
        if config.strategy == "original":
            with training_precision(config, device):
                loss = METHOD_LOSSES[config.method](model, x, y, eps=config.eps, config=config, generator=generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
        else:
            round_update(model, optimizer, x, y, eps=config.eps, config=config, generator=generator)
    return (time.perf_counter() - start) / (len(batches) * config.updates_per_round)


def label(strategy: str, n: int, m: int) -> str:
    if strategy == "original":
        return "Original"
    return f"{ {'pineat': 'PINEAT', 'advnat': 'AdvNat', 'advran': 'AdvRan'}[strategy] }-{n}/{m}"


def main() -> None:
    labels = [label(*s) for s in STRATEGIES]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fmnist", choices=sorted(SHAPES))
    parser.add_argument("--bases", default=",".join(BASES))
    parser.add_argument("--methods", default=",".join(labels), help=f"comma-separated, of: {', '.join(labels)}")
    parser.add_argument("--rounds", type=int, default=12, help="minibatch rounds timed per strategy")
    parser.add_argument("--repeats", type=int, default=1, help="times each strategy is timed, strategies interleaved")
    parser.add_argument(
        "--save", action="store_true", help="write the timings where the PINEAT chapter judges C13 from them"
    )
    args = parser.parse_args()
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in labels]
    if unknown:
        parser.error(f"--methods: unknown {', '.join(unknown)}; accepted values: {', '.join(labels)}")
    if args.save and not {"Original", "PINEAT-1/1"} <= set(methods):
        parser.error("--methods: --save needs Original and PINEAT-1/1, the two sides of C13's ratio")
    bases = args.bases.split(",")
    unknown = [b for b in bases if b not in BASES]
    if unknown:
        parser.error(f"--bases: unknown {', '.join(unknown)}; accepted values: {', '.join(BASES)}")
    if args.rounds < 1 or args.repeats < 1:
        parser.error("--rounds and --repeats: must be positive")
    in_shape, classes = SHAPES[args.dataset]
    machine = torch.backends.cpu.get_cpu_capability()
    load_before = os.getloadavg()[0]
    print(
        f"{args.dataset}, cpu-tier model, {torch.get_num_threads()} threads, {machine}, load average {load_before:.2f} "
        "before; time per update, ratio to Original of the same repeat"
    )
    chosen = [s for s in STRATEGIES if label(*s) in methods]
    rows, configs = [], {}
    for base in bases:
        config = preset(args.dataset, "cpu", method=base)
        configs[base] = config.train_id()
        g = torch.Generator().manual_seed(1)
        batches = [
            (
                torch.rand(config.batch_size, *in_shape, generator=g),
                torch.randint(0, classes, (config.batch_size,), generator=g),
            )
            for _ in range(args.rounds)
        ]
        variants = {label(*s): config.replace(strategy=s[0], pineat_n=s[1], pineat_m=s[2]) for s in chosen}
        for variant in variants.values():  # warm-up, every strategy
            seconds_per_update(variant, batches[:1], in_shape, classes)
        for repeat in range(args.repeats):
            order = list(variants) if repeat % 2 == 0 else list(reversed(variants))  # alternate who goes first
            timed = {name: seconds_per_update(variants[name], batches, in_shape, classes) for name in order}
            for name in variants:
                rows.append({"base": base, "method": name, "repeat": repeat, "ms_per_update": 1000 * timed[name]})
                versus = f"   {timed[name] / timed['Original']:5.2f}x Original" if "Original" in timed else ""
                print(f"  {base:5s} {name:12s} repeat {repeat}  {1000 * timed[name]:8.2f} ms/update{versus}")
    if args.save:
        where = pineat_runtime.save(
            args.dataset,
            tier="cpu",
            machine=machine,
            threads=torch.get_num_threads(),
            rounds=args.rounds,
            torch_version=torch.__version__,
            load_before=load_before,
            configs=configs,
            rows=rows,
        )
        print(f"saved {where}")


if __name__ == "__main__":
    main()
