import numpy as np
import pandas as pd
import pytest

from mi_lib import why_leak


def signals(member_conf, nonmember_conf, member_adv=None, nonmember_adv=None):
    def probs(conf):
        conf = np.asarray(conf, dtype=float)
        return np.stack([conf, 1 - conf], 1)

    return {
        "output_train_benign": probs(member_conf),
        "output_test_benign": probs(nonmember_conf),
        "output_train_adversarial": probs(member_conf if member_adv is None else member_adv),
        "output_test_adversarial": probs(nonmember_conf if nonmember_adv is None else nonmember_adv),
        "train_label": np.zeros(len(member_conf), int),
        "test_label": np.zeros(len(nonmember_conf), int),
    }


def test_sensitivity_claim_pairs_points():
    rounds = np.array([1, 1, 2, 2, 3, 3])
    natural = {"removed_index": np.arange(6), "removed_unsorted": np.full(6, 0.01), "removed_round": rounds}
    robust = {**natural, "removed_unsorted": np.array([0.2, 0.3, 0.25, 0.4, 0.2, 0.0])}
    v = why_leak.sensitivity_claim(natural, robust)
    assert v.verdict == "holds" and "robust > natural in 5 of 6 removed points" in v.detail
    assert "3 removal rounds" in v.detail  # the rounds are the runs: each retrains both models
    assert why_leak.sensitivity_claim(robust, natural).verdict == "does not hold"
    two = {key: value[:4] for key, value in natural.items()}  # two rounds: a sign, not evidence
    assert why_leak.sensitivity_claim(two, {**two, "removed_unsorted": robust["removed_unsorted"][:4]}).verdict == (
        "inconclusive"
    )
    with pytest.raises(ValueError, match="removed points differ"):
        why_leak.sensitivity_claim(natural, {**robust, "removed_index": np.arange(1, 6)})


def test_targeted_frame_thresholds_min_and_mean():
    s = signals([0.9, 0.8, 0.7, 0.95], [0.3, 0.6, 0.2, 0.4])
    targeted = {
        "targeted_train": np.array([[0.9, 0.8], [0.7, 0.9], [0.8, 0.6], [0.9, 0.9]]),
        "targeted_test": np.array([[0.1, 0.5], [0.2, 0.3], [0.6, 0.1], [0.3, 0.2]]),
    }
    frame = why_leak.targeted_frame(s, targeted)
    assert frame.loc["targeted PGD, min over targets", "accuracy"] == pytest.approx(1.0)
    assert frame.loc["IB (benign)", "accuracy"] == pytest.approx(1.0)
    claim = why_leak.targeted_claim([frame], model="x")  # equal, not better; and one model is not evidence either way
    assert claim.verdict == "inconclusive" and "one run" in claim.detail
    # three seeds whose targeted aggregate beats IA by a steady margin: holds
    better = [
        frame.assign(accuracy=frame["accuracy"].where(~frame.index.str.startswith("IA"), 0.7 + d))
        for d in (0, 0.01, 0.02)
    ]
    assert why_leak.targeted_claim(better, model="x").verdict == "holds"


def test_secure_split_and_claim():
    s = signals([0.99, 0.98], [0.97, 0.2, 0.1], member_adv=[0.9, 0.9], nonmember_adv=[0.9, 0.3, 0.2])
    losses = why_leak.secure_split(s)
    assert losses["secure test"].size == 1 and losses["insecure test"].size == 2
    assert why_leak.secure_claim(losses).verdict == "holds"


