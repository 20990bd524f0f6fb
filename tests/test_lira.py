import numpy as np
import pytest
from tiny import tiny_config

from mi_lib import data as data_module
from mi_lib import lira
from mi_lib.metrics import roc_auc


def synthetic(k=16, p=400, gap=2.0, seed=0):
    """Pool points whose φ is N(a_p + gap, 1) under a model that trained on them and N(a_p, 1) otherwise, a_p varying
    per point (some points are just easy): the per-point calibration LiRA exists for."""
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0, 3, p)
    mask = rng.random((k, p)) < 0.5
    shadow_phi = difficulty + gap * mask + rng.normal(0, 1, (k, p))
    target_in = np.arange(p) < p // 2
    target_phi = difficulty + gap * target_in + rng.normal(0, 1, p)
    return target_phi, shadow_phi, mask, target_in


def test_lira_beats_the_global_threshold_when_points_differ_in_difficulty():
    target_phi, shadow_phi, mask, target_in = synthetic()
    plain = roc_auc(target_phi[target_in], target_phi[~target_in])
    for online in (True, False):
        s = lira.scores(target_phi, shadow_phi, mask, online=online)
        assert roc_auc(s[target_in], s[~target_in]) > plain + 0.1
    online = lira.scores(target_phi, shadow_phi, mask, online=True)
    assert (
        roc_auc(online[target_in], online[~target_in]) > 0.85
    )  # gap 2 sd: AUC Phi(2/sqrt 2) = 0.92 with exact Gaussians


def test_no_signal_gives_chance():
    target_phi, shadow_phi, mask, target_in = synthetic(gap=0.0, seed=1)
    s = lira.scores(target_phi, shadow_phi, mask, online=True)
    assert abs(roc_auc(s[target_in], s[~target_in]) - 0.5) < 0.08


def test_pool_positions_and_masks_from_shadow_signals():
    rng = np.random.default_rng(2)
    probs = lambda n: rng.dirichlet(np.ones(3), n)  # noqa: E731
    target = {
        "output_train_benign": probs(4),
        "output_test_benign": probs(2),
        "train_label": np.zeros(4, int),
        "test_label": np.zeros(2, int),
    }
    shadow = {
        "output_train_benign": probs(3),
        "output_test_benign": probs(3),
        "train_label": np.zeros(3, int),
        "test_label": np.zeros(3, int),
        "pool_in": np.array([0, 2, 5]),
        "pool_out": np.array([1, 3, 4]),
    }
    phi = lira.pool_phi(shadow)
    assert phi[5] == pytest.approx(
        np.log(shadow["output_train_benign"][2, 0] / (1 - shadow["output_train_benign"][2, 0]))
    )
    assert lira.in_mask([shadow]).tolist() == [[True, False, True, False, False, True]]
    assert len(lira.pool_phi(target)) == 6
    members, nonmembers = lira.attack(target, [shadow], online=False)
    assert len(members) == 2 and len(nonmembers) == 1  # offline scores only the points the shadow left OUT (1, 3; 4)


def test_a_shadow_trains_on_a_random_half_of_the_targets_pool():
    images = data_module.ImageData(
        name="fmnist",
        x_train=(np.random.default_rng(0).random((80, 1, 12, 12)) * 255).astype(np.uint8),
        y_train=np.arange(80) % 4,
        x_test=(np.random.default_rng(1).random((40, 1, 12, 12)) * 255).astype(np.uint8),
        y_test=np.arange(40) % 4,
    )
    target_config = tiny_config(n_members=40, n_nonmembers=20)
    target = data_module.membership_split(target_config, data=images)
    pool = np.concatenate([target.x_members.numpy(), target.x_nonmembers.numpy()])
    shadows = [data_module.membership_split(target_config.replace(shadow=k), data=images) for k in (1, 2)]
    for s in shadows:
        assert sorted([*s.pool_in, *s.pool_out]) == list(range(60)) and len(s.pool_in) == 30
        assert np.array_equal(s.x_members.numpy(), pool[s.pool_in]) and np.array_equal(
            s.x_nonmembers.numpy(), pool[s.pool_out]
        )
    assert not np.array_equal(shadows[0].pool_in, shadows[1].pool_in)
    assert target_config.replace(shadow=1).run_id() != target_config.run_id()


def test_the_shadow_attack_scores_each_shadow_with_the_others():
    k, p = 6, 200
    shadows = _pool_models(k=k, p=p, seed=4)
    members, nonmembers = lira.shadow_attack(shadows, online=True)
    assert len(members) + len(nonmembers) <= k * p and len(members) > 0.9 * k * p / 2
    assert roc_auc(members, nonmembers) > 0.8


def _pool_models(k=6, p=200, seed=4):
    """k pool models on p points with separable membership (φ + 2 on its own members), as shadow signals."""
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0, 3, p)
    models = []
    for _ in range(k):
        order = rng.permutation(p)
        pool_in, pool_out = np.sort(order[: p // 2]), np.sort(order[p // 2 :])
        phi = difficulty + 2.0 * np.isin(np.arange(p), pool_in) + rng.normal(0, 1, p)
        conf = 1 / (1 + np.exp(-phi))
        probs = np.stack([conf, 1 - conf], axis=1)
        models.append(
            {
                "output_train_benign": probs[pool_in],
                "output_test_benign": probs[pool_out],
                "train_label": np.zeros(p // 2, int),
                "test_label": np.zeros(p // 2, int),
                "pool_in": pool_in,
                "pool_out": pool_out,
            }
        )
    return models


def test_a_shadow_can_play_the_target_and_the_target_a_shadow():
    models = _pool_models()
    # a shadow as the target: its members are its own pool_in points, found by LiRA and by RMIA
    from mi_lib import rmia

    members, nonmembers = lira.attack(models[0], models[1:], online=True)
    assert len(members) > 90 and roc_auc(members, nonmembers) > 0.8
    members, nonmembers = rmia.attack(models[0], models[1:], online=True)
    assert roc_auc(members, nonmembers) > 0.7  # 5 references, 200 points
    # swap its members and non-members: the attack follows the membership, so the AUC flips
    m = models[0]
    swapped = {  # the same outputs at the same pool points, the membership claimed the other way round
        **m,
        "output_train_benign": m["output_test_benign"],
        "output_test_benign": m["output_train_benign"],
        "pool_in": m["pool_out"],
        "pool_out": m["pool_in"],
    }
    assert roc_auc(*lira.attack(swapped, models[1:], online=True)) < 0.2
    # the target made explicit as a pool model scores exactly as the target itself
    # (models[1] as a plain target: its members, then its non-members, are the pool; the others re-indexed to match)
    order = np.concatenate([models[1]["pool_in"], models[1]["pool_out"]])
    rest = [{**m, **{k: np.argsort(order)[m[k]] for k in ("pool_in", "pool_out")}} for m in models[2:]]
    plain = {k: v for k, v in models[1].items() if not k.startswith("pool")}
    assert roc_auc(*lira.attack(plain, rest)) > 0.8
    assert np.array_equal(lira.attack(plain, rest)[0], lira.attack(lira.as_pool_model(plain), rest)[0])
    assert np.array_equal(rmia.attack(plain, rest)[1], rmia.attack(lira.as_pool_model(plain), rest)[1])
