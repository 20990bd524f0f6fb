"""The long tier: presets, where its checkpoints live, the campaign's plan, and the precision knob."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from tiny import tiny_config, tiny_split

from mi_lib import book, campaign, campaign_cost, experiments, objectives, runs, training
from mi_lib.config import ConfigError, ExperimentConfig
from mi_lib.methods import chapter_methods
from mi_lib.tiers import LONG_PILOTS, PAGE_OVERRIDES, PILOT_POINTS, preset


def test_long_tier_has_presets_for_fmnist_and_cifar_but_not_yale():
    assert preset("fmnist", "long", method="pgd").n_members == 10000
    assert preset("cifar10-jpeg", "long").model == "wrn"
    with pytest.raises(
        ConfigError, match="tier: 'long' has no preset for yale .*accepted values for yale: smoke, cpu, paper"
    ):
        preset("yale", "long")


def test_long_checkpoints_sit_beside_the_results_and_never_for_yale(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    config = preset("fmnist", "long", method="pgd")
    assert runs.checkpoint_path(config) == tmp_path / "long" / "checkpoints" / f"fmnist-{config.train_id()}.pt"
    assert runs.checkpoint_path(preset("fmnist", "cpu")).parent == runs.cache_root() / "checkpoints"
    with pytest.raises(ValueError, match="Yale Face has no long tier"):
        runs.checkpoint_path(
            ExperimentConfig(dataset="yale", model="yale_cnn", method="natural", eps=0.03, tier="long")
        )


def test_the_campaign_runs_every_natural_point_before_the_robust_ones():
    order = campaign.plan("fmnist")
    assert [m for _, m, _ in order] == ["natural"] * len(PILOT_POINTS["long"]) + ["pgd"] * len(PILOT_POINTS["long"])
    assert [p for p, _, _ in order[: len(PILOT_POINTS["long"])]] == PILOT_POINTS["long"]


def test_precision_is_validated_and_renames_only_runs_that_set_it():
    assert preset("fmnist", "cpu").run_id() == preset("fmnist", "cpu", precision="fp32").run_id()
    assert preset("fmnist", "cpu", precision="bf16").train_id() != preset("fmnist", "cpu").train_id()
    with pytest.raises(ConfigError, match="precision: unknown value 'fp16'; accepted values: fp32, bf16"):
        preset("fmnist", "cpu", precision="fp16")


@pytest.mark.filterwarnings("ignore:precision. bf16 is emulated:RuntimeWarning")
def test_bf16_autocasts_training_only_and_keeps_float32_weights(tmp_path):
    config = tiny_config(precision="bf16", epochs=1)
    layer = torch.nn.Linear(4, 2)
    with objectives.training_precision(config, "cpu"):
        assert layer(torch.rand(3, 4)).dtype == torch.bfloat16
    with objectives.training_precision(tiny_config(), "cpu"):
        assert layer(torch.rand(3, 4)).dtype == torch.float32
    from mi_lib.models import build_model

    model = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    state = training.train(config, model, tiny_split(), checkpoint=tmp_path / "bf16.pt", progress=False)
    assert state.epoch == 1 and all(p.dtype == torch.float32 for p in model.parameters())
    assert model(torch.rand(2, 1, 12, 12)).dtype == torch.float32  # evaluation: float32


def test_training_warns_when_bf16_is_emulated(tmp_path, monkeypatch):
    from mi_lib.models import build_model

    config = tiny_config(precision="bf16", epochs=1)

    def train_on(native: bool) -> None:
        monkeypatch.setattr(training, "bf16_native", lambda device: native)
        model = build_model(config, in_shape=(1, 12, 12), n_classes=4)
        training.train(config, model, tiny_split(), checkpoint=tmp_path / f"{native}.pt", progress=False)

    with pytest.warns(RuntimeWarning, match="precision: bf16 is emulated"):
        train_on(native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        train_on(native=True)


def test_the_campaign_runs_the_robust_model_of_a_promising_point_first():
    points = [dict(n_members=10000), dict(n_members=20000)]
    runs = [(p, m, 0) for m in ("natural", "pgd") for p in points]
    good = {"train_acc": 1.0, "test_acc": 0.887, "ib": {"advantage": 0.195}, "ia": {"advantage": 0.04}}
    leaky = {"train_acc": 1.0, "test_acc": 0.887, "ib": {"advantage": 0.25}, "ia": {"advantage": 0.04}}
    assert campaign.natural_meets_targets(good) and not campaign.natural_meets_targets(leaky)
    assert campaign.prioritise(runs, {}) == runs  # nothing finished: naturals first, as planned
    order = campaign.prioritise(runs, {campaign._key(points[0]): good})
    assert order[0] == (points[0], "pgd", 0) and [m for _, m, _ in order[1:]] == ["natural", "natural", "pgd"]
    assert campaign.prioritise(runs, {campaign._key(points[0]): leaky}) == runs
    # CIFAR-10's natural targets: fit the training set and generalise (its leakage is not a target)
    assert campaign.natural_meets_targets({**leaky, "train_acc": 0.99, "test_acc": 0.78}, "cifar10-jpeg")
    assert not campaign.natural_meets_targets({**good, "train_acc": 0.90, "test_acc": 0.78}, "cifar10-jpeg")


def test_the_cifar_pilot_changes_one_thing_at_a_time_from_the_preset_then_joins_two_then_trains_longer():
    from mi_lib.tiers import LONG_PILOTS, describe_point

    points = LONG_PILOTS["cifar10-jpeg"]
    first, *singles, joined, longer = points
    assert preset("cifar10-jpeg", "long", **first).train_id() == preset("cifar10-jpeg", "long").train_id()
    assert all(sum(p[k] != first[k] for k in first) == 1 for p in singles)
    assert describe_point(singles[-1]) == "10,000 members, WRN-16-2, 60 epochs, no augmentation"
    # the last point joins two of the directions above (more members, no augmentation), and nothing else
    changed = {k for k in first if joined[k] != first[k]}
    assert changed == {"n_members", "augment"} and all(any(p[k] == joined[k] for p in singles) for k in changed)
    assert describe_point(joined) == "20,000 members, WRN-16-2, 60 epochs, no augmentation"
    # the point a GPU lease added (stop 57): the no-augmentation point trained longer, nothing else changed
    assert {k for k in first if longer[k] != singles[-1][k]} == {"epochs"} and longer["epochs"] > first["epochs"]
    assert [p for p, _, _ in campaign.plan("cifar10-jpeg")][: len(points)] == points


def test_status_says_finished_in_progress_or_to_run_and_the_sentence_counts_them(tmp_path, monkeypatch):
    from mi_lib.runs import checkpoint_path
    from mi_lib.runs_io import save_checkpoint

    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    first = PILOT_POINTS["long"][0]
    save_checkpoint(checkpoint_path(preset("fmnist", "long", method="natural", **first)), {"state": {"epoch": 3}})
    status = campaign.status_frame("fmnist").set_index("point")
    assert status.loc["10,000 members, width 0.25, 40 epochs", "natural"] == "in progress: epoch 3 of 40"
    assert (status.drop(index="10,000 members, width 0.25, 40 epochs").to_numpy() == "to run").all()
    sentence = campaign.progress_sentence("fmnist")
    assert sentence.endswith(f"0 of {2 * len(PILOT_POINTS['long'])} models finished, 1 in progress.")


def test_the_long_tier_trains_in_bf16_and_its_float32_map_keeps_its_run_ids():
    point = PILOT_POINTS["long"][0]
    assert preset("fmnist", "long").precision == preset("cifar10-jpeg", "long").precision == "bf16"
    fp32 = campaign.long_config("fmnist", point, "natural", precision="fp32")
    assert fp32.precision == "fp32" and fp32.run_id() != campaign.long_config("fmnist", point, "natural").run_id()
    assert fp32.run_id() == "fmnist-natural-9851cacb91d0"  # trained in float32 in stop 25, committed


def test_the_campaign_refuses_to_train_bf16_where_it_is_emulated(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    monkeypatch.setattr(campaign, "bf16_native", lambda device: False)
    assert campaign.main(["fmnist"]) == 2
    assert "error: precision: bf16 is emulated on this cpu" in capsys.readouterr().err
    assert not (tmp_path / "long" / "checkpoints").exists()  # nothing trained


def test_the_campaign_queue_starts_with_the_natural_models_when_nothing_is_finished(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    queue = campaign.ordered_configs("fmnist")
    n = len(PILOT_POINTS["long"])
    assert [m for (_, m, _), _, _ in queue] == ["natural"] * n + ["pgd"] * n
    assert not any(done for *_, done in queue) and all(c.precision == "bf16" for _, c, _ in queue)


def test_the_campaign_can_widen_one_chosen_point_only():
    runs = campaign.plan("fmnist", seeds=3, point="n_members=20000,width=0.25,epochs=40")
    assert {tuple(sorted(p.items())) for p, _, _ in runs} == {(("epochs", 40), ("n_members", 20000), ("width", 0.25))}
    assert sorted((m, s) for _, m, s in runs) == [(m, s) for m in ("natural", "pgd") for s in range(3)]
    quarter = [p for p in PILOT_POINTS["long"] if p["width"] == 0.25]
    assert len(quarter) >= 2 and len(campaign.plan("fmnist", point="width=0.25")) == 2 * len(quarter)  # every such
    with pytest.raises(ConfigError, match="point: no pilot point matches 'n_members=60000'; accepted points: "):
        campaign.plan("fmnist", point="n_members=60000")
    with pytest.raises(ConfigError, match="point: cannot read 'members=1'; accepted points: n_members=10000"):
        campaign.plan("fmnist", point="members=1")
    for dataset, points in LONG_PILOTS.items():  # each point's text reads back as that point alone
        for p in points:
            assert campaign.select_points(dataset, campaign.point_text(p)) == [p]


def test_the_closest_point_is_among_those_meeting_the_most_targets_the_one_with_the_highest_ratio(monkeypatch):
    from types import SimpleNamespace

    first, half = LONG_PILOTS["fmnist"][0], {"n_members": 10000, "width": 0.5, "epochs": 40}
    assert half in LONG_PILOTS["fmnist"]

    def fake(point, method, adv_train, ia):  # natural: test 89%, best advantage 16%; PGD: its gap and IA
        config = campaign.long_config("fmnist", point, method, precision="fp32")
        ib = {"accuracy": 0.58, "advantage": 0.16, "auc": 0.6}
        robust = {"accuracy": ia, "advantage": 2 * ia - 1, "auc": 0.6}
        summary = dict(train_acc=1.0, test_acc=0.89, adv_train_acc=adv_train, adv_test_acc=0.70, ib=ib)
        summary |= dict(ia=robust if method == "pgd" else ib, n_members=10000, train_time_s=1.0, run_id=config.run_id())
        return config.run_id(), SimpleNamespace(config=config, summary=summary)

    # both points meet 3 of the 4 targets (ratio under 1.5): the second, with the higher ratio, is the closest
    runs = dict(
        [fake(first, "natural", 0, 0), fake(first, "pgd", 0.92, 0.585), fake(half, "natural", 0, 0)]
        + [fake(half, "pgd", 0.93, 0.595)]
    )
    monkeypatch.setattr(campaign, "load_run", lambda c: runs.get(c.run_id()))
    monkeypatch.setattr(campaign, "load_checkpoint", lambda path: None)
    sentence = campaign.progress_sentence("fmnist")
    assert sentence.endswith(
        "Closest so far: 10,000 members, width 0.5, 40 epochs (float32), which meets 3 of 4 targets."
    )


def test_the_sentence_counts_and_judges_the_float32_map_and_says_it_has_no_robust_model(monkeypatch):
    from types import SimpleNamespace

    from mi_lib.tiers import LONG_PILOTS

    first = LONG_PILOTS["cifar10-jpeg"][0]
    fp32_natural = campaign.long_config("cifar10-jpeg", first, "natural", precision="fp32")
    attack = {"accuracy": 0.6, "advantage": 0.2, "auc": 0.6}
    summary = dict(train_acc=0.99, test_acc=0.80, adv_train_acc=0.0, adv_test_acc=0.0, ib=attack, ia=attack)
    summary |= dict(n_members=10000, train_time_s=1.0, run_id=fp32_natural.run_id())
    fake = SimpleNamespace(config=fp32_natural, summary=summary)  # only this float32 natural model has finished
    monkeypatch.setattr(campaign, "load_run", lambda c: fake if c.run_id() == fp32_natural.run_id() else None)
    monkeypatch.setattr(campaign, "load_checkpoint", lambda path: None)
    sentence = campaign.progress_sentence("cifar10-jpeg")
    models = 2 * len(LONG_PILOTS["cifar10-jpeg"])  # a natural and a PGD model per point
    assert f"0 of {models} models finished, 0 in progress. Its float32 map" in sentence and "has 1 more." in sentence
    assert sentence.endswith(
        "Closest so far: 10,000 members, WRN-16-2, 60 epochs (float32), which meets 2 of 3 targets "
        "(its robust model is not in the float32 map)."
    )


def test_each_direction_of_the_map_reports_its_change_against_the_first_point(monkeypatch):
    from types import SimpleNamespace

    from mi_lib.tiers import LONG_PILOTS

    base = LONG_PILOTS["cifar10-jpeg"][0]
    (no_augment,) = [p for p in LONG_PILOTS["cifar10-jpeg"] if p == base | {"augment": False}]  # one direction away
    attack = {"accuracy": 0.6, "advantage": 0.2, "auc": 0.6}
    finished = {}
    for point, train, test in ((base, 0.90, 0.78), (no_augment, 1.0, 0.70)):
        config = campaign.long_config("cifar10-jpeg", point, "natural", precision="fp32")
        summary = dict(train_acc=train, test_acc=test, adv_train_acc=0.0, adv_test_acc=0.0, ib=attack, ia=attack)
        summary |= dict(n_members=10000, train_time_s=1.0, run_id=config.run_id())
        finished[config.run_id()] = SimpleNamespace(config=config, summary=summary)
    monkeypatch.setattr(campaign, "load_run", lambda c: finished.get(c.run_id()))
    directions = campaign.direction_frame("cifar10-jpeg", precision="fp32")
    assert directions["change"].tolist() == ["augmentation on → off"]  # the points with no finished model are left out
    row = directions.iloc[0]
    assert row["natural train accuracy"] == pytest.approx(0.10) and row["natural test accuracy"] == pytest.approx(-0.08)
    assert pd.isna(row["PGD adv-train − adv-test"])  # no PGD model in either point
    empty = campaign.direction_frame("cifar10-jpeg")  # the bf16 map has no finished model: the columns, no rows
    assert empty.empty and empty.columns.tolist() == ["change", *campaign.TARGETS_BY_DATASET["cifar10-jpeg"]]
    del finished[campaign.long_config("cifar10-jpeg", base, "natural", precision="fp32").run_id()]
    no_base = campaign.direction_frame(
        "cifar10-jpeg", precision="fp32"
    )  # the first point unfinished: nothing to subtract
    assert no_base["change"].tolist() == ["augmentation on → off"] and no_base.drop(columns="change").isna().all(
        axis=None
    )


def test_the_paper_regimes_cost_quotes_pineat_and_reads_the_gpu_checks_records(tmp_path, monkeypatch, benchmark_module):
    import json

    gpu_check = benchmark_module("gpu_check")
    monkeypatch.setattr(campaign, "GPU_CHECKS", tmp_path)
    assert campaign.paper_regime_cost("cifar10-jpeg").endswith(
        "80.75 hours of training for one CIFAR-10 PGD model on a server with three V100 GPUs (PINEAT Table 1); "
        "this project's own projection on a GPU is not measured yet."
    )
    assert campaign.paper_regime_cost("yale") == ""  # PINEAT does not time Yale
    monkeypatch.setattr(gpu_check, "throughput", lambda dataset, precision, device, seconds: (100.0, 128))
    records = gpu_check.projections("cuda", 0.0, emit=lambda line: None)  # what a GPU run writes, end to end
    for name, device in (("h200", "cuda"), ("dry-run", "cpu")):
        record = gpu_check.record(device, "NVIDIA H200" if device == "cuda" else "CPU", records)
        (tmp_path / f"gpu-check-{name}.json").write_text(json.dumps(record))
    with pytest.warns(RuntimeWarning, match="gpu-check-dry-run.json: not a GPU record of gpu_check"):
        cost = campaign.paper_regime_cost("cifar10")  # the CPU dry run is left out
    hours = 50000 * preset("cifar10", "paper", method="pgd").epochs / 100.0 / 3600
    assert cost.endswith(f"; this project's code projects {hours:.1f} hours on one NVIDIA H200 (bf16).")
    fp32_only = dict(device="A100", device_type="cuda", projections=[dict(r, precision="fp32") for r in records])
    (tmp_path / "gpu-check-h200.json").write_text(json.dumps(fp32_only))
    (tmp_path / "gpu-check-dry-run.json").write_text("{not json")
    with pytest.warns(RuntimeWarning, match="gpu-check-dry-run.json"):
        assert campaign.paper_regime_cost("cifar10").endswith(f"projects {hours:.1f} hours on one A100 (fp32).")


# --------------------------------------------------------------------------- the long tier's pages
def test_the_long_page_shows_the_long_tiers_runs_at_its_point_in_the_book_and_smoke_runs_in_ci(monkeypatch, tmp_path):
    import papermill

    page = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd_long")
    assert page.book_tier == "long" and (page.parameters["n_members"], page.parameters["epochs"]) == (20000, 80)
    assert book.run_tier(page, "cpu") == "long" and book.run_tier(page, "smoke") == "smoke"
    assert "Table 3, long tier" in book.title(page)
    plain = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd")
    assert book.run_tier(plain, "cpu") == "cpu"
    seen = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda src, out, *, parameters, **kw: seen.append(parameters))
    monkeypatch.setitem(book.TARGETS, "cpu", tmp_path / "book")
    monkeypatch.setitem(book.TARGETS, "smoke", tmp_path / "smoke")
    book.execute(page, tier="cpu")  # the book's copy
    book.execute(page, tier="smoke")  # CI's copy
    book.execute(page, tier="cpu", output=tmp_path / "rerun.ipynb", parameters={"seeds": 1})  # a rerun says its tier
    assert [p["tier"] for p in seen] == ["long", "smoke", "cpu"]
    # the page's point on the long tier's map reaches neither CI's smoke copy nor a rerun at another tier (20,000
    # members and 80 epochs at the smoke or cpu preset's scale)
    assert seen[0]["n_members"] == 20000 and not any(set(PAGE_OVERRIDES) & set(p) for p in seen[1:])
    from mi_lib import sweep

    def members(tier):
        return {c.n_members for cs in sweep.chapter_plan(page, tier=tier).values() for c in cs}

    assert members("long") == {20000} and members("cpu") == {preset("fmnist", "cpu").n_members}  # ./run plan --tier
    dist = next(c for c in book.CHAPTERS if c.name == "fmnist_dist_long")
    assert book.tier_parameters(dist, "cpu")["precision"] == "fp32" and "precision" not in book.tier_parameters(
        dist, "smoke"
    )


def test_notebook_and_plan_default_to_the_tier_the_book_shows(monkeypatch, capsys):
    from mi_lib import sweep

    tiers_run = []
    monkeypatch.setattr(book, "execute", lambda chapter, *, tier, **kw: tiers_run.append(tier) or "out.ipynb")
    assert book.main(["notebook", "fmnist_natural_vs_pgd_long", "-p", "seeds", "1", "-o", "/tmp/x.ipynb"]) == 0
    assert book.main(["notebook", "fmnist_natural_vs_pgd", "-p", "seeds", "1", "-o", "/tmp/x.ipynb"]) == 0
    assert tiers_run == ["long", "cpu"]
    assert sweep.main(["plan", "fmnist_natural_vs_pgd_long", "-p", "seeds", "1"]) == 0
    assert "fmnist_natural_vs_pgd_long at the long tier" in capsys.readouterr().out


def test_a_page_never_trains_a_long_run_only_the_campaign_does(tmp_path, monkeypatch):
    from mi_lib import runs

    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path / "cache"))
    trained = []
    monkeypatch.setattr(runs, "_train_and_score", lambda config, **kw: trained.append(config) or "result")
    config = preset("fmnist", "long", precision="fp32", seed=7)
    with pytest.raises(
        runs.LongRunMissing, match=r"fmnist-natural-\w+: this long-tier run is not trained .* `./run campaign fmnist`"
    ):
        runs.run_experiment(config, progress=False)
    assert trained == []
    assert runs.run_experiment(config, progress=False, train_long=True) == "result" and trained == [config]
    cpu = preset("fmnist", "cpu", seed=7)  # the other tiers train as before
    assert runs.run_experiment(cpu, progress=False) == "result"


def test_the_scoreboard_gives_the_long_tier_its_own_column(monkeypatch):
    import pandas as pd

    from mi_lib import scoreboard

    rows = [
        ("C1", "Fashion-MNIST, PGD", "ours (cpu tier)", "fmnist_natural_vs_pgd", "inconclusive"),
        ("C1", "Fashion-MNIST, PGD", "ours (long tier)", "fmnist_natural_vs_pgd_long", "holds"),
        ("C2", "Fashion-MNIST, PGD", "ours (cpu tier)", "fmnist_natural_vs_pgd", "holds"),
    ]
    found = pd.DataFrame(
        [dict(claim_id=c, scope=s, models=m, chapter=ch, verdict=v, numbers="") for c, s, m, ch, v in rows]
    )
    assert scoreboard.other_tiers(found, tier="cpu") == ["long"]
    table = scoreboard.board(found, tier="cpu").set_index("id")
    assert table.loc["C1", "our models (cpu tier)"] == "inconclusive"
    assert table.loc["C1", "our models (long tier)"] == "holds" and table.loc["C2", "our models (long tier)"] == "—"
    assert "fmnist_natural_vs_pgd_long.html" in table.loc["C1", "chapters"]
    text = scoreboard.status_sentence(table.reset_index(), tier="cpu", found=found)
    assert text.count("At the `long` tier (its own pages): C1 holds.") == 1
    cpu_only = found[found["models"] == "ours (cpu tier)"]  # no long page in the book: the board as before
    board = scoreboard.board(cpu_only, tier="cpu")
    assert list(board.columns) == [
        "id",
        "claim",
        "source",
        "paper",
        "our models (cpu tier)",
        "authors' released models",
        "chapters",
    ]
    assert "At the `" not in scoreboard.status_sentence(board, tier="cpu", found=cpu_only)


def test_a_page_not_in_the_book_gives_the_scoreboard_no_verdict(monkeypatch):
    from mi_lib import scoreboard

    page = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd_long")
    monkeypatch.setattr(scoreboard, "CHAPTERS", [dataclasses.replace(page, in_book=False)])
    read = []
    monkeypatch.setattr(scoreboard, "page_runs", lambda chapter, tier: read.append(chapter) or ("fmnist", []))
    assert scoreboard._checks_from_empirical_chapters("cpu") == [] and read == []
    monkeypatch.setattr(scoreboard, "CHAPTERS", [dataclasses.replace(page, in_book=True)])
    scoreboard._checks_from_empirical_chapters("cpu")
    assert read == [dataclasses.replace(page, in_book=True)]


def _configs_the_scoreboard_reads(monkeypatch) -> list:
    """The configs :func:`mi_lib.experiments.page_runs` asks the run cache for, from now on (it finds none)."""
    configs = []
    monkeypatch.setattr(
        experiments,
        "cached_runs",
        lambda dataset, tier, *, methods, max_seeds, numbers_only, **kw: (
            configs.append(preset(dataset, tier, **kw)) or []
        ),
    )
    return configs


def _long_plan(page) -> dict:
    """The plan of ``page``'s book copy at the long tier, as its notebook builds it."""
    from mi_lib import plans

    parameters = book.page_parameters(page, "cpu")
    return plans.empirical_defences(tier="long", **{k: v for k, v in parameters.items() if k != "tier"})


