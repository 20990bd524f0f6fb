import numpy as np
import pandas as pd
import pytest

from mi_lib import paper, report


def test_verdict_rule():
    judge = lambda a, b: report.verdict("c", a, b, left_name="a", right_name="b").verdict  # noqa: E731
    assert judge([0.60, 0.70, 0.65], [0.50, 0.60, 0.55]) == "holds"  # +0.10 in every seed, no spread
    assert judge([0.40, 0.50, 0.45], [0.50, 0.60, 0.55]) == "does not hold"
    assert judge([0.60, 0.50, 0.55], [0.50, 0.60, 0.55]) == "inconclusive"  # seeds disagree
    assert judge([0.502, 0.52, 0.513], [0.50, 0.50, 0.50]) == "inconclusive"  # all positive, but within the spread
    assert (
        judge([0.6], [0.5]) == judge([0.5], [0.5]) == judge([0.6, 0.7], [0.5, 0.5]) == "inconclusive"
    )  # fewer than 3 seeds
    assert "one run: fewer than 3 seeds" in report.verdict("c", [0.6], [0.5], left_name="a", right_name="b").detail
    assert (
        "the bounds straddle 0"
        in report.verdict("c", [0.60, 0.50, 0.55], [0.50, 0.60, 0.55], left_name="a", right_name="b").detail
    )


def test_mean_bounds_are_student_t_bounds_of_the_mean():
    # mean 2, SD 1, n 3: half-widths t(0.95, 2) / sqrt(3) = 1.6859 and t(0.975, 2) / sqrt(3) = 2.4841
    assert report.mean_bounds([1, 2, 3]) == pytest.approx((2 - 1.68585, 2 + 1.68585), abs=1e-4)
    assert report.mean_bounds([1, 2, 3], two_sided=True) == pytest.approx((2 - 2.48414, 2 + 2.48414), abs=1e-4)
    assert report.mean_bounds([0.5, 0.5]) == (0.5, 0.5)
    with pytest.raises(ValueError, match="at least two"):
        report.mean_bounds([1.0])


def test_a_rule_of_its_own_needs_three_runs_too():
    assert report.on_runs("c", "holds", runs=1, detail="d").verdict == "inconclusive"
    assert "the numbers point to 'does not hold'" in report.on_runs("c", "does not hold", runs=2, detail="d").detail
    assert report.on_runs("c", "holds", runs=3, detail="d").verdict == "holds"
    with pytest.raises(ValueError):
        report.verdict("c", [0.5, 0.6], [0.5], left_name="a", right_name="b")


def test_paper_tables_are_internally_consistent():
    for r in paper.tables()["pineat_table1"]["rows"]:
        assert r["p_max"] == max(r["p_enat"], r["p_eadv"])
    for dataset, table_id in (("yale", "ccs_table2"), ("fmnist", "ccs_table3"), ("cifar10", "ccs_table4")):
        ratio = paper.row("ccs_advantage_ratios", dataset=dataset)
        nat, pgd = paper.row(table_id, method="natural"), paper.row(table_id, method="pgd")
        assert ratio["natural_advantage"] == pytest.approx(2 * (nat["ib"] - 0.5), abs=1e-4)
        assert ratio["best_robust_advantage"] == pytest.approx(2 * (pgd["ia"] - 0.5), abs=1e-4)
        assert ratio["ratio"] == pytest.approx(ratio["best_robust_advantage"] / ratio["natural_advantage"], abs=0.05)
    ids = [c["id"] for c in paper.claims()]
    assert [i for i in ids if i.startswith("C")] == [f"C{i}" for i in range(1, 18)]  # the papers' claims (claims.md)
    assert all(i[0] in "OFP" for i in ids if not i.startswith("C"))  # PINEAT's observations, then this project's checks
    with pytest.raises(KeyError, match="accepted values"):
        paper.table("table_99")


