"""The GPU path, checked on one GPU in a few minutes (target: under 8 on one H100/H200).

1. Agreement: one smoke-tier natural and one PGD config (Fashion-MNIST), trained and attacked on the CPU and on the
   GPU in float32; their accuracies and IB / IA attack accuracies side by side (seeded, not bit-identical: GPU
   kernels sum in another order, so small differences are expected; large ones are a bug).
2. Throughput: PGD-10 training of each paper-tier preset on the GPU, float32 and bfloat16 autocast, as mi_lib trains
   (``objectives.adversary`` then the update, under ``objectives.training_precision``), and the projected hours per PGD
   model (members x epochs / throughput) beside PINEAT Table 1's reported GPU-hours where it has the dataset.

Run on a machine with CUDA: ``MI_DATA_DIR=... python benchmarks/gpu_check.py [--seconds 10] [--out FILE]``; with
``--out benchmarks/results/gpu-check-<gpu>.txt`` it also writes part 2 as ``gpu-check-<gpu>.json``, which the CIFAR-10
page reads for the projected cost of the paper's regime.
``--device cpu`` runs the same code on the CPU (a dry run of the script, slow and meaningless for part 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.nn import functional as F

from mi_lib import paper
from mi_lib.models import build_model
from mi_lib.objectives import adversary, training_precision
from mi_lib.tiers import preset

SHAPES = {"fmnist": ((1, 28, 28), 10), "yale": ((1, 192, 168), 38), "cifar10": ((3, 32, 32), 10)}
TRAIN_SIZE = {"fmnist": 60000, "yale": 1900, "cifar10": 50000}


def agreement(device: str, emit) -> None:
    """Part 1: the same smoke configs on the CPU and on ``device`` (float32)."""
    from mi_lib.runs import run_experiment

    emit("== 1. CPU vs " + device + ": smoke-tier Fashion-MNIST, float32 ==")
    emit(
        f"{'method':8s} {'device':6s} {'train':>7s} {'test':>7s} {'adv-train':>9s} {'adv-test':>8s} {'IB':>7s} {'IA':>7s}"
    )
    for method in ("natural", "pgd"):
        config = preset("fmnist", "smoke", method=method)
        for dev in ("cpu", device):
            with tempfile.TemporaryDirectory() as tmp:  # a fresh cache: both train for real
                os.environ["MI_CACHE_DIR"], os.environ["MI_RESULTS_DIR"] = tmp, tmp
                r = run_experiment(config, device=dev, progress=False).summary
            emit(
                f"{method:8s} {dev:6s} {r['train_acc']:7.4f} {r['test_acc']:7.4f} {r['adv_train_acc']:9.4f} {r['adv_test_acc']:8.4f} "
                f"{r['ib']['accuracy']:7.4f} {r['ia']['accuracy']:7.4f}"
            )


def throughput(dataset: str, precision: str, device: str, seconds: float, *, tier: str = "paper") -> tuple[float, int]:
    """Images/s of PGD-10 training steps of the ``tier`` preset on ``device``; and its batch size."""
    config = preset(dataset, tier, method="pgd", precision=precision)
    in_shape, classes = SHAPES[dataset]
    model = build_model(config, in_shape=in_shape, n_classes=classes).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.rand(config.batch_size, *in_shape, device=device)
    y = torch.randint(0, classes, (config.batch_size,), device=device)
    generator = torch.Generator().manual_seed(0)

    def step() -> None:
        with training_precision(config, device):
            x_adv = adversary(model, x, y, eps=config.eps, config=config, generator=generator)
            loss = F.cross_entropy(model(x_adv), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    for _ in range(3):
        step()
    sync()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or n == 0:
        step()
        n += config.batch_size
    sync()
    return n / (time.perf_counter() - start), config.batch_size


def projections(device: str, seconds: float, emit) -> list[dict]:
    """Part 2: paper-tier PGD-10 training throughput in fp32 and bf16, and the projected hours per model; returns
    one record per (preset, precision), which ``--out`` also writes as JSON for the book's CIFAR-10 page
    (``campaign.paper_regime_cost``)."""
    reported = {
        row["dataset"]: row["time_h"]
        for _, row in paper.table("pineat_table1").iterrows()
        if row["base"] == "pgd" and row["method"] == "original"
    }
    emit(f"\n== 2. paper-tier PGD-10 training on {device} ==")
    emit(f"{'preset':36s} {'precision':9s} {'img/s':>8s} {'hours/model':>11s} {'PINEAT Table 1 (h)':>18s}")
    records = []
    for dataset in ("fmnist", "yale", "cifar10"):
        config = preset(dataset, "paper", method="pgd")
        net = f"WRN-{config.depth}-{config.width:g}" if config.model == "wrn" else f"{config.model} x{config.width:g}"
        for precision in ("fp32", "bf16"):
            rate, batch = throughput(dataset, precision, device, seconds)
            hours = TRAIN_SIZE[dataset] * config.epochs / rate / 3600
            emit(
                f"{dataset + ' ' + net + f' (batch {batch})':36s} {precision:9s} {rate:8.1f} {hours:11.2f} "
                f"{reported.get(dataset, float('nan')):18.2f}"
            )
            records.append(
                dict(
                    dataset=dataset, net=net, precision=precision, batch=batch, images_per_s=rate, hours_per_model=hours
                )
            )
    return records


def record(device: str, name: str, projections: list[dict]) -> dict:
    """Part 2 as the JSON that ``--out`` writes beside its text and ``mi_lib.campaign.gpu_projections`` reads (which
    uses only records with ``device_type`` "cuda": a ``--device cpu`` dry run is no GPU projection)."""
    return dict(device=name, device_type=torch.device(device).type, torch=torch.__version__, projections=projections)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per (preset, precision)")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--skip-agreement", action="store_true")
    args = parser.parse_args()
    if args.out and Path(args.out).suffix == ".json":
        print("error: --out: the text report's path, not .json (the JSON record is written beside it)", file=sys.stderr)
        return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            "error: --device cuda: no CUDA device here; run on a GPU machine or pass --device cpu for a dry run",
            file=sys.stderr,
        )
        return 2
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    emit(f"torch {torch.__version__}, device {args.device} ({name})")
    start = time.perf_counter()
    if not args.skip_agreement:
        agreement(args.device, emit)
    records = projections(args.device, args.seconds, emit)
    emit(f"\ntotal {time.perf_counter() - start:.0f} s")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
        Path(args.out).with_suffix(".json").write_text(json.dumps(record(args.device, name, records), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
