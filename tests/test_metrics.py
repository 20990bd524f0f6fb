import numpy as np
import pytest
from conftest import DATA_DIR, require

from mi_lib import metrics, paper


def authors_threshold_search(member, nonmember):
    """The authors' O(n^2) loop (inference_utils.py): every observed value as tau, accuracy ½(TPR + TNR)."""
    best = 0.5
    for tau in np.concatenate([member, nonmember]):
        best = max(best, 0.5 * (np.mean(member >= tau) + np.mean(nonmember < tau)))
    return best


def test_perfect_separation_gives_accuracy_and_auc_one():
    r = metrics.threshold_attack([0.9, 0.8, 0.95], [0.1, 0.2])
    assert r.accuracy == 1.0 and r.advantage == 1.0 and r.auc == 1.0 and r["auprc"] == 1.0
    assert r.precision == 1.0 and r.recall == 1.0 and 0.2 < r.threshold <= 0.8
    assert r.tpr_at_1pct_fpr == 1.0


def test_identical_distributions_give_one_half():
    scores = np.linspace(0, 1, 101)
    r = metrics.threshold_attack(scores, scores)
    assert r.accuracy == 0.5 and r.advantage == 0.0 and r.auc == 0.5


def test_reversed_scores_give_chance_not_below():
    r = metrics.threshold_attack([0.1, 0.2], [0.8, 0.9])
    assert r.accuracy == 0.5 and r.auc == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_matches_the_authors_quadratic_search_with_ties(seed):
    rng = np.random.default_rng(seed)
    member = rng.integers(0, 20, size=300) / 20  # many ties, unequal set sizes
    nonmember = rng.integers(0, 18, size=170) / 20
    assert metrics.threshold_attack(member, nonmember).accuracy == pytest.approx(
        authors_threshold_search(member, nonmember), abs=1e-12
    )


def test_auc_matches_scikit_learn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    member, nonmember = rng.normal(0.3, 1, 400).round(1), rng.normal(0, 1, 250).round(1)
    labels = np.r_[np.ones(400), np.zeros(250)]
    assert metrics.roc_auc(member, nonmember) == pytest.approx(roc_auc_score(labels, np.r_[member, nonmember]))


def test_precision_recall_at_best_threshold():
    # members 0.9, 0.8, 0.3; non-members 0.5, 0.1: best tau = 0.8 -> TPR 2/3, FPR 0 -> acc 5/6
    r = metrics.threshold_attack([0.9, 0.8, 0.3], [0.5, 0.1])
    assert r.accuracy == pytest.approx(5 / 6) and r.recall == pytest.approx(2 / 3) and r.precision == 1.0


def test_kl_divergence_zero_for_identical_and_positive_otherwise():
    losses = np.linspace(0, 3, 500)
    kl = metrics.loss_kl_divergence(losses, losses)
    assert kl["members_vs_nonmembers"] == pytest.approx(0, abs=1e-9)
    kl = metrics.loss_kl_divergence(losses / 3, losses)
    assert kl["members_vs_nonmembers"] > 0.1 and kl["nonmembers_vs_members"] > 0.1


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="member_scores"):
        metrics.threshold_attack([], [0.1])
    with pytest.raises(ValueError, match="NaN"):
        metrics.threshold_attack([np.nan], [0.1])


YALE_FILES = {"natural": "natural", "pgd": "pgd", "dist": "dist", "diff": "diff"}


@pytest.mark.parametrize("method", YALE_FILES)
def test_authors_yale_outputs_give_ccs_table2(method):
    """CCS Table 2 falls out of the authors' released Yale outputs through our attack, to four decimals."""
    path = require(DATA_DIR / "pvr-yale-outputs" / f"{YALE_FILES[method]}.npz")
    signals = dict(np.load(path))
    expected = paper.row("ccs_table2", method=method)
    inference = metrics.inference_results(signals)
    assert round(inference["ib"].accuracy, 4) == expected["ib"]
    assert round(inference["ia"].accuracy, 4) == expected["ia"]
    for column, value in metrics.accuracies(signals).items():
        assert round(value, 4) == pytest.approx(expected[column], abs=1e-9), column


@pytest.mark.parametrize("method", ["duality", "diffai", "ibp"])
def test_authors_yale_verifiable_outputs_give_released_ib_ia(method):
    path = require(DATA_DIR / "pvr-yale-outputs" / f"{method}.npz")
    inference = metrics.inference_results(dict(np.load(path)))
    expected = paper.row("ccs_verifiable_released", dataset="yale", method=method)
    assert (round(inference["ib"].accuracy, 4), round(inference["ia"].accuracy, 4)) == (expected["ib"], expected["ia"])


def test_tpr_at_low_fpr_is_not_resolvable_where_nonmembers_tie_at_the_top():
    from mi_lib.metrics import resolved_tpr_at_fpr

    members = np.array([1.0] * 50 + [0.9] * 50)
    saturated = np.array([1.0] * 20 + list(np.linspace(0.1, 0.8, 80)))  # 20% of non-members at F_y = 1.0
    assert np.isnan(resolved_tpr_at_fpr(members, saturated, 0.01))
    resolved = np.linspace(0.1, 0.85, 100)  # no ties at the top: a genuine TPR (every member above them all)
    assert resolved_tpr_at_fpr(members, resolved, 0.01) == 1.0
    low = np.array([0.2] * 100)
    assert resolved_tpr_at_fpr(low, np.linspace(0.1, 0.95, 100), 0.01) == 0.0  # a genuine zero stays zero


def test_the_unsaturated_loss_is_the_cross_entropy_and_survives_float32_rounding():
    cross_entropy_loss, unsaturated_loss = metrics.cross_entropy_loss, metrics.unsaturated_loss
    probs = np.array([[0.7, 0.2, 0.1], [0.05, 0.9, 0.05]], dtype=np.float32)
    assert unsaturated_loss(probs, [0, 1]) == pytest.approx(cross_entropy_loss(probs, [0, 1]), rel=1e-6)
    rounded = np.array([[1.0, 2e-9, 1e-9]], dtype=np.float32)  # F_y is 1 - 3e-9, rounded to 1 in float32
    assert cross_entropy_loss(rounded, [0])[0] == 0.0
    assert unsaturated_loss(rounded, [0])[0] == pytest.approx(3e-9, rel=1e-6)