def test_trend_verdict():
    from mi_lib.report import trend_verdict

    rising = trend_verdict(
        "grows", [1, 2, 3], [[0.1, 0.12, 0.11], [0.2, 0.21, 0.2], [0.3, 0.33, 0.31]], x_name="r", value_name="adv"
    )
    assert rising.verdict == "holds" and "rises at every step" in rising.detail
    dip = trend_verdict(
        "grows", [1, 2, 3], [[0.1, 0.12, 0.11], [0.05, 0.06, 0.05], [0.3, 0.33, 0.31]], x_name="r", value_name="adv"
    )
    assert dip.verdict == "inconclusive" and "not monotone" in dip.detail
    falling = trend_verdict("grows", [1, 2], [[0.3, 0.31, 0.32], [0.2, 0.21, 0.2]], x_name="r", value_name="adv")
    assert falling.verdict == "does not hold"
    one_seed = trend_verdict("grows", [1, 2, 3], [[0.1], [0.2], [0.3]], x_name="r", value_name="adv")
    assert one_seed.verdict == "inconclusive" and "one run" in one_seed.detail


def test_verdict_names_what_it_pairs():
    from mi_lib.report import verdict

    v = verdict("x", [0.2, 0.3, 0.25], [0.1, 0.1, 0.1], left_name="a", right_name="b", paired_over="removed points")
    assert "3 removed points, 95% one-sided bounds" in v.detail and v.verdict == "holds"


def test_negate_flips_holds_and_keeps_inconclusive():
    from mi_lib.report import negate, verdict

    up = verdict("a > b", [0.3, 0.31, 0.32], [0.1, 0.1, 0.1], left_name="a", right_name="b")
    assert up.verdict == "holds" and negate(up, "not a > b").verdict == "does not hold"
    unsure = verdict("a > b", [0.3, 0.1, 0.2], [0.2, 0.2, 0.2], left_name="a", right_name="b")
    assert negate(unsure, "x").verdict == unsure.verdict == "inconclusive"


def test_low_fpr_metrics_survive_float32_saturation_and_match_the_modern_evaluation():
    from mi_lib.nonoracle import log_odds, low_fpr

    rng = np.random.default_rng(0)

    def probs(rest_mass):  # confidence that rounds to 1 in float32, the rest spread over two other classes
        p = np.zeros((len(rest_mass), 3), np.float32)
        p[:, 1], p[:, 2] = rest_mass / 2, rest_mass / 2
        p[:, 0] = 1 - rest_mass
        return p

    members, nonmembers = probs(10 ** rng.uniform(-14, -9, 400)), probs(10 ** rng.uniform(-12, -8, 400))
    assert (members[:, 0] == 1).all() and (nonmembers[:, 0] == 1).all()  # the confidences tie
    labels = np.zeros(400, np.int64)
    signals = {
        "output_train_benign": members,
        "output_test_benign": nonmembers,
        "output_train_adversarial": members,
        "output_test_adversarial": nonmembers,
        "train_label": labels,
        "test_label": labels,
    }
    row = report.attack_metrics_frame([("m", 0, signals)]).iloc[0]
    modern = low_fpr(log_odds(members, labels), log_odds(nonmembers, labels), n_boot=2)
    assert row["TPR@1%FPR"] == modern["tpr@0.01"] > 0.05 and row["AUC"] == modern["auc"]


def test_precision_ab_compares_within_the_seed_spread():
    from mi_lib.experiments import cached_runs

    fp32 = cached_runs("yale", "cpu", methods=("natural", "pgd"), max_seeds=3, numbers_only=True)
    assert len(fp32) == 6  # the committed float32 runs' summaries: 3 seeds each
    same = report.precision_ab(fp32, fp32)
    assert set(same["within the seed spread"]) == {"yes"} and (same["Δ (pp)"] == 0).all()
    one = report.precision_ab(fp32, [r for r in fp32 if r.config.seed == 0])
    assert set(one["within the seed spread"]) == {"too few seeds"} and set(one["seeds (fp32 / bf16)"]) == {"3 / 1"}