def test_the_page_reads_the_long_runs_of_its_precision_and_point(monkeypatch):
    page = next(c for c in book.CHAPTERS if c.name == "fmnist_dist_long")
    asked = []
    monkeypatch.setattr(
        experiments, "cached_runs", lambda dataset, tier, **kw: asked.append((dataset, tier, kw["precision"])) or []
    )
    experiments.page_runs(page, "cpu")
    experiments.page_runs(page, "smoke")
    assert asked == [("fmnist", "long", "fp32")] * 2 + [("fmnist", "smoke", None)] * 2
    # a page moved to another point of the map: its plan, the scoreboard and the appendix read that point's runs
    moved = dataclasses.replace(page, parameters={**page.parameters, "width": 0.5, "epochs": 80})
    configs = _configs_the_scoreboard_reads(monkeypatch)
    experiments.page_runs(moved, "cpu")
    planned = _long_plan(moved)
    assert {(c.width, c.epochs, c.precision) for c in configs} == {(0.5, 80, "fp32")}
    assert {(c.width, c.epochs) for cs in planned.values() for c in cs} == {(0.5, 80)}
    assert campaign.long_page_status(moved)[0].startswith("Its point: 10,000 members, width 0.5, 80 epochs, float32")
    table3 = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd_long")
    configs.clear()
    experiments.page_runs(table3, "cpu")
    assert {(c.n_members, c.width, c.epochs, c.precision) for c in configs} == {(20000, 0.25, 80, "bf16")}