def test_unknown_eps_claim_uses_the_window_around_the_training_eps():
    sweep = {
        "attack_eps": np.array([0.0, 0.05, 0.1, 0.15, 0.2]),
        "conf_train": np.array([[0.9, 0.8, 0.7]] * 5),
        "conf_test": np.array([[0.85, 0.6, 0.1]] * 5),
        "correct_train": np.ones((5, 3), bool),
        "correct_test": np.ones((5, 3), bool),
    }
    sweep["conf_test"][1:4] = [[0.1, 0.2, 0.3]] * 3  # the attack separates better near the training eps
    frame = why_leak.eps_sweep_frame({"pgd": sweep})
    assert frame.set_index("attack_eps").loc[0.1, "IA"] == pytest.approx(1.0)
    claim = why_leak.unknown_eps_claim([frame], model="pgd", train_eps=0.1)
    assert (
        claim.verdict == "inconclusive" and "worst IA in the range 100.00% vs IB" in claim.detail
    )  # one model: a sign
    seeds = [frame.assign(IA=frame["IA"] - d * (frame["attack_eps"] == 0)) for d in (0.0, 0.05, 0.1)]
    assert why_leak.unknown_eps_claim(seeds, model="pgd", train_eps=0.1).verdict == "holds"


def test_dynamics_claim():
    epochs = np.arange(1, 6)
    rising = {
        "epoch": epochs,
        "train_acc": np.linspace(0.5, 1, 5),
        "test_acc": np.linspace(0.5, 0.95, 5),
        "adv_train_acc": np.linspace(0.2, 0.9, 5),
        "adv_test_acc": np.linspace(0.2, 0.4, 5),
        "ib": np.linspace(0.5, 0.6, 5),
        "ia": np.linspace(0.5, 0.7, 5),
    }
    one = why_leak.dynamics_claim([why_leak.dynamics_frame(rising)])  # one model: a sign, not evidence
    assert one.verdict == "inconclusive" and "one run" in one.detail

    def seeds(data: dict, jitter=(0.0, 0.01, 0.02)) -> list[pd.DataFrame]:  # three seeds, slightly different
        return [why_leak.dynamics_frame({**data, "adv_test_acc": data["adv_test_acc"] + j}) for j in jitter]

    assert why_leak.dynamics_claim(seeds(rising)).verdict == "holds"
    flat = {**rising, "adv_train_acc": np.linspace(0.2, 0.3, 5), "adv_test_acc": np.linspace(0.2, 0.32, 5)}
    assert why_leak.dynamics_claim(seeds(flat)).verdict == "does not hold"  # the robust gap never opens
    falling = {**rising, "ia": np.linspace(0.7, 0.5, 5), "ib": np.linspace(0.6, 0.5, 5)}
    assert why_leak.dynamics_claim(seeds(falling)).verdict == "does not hold"  # MI accuracy falls as the gap widens
    narrow = {**rising, "test_acc": np.linspace(0.5, 0.4, 5)}  # MI follows the robust gap, the clean gap is wider
    claim = why_leak.dynamics_claim(seeds(narrow))
    assert claim.verdict == "does not hold" and "robust gap" in claim.detail and "vs 0.5" in claim.detail
    weak = [  # the correlation varies by seed, between 0 and 0.5: inconclusive
        {**rising, "ia": np.array(order, dtype=float) / 10, "ib": np.zeros(5)}
        for order in ([3, 1, 4, 2, 5], [2, 4, 1, 5, 3], [4, 1, 3, 2, 5])  # ρ = 0.5, 0.3, 0.3
    ]
    rhos = why_leak.dynamics_summary([why_leak.dynamics_frame(d) for d in weak])["Spearman ρ (MI accuracy, robust gap)"]
    assert rhos.nunique() > 1 and 0 < rhos.mean() < 0.5
    claim = why_leak.dynamics_claim([why_leak.dynamics_frame(d) for d in weak])
    assert claim.verdict == "inconclusive" and "straddle" in claim.detail
    assert "ρ -1.00 ± 0.00 vs 0;" in why_leak.dynamics_claim(seeds(falling)).detail  # decided by the bound against 0
    with pytest.raises(ValueError, match="seeds"):
        why_leak.dynamics_claim([])
    short = {k: v[:2] for k, v in rising.items()}
    claim = why_leak.dynamics_claim(seeds(short))
    assert claim.verdict == "inconclusive" and "no rank correlation for seed 0, 1, 2" in claim.detail


