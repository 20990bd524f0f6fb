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
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path


def parse_model(spec: str) -> tuple[str, str | None, str, int, str]:
    try:
        dataset, precision, method, seed, point = spec.split("/", 4)
        return dataset, None if precision == "-" else precision, method, int(seed), point
    except ValueError:
        raise SystemExit(f"error: model {spec!r}: expected dataset/precision/method/seed/point") from None


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
    parser.add_argument("workers", nargs="+", help="one per worker: models joined by '+'")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--deadline", type=float, default=480, help="seconds after which unfinished workers stop")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per worker")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.worker is not None:
        import torch

        torch.set_num_threads(args.threads)
        return worker(args.worker, args.workers[args.worker].split("+"), args.out)
    for spec in (s for w in args.workers for s in w.split("+")):
        parse_model(spec)
    start = time.time()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                *args.workers,
                "--out",
                str(args.out),
                "--threads",
                str(args.threads),
                "--worker",
                str(i),
            ],
            env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
        )
        for i in range(len(args.workers))
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