def test_the_cifar_long_page_sits_at_the_point_meeting_every_target_without_augmentation(monkeypatch):
    page = book.long_page("cifar10-jpeg")
    config, point = campaign.page_point(page)
    assert point == {"n_members": 20000, "depth": 16, "width": 2, "epochs": 60, "augment": False}
    assert point in LONG_PILOTS["cifar10-jpeg"] and config.precision == "bf16"
    # augmentation off reaches the page's plan and the scoreboard's runs at the long tier ...
    planned = _long_plan(page)
    assert {(c.n_members, c.width, c.augment) for cs in planned.values() for c in cs} == {(20000, 2, False)}
    configs = _configs_the_scoreboard_reads(monkeypatch)
    experiments.page_runs(page, "cpu")
    assert {(c.tier, c.augment, c.n_members) for c in configs} == {("long", False, 20000)}
    # ... and never CI's smoke copy, which trains the smoke preset (with its augmentation)
    assert "augment" not in book.tier_parameters(page, "smoke") and preset("cifar10-jpeg", "smoke").augment
    from mi_lib import sweep

    assert {c.augment for cs in sweep.chapter_plan(page, tier="smoke").values() for c in cs} == {True}


def test_the_seeds_of_the_chosen_point_say_finished_in_progress_or_to_run(tmp_path, monkeypatch):
    from mi_lib.runs import checkpoint_path
    from mi_lib.runs_io import save_checkpoint

    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    monkeypatch.setattr(
        campaign, "load_summary", lambda config: object() if (config.method, config.seed) == ("natural", 0) else None
    )
    save_checkpoint(
        checkpoint_path(preset("fmnist", "long", method="pgd", seed=1, precision="fp32")), {"state": {"epoch": 9}}
    )
    frame = campaign.seeds_frame("fmnist", precision="fp32").set_index("method")
    assert list(frame.columns) == ["seed 0", "seed 1", "seed 2"]
    assert frame.loc["Natural"].tolist() == ["finished", "to run", "to run"]
    assert frame.loc["PGD-Based Adv-Train"].tolist() == ["to run", "in progress: epoch 9 of 40", "to run"]
    assert campaign.seeds_frame("fmnist").loc[1, "seed 1"] == "to run"  # bf16 runs are other runs


