"""Long-tier models trained on one GPU, several processes side by side, inside a device lease.

A small long-tier model (Fashion-MNIST at ¼ width, ~95 s of PGD-10 training on an H200) leaves the GPU mostly idle:
one process cannot issue its small kernels fast enough to keep it busy. Several workers, each training its own list
of models one after another, share the GPU and finish more models in the lease. Each worker, after every finished model, rewrites
``OUT/w<i>.tar`` (written aside, then renamed) holding the result folders it has finished, so that a lease which
ends early still returns every finished model. Checkpoints stay behind (each is 20 MB+, over what a lease returns).
Measured on one H200 (stop 43): 7 workers side by side trained 12 Fashion-MNIST and CIFAR WRN-16-2 models in about
12 minutes, each about 2-2.5x slower than alone (a Dist model at 10k/¼/40: 90 s alone, 197 s among 7; a PGD model at
20k/¼/40, ~190 s alone by its work, 468 s), so a model's recorded training time there is not its cost alone. Leave a model's evaluation (~30 s) inside the deadline,
and keep ``--threads`` the same when resuming a checkpoint on the same machine (training refuses another count).

    MI_DATA_DIR=... MI_RESULTS_DIR=/tmp/res MI_DEVICE=cuda python benchmarks/gpu_campaign.py --out $OUT \\
        --deadline 480 "fmnist/fp32/pgd/0/n_members=20000,width=0.25,epochs=40" \\
        "fmnist/fp32/dist/1/n_members=10000,width=0.25,epochs=40+fmnist/fp32/diff/1/n_members=10000,width=0.25,epochs=40"

Each argument is one worker: models joined by ``+``, each ``dataset/precision/method/seed/point`` (the point as
:func:`mi_lib.campaign.select_points` reads it; precision ``-`` for the tier's). Back here: untar each ``w<i>.tar``
into ``results/`` (the folders are ``long/<run>``).

The worker arguments for the campaign's unfinished runs are planned here, where the finished runs are (the device
starts with none): ``python benchmarks/gpu_campaign.py --plan fmnist --precision fp32 --methods natural,pgd --seeds 3
--point n_members=10000,width=0.25,epochs=80 --workers 4`` prints them, shell-quoted, the costliest models spread
first over the workers (members x epochs x width², x11 for a robust model's PGD-10 steps).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from mi_lib.config import PRECISIONS  # light: no torch before the workers start


def parse_model(spec: str) -> tuple[str, str | None, str, int, str]:
    try:
        dataset, precision, method, seed, point = spec.split("/", 4)
        return dataset, None if precision == "-" else precision, method, int(seed), point
    except ValueError:
        raise SystemExit(f"error: model {spec!r}: expected dataset/precision/method/seed/point") from None


def cost(config) -> float:
    """A model's training work, for spreading models over workers: members x epochs x width², x11 for the 10 PGD steps
    of a robust method's every update."""
    return config.n_members * config.epochs * config.width**2 * (1 if config.method == "natural" else 11)


def plan_workers(
    dataset: str, *, methods: str, seeds: int, point: str | None, precision: str | None, workers: int
) -> list[str]:
    """The worker arguments for ``dataset``'s unfinished campaign runs (:func:`mi_lib.campaign.ordered_configs`):
    the costliest first, each to the worker with the least work so far."""
    from mi_lib.campaign import ordered_configs, point_text

    todo = [
        (entry, config)
        for entry, config, done in ordered_configs(dataset, methods, seeds, precision, point)
        if not done
    ]
    loads = [0.0] * workers
    lists: list[list[str]] = [[] for _ in range(workers)]
    for (chosen, method, seed), config in sorted(todo, key=lambda item: -cost(item[1])):
        i = loads.index(min(loads))
        lists[i].append(f"{dataset}/{precision or '-'}/{method}/{seed}/{point_text(chosen)}")
        loads[i] += cost(config)
    return ["+".join(specs) for specs in lists if specs]


def worker(index: int, specs: list[str], out: Path) -> int:
    """Train ``specs`` one after another; after each, rewrite OUT/w<index>.tar with the finished result folders."""
    from mi_lib.campaign import long_config, select_points
    from mi_lib.runs import run_dir, run_experiment

    finished: list[Path] = []
    for spec in specs:
        dataset, precision, method, seed, point = parse_model(spec)
        (chosen,) = select_points(dataset, point)
        config = long_config(dataset, chosen, method, seed, precision)
        start = time.time()
        run = run_experiment(config, progress=False, train_long=True)
        print(
            f"w{index} {config.run_id()} {method} seed {seed} {point}: {time.time() - start:.0f} s, "
            f"train {run.summary['train_acc']:.4f} test {run.summary['test_acc']:.4f}",
            flush=True,
        )
        finished.append(run_dir(config))
        partial = out / f"w{index}.tar.part"
        with tarfile.open(partial, "w") as tar:
            for folder in finished:
                tar.add(folder, arcname=f"long/{folder.name}")
        os.replace(partial, out / f"w{index}.tar")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/gpu_campaign.py")
    parser.add_argument("models", nargs="*", metavar="WORKER", help="one per worker: its models joined by '+'")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plan", metavar="DATASET", help="print the worker arguments of DATASET's unfinished runs")
    parser.add_argument("--methods", default="natural,pgd", help="with --plan: comma-separated methods")
    parser.add_argument("--seeds", type=int, default=1, help="with --plan: seeds per model")
    parser.add_argument("--point", help="with --plan: the pilot points matching these key=value pairs")
    parser.add_argument(
        "--precision", choices=PRECISIONS, help="with --plan: fp32 for the float32 map (default: the tier's)"
    )
    parser.add_argument("--workers", type=int, default=4, help="with --plan: how many workers")
    parser.add_argument("--deadline", type=float, default=480, help="seconds after which unfinished workers stop")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per worker")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plan:
        planned = plan_workers(
            args.plan,
            methods=args.methods,
            seeds=args.seeds,
            point=args.point,
            precision=args.precision,
            workers=args.workers,
        )
        print(" ".join(shlex.quote(w) for w in planned) if planned else "nothing to train: every run is finished")
        return 0
    if not args.models or args.out is None:
        parser.error("give the workers and --out (or --plan DATASET)")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.worker is not None:
        import torch

        torch.set_num_threads(args.threads)
        return worker(args.worker, args.models[args.worker].split("+"), args.out)
    for spec in (s for w in args.models for s in w.split("+")):
        parse_model(spec)
    start = time.time()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                *args.models,
                "--out",
                str(args.out),
                "--threads",
                str(args.threads),
                "--worker",
                str(i),
            ],
            env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
        )
        for i in range(len(args.models))
    ]
    while any(p.poll() is None for p in procs) and time.time() - start < args.deadline:
        time.sleep(2)
    for i, p in enumerate(procs):
        if p.poll() is None:
            p.kill()
            print(f"w{i}: stopped at the deadline ({args.deadline:.0f} s)", flush=True)
    print(f"all workers done in {time.time() - start:.0f} s; codes {[p.wait() for p in procs]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
