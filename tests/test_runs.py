import threading
import warnings

import numpy as np
import pytest
import torch
from tiny import tiny_config, tiny_split

from mi_lib import objectives, runs, training
from mi_lib import signals as signals_module
from mi_lib.config import ConfigError, ExperimentConfig
from mi_lib.models import build_model
from mi_lib.runs_io import CorruptArtifact, load_arrays, load_checkpoint
from mi_lib.signals import model_outputs, softmax


def test_a_run_writes_signals_in_the_authors_schema_and_is_reused(isolated_cache):
    config = tiny_config()
    first = runs.run_experiment(config, split=tiny_split(), progress=False)
    signals = first.signals
    assert set(signals) == {
        "output_train_benign",
        "output_test_benign",
        "output_train_adversarial",
        "output_test_adversarial",
        "train_label",
        "test_label",
        "logits_train_benign",
        "logits_test_benign",
        "logits_train_adversarial",
        "logits_test_adversarial",
    }
    assert signals["output_train_benign"].shape == (64, 4)
    np.testing.assert_allclose(signals["output_train_benign"], softmax(signals["logits_train_benign"]), rtol=1e-6)
    assert not list(runs.evaluation_partial_dir(config).parent.glob("*-eval-*"))  # removed once the run is saved
    np.testing.assert_allclose(signals["output_test_adversarial"].sum(1), 1, rtol=1e-5)
    assert 0.5 <= first["ib"]["accuracy"] <= 1 and first["train_time_s"] > 0
    # the CPU it ran on, beyond torch's capability ("AVX512" is an AMX Xeon and an AMD EPYC alike)
    assert {"threads", "torch", "device", "cpu_capability", "cpu_model", "bf16_units"} <= set(first["environment"])
    assert first["environment"]["bf16_units"] in ("AMX", "AVX512-BF16", "emulated")
    again = runs.run_experiment(config, split=None, progress=False)  # no split needed: read from the cache
    assert again.summary == first.summary


def test_same_config_gives_the_same_numbers(isolated_cache, monkeypatch):
    config = tiny_config()
    a = runs.run_experiment(config, split=tiny_split(), progress=False).signals
    monkeypatch.setenv("MI_CACHE_DIR", str(isolated_cache / "other-cache"))
    monkeypatch.setenv("MI_RESULTS_DIR", str(isolated_cache / "other-results"))
    b = runs.run_experiment(config, split=tiny_split(), progress=False).signals
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_an_interrupted_run_resumes_to_the_same_weights(isolated_cache):
    split = tiny_split()
    config = tiny_config()
    full = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    training.train(config, full, split, checkpoint=isolated_cache / "full.pt", progress=False)

    ckpt = isolated_cache / "interrupted.pt"
    partial = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    training.train(config.replace(epochs=1), partial, split, checkpoint=ckpt, progress=False)  # "killed" after epoch 1
    assert load_checkpoint(ckpt)["state"]["epoch"] == 1
    resumed = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    state = training.train(config, resumed, split, checkpoint=ckpt, progress=False)
    assert state.epoch == 3 and len(state.history) == 3
    for (name, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


def test_a_corrupt_artifact_is_detected_and_recomputed(isolated_cache):
    config = tiny_config()
    first = runs.run_experiment(config, split=tiny_split(), progress=False)
    path = first.directory / "signals.npz"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.warns(CorruptArtifact, match="signals.npz"):
        assert runs.load_run(config) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptArtifact)
        again = runs.run_experiment(config, split=tiny_split(), progress=False)
    assert again["ib"] == first["ib"] and runs.load_run(config) is not None