def test_pilot_targets_judge_each_point_and_leave_missing_models_blank():
    import pandas as pd

    from mi_lib.tiers import LONG_TARGETS

    def row(method, members, test, adv_train, adv_test, ib, ia):
        return {
            "method": method,
            "seed": 0,
            "width": 0.25,
            "epochs": 40,
            "n_members": members,
            "train_acc": 1.0,
            "test_acc": test,
            "adv_train_acc": adv_train,
            "adv_test_acc": adv_test,
            "ib": ib,
            "ia": ia,
            "ib_advantage": 2 * (ib - 0.5),
            "ia_advantage": 2 * (ia - 0.5),
        }

    frame = pd.DataFrame(
        [
            row("natural", 10000, 0.89, 0.0, 0.0, 0.57, 0.52),
            row("pgd", 10000, 0.87, 0.95, 0.70, 0.58, 0.62),
            row("natural", 20000, 0.90, 0.0, 0.0, 0.55, 0.51),
        ]
    )
    table = report.pilot_targets(frame, LONG_TARGETS).set_index("members")
    assert table.loc[10000, "natural test accuracy ≥ 88%"] and table.loc[10000, "natural best advantage ≤ 20%"]
    assert table.loc[10000, "PGD / natural advantage ratio"] == pytest.approx(0.24 / 0.14, abs=1e-4)
    assert (
        table.loc[10000, "PGD / natural advantage ratio ≥ 1.5×"] and table.loc[10000, "PGD adv-train − adv-test ≥ 20%"]
    )
    assert table.loc[20000, "PGD adv-train − adv-test ≥ 20%"] is None  # its PGD model has not finished
    # CIFAR-10's targets (train and test accuracy, the robust gap), its points grouped by their description
    from mi_lib.tiers import CIFAR_LONG_TARGETS

    cifar = report.pilot_targets(frame.assign(point=["a", "a", "b"]), CIFAR_LONG_TARGETS, by=("point",))
    assert list(cifar["point"]) == ["a", "b"] and "natural best advantage" not in cifar
    assert cifar.loc[0, "natural train accuracy ≥ 95%"] and cifar.loc[0, "natural test accuracy ≥ 75%"]


def _timed_run(method: str, seed: int, seconds: float, device: str | None):
    from pathlib import Path

    from mi_lib.runs import RunResult
    from mi_lib.tiers import preset

    attack = {"accuracy": 0.6, "advantage": 0.2, "auc": 0.6}
    summary = dict(train_acc=1.0, test_acc=0.9, adv_train_acc=0.5, adv_test_acc=0.4, ib=attack, ia=attack)
    summary |= {"n_members": 10, "train_time_s": seconds, "run_id": f"{method}-{seed}"}
    if device is not None:
        summary["environment"] = {"device": device}
    return RunResult(preset("fmnist", "smoke", method=method, seed=seed), summary, Path("."))


def test_training_time_splits_by_device_only_where_runs_trained_on_both():
    cpu = [_timed_run("natural", 0, 600.0, None), _timed_run("pgd", 0, 1200.0, "cpu")]
    text, table = report.training_time(cpu)
    assert "took **30 min** of wall time in total" in text and list(table.index) == ["natural", "pgd"]
    mixed = [*cpu, _timed_run("pgd", 1, 90.0, "cuda:0")]
    text, table = report.training_time(mixed)
    assert "took **30 min** of wall time on the CPU (2 models) and **2 min** on a GPU (1 model)" in text
    assert table.loc[("pgd", "GPU"), "mean"] == 90.0 and table.loc[("pgd", "CPU"), "mean"] == 1200.0
    assert "**2 min** of wall time on a GPU in total" in report.training_time(mixed[2:])[0]


def test_a_runs_machine_is_the_gpu_or_the_cpu_kind_it_recorded():
    assert report.machine({"environment": {"device": "cuda:0", "cpu_capability": "AVX512"}}) == "GPU"
    assert report.machine({"environment": {"device": "cpu", "cpu_capability": "AVX2"}}) == "AVX2"
    assert report.machine({"environment": {"device": "cpu"}}) is None and report.machine({}) is None


def test_prose_shows_fractions_as_percent_and_differences_as_points():
    assert report.percent(0.12345) == "12.35%" and report.percent(0.5, digits=1) == "50.0%"
    assert report.points(-0.0123) == "-1.23 pp"


def test_the_regime_bars_are_the_regime_tables_defaults():
    frame = pd.DataFrame(
        {
            "method": ["natural", "pgd", "pgd"],
            "seed": [0, 0, 1],
            "train_acc": [report.REGIME_FIT, 1.0, 1.0],
            "test_acc": [0.9, 0.9, 0.9],
            "adv_train_acc": [0.2, 0.9, 0.9],
            "adv_test_acc": [0.1, 0.9 - report.REGIME_GAP, 0.9 - report.REGIME_GAP + 0.01],
        }
    )
    assert report.regime_table(frame)["in regime"].tolist() == [True, True, False]