def test_the_appendix_says_where_the_long_pages_seeds_stand(monkeypatch):
    monkeypatch.setattr(
        campaign,
        "load_summary",
        lambda config: object() if (config.precision, config.n_members, config.seed) == ("bf16", 20000, 0) else None,
    )
    monkeypatch.setattr(campaign, "load_checkpoint", lambda path: None)
    page = book.long_page("fmnist")
    text, frame, finished = campaign.long_page_status(dataclasses.replace(page, in_book=False))
    assert text == (
        "Its point: 20,000 members, width 0.25, 80 epochs, bfloat16 training, 3 seeds per model; 2 of its 6 models "
        "have finished; the page enters the book when all have."
    )
    assert finished == 2
    assert campaign.long_page_status(dataclasses.replace(page, in_book=True))[0].endswith("(it is in the book).")
    assert frame.set_index("method").loc["PGD-Based Adv-Train"].tolist() == ["finished", "to run", "to run"]
    earlier = dataclasses.replace(page, parameters={**page.parameters, "epochs": 40, "precision": "fp32"})
    assert campaign.long_page_status(earlier)[0].startswith("Its point: 20,000 members, width 0.25, 40 epochs, float32")


def test_a_points_models_at_one_seed_show_each_robust_models_ratio_over_the_natural_one():
    frame = campaign.point_frame("fmnist", precision="fp32")  # the committed float32 map's first point, seed 0
    assert {"natural", "pgd"} <= set(frame["method"]) and set(frame["trained_on"]) <= {"CPU", "GPU"}
    natural = frame.set_index("method").loc["natural"]
    pgd = frame.set_index("method").loc["pgd"]
    assert np.isnan(natural["ratio"]) and pgd["ratio"] == pytest.approx(
        pgd["best_advantage"] / natural["best_advantage"]
    )
    assert campaign.point_frame("fmnist", precision="fp32", point={"n_members": 12345}).empty  # nothing finished there