def test_a_process_needing_a_run_that_another_is_training_waits_and_reads_its_result(isolated_cache):
    config, got = tiny_config(), []
    with runs.checkpoint_lock(config):  # another process (a test worker, a second rerun) is training this run
        waiting = threading.Thread(
            target=lambda: got.append(runs.run_experiment(config, split=tiny_split(), progress=False))
        )
        waiting.start()
        waiting.join(timeout=3)
        assert waiting.is_alive()  # it waits for the holder instead of training the same weights beside it
        first = runs._train_and_score(config, split=tiny_split(), device=None, progress=False)
    waiting.join(timeout=60)
    assert got[0].summary == first.summary  # read back, not retrained: the same training time to the digit
    assert list((isolated_cache / "cache" / "locks").iterdir()) == [
        isolated_cache / "cache" / "locks" / f"{runs.checkpoint_path(config).stem}.lock"
    ]


def test_a_local_dataset_run_leaves_a_summary_that_only_number_readers_use(isolated_cache, monkeypatch):
    """A Yale run's folder stays on the machine that trained it; its summary (numbers only) is what a clone has."""
    import shutil
    from pathlib import Path

    monkeypatch.setattr(runs, "LOCAL_DATASETS", ("fmnist",))  # the tiny config's dataset stands in for Yale
    config = tiny_config()
    first = runs.run_experiment(config, split=tiny_split(), progress=False)
    assert runs.load_json(runs.summary_path(config)) == first.summary
    assert runs.recorded_summaries(config.tier) == [first.summary]  # the folder and its summary: one run
    shutil.rmtree(first.directory)  # a clone: the run folder is not there
    assert runs.load_run(config) is None
    assert runs.recorded_summaries(config.tier, f"{config.dataset}-{config.method}-") == [first.summary]
    assert runs.recorded_summaries(config.tier, f"{config.dataset}-natural-") == []
    summary = runs.load_summary(config)
    assert summary.summary == first.summary
    with pytest.raises(FileNotFoundError, match="signals.npz"):
        _ = summary.signals
    assert runs.load_summary(config.replace(seed=1)) is None
    for suffix in ("", ".sha256"):  # an intact summary under another run's name
        source, target = runs.summary_path(config), runs.summary_path(config.replace(seed=1))
        Path(f"{source}{suffix}").rename(f"{target}{suffix}")
    assert runs.load_summary(config.replace(seed=1)) is None
    monkeypatch.setattr(runs, "LOCAL_DATASETS", ())
    other = tiny_config(seed=2)
    runs.run_experiment(other, split=tiny_split(), progress=False)
    assert not runs.summary_path(other).exists()  # a committed run folder needs no summary


def test_a_local_dataset_run_trained_elsewhere_is_retrained_only_when_asked(isolated_cache, monkeypatch):
    import shutil

    monkeypatch.setattr(runs, "LOCAL_DATASETS", ("fmnist",))  # the tiny config's dataset stands in for Yale
    config = tiny_config()
    first = runs.run_experiment(config, split=tiny_split(), progress=False)
    shutil.rmtree(first.directory)  # a clone: the summary is committed, the run folder is not
    with pytest.raises(runs.TrainedElsewhere, match=f"^{config.run_id()}: trained elsewhere: .* MI_RETRAIN_LOCAL=1 "):
        runs.run_experiment(config, split=tiny_split(), progress=False)
    assert runs.load_json(runs.summary_path(config)) == first.summary and not first.directory.exists()
    monkeypatch.setenv("MI_RETRAIN_LOCAL", "1")
    again = runs.run_experiment(config, split=tiny_split(), progress=False)
    assert (again.directory / "signals.npz").exists() and runs.load_json(runs.summary_path(config)) == again.summary


def test_a_corrupt_checkpoint_is_not_resumed(isolated_cache):
    config = tiny_config(epochs=1)
    ckpt = isolated_cache / "c.pt"
    model = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    training.train(config, model, tiny_split(), checkpoint=ckpt, progress=False)
    ckpt.write_bytes(ckpt.read_bytes()[:-10])
    with pytest.warns(CorruptArtifact):
        assert load_checkpoint(ckpt) is None