def test_trend_claim_on_a_factor_frame():
    rows = [
        {"method": "pgd", "seed": s, "r": r, "best_advantage": 0.1 * r + 0.01 * s}
        for r in (0, 0.5, 1)
        for s in (0, 1, 2)
    ]
    assert why_leak.trend_claim(pd.DataFrame(rows), factor="r", method="pgd", claim="grows").verdict == "holds"
    assert why_leak.mixed_label(0.75) == "3/4" and why_leak.eps_label(8 / 255) == "8/255"


def test_trend_claims_judge_ib_and_ia_apart_and_respect_the_regime():
    from mi_lib import report

    rows = [
        {
            "method": "pgd",
            "seed": s,
            "r": r,
            "ib_advantage": 0.2 - 0.05 * r + 0.001 * s,
            "ia_advantage": 0.1 * r + 0.01 * s,
            "best_advantage": 0.0,
        }
        for r in (0, 0.5, 1)
        for s in (0, 1, 2)
    ]
    frame = pd.DataFrame(rows)
    found = dict(why_leak.trend_claims(frame, factor="r", method="pgd", claim="grows"))
    assert (
        found["IB"].verdict == "does not hold" and found["IA"].verdict == "holds" and found["IA"].claim == "grows, IA"
    )
    regime = pd.DataFrame(
        {
            "in regime": [True] * 8 + [False],
            "collapsed": False,
            "fits training set": False,
            "train_acc": 0.8,
            "robust gap (adv-train − adv-test)": 0.3,
            "seed": frame["seed"],
        },
        index=frame.index,
    )
    untestable = dict(why_leak.trend_claims(frame, factor="r", method="pgd", claim="grows", regime=regime))
    assert {v.verdict for v in untestable.values()} == {report.NOT_TESTABLE}
    assert "the model at r = 1.0 (seed 2) is outside the papers' regime" in untestable["IA"].detail


def test_secure_points_are_compared_below_float32s_rounding_of_the_softmax():
    # Float32 rounds F_y to 1 for every training and secure test point: the losses used to be 0 for both groups, which
    # made "secure points look like training points" true by construction. The other class's probability keeps them
    # apart, and the verdict compares the real medians.
    s = {
        "output_train_benign": np.array([[1.0, 1e-12]] * 4, dtype=np.float32),
        "output_test_benign": np.array([[1.0, 1e-3]] * 3 + [[0.9, 0.1]] * 3, dtype=np.float32),
        "output_test_adversarial": np.array([[0.9, 0.1]] * 3 + [[0.1, 0.9]] * 3, dtype=np.float32),
        "train_label": np.zeros(4, int),
        "test_label": np.zeros(6, int),
    }
    losses = why_leak.secure_split(s)
    assert np.median(losses["train"]) == pytest.approx(1e-12, rel=1e-6)
    assert np.median(losses["secure test"]) == pytest.approx(1e-3, rel=1e-3)
    claim = why_leak.secure_claim(losses)
    assert claim.verdict == "holds" and "train -12.00" in claim.detail and "secure test -3.00" in claim.detail
    underflow = {**s, "output_train_benign": np.array([[1.0, 0.0]] * 4, dtype=np.float32)}
    claim = why_leak.secure_claim(why_leak.secure_split(underflow))
    assert claim.verdict == "inconclusive" and "underflows" in claim.detail


def test_the_natural_model_shared_across_a_factor_says_where_machines_made_it_differ():
    import pandas as pd

    rows = [
        dict(method="natural", seed=s, eps=e, test_acc=acc, ib=ib)
        for s, e, acc, ib in [(0, 2, 0.98, 0.57), (0, 8, 0.98, 0.57), (1, 2, 0.9844, 0.5899), (1, 8, 0.9747, 0.5832)]
    ] + [dict(method="pgd", seed=0, eps=2, test_acc=0.5, ib=0.6)]
    text = why_leak.shared_natural_sentence(pd.DataFrame(rows), factor="ε")
    assert text.startswith("The natural model's training does not depend on ε")
    assert "Seed 1 trained on different machines at different values, so its runs differ by up to 0.97 pp" in text
    assert "and 0.67 pp in IB" in text
    same = why_leak.shared_natural_sentence(pd.DataFrame(rows[:2]), factor="ε")
    assert "different machines" not in same
