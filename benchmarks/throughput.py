"""Training and attack throughput of each model preset, measured side by side in one run.

For each preset (the model and batch of a tier), images/s of
* PGD-10 adversarial training: a plain reference loop (float32, NCHW, textbook PGD whose steps back-propagate into
  the weights too) against mi_lib's training step as a tier runs it (``objectives.pgd_loss`` under
  ``objectives.training_precision``), in float32 and in bfloat16 autocast; and where mi_lib's step spends its time
  (the 10 attack steps against the weight update);
* PGD-20 evaluation (always float32 in mi_lib): the reference against ``attacks.pgd_linf``.
Ratios are taken within the run, so they hold for this machine; the header says whether its CPU computes bf16
natively (without AVX512-BF16 or AMX, bf16 is emulated and far slower than float32).

Run: ./run bench [--seconds 3] [--models fmnist,fmnist-long,yale,cifar10] [--precisions fp32,bf16]
(also cifar10-long and cifar10-long-wide: the CIFAR-10 long pilot's WRN-16-2 and WRN-16-4, slow in float32)
Note: the malloc settings of ./run apply to both columns; compare with and without them by running this file
directly with plain `python`.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F

from mi_lib.attacks import pgd_linf
from mi_lib.models import build_model
from mi_lib.objectives import adversary, bf16_units, training_precision
from mi_lib.tiers import preset

SHAPES = {"fmnist": ((1, 28, 28), 10), "yale": ((1, 48, 42), 38), "cifar10": ((3, 32, 32), 10)}
PRESETS = {  # name: (dataset, tier, overrides of the tier's preset)
    "fmnist": ("fmnist", "cpu", {}),
    "fmnist-long": ("fmnist", "long", {}),
    "yale": ("yale", "cpu", {}),
    "cifar10": ("cifar10", "cpu", {}),
    "cifar10-long": ("cifar10", "long", {}),
    # The CIFAR-10 long pilot's wider point (WRN-16-4): what its PGD model costs on the machine at hand.
    "cifar10-long-wide": ("cifar10", "long", {"width": 4}),
}


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
    """Images/s of ``fn`` (one batch per call) over at least ``seconds`` (and at least two calls), after a warm-up call."""
    fn()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or n < 2 * batch:
        fn()
        n += batch
    return n / (time.perf_counter() - start)


def _mi_lib_step(
    config, x: torch.Tensor, y: torch.Tensor, in_shape, classes: int, seconds: float
) -> tuple[float, float]:
    """Images/s of mi_lib's PGD-10 training step as a tier runs it (``config``: its precision and memory format), and
    the share of a step spent in the attack (the rest: the weight update)."""
    model = build_model(config, in_shape=in_shape, n_classes=classes)
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    g = torch.Generator().manual_seed(0)

    def attack():
        with training_precision(config, "cpu"):
            return adversary(model, x, y, eps=config.eps, config=config, generator=g)

    x_adv = attack()

    def update():
        with training_precision(config, "cpu"):
            loss = F.cross_entropy(model(x_adv), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def train_step():
        nonlocal x_adv
        x_adv = attack()
        update()

    batch = len(y)
    rate = measure(train_step, batch, seconds)
    t_attack, t_update = batch / measure(attack, batch, seconds / 2), batch / measure(update, batch, seconds / 2)
    return rate, t_attack / (t_attack + t_update)


def bench(name: str, seconds: float, precisions: list[str]) -> None:
    dataset, tier, overrides = PRESETS[name]
    in_shape, classes = SHAPES[dataset]
    base = preset(dataset, tier, method="pgd", **overrides)
    batch = base.batch_size
    x, y = torch.rand(batch, *in_shape), torch.randint(0, classes, (batch,))
    plain = build_model(base, in_shape=in_shape, n_classes=classes).to(memory_format=torch.contiguous_format)
    opt_plain = torch.optim.Adam(plain.parameters(), 1e-4)
    eps, steps, step = base.eps, 10, 2.5 * base.eps / 10
    label = (
        f"{name}: {base.model} width {base.width:g}"
        + (f" depth {base.depth}" if base.model == "wrn" else "")
        + f", batch {batch}"
    )
    print(f"\n{label}", flush=True)

    def plain_train():
        x_adv = reference_pgd(plain, x, y, eps, step, steps, True)
        opt_plain.zero_grad()
        F.cross_entropy(plain(x_adv), y).backward()
        opt_plain.step()

    reference = measure(plain_train, batch, seconds)
    print(f"  PGD-10 training   reference (fp32, NCHW, textbook PGD)  {reference:8.1f} img/s", flush=True)
    rates = {}
    for precision in precisions:
        rates[precision], share = _mi_lib_step(base.replace(precision=precision), x, y, in_shape, classes, seconds)
        print(
            f"  PGD-10 training   mi_lib {precision}                          {rates[precision]:8.1f} img/s   "
            f"{rates[precision] / reference:5.2f}x reference   (attack {share:4.0%} of a step, update {1 - share:4.0%})",
            flush=True,
        )
    if "fp32" in rates and "bf16" in rates:
        print(f"  PGD-10 training   mi_lib bf16 / mi_lib fp32: {rates['bf16'] / rates['fp32']:5.2f}x", flush=True)
    if tier == "long":  # what one PGD model of the tier's preset costs here (training only, not its evaluation)
        work = base.n_members * base.epochs
        for precision, rate in rates.items():
            print(
                f"  PGD-10 training   {base.n_members:,} members x {base.epochs} epochs, mi_lib {precision}: "
                f"{work / rate / 3600:5.2f} h",
                flush=True,
            )
    ours = build_model(base, in_shape=in_shape, n_classes=classes)
    a = measure(
        lambda: pgd_linf(ours, x, y, eps=eps, step_size=base.eval_step_size, steps=20, random_start=False),
        batch,
        seconds,
    )
    b = measure(lambda: reference_pgd(plain, x, y, eps, base.eval_step_size, 20, False), batch, seconds)
    print(f"  PGD-20 evaluation mi_lib fp32 {a:8.1f} img/s   reference {b:8.1f} img/s   {a / b:5.2f}x", flush=True)


def _bf16_units() -> str:
    """Which units compute bf16 on this CPU (:func:`mi_lib.objectives.bf16_units`), for the bench's first line."""
    units = bf16_units()
    if units == "emulated":
        return "emulated (no AVX512-BF16/AMX: expect bf16 far slower than fp32)"
    return "native (AMX)" if units == "AMX" else "native (AVX512-BF16, no AMX)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--models", default="fmnist,fmnist-long,yale,cifar10", help=f"any of {', '.join(PRESETS)}")
    parser.add_argument("--precisions", default="fp32,bf16")
    args = parser.parse_args()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
        f"bf16 {_bf16_units()}"
    )
    for name in args.models.split(","):
        if name not in PRESETS:
            raise SystemExit(f"error: --models: unknown preset {name!r}; accepted: {', '.join(PRESETS)}")
        bench(name, args.seconds, args.precisions.split(","))


if __name__ == "__main__":
    main()