def test_eps_warmup_and_ramp():
    config = tiny_config(eps_warmup_iters=10, eps_ramp_iters=20)
    assert training.eps_at(config, 9) == 0.0
    assert training.eps_at(config, 10) == pytest.approx(0.1 / 20)
    assert training.eps_at(config, 29) == pytest.approx(0.1) and training.eps_at(config, 500) == pytest.approx(0.1)


def test_lr_schedule():
    config = tiny_config(epochs=100, lr=1.0, lr_schedule=((0.5, 0.1), (0.75, 0.01)))
    assert [training.lr_at(config, e) for e in (0, 49, 50, 74, 75, 99)] == [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]


@pytest.mark.parametrize("method", ["natural", "pgd", "dist", "diff"])
def test_every_method_trains_and_lowers_its_loss(isolated_cache, method):
    config = tiny_config(method=method, epochs=4, dist_coeff=0.05)
    model = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    state = training.train(config, model, tiny_split(), checkpoint=isolated_cache / f"{method}.pt", progress=False)
    losses = [h["loss"] for h in state.history]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def diff_model_and_batch():
    """A tiny Diff-based config, its model, 16 members and a seeded generator."""
    config = tiny_config(method="diff")
    split = tiny_split()
    return (
        config,
        build_model(config, in_shape=(1, 12, 12), n_classes=4),
        split.x_members[:16],
        split.y_members[:16],
        torch.Generator().manual_seed(0),
    )


def test_trades_loss_is_clean_ce_plus_a_nonnegative_kl():
    config, model, x, y, g = diff_model_and_batch()
    with torch.no_grad():
        ce = torch.nn.functional.cross_entropy(model(x), y)
    assert objectives.diff_loss(model, x, y, eps=0.1, config=config, generator=g) >= ce - 1e-6
    small_beta = objectives.diff_loss(
        model, x, y, eps=0.1, config=config.replace(trades_beta=1e-9), generator=g
    ).detach()
    assert float(small_beta) == pytest.approx(float(ce), abs=1e-6)


def test_trades_loss_matches_kl_div_and_stays_finite_on_a_confident_model():
    config, model, x, y, g = diff_model_and_batch()
    x_adv = objectives.pgd_kl(model, x, eps=0.1, step_size=0.02, steps=3, generator=torch.Generator().manual_seed(0))
    expected = torch.nn.functional.cross_entropy(model(x), y) + torch.nn.functional.kl_div(
        torch.log_softmax(model(x_adv), 1), torch.softmax(model(x), 1), reduction="batchmean"
    )
    config3 = config.replace(train_steps=3, train_step_ratio=0.2)
    assert float(objectives.diff_loss(model, x, y, eps=0.1, config=config3, generator=g).detach()) == pytest.approx(
        float(expected), rel=1e-5
    )
    with torch.no_grad():  # a saturated model: softmax probabilities underflow to exactly 0
        for p in model.parameters():
            p.mul_(50.0)
    assert (torch.softmax(model(x), 1) == 0).any()
    loss = objectives.diff_loss(model, x, y, eps=0.0, config=config, generator=g)
    loss.backward()
    assert torch.isfinite(loss) and all(torch.isfinite(p.grad).all() for p in model.parameters())


def test_committed_results_keep_their_names():
    """Every committed run's directory is still named by its config's hash: a change to the config class
    (a new field, a new default) must not silently orphan existing results."""
    import json

    from mi_lib.runs import REPO_ROOT

    results = sorted((REPO_ROOT / "results").glob("*/*/result.json"))
    summaries = sorted((REPO_ROOT / "results").glob("*/summaries/*.json"))  # Yale runs (their folders stay local)
    assert summaries, "no committed summary of a Yale run"
    for path, name in [*((p, p.parent.name) for p in results), *((p, p.stem) for p in summaries)]:
        summary = json.loads(path.read_text())
        config = ExperimentConfig.from_dict(summary["config"])
        assert config.run_id() == name == summary["run_id"], path
        assert config.train_id() == summary["train_id"], path


