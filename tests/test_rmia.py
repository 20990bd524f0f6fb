"""RMIA on plain arrays: known answers, the paper's formulas on a small case, and saturation."""

import numpy as np
import pytest

from mi_lib import rmia
from mi_lib.metrics import roc_auc


def probs_of(p_true, n_classes=3):
    """Softmax rows whose true label (0) has probability ``p_true``, the rest split evenly."""
    p_true = np.asarray(p_true, dtype=np.float64)
    out = np.repeat(((1 - p_true) / (n_classes - 1))[:, None], n_classes, 1)
    out[:, 0] = p_true
    return out.astype(np.float32)


def model_signals(p_members, p_nonmembers, *, pool_in=None, pool_out=None):
    s = {
        "output_train_benign": probs_of(p_members),
        "output_test_benign": probs_of(p_nonmembers),
        "train_label": np.zeros(len(p_members), np.int64),
        "test_label": np.zeros(len(p_nonmembers), np.int64),
    }
    if pool_in is not None:
        s["pool_in"], s["pool_out"] = np.asarray(pool_in), np.asarray(pool_out)
    return s


def test_the_score_is_the_fraction_of_population_points_beaten_by_gamma():
    x, z = np.log([2.0, 0.5]), np.log([1.0, 1.5, 3.0])
    # LR(x, z) = (2/1, 2/1.5, 2/3) and (0.5, 0.33, 0.17): 2 and 0 of 3 reach γ = 1; γ = 1.5: 1 and 0
    assert rmia.scores(x, z).tolist() == pytest.approx([2 / 3, 0])
    assert rmia.scores(x, z, gamma=1.5).tolist() == pytest.approx([1 / 3, 0])


def test_offline_marginal_is_the_papers_linear_correction():
    ref_p = np.array([[0.6, 0.2], [0.8, 0.4]])
    ref_in = np.zeros((2, 2), bool)
    got = rmia.log_marginal(ref_p, 1 - ref_p, ref_in, online=False, a=0.3)
    assert np.exp(got) == pytest.approx(0.5 * (1.3 * ref_p.mean(0) + 0.7))
    ref_in[0] = True  # online: IN and OUT means weighted equally
    online = rmia.log_marginal(ref_p, 1 - ref_p, ref_in, online=True)
    assert np.exp(online) == pytest.approx((ref_p[0] + ref_p[1]) / 2)


def test_attack_matches_a_direct_implementation_of_the_formula():
    rng = np.random.default_rng(0)
    n_members, n_nonmembers, k = 6, 8, 4
    pool = n_members + n_nonmembers
    target = model_signals(rng.uniform(0.5, 1, n_members), rng.uniform(0.1, 0.9, n_nonmembers))
    refs, p_ref, ins = [], np.zeros((k, pool)), np.zeros((k, pool), bool)
    for j in range(k):
        chosen = rng.permutation(pool)
        pool_in, pool_out = np.sort(chosen[: pool // 2]), np.sort(chosen[pool // 2 :])
        p = rng.uniform(0.2, 0.95, pool)
        refs.append(model_signals(p[pool_in], p[pool_out], pool_in=pool_in, pool_out=pool_out))
        p_ref[j], ins[j, pool_in] = p, True
    p_target = np.asarray(
        np.concatenate([target["output_train_benign"][:, 0], target["output_test_benign"][:, 0]]), np.float64
    )
    a = 0.4
    for online in (True, False):
        if online:
            marginal = np.array([(p_ref[ins[:, i], i].mean() + p_ref[~ins[:, i], i].mean()) / 2 for i in range(pool)])
        else:
            marginal = np.array([0.5 * ((1 + a) * p_ref[~ins[:, i], i].mean() + (1 - a)) for i in range(pool)])
        population, scored = rmia.population_split(np.arange(n_members), n_members + np.arange(n_nonmembers), seed=3)
        ratio = p_target / marginal
        expected = [np.mean([ratio[x] / ratio[z] >= 1.0 for z in population]) for x in scored]
        members, nonmembers = rmia.attack(target, refs, online=online, a=a, seed=3, break_ties=False)
        assert np.concatenate([members, nonmembers]) == pytest.approx(expected)
        broken = np.concatenate(
            rmia.attack(target, refs, online=online, a=a, seed=3)
        )  # ties broken, fractions kept in order
        assert np.floor(broken * len(population) + 1e-9) == pytest.approx(np.array(expected) * len(population))


def test_separable_members_are_found_even_when_confidences_round_to_one():
    rng = np.random.default_rng(1)
    n = 40
    pool = 2 * n
    # every model is confident (F_y rounds to 1 in float32); the target is more confident on its members
    rest_target = np.concatenate([10 ** rng.uniform(-13, -12, n), 10 ** rng.uniform(-10, -9, n)])
    target = model_signals(1 - rest_target[:n], 1 - rest_target[n:])
    target["output_train_benign"][:, 1:] = np.repeat(rest_target[:n, None] / 2, 2, 1)
    target["output_test_benign"][:, 1:] = np.repeat(rest_target[n:, None] / 2, 2, 1)
    assert (target["output_train_benign"][:, 0] == 1).all()
    refs = []
    for _ in range(4):
        chosen = rng.permutation(pool)
        pool_in, pool_out = np.sort(chosen[:n]), np.sort(chosen[n:])
        s = model_signals(np.ones(n), np.ones(n), pool_in=pool_in, pool_out=pool_out)
        for part in ("train", "test"):
            s[f"output_{part}_benign"][:, 1:] = 5e-11
        refs.append(s)
    for online in (True, False):
        members, nonmembers = rmia.attack(target, refs, online=online, break_ties=False)
        # every member beats every population point; a non-member beats about half of them (its own kind)
        assert (members == 1).all() and 0.3 < nonmembers.mean() < 0.7 and roc_auc(members, nonmembers) > 0.75
        assert roc_auc(*rmia.attack(target, refs, online=online)) == 1.0  # ties broken by the ratio: fully separated


def test_offline_a_is_tuned_on_the_references():
    rng = np.random.default_rng(2)
    refs = []
    for _ in range(3):
        chosen = rng.permutation(40)
        pool_in, pool_out = np.sort(chosen[:20]), np.sort(chosen[20:])
        refs.append(
            model_signals(rng.uniform(0.7, 1, 20), rng.uniform(0.2, 0.8, 20), pool_in=pool_in, pool_out=pool_out)
        )
    a = rmia.tune_offline_a(refs, grid=(0.0, 0.5, 1.0))
    assert a in (0.0, 0.5, 1.0)
    assert rmia.tune_offline_a(refs[:1]) == 1.0


def test_probabilities_from_logits_match_the_softmax_and_resolve_saturated_points():
    from mi_lib.rmia import true_and_rest, true_and_rest_from_logits
    from mi_lib.signals import softmax

    rng = np.random.default_rng(1)
    logits = rng.normal(size=(40, 4)).astype(np.float32)
    labels = rng.integers(0, 4, 40)
    for ours, theirs in zip(true_and_rest_from_logits(logits, labels), true_and_rest(softmax(logits), labels)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    confident = np.array([[100.0, 0.0], [120.0, 0.0]], dtype=np.float32)
    p, rest = true_and_rest_from_logits(confident, np.zeros(2, int))
    np.testing.assert_allclose(rest, np.exp([-100.0, -120.0]), rtol=1e-9)
    assert np.all(p == 1.0) and rest[0] > rest[1] > 0
