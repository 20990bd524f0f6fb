import numpy as np
import pytest
from tiny import tiny_config, tiny_split

from mi_lib import analyses, runs
from mi_lib.metrics import threshold_attack, true_label_confidence


@pytest.fixture
def tiny(isolated_cache, monkeypatch):
    """A tiny PGD run whose split comes from the test's tiny data instead of a dataset."""
    config = tiny_config(epochs=2)
    monkeypatch.setattr(analyses, "membership_split", lambda c: tiny_split())
    return config


def test_attack_eps_sweep_matches_the_run_signals_at_the_training_eps_and_is_cached(tiny):
    config = tiny
    sweep = analyses.attack_eps_sweep(config, [0, "1/20", config.eps])
    signals = runs.run_experiment(config, split=tiny_split(), progress=False).signals
    np.testing.assert_allclose(
        sweep["conf_train"][2],
        true_label_confidence(signals["output_train_adversarial"], signals["train_label"]),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        sweep["conf_test"][0], true_label_confidence(signals["output_test_benign"], signals["test_label"]), rtol=1e-5
    )
    assert sweep["correct_train"].shape == (3, 64) and sweep["attack_eps"].tolist() == [0, 0.05, 0.1]
    ia = threshold_attack(sweep["conf_train"][2], sweep["conf_test"][2]).accuracy
    assert ia == pytest.approx(runs.load_run(config)["ia"]["accuracy"])
    again = analyses.attack_eps_sweep(config, [0, 0.05, 0.1])  # cached: same arrays, no recomputation
    assert np.array_equal(again["conf_train"], sweep["conf_train"])


def test_weights_are_kept_beside_the_run_and_a_missing_checkpoint_is_retrained_to_the_same_weights(tiny):
    config = tiny
    first = analyses.attack_eps_sweep(config, [0.1])
    assert (runs.run_dir(config) / "model.pt").exists()
    for path in (runs.cache_root() / "checkpoints").glob("*"):
        path.unlink()
    for path in runs.run_dir(config).glob("attack_eps_sweep-*"):
        path.unlink()
    again = analyses.attack_eps_sweep(config, [0.1])  # from model.pt: no checkpoint, no training
    assert np.array_equal(first["conf_train"], again["conf_train"]) and not list(
        (runs.cache_root() / "checkpoints").glob("*.pt")
    )
    (runs.run_dir(config) / "model.pt").unlink()
    for path in runs.run_dir(config).glob("attack_eps_sweep-*"):
        path.unlink()
    retrained = analyses.attack_eps_sweep(config, [0.1])
    assert np.array_equal(first["conf_train"], retrained["conf_train"])


def test_targeted_signals_shape(tiny):
    out = analyses.targeted_signals(tiny)
    assert out["targeted_train"].shape == (64, 3) and out["targeted_test"].shape == (64, 3)
    assert ((out["targeted_train"] >= 0) & (out["targeted_train"] <= 1)).all()


def test_training_dynamics_ends_at_the_final_model(tiny):
    config = tiny.replace(epochs=5)
    dyn = analyses.training_dynamics(config, every=2)
    assert dyn["epoch"].tolist() == [2, 4, 5]
    final = runs.run_experiment(config, split=tiny_split(), progress=False)
    for column in ("train_acc", "adv_test_acc"):
        assert dyn[column][-1] == pytest.approx(final[column])
    assert dyn["ia"][-1] == pytest.approx(final["ia"]["accuracy"])
    with pytest.raises(ValueError, match="every"):
        analyses.training_dynamics(config, every=0)


def test_removal_leaves_one_member_per_class_out_and_sensitivity_compares_it(isolated_cache, monkeypatch):
    from mi_lib import data as data_module

    images = data_module.ImageData(
        name="fmnist",
        x_train=(np.random.default_rng(0).random((80, 1, 12, 12)) * 255).astype(np.uint8),
        y_train=np.arange(80) % 4,
        x_test=(np.random.default_rng(1).random((40, 1, 12, 12)) * 255).astype(np.uint8),
        y_test=np.arange(40) % 4,
    )
    base_config = tiny_config(n_members=0, n_nonmembers=0, epochs=2)
    base_split = data_module.membership_split(base_config, data=images)
    assert base_split.x_removed is None and len(base_split.y_members) == 80
    splits = [data_module.membership_split(base_config.replace(removal_round=r), data=images) for r in (1, 2)]
    for split in splits:
        assert len(split.y_members) == 76 and sorted(split.y_removed.tolist()) == [0, 1, 2, 3]
        assert np.array_equal(base_split.y_members.numpy()[split.removed_index], split.y_removed.numpy())
    assert not np.array_equal(splits[0].removed_index, splits[1].removed_index)
    assert base_config.replace(removal_round=1).run_id() != base_config.run_id()
    base = runs.run_experiment(base_config, split=base_split, progress=False).signals
    retrained = [
        runs.run_experiment(base_config.replace(removal_round=r), split=s, progress=False).signals
        for r, s in zip((1, 2), splits)
    ]
    assert retrained[0]["output_removed_benign"].shape == (4, 4)
    out = analyses.sensitivity(base, retrained)
    assert out["removed"].shape == (8,) and out["noise"].shape == (8,)
    assert np.all(np.diff(out["removed"]) >= 0)
    same = analyses.sensitivity(
        base, [{**retrained[0], "output_removed_benign": base["output_train_benign"][retrained[0]["removed_index"]]}]
    )
    assert np.allclose(same["removed"], 0)  # a retrain that changed nothing has zero sensitivity
