import numpy as np
import pytest

from mi_lib import nonoracle
from mi_lib.metrics import roc_curve, threshold_attack, tpr_at_fpr


def population(member_scores, nonmember_scores, member_labels=None, nonmember_labels=None):
    m, n = np.asarray(member_scores, float), np.asarray(nonmember_scores, float)
    return nonoracle.Population(
        {("benign", "confidence"): m},
        {("benign", "confidence"): n},
        np.zeros(len(m), int) if member_labels is None else np.asarray(member_labels),
        np.zeros(len(n), int) if nonmember_labels is None else np.asarray(nonmember_labels),
    )


def test_modified_entropy_known_values():
    k = 4
    uniform = np.full((1, k), 1 / k)
    expected = -(1 - 1 / k) * np.log(1 / k) - (k - 1) * (1 / k) * np.log(1 - 1 / k)
    assert nonoracle.modified_entropy(uniform, np.array([0]))[0] == pytest.approx(expected)
    confident_right = np.array([[0.97, 0.01, 0.01, 0.01]])
    confident_wrong = np.array([[0.01, 0.97, 0.01, 0.01]])
    right, wrong = (nonoracle.modified_entropy(p, np.array([0]))[0] for p in (confident_right, confident_wrong))
    assert right < expected < wrong  # a confident correct prediction looks most like a member


def test_separable_scores_are_found_without_the_oracle():
    pop = population(np.linspace(0.6, 1.0, 100), np.linspace(0.0, 0.4, 80))
    assert nonoracle.held_out_attack(pop)["accuracy"] == 1.0


def test_the_oracle_is_optimistic_on_scores_that_carry_no_membership():
    rng = np.random.default_rng(0)
    oracle, held_out = [], []
    for seed in range(20):
        m, n = rng.normal(size=100), rng.normal(size=100)
        oracle.append(threshold_attack(m, n).accuracy)
        held_out.append(nonoracle.held_out_attack(population(m, n), seed=seed)["accuracy"])
    assert min(oracle) > 0.5  # the oracle always finds some "leakage" in noise
    assert abs(np.mean(held_out) - 0.5) < 0.03 < np.mean(oracle) - 0.5


def test_class_dependent_thresholds_beat_a_global_one_when_classes_differ_in_scale():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 100)
    members = np.where(labels == 0, 0.9, 0.3) + 0.01 * rng.normal(size=200)
    nonmembers = np.where(labels == 0, 0.8, 0.2) + 0.01 * rng.normal(size=200)
    pop = population(members, nonmembers, labels, labels)
    glob = nonoracle.held_out_attack(pop)["accuracy"]
    per = nonoracle.held_out_attack(pop, per_class=True)["accuracy"]
    assert glob == pytest.approx(0.75, abs=0.03) and per == 1.0


def test_the_attacker_picks_the_candidate_on_the_fitting_data():
    rng = np.random.default_rng(2)
    informative = (rng.normal(1, 1, 300), rng.normal(0, 1, 300))
    noise = (rng.normal(0, 1, 300), rng.normal(0, 1, 300))
    pop = nonoracle.Population(
        {("benign", "confidence"): noise[0], ("adversarial", "confidence"): informative[0]},
        {("benign", "confidence"): noise[1], ("adversarial", "confidence"): informative[1]},
        np.zeros(300, int),
        np.zeros(300, int),
    )
    result = nonoracle.held_out_attack(pop)
    assert all(r.candidate == ("adversarial", "confidence") for r in result["rules"])
    assert result["accuracy"] > 0.65


def test_a_shadow_fitted_rule_transfers_to_a_target_from_the_same_distribution():
    rng = np.random.default_rng(3)
    shadow = population(rng.normal(1, 1, 1000), rng.normal(-1, 1, 1000))
    target = population(rng.normal(1, 1, 1000), rng.normal(-1, 1, 1000))
    attack = nonoracle.shadow_attack(shadow, target)
    assert attack["rules"][0].threshold == pytest.approx(0.0, abs=0.25)
    assert attack["accuracy"] == pytest.approx(0.841, abs=0.03)  # Phi(1): the best accuracy for these Gaussians