def test_mixed_training_attacks_a_fixed_fraction_of_the_members():
    config = tiny_config(method="pgd", adv_fraction="3/4")
    assert config.adv_fraction == 0.75 and config.run_id() != config.replace(adv_fraction=1.0).run_id()
    assert (
        tiny_config(method="pgd").run_id() == tiny_config(method="pgd", adv_fraction=1.0).run_id()
    )  # default: name unchanged
    mask = training.adversarial_members(config, 40)
    assert mask.sum() == 30 and torch.equal(mask, training.adversarial_members(config, 40))
    assert training.adversarial_members(config.replace(adv_fraction=1.0), 40) is None
    with pytest.raises(ConfigError, match="adv_fraction"):
        tiny_config(method="dist", adv_fraction=0.5)
    with pytest.raises(ConfigError, match="adv_fraction"):
        tiny_config(method="pgd", adv_fraction=1.5)
    model = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    split = tiny_split()
    x, y = split.x_members[:8], split.y_members[:8]
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    none = torch.zeros(8, dtype=torch.bool)
    clean = torch.nn.functional.cross_entropy(model(x), y)
    assert float(
        objectives.pgd_loss(model, x, y, eps=0.1, config=config, generator=g(), adv_mask=none)
    ) == pytest.approx(float(clean))
    full = objectives.pgd_loss(model, x, y, eps=0.1, config=config, generator=g(), adv_mask=~none)
    assert float(full) == pytest.approx(
        float(objectives.pgd_loss(model, x, y, eps=0.1, config=config, generator=g())), rel=1e-5
    )
    assert float(full) > float(clean)


@pytest.mark.parametrize("method", ["ibp", "diffai"])
def test_verifiable_runs_record_iv_and_verified_accuracy(isolated_cache, method):
    config = tiny_config(method=method, epochs=3, eps_ramp_iters=6)
    result = runs.run_experiment(config, split=tiny_split(), progress=False)
    signals = result.signals
    assert signals["output_train_verified"].shape == (64, 4)
    assert (
        result["verified_train_acc"] <= result["adv_train_acc"] + 1e-9
        and result["verified_test_acc"] <= result["adv_test_acc"] + 1e-9
    )
    assert 0.5 <= result["iv"]["accuracy"] <= 1.0
    assert config.train_id() == config.replace(train_steps=3, train_step_ratio=0.5).train_id()


def test_verifiable_methods_need_a_plain_cnn():
    with pytest.raises(ConfigError, match="verifiable methods"):
        ExperimentConfig(dataset="cifar10", model="wrn", method="ibp", eps=0.03)


def test_an_interrupted_evaluation_resumes_with_the_same_outputs(tmp_path, monkeypatch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    x, y = torch.rand(50, 1, 4, 4), torch.randint(0, 3, (50,))
    kwargs = dict(eps=0.1, steps=3, step_size=0.05, batch_size=10, save_every=20)
    whole = model_outputs(model, x, y, **kwargs)
    partial = tmp_path / "train.npz"
    calls = {"n": 0}
    real = signals_module.pgd_linf

    def dies_after_three_batches(*args, **kw):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(signals_module, "pgd_linf", dies_after_three_batches)
    with pytest.raises(KeyboardInterrupt):
        model_outputs(model, x, y, partial=partial, **kwargs)
    assert len(load_arrays(partial)["benign"]) == 20  # saved after 20 images; the third batch was lost
    calls["n"] = -100
    resumed = model_outputs(model, x, y, partial=partial, **kwargs)
    assert calls["n"] == -100 + 3  # only the three missing batches were attacked
    for a, b in zip(whole, resumed):
        np.testing.assert_array_equal(a, b)
    other = model_outputs(model, x, y, partial=partial, **{**kwargs, "eps": 0.2})  # another evaluation: not reused
    assert not np.array_equal(other[1], whole[1])
