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
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: {flags}\n")
    real = objectives.Path
    monkeypatch.setattr(objectives, "Path", lambda p: real(cpuinfo) if p == "/proc/cpuinfo" else real(p))
    assert objectives.bf16_native() == (expected != "emulated")
    assert throughput._bf16_units().startswith(expected)
    # what a run records of the CPU (result.json's environment)
    assert objectives.cpu_model() == "AMD EPYC"
    assert objectives.bf16_units() == {"emulated": "emulated", "native (AMX)": "AMX"}.get(expected, "AVX512-BF16")


def test_bench_projects_a_long_tier_model_from_the_measured_rate(benchmark_module, monkeypatch, capsys):
    throughput = benchmark_module("throughput")
    monkeypatch.setattr(throughput, "measure", lambda fn, batch, seconds: 1000.0)  # images/s, without timing
    throughput.bench("fmnist-long", 0.0, ["fp32"])
    out = capsys.readouterr().out
    long = throughput.preset("fmnist", "long", method="pgd")
    hours = long.n_members * long.epochs / 1000.0 / 3600
    assert f"{long.n_members:,} members x {long.epochs} epochs, mi_lib fp32: {hours:5.2f} h" in out


def test_bench_applies_a_presets_overrides(benchmark_module, monkeypatch):
    throughput = benchmark_module("throughput")
    asked = {}

    class Built(Exception):
        pass

    def preset(dataset, tier, **overrides):
        asked.update(dataset=dataset, tier=tier, **overrides)
        raise Built  # the config is all this test needs: no WRN-16-4 is built

    monkeypatch.setattr(throughput, "preset", preset)
    with pytest.raises(Built):
        throughput.bench("cifar10-long-wide", 0.0, ["bf16"])
    assert asked == {"dataset": "cifar10", "tier": "long", "method": "pgd", "width": 4}