def test_gpu_campaign_returns_each_workers_finished_runs_as_they_land(tmp_path, monkeypatch, benchmark_module):
    import tarfile
    import types

    gpu_campaign = benchmark_module("gpu_campaign")
    from mi_lib import runs

    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path / "res"))
    trained = []

    def fake_run(config, **kwargs):
        assert kwargs["train_long"] and config.tier == "long" and config.precision == "fp32"
        folder = runs.run_dir(config)
        folder.mkdir(parents=True)
        (folder / "result.json").write_text("{}")
        trained.append(config)
        if len(trained) == 2:
            raise KeyboardInterrupt  # a lease that ends during the second model
        return types.SimpleNamespace(summary={"train_acc": 1.0, "test_acc": 0.9})

    monkeypatch.setattr(runs, "run_experiment", fake_run)
    point = "n_members=10000,width=0.25,epochs=40"
    with pytest.raises(KeyboardInterrupt):
        gpu_campaign.worker(3, [f"fmnist/fp32/dist/1/{point}", f"fmnist/fp32/diff/1/{point}"], tmp_path)
    with tarfile.open(tmp_path / "w3.tar") as tar:  # the first model came back; the second never half-written
        assert tar.getnames() == [f"long/{trained[0].run_id()}", f"long/{trained[0].run_id()}/result.json"]
    assert [c.method for c in trained] == ["dist", "diff"] and trained[0].seed == 1
    with pytest.raises(SystemExit, match="model 'fmnist/pgd': expected dataset/precision/method/seed/point"):
        gpu_campaign.main(["fmnist/pgd", "--out", str(tmp_path / "out")])


