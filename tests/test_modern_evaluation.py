import pandas as pd

from mi_lib import modern_evaluation


def regularised(advantages, seeds=3):
    return pd.DataFrame(
        [
            {
                "method": "pgd",
                "weight decay": w,
                "seed": seed,
                "best oracle advantage": a + 0.001 * seed,
                "test_acc": t,
                "adv_test_acc": r,
            }
            for seed in range(seeds)
            for w, a, t, r in zip([0.0, 1e-3, 1e-2], advantages, [0.9, 0.88, 0.8], [0.5, 0.45, 0.4])
        ]
    )


def test_the_l2_check_holds_only_when_leakage_falls_at_every_stronger_decay():
    [(cid, scope, v)] = modern_evaluation.regularisation_claims(regularised([0.3, 0.2, 0.1]), dataset="D")
    assert (cid, scope, v.verdict) == ("P3", "D, PGD", "holds")
    assert "PGD test accuracy from weight decay 0 to 0.01: 50.00% → 40.00%" in v.detail
    assert (
        modern_evaluation.regularisation_claims(regularised([0.1, 0.2, 0.3]), dataset="D")[0][2].verdict
        == "does not hold"
    )
    assert (
        modern_evaluation.regularisation_claims(regularised([0.3, 0.1, 0.2]), dataset="D")[0][2].verdict
        == "inconclusive"
    )
    assert modern_evaluation.regularisation_claims(regularised([0.3, 0.2, 0.1]).iloc[:1], dataset="D") == []
    one_seed = modern_evaluation.regularisation_claims(regularised([0.3, 0.2, 0.1], seeds=1), dataset="D")[0][2]
    assert one_seed.verdict == "inconclusive" and "one run" in one_seed.detail


def test_target_models_rotate_each_shadow_into_the_target_with_the_others_as_references():
    import types

    import numpy as np
    import pytest

    from mi_lib.parameters import ParameterError

    target = {"train_label": np.zeros(2, int), "test_label": np.zeros(2, int)}
    shadows = [types.SimpleNamespace(signals={"name": f"shadow {k}"}) for k in (1, 2, 3)]
    pairs = modern_evaluation.target_models(types.SimpleNamespace(signals=target), shadows, count=3)
    assert [t is target or t["name"] for t, _ in pairs] == [True, "shadow 1", "shadow 2"]
    assert all(len(refs) == 3 for _, refs in pairs)  # as many references for every target model
    assert [r.get("name", "target") for r in pairs[2][1]] == ["target", "shadow 1", "shadow 3"]
    with pytest.raises(ParameterError, match="target_models: 5 is out of range; accepted values: 1 to 4"):
        modern_evaluation.target_models(types.SimpleNamespace(signals=target), shadows, count=5)


def test_the_early_stopping_sentence_says_whether_there_was_overfitting_and_what_stopping_did():
    import pandas as pd

    def table(stop_epoch, stop_adv_test, stop_best, end_adv_test=0.7529, end_best=0.3521):
        rows = {
            "early stop (best adv-test)": dict(
                epoch=stop_epoch, adv_test_acc=stop_adv_test, **{"best MI advantage": stop_best}
            ),
            "end of training": dict(epoch=100, adv_test_acc=end_adv_test, **{"best MI advantage": end_best}),
        }
        return pd.DataFrame(rows).T.astype(float)

    tie = modern_evaluation.early_stopping_sentence(table(85, 0.7529, 0.4005))
    assert tie.startswith("The PGD test accuracy at epoch 85 ties the end's (75.29%)") and "does not leak less" in tie
    peak = modern_evaluation.early_stopping_sentence(table(60, 0.80, 0.30))
    assert "peaks at epoch 60 (80.00%) and falls to 75.29%" in peak and "so stopping there leaks less" in peak
    assert "no robust overfitting to stop" in modern_evaluation.early_stopping_sentence(table(100, 0.7529, 0.3521))


def test_lira_judges_p2_offline_only_and_p4_online_so_no_evidence_counts_twice():
    import pandas as pd

    rows = [
        {
            "method": method,
            "target model": t,
            "LiRA": variant,
            "RMIA": variant,
            "input": "benign",
            "chosen": True,
            "tpr@0.001": 0.01 + 0.02 * (method == "pgd"),
            "tpr@0.01": 0.05 + 0.05 * (method == "pgd") + 0.001 * t,
            "auc": 0.6 + 0.1 * (method == "pgd") + 0.001 * t,
            "tpr@0.001 low": 0.0,
            "tpr@0.001 high": 0.1,
            "tpr@0.01 low": 0.0,
            "tpr@0.01 high": 0.2,
            "auc low": 0.5,
            "auc high": 0.8,
        }
        for method in ("natural", "pgd")
        for variant in ("online", "offline")
        for t in range(3)
    ]
    frame = pd.DataFrame(rows)
    p2 = modern_evaluation.lira_claims(frame, dataset="Fashion-MNIST")
    assert {cid for cid, _, _ in p2} == {"P2"} and all("LiRA offline" in scope for _, scope, _ in p2)
    assert [v.verdict for _, _, v in p2] == ["holds", "holds"]
    p4 = modern_evaluation.modern_attack_claims(frame, frame, dataset="Fashion-MNIST")
    assert {scope for _, scope, _ in p4 if "LiRA" in scope} == {
        f"Fashion-MNIST, LiRA online, {name}" for name in ("TPR at 0.1% FPR", "TPR at 1% FPR", "AUC")
    }
