"""Throughput of natural training, PGD-10 adversarial training and the evaluation attack (PGD-20), for each
model preset, with mi_lib's code beside a plain reference loop (same model and batch, untuned: NCHW
layout, textbook PGD that back-propagates into the weights too). Prints images/s and the ratio.

Run: ./run bench [--seconds 3] [--models fmnist,yale,cifar10]
Note: the malloc settings of ./run apply to both columns; compare with and without them by running this
file directly with plain `python`.
"""
from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F

from mi_lib.attacks import pgd_linf
from mi_lib.models import build_model
from mi_lib.tiers import preset

SHAPES = {"fmnist": ((1, 28, 28), 10), "yale": ((1, 48, 42), 38), "cifar10": ((3, 32, 32), 10)}


def reference_pgd(model, x, y, eps, step, steps, random_start):
    """Textbook PGD: x.grad via loss.backward() (weight gradients computed and discarded)."""
    x_adv = x + (torch.empty_like(x).uniform_(-eps, eps) if random_start else 0)
    x_adv = x_adv.clamp(0, 1)
    model.eval()
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        model.zero_grad()
        F.cross_entropy(model(x_adv), y).backward()
        x_adv = torch.min(torch.max(x_adv + step * x_adv.grad.sign(), x - eps), x + eps).clamp(0, 1)
    model.train()
    return x_adv.detach()


def measure(fn, batch: int, seconds: float) -> float:
    fn()  # warm-up
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        fn()
        n += batch
    return n / (time.perf_counter() - start)


def bench(dataset: str, seconds: float) -> None:
    config = preset(dataset, "cpu", method="pgd")
    in_shape, classes = SHAPES[dataset]
    batch = config.batch_size
    x, y = torch.rand(batch, *in_shape), torch.randint(0, classes, (batch,))
    g = torch.Generator().manual_seed(0)
    ours = build_model(config, in_shape=in_shape, n_classes=classes)
    plain = build_model(config, in_shape=in_shape, n_classes=classes).to(memory_format=torch.contiguous_format)
    opt_ours, opt_plain = torch.optim.Adam(ours.parameters(), 1e-4), torch.optim.Adam(plain.parameters(), 1e-4)
    eps, steps, step = config.eps, 10, 2.5 * config.eps / 10

    def train_step(model, opt, inputs):
        opt.zero_grad()
        F.cross_entropy(model(inputs), y).backward()
        opt.step()

    cases = {
        "natural training": (lambda: train_step(ours, opt_ours, x), lambda: train_step(plain, opt_plain, x)),
        "PGD-10 training": (
            lambda: train_step(ours, opt_ours, pgd_linf(ours, x, y, eps=eps, step_size=step, steps=steps, random_start=True, generator=g)),
            lambda: train_step(plain, opt_plain, reference_pgd(plain, x, y, eps, step, steps, True)),
        ),
        "PGD-20 evaluation": (
            lambda: pgd_linf(ours, x, y, eps=eps, step_size=config.eval_step_size, steps=20, random_start=False),
            lambda: reference_pgd(plain, x, y, eps, config.eval_step_size, 20, False),
        ),
    }
    label = f"{dataset} {config.model} width {config.width:g}" + (f" depth {config.depth}" if config.model == "wrn" else "")
    for name, (fast, slow) in cases.items():
        a, b = measure(fast, batch, seconds), measure(slow, batch, seconds)
        print(f"{label:32s} {name:18s} mi_lib {a:8.1f} img/s   reference {b:8.1f} img/s   ratio {a / b:5.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--models", default="fmnist,yale,cifar10")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch = the cpu preset's")
    for dataset in args.models.split(","):
        bench(dataset, args.seconds)


if __name__ == "__main__":
    main()