def test_gpu_campaign_plans_the_unfinished_runs_costliest_first_over_the_workers(monkeypatch, benchmark_module):
    gpu_campaign = benchmark_module("gpu_campaign")
    points = [{"n_members": 10000, "width": 0.25, "epochs": 80}, {"n_members": 20000, "width": 0.25, "epochs": 80}]
    entries = [
        ((p, m, s), campaign.long_config("fmnist", p, m, s, "fp32"))
        for p in points
        for m in ("natural", "pgd")
        for s in (0, 1)
    ]
    finished = {entries[0][1].run_id()}  # natural seed 0 of the first point is done
    monkeypatch.setattr(campaign, "ordered_configs", lambda *a: [(e, c, c.run_id() in finished) for e, c in entries])
    planned = gpu_campaign.plan_workers(
        "fmnist", methods="natural,pgd", seeds=2, point=None, precision="fp32", workers=2
    )
    specs = [spec.split("+") for spec in planned]
    assert specs[0][0] == "fmnist/fp32/pgd/0/n_members=20000,width=0.25,epochs=80"  # the costliest first
    assert specs[1][0] == "fmnist/fp32/pgd/1/n_members=20000,width=0.25,epochs=80"
    flat = [s for worker in specs for s in worker]
    assert len(flat) == len(entries) - 1 and "fmnist/fp32/natural/0/n_members=10000,width=0.25,epochs=80" not in flat
    for spec in flat:  # each reads back as the config it was planned from
        dataset, precision, method, seed, point = gpu_campaign.parse_model(spec)
        (chosen,) = campaign.select_points(dataset, point)
        assert campaign.long_config(dataset, chosen, method, seed, precision).run_id() in {
            c.run_id() for _, c in entries
        }


