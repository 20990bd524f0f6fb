"""The benchmark scripts run (tiny settings; their numbers are not checked: speed lives in benchmarks, not tests)."""

import subprocess
import sys

import pytest
import torch

from mi_lib import book, objectives


def test_gpu_check_measures_a_training_step_on_the_cpu(benchmark_module):
    gpu_check = benchmark_module("gpu_check")
    rate, batch = gpu_check.throughput("fmnist", "fp32", "cpu", 0.0, tier="smoke")
    assert rate > 0 and batch == 50


@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for machines without CUDA")
def test_gpu_check_without_cuda_is_one_line():
    result = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py"], cwd=book.REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2 and result.stderr.strip().startswith("error: --device cuda: no CUDA device here")


def test_bench_runs_one_preset_briefly():
    result = subprocess.run(
        [sys.executable, "benchmarks/throughput.py", "--models", "fmnist", "--seconds", "0", "--precisions", "fp32"],
        cwd=book.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "PGD-10 training   mi_lib fp32" in result.stdout
        and "attack" in result.stdout
        and "PGD-20 evaluation" in result.stdout
    )


@pytest.mark.parametrize(
    "flags, expected",
    [
        ("fpu avx2", "emulated"),
        ("fpu avx512f avx512_bf16", "native (AVX512-BF16, no AMX)"),
        ("fpu avx512f avx512_bf16 amx_bf16 amx_tile", "native (AMX)"),
    ],
)
def test_bench_names_the_units_that_compute_bf16(benchmark_module, monkeypatch, tmp_path, flags, expected):
    throughput = benchmark_module("throughput")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    real = objectives.Path
    monkeypatch.setattr(objectives, "Path", lambda p: real(cpuinfo) if p == "/proc/cpuinfo" else real(p))
    assert objectives.bf16_native() == (expected != "emulated")
    assert throughput._bf16_units().startswith(expected)
