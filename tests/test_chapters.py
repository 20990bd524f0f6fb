import pandas as pd

from mi_lib import chapters
from mi_lib.tiers import preset


def frame(natural_test, natural_ib, pgd_adv_train, pgd_adv_test, pgd_ia, seeds=3):
    rows = []
    for seed in range(seeds):
        wiggle = 0.001 * seed
        rows.append({"method": "natural", "seed": seed, "train_acc": 1.0, "test_acc": natural_test, "adv_train_acc": 0.0,
                     "adv_test_acc": 0.0, "ib": natural_ib + wiggle, "ia": 0.5, "ib_advantage": 2 * (natural_ib + wiggle - 0.5), "ia_advantage": 0.0})
        rows.append({"method": "pgd", "seed": seed, "train_acc": 0.99, "test_acc": 0.9, "adv_train_acc": pgd_adv_train,
                     "adv_test_acc": pgd_adv_test, "ib": 0.55, "ia": pgd_ia + wiggle, "ib_advantage": 0.1, "ia_advantage": 2 * (pgd_ia + wiggle - 0.5)})
    return pd.DataFrame(rows)


def test_regime_comparison_names_the_reason_for_a_low_ratio():
    config = preset("fmnist", "cpu")
    assert "within a quarter" in chapters.regime_comparison(frame(0.92, 0.57, 0.97, 0.68, 0.645), config=config)
    assert "does not memorise" in chapters.regime_comparison(frame(0.85, 0.60, 0.83, 0.75, 0.55), config=config)
    assert "natural model over-fits" in chapters.regime_comparison(frame(0.83, 0.65, 0.95, 0.64, 0.655), config=config)


def test_claims_verdicts_follow_the_numbers():
    text, verdicts = chapters.natural_vs_robust_claims(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist")
    assert "2.0×" in text
    assert verdicts["verdict"].tolist() == ["holds", "holds", "holds"]