def test_a_datasets_long_pages_are_found_by_their_robust_method():
    pages = book.long_pages("fmnist")
    assert book.long_page("fmnist") == pages[0] and pages[0].parameters["methods"][-1] == "pgd"
    diff = book.long_pages("fmnist", ["diff"])
    assert [c.parameters["methods"][-1] for c in diff] == ["diff"] and diff[0] in pages
    assert book.long_pages("fmnist", ["no-such-method"]) == [] and book.long_pages("yale") == []


def test_the_campaigns_spend_sums_committed_training_hours_by_device_and_skips_a_corrupt_result(tmp_path, monkeypatch):
    from mi_lib.runs_io import CorruptArtifact, save_json

    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path))
    assert campaign_cost.spend()[0].startswith("No model of the long tier has finished yet")
    cpu = {"cpu_capability": "AVX512", "device": "cpu"}
    for run_id, precision, environment, seconds in (
        ("fmnist-pgd-a", "bf16", cpu, 5400.0),
        ("fmnist-natural-b", "bf16", cpu, 1800.0),
        ("fmnist-pgd-c", "fp32", {"device": "cuda:0"}, 360.0),
        ("cifar10-jpeg-natural-d", "fp32", {"device": "cpu"}, 3600.0),  # recorded before cpu_capability was
    ):
        config = {"dataset": run_id.rsplit("-", 2)[0], "precision": precision}
        save_json(
            tmp_path / "long" / run_id / "result.json",
            {"run_id": run_id, "config": config, "environment": environment, "train_time_s": seconds},
        )
    (tmp_path / "long" / "fmnist-pgd-c" / "result.json").write_text("{}")  # fails its checksum: not counted
    with pytest.warns(CorruptArtifact, match="checksum mismatch"):
        text, table = campaign_cost.spend(budget_hours=40)
    assert "took **3.0 hours** of training on 2 CPU cores (3 models) against the campaign's budget of about 40" in text
    assert "on a GPU" not in text
    rows = {(r.dataset, r.device, r.precision): (r.models, round(r.hours, 2)) for r in table.itertuples()}
    assert rows == {
        ("Fashion-MNIST", "CPU (AVX512)", "bfloat16"): (2, 2.0),
        ("CIFAR-10 JPEG stand-in (q≈75)", "CPU (not recorded)", "float32"): (1, 1.0),
    }