def test_tpr_at_fpr_known_answer():
    members = np.array([5.0, 4.0, 3.0, 0.5])
    nonmembers = np.array([4.5, 1.0, 0.0, -1.0])
    assert tpr_at_fpr(roc_curve(members, nonmembers), 0.0) == 0.25  # only 5 is above every non-member
    assert tpr_at_fpr(roc_curve(members, nonmembers), 0.25) == 0.75  # threshold 3 lets one non-member (4.5) through


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_more_points():
    rng = np.random.default_rng(4)
    small = nonoracle.low_fpr(rng.normal(1, 1, 100), rng.normal(0, 1, 100), n_boot=200)
    large = nonoracle.low_fpr(rng.normal(1, 1, 3000), rng.normal(0, 1, 3000), n_boot=200)
    for r in (small, large):
        assert r["auc low"] <= r["auc"] <= r["auc high"]
        assert r["tpr@0.01 low"] <= r["tpr@0.01"] <= r["tpr@0.01 high"]
    assert large["auc high"] - large["auc low"] < small["auc high"] - small["auc low"]
    assert large["auc"] == pytest.approx(0.760, abs=0.02)  # Phi(1/sqrt 2)
    assert small["resolvable fpr"] == 0.01


def test_temperature_scaling_is_exact_on_softmax_outputs_and_keeps_predictions():
    from scipy.special import softmax

    from mi_lib import countermeasures

    rng = np.random.default_rng(5)
    logits = rng.normal(0, 3, (50, 6))
    for t in (1.0, 2.0, 10.0):
        scaled = countermeasures.temperature_scaled(softmax(logits, axis=1), t)
        assert np.allclose(scaled, softmax(logits / t, axis=1), atol=1e-9)
        assert (scaled.argmax(1) == logits.argmax(1)).all()
    with pytest.raises(ValueError, match="temperature"):
        countermeasures.temperature_scaled(softmax(logits, axis=1), 0.0)
    # at T = 1 the signals are the model's own, bit for bit (a T = 1 row equals the unscaled model's numbers)
    signals = {"output_train_benign": softmax(logits, axis=1).astype(np.float32), "train_label": np.arange(50) % 6}
    same = countermeasures.scaled_signals(signals, 1.0)
    assert all(same[k] is signals[k] for k in signals)
    assert countermeasures.scaled_signals(signals, 2.0)["output_train_benign"] is not signals["output_train_benign"]


def test_log_odds_orders_confidences_that_rounded_to_one():
    probs = np.array([[1.0, 1e-9, 1e-9], [1.0, 1e-6, 1e-6], [0.9, 0.05, 0.05]], dtype=np.float32)
    labels = np.zeros(3, int)
    odds = nonoracle.log_odds(probs, labels)
    assert odds[0] > odds[1] > odds[2]  # float32 F_y is 1.0 for both of the first two; the rest tells them apart
    assert odds[2] == pytest.approx(np.log(0.9 / 0.1), rel=1e-5)
    mentr = nonoracle.modified_entropy(probs, labels)
    assert np.isfinite(mentr).all() and mentr[0] < mentr[1] < mentr[2]


def test_log_odds_from_logits_match_the_softmax_and_keep_the_order_where_it_saturates():
    from mi_lib.nonoracle import log_odds, logit_log_odds, signal_log_odds
    from mi_lib.signals import softmax

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 5)).astype(np.float32)
    labels = rng.integers(0, 5, 50)
    np.testing.assert_allclose(logit_log_odds(logits, labels), log_odds(softmax(logits), labels), atol=1e-4)
    confident = np.zeros((3, 3), dtype=np.float32)
    confident[:, 0] = [110.0, 120.0, 130.0]  # softmax 1 and the others' mass below float32's range: ties
    assert len(set(log_odds(softmax(confident), np.zeros(3, int)))) == 1
    np.testing.assert_allclose(
        logit_log_odds(confident, np.zeros(3, int)), [110 - np.log(2), 120 - np.log(2), 130 - np.log(2)]
    )
    signals = {
        "logits_train_benign": confident,
        "output_train_benign": softmax(confident),
        "train_label": np.zeros(3, int),
    }
    assert np.all(np.diff(signal_log_odds(signals, "train", "benign")) > 0)  # the logits win where the run kept them
    del signals["logits_train_benign"]
    assert len(set(signal_log_odds(signals, "train", "benign"))) == 1
