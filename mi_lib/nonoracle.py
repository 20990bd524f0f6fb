"""Membership inference without the oracle threshold (beyond the papers): the attack's choices — which
score, which input (benign or PGD) and the threshold — are made on data disjoint from the points it scores.

* :func:`held_out_attack`: two-fold; the members and non-members are split in random halves, the choices are made
  on one half (where the attacker is granted membership labels) and scored on the other, and the folds swap.
* :func:`shadow_attack`: the choices are made on a *shadow* model trained the same way on disjoint data, whose
  membership the attacker knows, and applied to the target.
* ``per_class=True``: one threshold per class (falling back to the global one for a class absent from the fitting
  data), Song & Mittal's class-dependent thresholds.

Scores (higher = more member-like) come from the softmax outputs of the signals: the true-label confidence (the
papers' score), its log-odds (LiRA's logit scaling, which keeps the order of confidences that float32 rounded to 1)
and the negated modified entropy of Song & Mittal (USENIX Security 2021). Every function takes
arrays, so a new attack plugs in without new models. :func:`low_fpr` gives the threshold-free metrics of Carlini et
al. (2022) — AUC and TPR at low FPR — with bootstrap confidence intervals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np

from .metrics import roc_auc, roc_curve, threshold_attack, tpr_at_fpr, true_label_confidence

INPUTS = ("benign", "adversarial")


def _true_and_rest(probs: np.ndarray, labels: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F_y, 1 − F_y computed as Σ_{i≠y} F_i (exact where float32 rounded F_y to 1), and the other entries."""
    p = np.maximum(np.asarray(probs, dtype=np.float64), floor)
    rows = np.arange(len(p))
    others = p.copy()
    others[rows, labels] = 0.0
    return p[rows, labels], np.maximum(others.sum(axis=1), floor), others


def modified_entropy(probs: np.ndarray, labels: np.ndarray, *, floor: float = 1e-45) -> np.ndarray:
    """Mentr(F(x), y) = −(1 − F_y) log F_y − Σ_{i≠y} F_i log(1 − F_i) (Song & Mittal 2021, Eq. 6); low for members."""
    p_y, rest, others = _true_and_rest(probs, labels, floor)
    return -rest * np.log(p_y) - (others * np.log1p(-np.minimum(others, 1 - 1e-16))).sum(axis=1)


def log_odds(probs: np.ndarray, labels: np.ndarray, *, floor: float = 1e-45) -> np.ndarray:
    """log F_y − log(1 − F_y), the logit-scaled confidence of LiRA (Carlini et al. 2022), with 1 − F_y summed from
    the other classes so that confidences that rounded to 1 keep their order; high for members."""
    p_y, rest, _ = _true_and_rest(probs, labels, floor)
    return np.log(p_y) - np.log(rest)


def logit_log_odds(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """log F_y − log(1 − F_y) from the logits, in float64: z_y − log Σ_{k≠y} exp(z_k). Equals :func:`log_odds` of the
    softmax where float32 resolves it, and keeps its order where the softmax saturates (1 − F_y below ~1e-38)."""
    z = np.asarray(logits, dtype=np.float64)
    rows = np.arange(len(z))
    others = z.copy()
    others[rows, labels] = -np.inf
    top = others.max(axis=1)
    return z[rows, labels] - (top + np.log(np.exp(others - top[:, None]).sum(axis=1)))


def signal_log_odds(signals: Mapping[str, np.ndarray], part: str, kind: str) -> np.ndarray:
    """LiRA's log-odds of ``part`` (train = members, test = non-members) on ``kind`` inputs (benign, adversarial):
    from the logits where the run kept them, else from the softmax."""
    labels = signals[f"{part}_label"]
    if f"logits_{part}_{kind}" in signals:
        return logit_log_odds(signals[f"logits_{part}_{kind}"], labels)
    return log_odds(signals[f"output_{part}_{kind}"], labels)


SCORES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "confidence": lambda probs, labels: true_label_confidence(probs, labels).astype(np.float64),
    "log-odds": log_odds,
    "modified entropy": lambda probs, labels: -modified_entropy(probs, labels),
}


@dataclasses.dataclass(frozen=True)
class Population:
    """One model's members and non-members as the attacker sees them: scores per (input, score name) and labels."""

    member: dict[tuple[str, str], np.ndarray]
    nonmember: dict[tuple[str, str], np.ndarray]
    member_labels: np.ndarray
    nonmember_labels: np.ndarray

    @classmethod
    def from_signals(cls, signals: Mapping[str, np.ndarray], *, inputs=INPUTS, scores=tuple(SCORES)) -> Population:
        member, nonmember = {}, {}
        for kind in inputs:
            for name in scores:
                if name == "log-odds":  # from the logits where the run kept them
                    member[kind, name] = signal_log_odds(signals, "train", kind)
                    nonmember[kind, name] = signal_log_odds(signals, "test", kind)
                    continue
                member[kind, name] = SCORES[name](signals[f"output_train_{kind}"], signals["train_label"])
                nonmember[kind, name] = SCORES[name](signals[f"output_test_{kind}"], signals["test_label"])
        return cls(member, nonmember, np.asarray(signals["train_label"]), np.asarray(signals["test_label"]))

    @property
    def candidates(self) -> list[tuple[str, str]]:
        return list(self.member)

    def subset(self, members: np.ndarray, nonmembers: np.ndarray) -> Population:
        return Population(
            {k: v[members] for k, v in self.member.items()},
            {k: v[nonmembers] for k, v in self.nonmember.items()},
            self.member_labels[members],
            self.nonmember_labels[nonmembers],
        )


