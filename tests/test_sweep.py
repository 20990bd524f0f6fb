"""Chapter plans and sweeps: ``./run plan`` lists what a chapter trains; ``./run sweep`` trains it through the local,
SLURM (submitit's local executor stands in for a cluster) and Ray executors, each giving the in-process runs."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
import torch

from mi_lib import book, plans, sweep
from mi_lib.config import ConfigError
from mi_lib.runs import LOCAL_DATASETS, REPO_ROOT, run_dir
from mi_lib.runs_io import load_arrays, load_json
from mi_lib.tiers import preset

SMOKE_PAGE = "fmnist_natural_vs_pgd"  # at the smoke tier with one seed: a natural and a PGD run, seconds each


def test_every_chapter_declares_its_plan():
    assert {c.source for c in book.chapters()} <= set(plans.PLANS)
    with pytest.raises(KeyError, match="declares no plan"):
        plans.for_chapter("no_such_chapter", {})


def test_the_books_plans_are_the_committed_cpu_runs():
    """Every run a chapter of the book plans at the cpu tier is committed: the notebooks train through these plans,
    so a plan that drifted from what the book ran would name runs that do not exist. A Yale run's folder stays on the
    machine that trained it: its committed summary stands for it."""
    missing = []
    cpu = REPO_ROOT / "results" / "cpu"
    for chapter in book.chapters():
        if chapter.in_book:
            for config in plans.configs(sweep.chapter_plan(chapter, tier="cpu")):
                if config.dataset in LOCAL_DATASETS:
                    committed = cpu / "summaries" / f"{config.run_id()}.json"
                else:
                    committed = cpu / config.run_id() / "result.json"
                if (load_json(committed) or {}).get("run_id") != config.run_id():  # missing, corrupt or misnamed
                    missing.append((chapter.name, config.run_id()))
    assert not missing


def test_plan_follows_parameters_and_refuses_bad_ones():
    page = sweep.chapter_by_name("yale_perturbation_budget")
    plan = sweep.chapter_plan(page, tier="smoke", parameters={"eps_values": ["4/255"], "seeds": 2})
    assert all(len(group) == 4 for group in plan.values())  # natural and PGD, 2 seeds each
    assert any(abs(c.eps - 4 / 255) < 1e-12 for c in plans.configs(plan))
    with pytest.raises(ConfigError, match="seeds"):
        sweep.chapter_plan(page, tier="smoke", parameters={"seeds": 0})
    with pytest.raises(ConfigError, match="chapter: unknown value 'nope'"):
        sweep.chapter_by_name("nope")


def test_the_paper_tier_trains_on_real_cifar10():
    plan = sweep.chapter_plan(sweep.chapter_by_name("cifar10_jpeg_natural_vs_pgd"), tier="paper")
    assert {c.dataset for c in plans.configs(plan)} == {"cifar10"}
    with pytest.raises(ConfigError, match="stand-in has no paper tier"):
        preset("cifar10-jpeg", "paper")


def test_training_work_scales_with_members_epochs_steps_width_and_depth():
    small = preset("cifar10-jpeg", "cpu", method="pgd")  # WRN-10-1
    assert sweep._work(preset("cifar10-jpeg", "long", method="pgd")) / sweep._work(small) == pytest.approx(
        (10000 / 2000) * (60 / 40) * 2**2 * 2  # members, epochs, width², blocks per group (16 vs 10 layers)
    )
    pgd = preset("fmnist", "cpu", method="pgd")
    assert sweep._work(pgd) == (1 + pgd.train_steps) * sweep._work(preset("fmnist", "cpu"))  # a step per attack step
    whole = preset("yale", "cpu", method="ibp")  # n_members = 0: the whole training split, 1,900 faces
    assert sweep._work(whole) == sweep._work(whole.replace(n_members=1900)) > 0


def test_jobs_share_a_training():
    natural = [preset("fmnist", "smoke", eps=e) for e in (0.05, 0.1)]  # one training, two evaluation budgets
    robust = preset("fmnist", "smoke", method="pgd")
    jobs = sweep.jobs_for([*natural, robust])
    assert [len(j.configs) for j in jobs] == [2, 1]


def _use(monkeypatch, root):
    monkeypatch.setenv("MI_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("MI_RESULTS_DIR", str(root / "results"))


def _run_files(plan):
    out = {}
    for config in plans.configs(plan):
        directory = run_dir(config)
        summary = json.loads((directory / "result.json").read_text())
        timeless = {k: v for k, v in summary.items() if k not in ("train_time_s", "environment")}
        out[config.run_id()] = (timeless, load_arrays(directory / "signals.npz"))
    return out


def _same(a, b):
    assert a.keys() == b.keys()
    for run_id in a:
        assert a[run_id][0] == b[run_id][0], run_id
        assert a[run_id][1].keys() == b[run_id][1].keys()
        for key in a[run_id][1]:
            assert np.array_equal(a[run_id][1][key], b[run_id][1][key]), (run_id, key)


def test_submitit_and_ray_sweeps_give_the_in_process_runs(tmp_path, monkeypatch):
    plan = sweep.chapter_plan(sweep.chapter_by_name(SMOKE_PAGE), tier="smoke", parameters={"seeds": 1})
    assert len(plans.configs(plan)) == 2
    _use(monkeypatch, tmp_path / "in_process")
    plans.run(plan, progress=False)
    reference = _run_files(plan)

    threads = torch.get_num_threads()  # the same arithmetic as in this process, one job at a time
    for name, options in {
        "submitit": sweep.Options(executor="slurm", submitit_cluster="local", threads=threads, cpus=threads),
        "ray": sweep.Options(executor="ray", threads=threads, cpus=os.cpu_count()),
    }.items():
        _use(monkeypatch, tmp_path / name)
        options = dataclasses.replace(options, log_dir=tmp_path / name / "logs")
        outcomes = sweep.sweep(plan, options, echo=lambda _: None)
        assert [o.error for o in outcomes] == [None, None], name
        _same(reference, _run_files(plan))
        assert sweep.sweep(plan, options, echo=lambda _: None) == []  # nothing left to submit


def test_a_failed_job_is_reported_then_resubmitted(tmp_path, monkeypatch):
    plan = sweep.chapter_plan(sweep.chapter_by_name(SMOKE_PAGE), tier="smoke", parameters={"seeds": 1})
    _use(monkeypatch, tmp_path)
    options = sweep.Options(executor="local", log_dir=tmp_path / "logs")
    data_dir = os.environ.get("MI_DATA_DIR")
    monkeypatch.setenv("MI_DATA_DIR", str(tmp_path / "no_data"))
    lines = []
    failed = sweep.sweep(plan, options, echo=lines.append)
    assert [o.error.split(":")[0] for o in failed] == ["DataError", "DataError"]
    assert all("Fashion-MNIST not found" in (tmp_path / "logs" / f"{o.job.name}.log").read_text() for o in failed)
    assert "rerun the same command to resubmit them" in lines[-1]

    monkeypatch.setenv("MI_DATA_DIR", data_dir or "")
    first = {"natural": plan["natural"]}  # an interrupted sweep: one run landed ...
    assert [o.error for o in sweep.sweep(first, options, echo=lines.append)] == [None]
    resumed = sweep.sweep(plan, options, echo=lines.append)  # ... the rerun submits only the other
    assert [(o.job.configs[0].method, o.error) for o in resumed] == [("pgd", None)]


def test_files_sent_back_are_checked(tmp_path, monkeypatch):
    _use(monkeypatch, tmp_path / "worker")
    plan = sweep.chapter_plan(sweep.chapter_by_name(SMOKE_PAGE), tier="smoke", parameters={"seeds": 1})
    payloads = sweep.run_job([plan["natural"][0].to_dict()])
    _use(monkeypatch, tmp_path / "driver")  # a driver without a shared filesystem
    data, checksum = payloads[0]["files"]["signals.npz"]
    payloads[0]["files"]["signals.npz"] = (data[:-1] + bytes([data[-1] ^ 1]), checksum)
    with pytest.raises(sweep.SweepError, match="checksum mismatch"):
        sweep.receive(payloads)
    payloads[0]["files"]["signals.npz"] = (data, checksum)
    assert sweep.receive(payloads) == [plan["natural"][0].run_id()]
    assert (run_dir(plan["natural"][0]) / "result.json").exists()


def test_a_plan_marks_the_runs_trained_elsewhere(tmp_path, monkeypatch):
    import shutil

    from mi_lib import runs

    _use(monkeypatch, tmp_path)
    monkeypatch.setattr(runs, "LOCAL_DATASETS", ("fmnist",))  # the smoke page's dataset stands in for Yale
    plan = sweep.chapter_plan(sweep.chapter_by_name(SMOKE_PAGE), tier="smoke", parameters={"seeds": 1})
    plans.run(plan, progress=False)
    shutil.rmtree(run_dir(plan["natural"][0]))  # a clone: the natural run's summary is here, its folder is not
    text = sweep.format_plan(sweep.describe(plan, tier="smoke"), title="plan")
    row = next(line for line in text.splitlines() if plan["natural"][0].run_id() in line)
    assert "missing (trained elsewhere)  " in row and " (recorded)" in row  # its summary holds its training time
    assert "2 runs: 1 cached, 1 missing" in text
    assert text.endswith(
        "; 1 trained elsewhere: copy their folders here, or set MI_RETRAIN_LOCAL=1 to train them again"
    )


def test_command_line_errors_name_the_field(capsys):
    assert sweep.main(["sweep", SMOKE_PAGE, "--tier", "smoke", "--executor", "kubernetes"]) == 2
    assert "executor: unknown value 'kubernetes'; accepted values: local, slurm, ray" in capsys.readouterr().err
    # a chapter's parameters that only make sense together are checked before anything trains
    assert sweep.main(["plan", "yale_lira", "--tier", "smoke", "-p", "shadows", "2", "-p", "target_models", "4"]) == 2
    assert "target_models: 4 is out of range; accepted values: 1 to 3 (shadows + 1)" in capsys.readouterr().err


def test_the_readme_commands_parse_and_run(tmp_path, monkeypatch, capsys):
    _use(monkeypatch, tmp_path)
    smoke = [SMOKE_PAGE, "--tier", "smoke", "-p", "seeds", "1"]
    assert sweep.main(["plan", *smoke]) == 0
    assert "2 runs: 0 cached, 2 missing" in capsys.readouterr().out
    assert sweep.main(["sweep", *smoke, "--executor", "local", "--log-dir", str(tmp_path / "logs")]) == 0
    assert f"then: ./run notebook {SMOKE_PAGE} --tier smoke -p seeds 1" in capsys.readouterr().out
    assert sweep.main(["plan", *smoke]) == 0 and "2 runs: 2 cached, 0 missing" in capsys.readouterr().out
    slurm = ["--executor", "slurm", "--partition", "gpu", "--gpus", "1", "--cpus", "8", "--time", "720"]
    if not sweep._has_slurm():  # every flag parsed, then refused in one line (on a SLURM machine it would submit)
        assert sweep.main(["sweep", SMOKE_PAGE, "--tier", "paper", *slurm]) == 2
        assert "executor: slurm, but this machine has no SLURM" in capsys.readouterr().err


def test_the_weight_decay_section_trains_the_requested_seeds():
    plan = plans.modern_evaluation(dataset="fmnist", tier="smoke", seeds=3, weight_decays=[1e-3], weight_decay_seeds=3)
    decayed = plan[("weight decay", 1e-3)]
    assert sorted({c.seed for c in decayed}) == [0, 1, 2] and {c.weight_decay for c in decayed} == {1e-3}
    default = plans.modern_evaluation(dataset="fmnist", tier="smoke", seeds=3, weight_decays=[1e-3])
    assert {c.seed for c in default[("weight decay", 1e-3)]} == {0}  # the committed book's single seed
    with pytest.raises(ConfigError, match=r"^weight_decay_seeds: accepted values are 1 to seeds \(3"):
        plans.modern_evaluation(dataset="fmnist", tier="smoke", seeds=3, weight_decays=[1e-3], weight_decay_seeds=4)


def test_a_missing_runs_cost_is_scaled_from_runs_of_its_arithmetic_on_this_machine_kind(monkeypatch):
    here = torch.backends.cpu.get_cpu_capability()
    config = preset("fmnist", "long", method="pgd", seed=1, precision="fp32")
    same = preset("fmnist", "long", method="pgd", seed=0, precision="fp32")
    bf16 = preset("fmnist", "long", method="pgd", seed=0)
    cost, seconds = sweep._cost(config, None, [(same, 14400.0, here), (bf16, 1100.0, here)])
    assert seconds == 14400.0 and cost == "≈ 4.0 h (scaled from 1 run here)"  # the bf16 run is not its kind
    elsewhere = [(same, 5000.0, "another kind"), (same, 7000.0, "another kind"), (same, 14400.0, here)]
    assert sweep._cost(config, None, elsewhere)[1] == 14400.0  # this machine's kind first, where it timed one
    assert sweep._cost(config, None, elsewhere[:2])[1] == 6000.0  # else every kind (their median)
    assert sweep._cost(config, None, [(bf16, 1100.0, here)])[1] is None
    monkeypatch.delenv("MI_DEVICE", raising=False)  # a CPU here: a GPU's time is no estimate of a CPU's
    assert sweep._cost(config, None, [(same, 90.0, "GPU")])[1] is None
    assert sweep._cost(config, None, [(same, 90.0, "GPU"), *elsewhere[:2]])[1] == 6000.0
    monkeypatch.setattr(sweep, "resolve_device", lambda: torch.device("cuda"))  # and on a GPU, only GPU times
    assert sweep._cost(config, None, [(same, 90.0, "GPU"), *elsewhere])[1] == 90.0


def test_the_command_after_a_sweep_executes_the_page_the_sweep_fed():
    long_page = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd_long")
    page = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd")
    assert sweep.notebook_command(long_page, "long", []) == "./run notebook fmnist_natural_vs_pgd_long"
    assert sweep.notebook_command(page, "cpu", []) == "./run notebook fmnist_natural_vs_pgd"
    assert sweep.notebook_command(page, "smoke", []) == "./run notebook fmnist_natural_vs_pgd --tier smoke"
    assert (
        sweep.notebook_command(page, "paper", [("seeds", "1")])
        == "./run notebook fmnist_natural_vs_pgd --tier paper -p seeds 1 -o fmnist_natural_vs_pgd-paper.ipynb"
    )
    assert sweep.notebook_command(long_page, "cpu", []).endswith("--tier cpu -o fmnist_natural_vs_pgd_long-cpu.ipynb")
