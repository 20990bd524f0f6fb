import pytest

from mi_lib.config import ConfigError, ExperimentConfig, format_eps, parse_eps
from mi_lib.tiers import describe_tier, preset


@pytest.mark.parametrize(
    "text, value", [("8/255", 8 / 255), (" 2/255 ", 2 / 255), ("0.1", 0.1), (0.05, 0.05), (0, 0.0), ("1", 1.0)]
)
def test_parse_eps_accepts_numbers_and_fractions(text, value):
    assert parse_eps(text) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["-0.1", -0.1, 1.5, "8/0", "abc", "", None, True, float("nan")])
def test_parse_eps_rejects_bad_values_naming_the_field(bad):
    with pytest.raises(ConfigError, match="eps"):
        parse_eps(bad)


@pytest.mark.parametrize("eps, text", [(8 / 255, "8/255"), (0.1, "0.1"), (0.05, "0.05"), (0.0, "0"), (1.0, "1")])
def test_format_eps(eps, text):
    assert format_eps(eps) == text


def test_unknown_dataset_and_method_list_the_accepted_values():
    with pytest.raises(ConfigError, match=r"dataset: unknown value 'mnist'; accepted values: fmnist, yale"):
        preset("mnist", "cpu")
    with pytest.raises(ConfigError, match=r"method: unknown value 'fgsm'; accepted values: natural, pgd"):
        preset("fmnist", "cpu", method="fgsm")
    with pytest.raises(ConfigError, match=r"tier: unknown value 'gpu'"):
        preset("fmnist", "gpu")
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) \['epsilon'\]"):
        preset("fmnist", "cpu", epsilon=0.1)


@pytest.mark.parametrize(
    "field, value", [("epochs", 0), ("batch_size", -1), ("lr", 0), ("width", -0.5), ("seed", -1), ("epochs", 2.5)]
)
def test_bad_numbers_name_their_field(field, value):
    with pytest.raises(ConfigError, match=field):
        preset("fmnist", "smoke", **{field: value})


def test_bad_lr_schedule_is_rejected():
    with pytest.raises(ConfigError, match="lr_schedule"):
        preset("fmnist", "smoke", lr_schedule=((0.9, 0.1), (0.5, 0.01)))


def test_eps_fraction_string_and_float_give_the_same_run():
    a = preset("yale", "cpu", method="pgd", eps="8/255")
    b = preset("yale", "cpu", method="pgd", eps=8 / 255)
    assert a == b and a.run_id() == b.run_id()


def test_hash_changes_with_every_knob_but_not_the_tier_label():
    base = preset("fmnist", "cpu", method="pgd")
    assert base.run_id() != base.replace(eps=0.05).run_id()
    assert base.run_id() != base.replace(seed=1).run_id()
    assert base.run_id() == base.replace(tier="custom").run_id()


def test_natural_training_ignores_the_attack_budget():
    nat = preset("fmnist", "cpu", method="natural")
    assert nat.train_id() == nat.replace(eps=0.05, train_steps=3).train_id()
    assert nat.run_id() != nat.replace(eps=0.05).run_id()  # the evaluation attack still differs
    pgd = preset("fmnist", "cpu", method="pgd")
    assert pgd.train_id() != pgd.replace(eps=0.05).train_id()


def test_round_trip_through_a_dict():
    config = preset("cifar10", "paper", method="pgd")
    assert ExperimentConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown config field"):
        ExperimentConfig.from_dict({**config.to_dict(), "colour": "red"})


def test_paper_tier_uses_the_authors_settings():
    fm = preset("fmnist", "paper", method="pgd")
    assert (fm.eps, fm.train_steps, fm.width, fm.n_members, fm.batch_size, fm.lr) == (0.1, 8, 1.0, 0, 100, 1e-4)
    assert fm.step_size == pytest.approx(0.02) and fm.replace(eps=0.05).step_size == pytest.approx(0.01)
    assert preset("cifar10", "paper", method="pgd").step_size == pytest.approx(2 / 255)
    assert fm.eval_steps == 20 and fm.eval_step_size == pytest.approx(2.5 * 0.1 / 20)
    changes = describe_tier("fmnist", "cpu")
    assert "n_members" in changes and "eps" not in changes and "train_steps" not in changes


def test_fields_added_later_enter_the_hash_only_when_changed():
    base = preset("fmnist", "cpu", method="diff")
    assert base.replace(trades_beta=1.0).run_id() == base.run_id()
    assert base.replace(trades_beta=6.0).run_id() != base.run_id()
    with pytest.raises(ConfigError, match="trades_beta"):
        base.replace(trades_beta=0)


def test_paper_tier_takes_the_trades_script_settings_for_diff():
    yale_diff, yale_pgd = preset("yale", "paper", method="diff"), preset("yale", "paper", method="pgd")
    assert (yale_diff.epochs, yale_diff.batch_size, yale_diff.lr, yale_diff.weight_decay) == (150, 20, 1e-4, 5e-4)
    assert yale_diff.step_size == pytest.approx(0.0078) and yale_pgd.step_size == pytest.approx(2 * (8 / 255) / 10)
    assert preset("cifar10", "paper", method="diff").step_size == pytest.approx(0.007)
    assert (
        preset("yale", "cpu", method="diff").to_dict()
        == preset("yale", "cpu", method="pgd").replace(method="diff").to_dict()
    )
    assert "weight_decay" in describe_tier("fmnist", "cpu", method="diff")