def test_a_long_page_names_the_first_of_its_finished_models_outside_the_regime(monkeypatch):
    """The clause the pages below a long page add to their link to it (and the appendix's check): computed from the
    page's own point and seeds, none trained."""

    def finished(config, pgd_fit):
        pgd = config.method == "pgd"
        metrics = {"accuracy": 0.65, "advantage": 0.3, "auc": 0.7}
        summary = {
            "train_acc": pgd_fit if pgd else 1.0,
            "test_acc": 0.7,
            "adv_train_acc": 0.6 if pgd else 0.0,
            "adv_test_acc": 0.3 if pgd else 0.0,
            **{"ib": metrics, "ia": metrics, "n_members": config.n_members, "train_time_s": 1.0},
            "run_id": config.run_id(),
        }
        return runs.RunResult(config=config, summary=summary, directory=None)

    page = book.long_page("cifar10-jpeg")
    seen = []

    def two_seeds(config, pgd_fit=0.884):
        seen.append(config)
        return finished(config, pgd_fit) if config.seed < 2 else None

    monkeypatch.setattr(experiments, "load_summary", two_seeds)
    assert campaign.page_out_of_regime(page) == (
        "the PGD-Based Adv-Train model (2 of its 2 seeds; seed 0) is outside the papers' regime (train accuracy "
        "88.4%, adv-train − adv-test 30.0 pp: it does not fit its training set)"
    )
    # the long tier, the page's own point (20,000 members, no augmentation, bf16) and seeds, never the tier's preset
    assert {(c.tier, c.n_members, c.augment, c.precision, c.seed) for c in seen} == {
        ("long", 20000, False, "bf16", seed) for seed in range(3)
    }
    monkeypatch.setattr(experiments, "load_summary", lambda config: two_seeds(config, pgd_fit=0.99))
    assert campaign.page_out_of_regime(page) is None
    # both outside: the natural model is named, as on the page (natural first)
    monkeypatch.setattr(
        experiments,
        "load_summary",
        lambda config: runs.RunResult(
            config=config,
            summary={**finished(config, 0.5).summary, "train_acc": 0.5},
            directory=None,
        ),
    )
    assert campaign.page_out_of_regime(page).startswith("the Natural model (3 of its 3 seeds; seed 0)")
    monkeypatch.setattr(experiments, "load_summary", lambda config: None)
    assert campaign.page_out_of_regime(page) is None


def test_a_page_without_its_own_methods_reads_the_declared_default_everywhere(monkeypatch):
    """:func:`mi_lib.book.page_methods` is the one reader of a page's methods: the runs the page asks for and the list
    of long pages see the notebook's declared default when the page sets none, and a bad one is named."""
    page = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd_long")
    bare = dataclasses.replace(page, parameters={k: v for k, v in page.parameters.items() if k != "methods"})
    default = chapter_methods(book.declared(page.path)["methods"])
    assert book.page_methods(bare, "cpu") == default and default != book.page_methods(page, "cpu")
    asked = []
    monkeypatch.setattr(experiments, "cached_runs", lambda dataset, tier, **kw: asked.extend(kw["methods"]) or [])
    experiments.page_runs(bare, "cpu")
    assert asked == default
    monkeypatch.setattr(book, "CHAPTERS", [page, bare])
    assert book.long_pages("fmnist", [default[-1]]) == [bare] and book.long_pages("fmnist", ["pgd"]) == [page]
    wrong = dataclasses.replace(page, parameters={**page.parameters, "methods": ["natural", "pgdd"]})
    with pytest.raises(ValueError, match="methods: unknown value"):
        book.page_methods(wrong, "cpu")


def test_training_longer_is_reported_where_a_point_repeats_an_earlier_one_with_more_epochs(monkeypatch):
    from types import SimpleNamespace

    shorter = next(p for p in LONG_PILOTS["cifar10-jpeg"] if p["augment"] is False and p["n_members"] == 10000)
    longer = next(p for p in LONG_PILOTS["cifar10-jpeg"] if p == shorter | {"epochs": p["epochs"]} and p != shorter)
    numbers = {  # (point, method): train, test, adv-train, adv-test, IB accuracy, IA accuracy
        (0, "natural"): (1.0, 0.70, 0.0, 0.0, 0.75, 0.55),
        (0, "pgd"): (0.87, 0.64, 0.57, 0.26, 0.61, 0.66),
        (1, "natural"): (1.0, 0.69, 0.0, 0.0, 0.80, 0.55),
        (1, "pgd"): (0.99, 0.65, 0.85, 0.19, 0.73, 0.83),
    }
    finished = {}
    for (i, method), (train, test, adv_train, adv_test, ib, ia) in numbers.items():
        config = campaign.long_config("cifar10-jpeg", (shorter, longer)[i], method, precision="fp32")
        summary = dict(train_acc=train, test_acc=test, adv_train_acc=adv_train, adv_test_acc=adv_test)
        summary |= {k: {"accuracy": a, "advantage": 2 * a - 1, "auc": a} for k, a in (("ib", ib), ("ia", ia))}
        summary |= dict(n_members=10000, train_time_s=1.0, run_id=config.run_id())
        finished[config.run_id()] = SimpleNamespace(config=config, summary=summary)
    monkeypatch.setattr(campaign, "load_run", lambda c: finished.get(c.run_id()))
    (sentence,) = campaign.longer_training("cifar10-jpeg", precision="fp32")
    assert sentence.startswith("10,000 members, WRN-16-2, 60 epochs, no augmentation → 100 epochs: ")
    assert "fits 87.0% → 99.0% of its training set" in sentence and "gap 31.0 pp → 66.0 pp" in sentence
    assert "its best advantage 32.0% → 66.0%" in sentence and "natural model's best advantage 50.0% → 60.0%" in sentence
    # a pair whose models have not all finished says nothing
    finished.pop(campaign.long_config("cifar10-jpeg", shorter, "natural", precision="fp32").run_id())
    assert campaign.longer_training("cifar10-jpeg", precision="fp32") == []
