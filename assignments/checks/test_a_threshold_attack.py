"""Checker of assignment (a): known answers, the library's attack on random scores, and the paper's Table 2 from
the authors' released Yale outputs."""
import numpy as np
import pytest

from mi_lib import metrics, paper
from mi_lib.data import DataError, load_released_yale_outputs


def test_true_label_confidence(submission):
    probs = np.array([[0.1, 0.9], [0.7, 0.3], [0.5, 0.5]])
    np.testing.assert_allclose(submission.true_label_confidence(probs, np.array([1, 1, 0])), [0.9, 0.3, 0.5])


def test_known_answers(submission):
    assert submission.attack_accuracy([0.9, 0.8, 0.95], [0.1, 0.2]) == pytest.approx(1.0)  # perfectly separated
    assert submission.attack_accuracy([0.5, 0.6, 0.7], [0.5, 0.6, 0.7]) == pytest.approx(0.5)  # identical
    assert submission.attack_accuracy([0.1, 0.2], [0.8, 0.9]) == pytest.approx(0.5)  # never below guessing
    assert submission.attack_accuracy([0.7, 0.7, 0.2, 0.9], [0.7, 0.1]) == pytest.approx(0.75)  # ties at the threshold


def test_matches_the_reference_on_random_scores(submission):
    rng = np.random.default_rng(0)
    for _ in range(20):
        members, nonmembers = rng.beta(3, 2, rng.integers(5, 300)), rng.beta(2, 3, rng.integers(5, 300))
        members[: len(members) // 3] = np.round(members[: len(members) // 3], 1)  # ties
        assert submission.attack_accuracy(members, nonmembers) == pytest.approx(metrics.threshold_attack(members, nonmembers).accuracy)


def test_reproduces_table_2_from_the_released_outputs(submission):
    try:
        outputs = {m: load_released_yale_outputs(m) for m in ("natural", "pgd", "dist", "diff")}
    except DataError as error:
        pytest.fail(f"the authors' released Yale outputs are needed for this check: {error}")
    for model, s in outputs.items():
        conf = lambda kind, part: submission.true_label_confidence(s[f"output_{part}_{kind}"], s[f"{part}_label"])  # noqa: E731
        row = paper.row("ccs_table2", method=model)
        assert submission.attack_accuracy(conf("benign", "train"), conf("benign", "test")) == pytest.approx(row["ib"], abs=5e-5)
        assert submission.attack_accuracy(conf("adversarial", "train"), conf("adversarial", "test")) == pytest.approx(row["ia"], abs=5e-5)


def test_the_question_is_answered(answers):
    assert answers and all("Your answer here" not in a for a in answers), "write your answer in the answer cell"