@dataclasses.dataclass(frozen=True)
class Rule:
    """An attack fitted on labelled data: the candidate (input, score), a global threshold and per-class ones."""

    candidate: tuple[str, str]
    threshold: float
    class_thresholds: dict[int, float]

    def predict(self, scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
        tau = np.array([self.class_thresholds.get(int(c), self.threshold) for c in labels])
        return scores >= tau


def _fitted_threshold(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> tuple[float, float]:
    """The best balanced accuracy on the fitting data and a threshold reaching it, placed half-way between the
    oracle's threshold (an observed score) and the next lower observed score, so that it generalises."""
    result = threshold_attack(member_scores, nonmember_scores)
    scores = np.concatenate([member_scores, nonmember_scores])
    lower = scores[scores < result.threshold]
    return result.accuracy, (result.threshold + lower.max()) / 2 if lower.size else result.threshold


def fit(population: Population, *, per_class: bool = False, candidates: list[tuple[str, str]] | None = None) -> Rule:
    """The rule with the best balanced accuracy on ``population`` (whose membership is known to the attacker):
    the best candidate by its best global threshold, then (``per_class``) each class's best threshold."""
    best = None
    for candidate in candidates or population.candidates:
        accuracy, threshold = _fitted_threshold(population.member[candidate], population.nonmember[candidate])
        if best is None or accuracy > best[0]:
            best = (accuracy, candidate, threshold)
    _, candidate, threshold = best
    per = {}
    if per_class:
        for c in np.intersect1d(population.member_labels, population.nonmember_labels):
            m = population.member[candidate][population.member_labels == c]
            n = population.nonmember[candidate][population.nonmember_labels == c]
            per[int(c)] = _fitted_threshold(m, n)[1]
    return Rule(candidate, threshold, per)


def score_rule(rule: Rule, population: Population) -> float:
    """Balanced accuracy of a fitted rule on ``population``."""
    m = rule.predict(population.member[rule.candidate], population.member_labels)
    n = rule.predict(population.nonmember[rule.candidate], population.nonmember_labels)
    return 0.5 * (float(m.mean()) + float(1 - n.mean()))


def _halves(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2 :])


def held_out_attack(
    population: Population, *, per_class: bool = False, candidates: list[tuple[str, str]] | None = None, seed: int = 0
) -> dict:
    """Two-fold held-out attack: fit on one random half of the members and of the non-members, score on the
    other, swap; returns the mean balanced accuracy, the advantage 2·(accuracy − ½) and the rules chosen."""
    rng = np.random.default_rng(seed)
    m_halves, n_halves = _halves(len(population.member_labels), rng), _halves(len(population.nonmember_labels), rng)
    accuracies, rules = [], []
    for fit_half, score_half in ((0, 1), (1, 0)):
        rule = fit(
            population.subset(m_halves[fit_half], n_halves[fit_half]), per_class=per_class, candidates=candidates
        )
        accuracies.append(score_rule(rule, population.subset(m_halves[score_half], n_halves[score_half])))
        rules.append(rule)
    accuracy = float(np.mean(accuracies))
    return {"accuracy": accuracy, "advantage": 2 * (accuracy - 0.5), "rules": rules}


def shadow_attack(
    shadow: Population, target: Population, *, per_class: bool = False, candidates: list[tuple[str, str]] | None = None
) -> dict:
    """Fit on a shadow model's population (trained the same way on disjoint data), score on the target's."""
    rule = fit(shadow, per_class=per_class, candidates=candidates)
    accuracy = score_rule(rule, target)
    return {"accuracy": accuracy, "advantage": 2 * (accuracy - 0.5), "rules": [rule]}


LOW_FPRS = (0.01, 0.001)


def _threshold_free(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, float]:
    """AUC and TPR at each of :data:`LOW_FPRS` (one ROC curve for all of them)."""
    curve = roc_curve(member_scores, nonmember_scores)
    return {"auc": roc_auc(member_scores, nonmember_scores), **{f"tpr@{f:g}": tpr_at_fpr(curve, f) for f in LOW_FPRS}}


def low_fpr(
    member_scores: np.ndarray, nonmember_scores: np.ndarray, *, n_boot: int = 500, seed: int = 0, level: float = 0.95
) -> dict:
    """AUC and TPR at each of :data:`LOW_FPRS`, each with a percentile bootstrap interval (members and non-members
    resampled separately, ``n_boot`` times). ``resolvable``: the smallest FPR the non-members can show, 1/k."""
    rng = np.random.default_rng(seed)
    out = _threshold_free(member_scores, nonmember_scores)
    draws = {name: [] for name in out}
    for _ in range(n_boot):
        m = member_scores[rng.integers(0, len(member_scores), len(member_scores))]
        n = nonmember_scores[rng.integers(0, len(nonmember_scores), len(nonmember_scores))]
        for name, value in _threshold_free(m, n).items():
            draws[name].append(value)
    tail = 100 * (1 - level) / 2
    for name, values in draws.items():
        out[f"{name} low"], out[f"{name} high"] = (float(v) for v in np.percentile(values, [tail, 100 - tail]))
    out["resolvable fpr"] = 1.0 / len(nonmember_scores)
    return out
