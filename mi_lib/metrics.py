"""Membership-inference metrics on plain arrays (no model needed; milliseconds).

Convention: member = 1 (training point), non-member = 0; a higher score means "more likely a member".
The paper's attack (CCS'19 §3, DLS Eq. 5): member iff score >= tau, tau chosen among every observed
score to maximise the balanced accuracy ½(TPR + TNR) on the evaluated points themselves (docs/settings.md#threshold-and-metrics).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Curve:
    """Operating points of the threshold attack, thresholds descending.

    ``thresholds`` (T,), ``tpr`` (T,), ``fpr`` (T,); point i classifies score >= thresholds[i] as member.
    """

    thresholds: np.ndarray
    tpr: np.ndarray
    fpr: np.ndarray

    @property
    def balanced_precision(self) -> np.ndarray:
        """Precision under a 50/50 member prior: TPR / (TPR + FPR) (DLS §III-B)."""
        denom = self.tpr + self.fpr
        return np.divide(self.tpr, denom, out=np.full_like(self.tpr, 0.5), where=denom > 0)


@dataclasses.dataclass(frozen=True)
class AttackResult(Mapping):
    """Result of :func:`threshold_attack`; fields readable as attributes or keys (``r.accuracy``, ``r["auc"]``)."""

    accuracy: float  # max over tau of ½(TPR + TNR)
    advantage: float  # 2·(accuracy − ½), CCS Eq. 16
    threshold: float  # the tau reaching ``accuracy`` (member iff score >= tau)
    precision: float  # balanced precision TPR / (TPR + FPR) at that tau
    recall: float  # TPR at that tau
    auc: float  # ROC AUC (ties count ½)
    auprc: float  # area under the balanced precision–recall curve (baseline 0.5)
    tpr_at_1pct_fpr: float
    tpr_at_01pct_fpr: float
    n_members: int
    n_nonmembers: int

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.items())


def _as_scores(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"{name}: need at least one score")
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN")
    return arr


def roc_curve(member_scores: Any, nonmember_scores: Any) -> Curve:
    """TPR and FPR of "member iff score >= tau" at every observed score tau, in O(n log n).

    ``member_scores`` (n,), ``nonmember_scores`` (k,).
    """
    members = np.sort(_as_scores("member_scores", member_scores))
    nonmembers = np.sort(_as_scores("nonmember_scores", nonmember_scores))
    thresholds = np.unique(np.concatenate([members, nonmembers]))[::-1]
    tpr = 1.0 - np.searchsorted(members, thresholds, side="left") / members.size
    fpr = 1.0 - np.searchsorted(nonmembers, thresholds, side="left") / nonmembers.size
    return Curve(thresholds=thresholds, tpr=tpr, fpr=fpr)


def tpr_at_fpr(curve: Curve, max_fpr: float) -> float:
    """The largest TPR over the curve's thresholds whose FPR is at most ``max_fpr`` (0 if none)."""
    ok = curve.fpr <= max_fpr
    return float(curve.tpr[ok].max()) if ok.any() else 0.0


def resolved_tpr_at_fpr(member_scores: Any, nonmember_scores: Any, max_fpr: float) -> float:
    """:func:`tpr_at_fpr` where the scores can resolve it, else NaN: when more than ``max_fpr`` of the non-members (and
    more than one) tie at the highest non-member score, as a saturated float32 softmax makes them (F_y = 1.0), every
    threshold that admits one admits them all and the TPR reads 0 for want of resolution, not of leakage."""
    nonmembers = _as_scores("nonmember_scores", nonmember_scores)
    tied = int(np.sum(nonmembers == nonmembers.max())) if nonmembers.size else 0
    if tied > 1 and tied > max_fpr * nonmembers.size:
        return float("nan")
    return tpr_at_fpr(roc_curve(member_scores, nonmembers), max_fpr)


def auprc(curve: Curve) -> float:
    """Step-wise area under the balanced precision–recall curve (recall from 0 to 1; DLS Table I)."""
    recall = np.concatenate([[0.0], curve.tpr])
    return float(np.sum(np.diff(recall) * curve.balanced_precision))


def roc_auc(member_scores: Any, nonmember_scores: Any) -> float:
    """P(member score > non-member score) + ½·P(equal) (Mann–Whitney), in O(n log n)."""
    members = _as_scores("member_scores", member_scores)
    nonmembers = np.sort(_as_scores("nonmember_scores", nonmember_scores))
    below = np.searchsorted(nonmembers, members, side="left")
    at_most = np.searchsorted(nonmembers, members, side="right")
    return float((below.sum() + 0.5 * (at_most - below).sum()) / (members.size * nonmembers.size))


def threshold_attack(member_scores: Any, nonmember_scores: Any) -> AttackResult:
    """The paper's threshold attack with the oracle threshold (CCS'19 §4.3, docs/settings.md#threshold-and-metrics).

    ``member_scores`` (n,): scores of training points; ``nonmember_scores`` (k,): of non-members. Higher
    score = more member-like (e.g. the true-label confidence F_y). Accuracy is balanced, ½(TPR + 1 − FPR),
    maximised over every observed score (initialised at ½), so unequal set sizes do not bias it.
    """
    curve = roc_curve(member_scores, nonmember_scores)
    balanced = 0.5 * (curve.tpr + 1.0 - curve.fpr)
    best = int(np.argmax(balanced))  # first maximum = the largest tau reaching it
    accuracy = max(0.5, float(balanced[best]))
    return AttackResult(
        accuracy=accuracy,
        advantage=2.0 * (accuracy - 0.5),
        threshold=float(curve.thresholds[best]),
        precision=float(curve.balanced_precision[best]),
        recall=float(curve.tpr[best]),
        auc=roc_auc(member_scores, nonmember_scores),
        auprc=auprc(curve),
        tpr_at_1pct_fpr=tpr_at_fpr(curve, 0.01),
        tpr_at_01pct_fpr=tpr_at_fpr(curve, 0.001),
        n_members=int(np.size(member_scores)),
        n_nonmembers=int(np.size(nonmember_scores)),
    )


def true_label_confidence(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """F_y(x): softmax probability of the true label. probs (N, K), labels (N,) -> (N,)."""
    probs, labels = np.asarray(probs), np.asarray(labels).astype(np.int64)
    return probs[np.arange(len(labels)), labels]


def cross_entropy_loss(probs: np.ndarray, labels: np.ndarray, *, floor: float = 1e-30) -> np.ndarray:
    """−log F_y(x) per example, with F_y floored at ``floor`` so saturated softmax gives a finite loss. (N,)."""
    return -np.log(np.maximum(true_label_confidence(probs, labels).astype(np.float64), floor))


def unsaturated_loss(probs: np.ndarray, labels: np.ndarray, *, floor: float = 1e-45) -> np.ndarray:
    """−log F_y(x) per example as log(1 + Σ_{k≠y} F_k / F_y), in float64: where float32 rounded F_y to 1 (a loss of
    0 to :func:`cross_entropy_loss`), the other classes' probabilities still carry the loss (≈ Σ_{k≠y} F_k). Zero
    only where every other probability underflowed. (N,)."""
    p = np.asarray(probs, dtype=np.float64)
    rows, labels = np.arange(len(p)), np.asarray(labels).astype(np.int64)
    p_y = np.maximum(p[rows, labels], floor)
    others = p.copy()
    others[rows, labels] = 0.0  # summed without F_y: 1 − F_y by subtraction would cancel to 0
    return np.log1p(others.sum(axis=1) / p_y)


def loss_kl_divergence(
    member_losses: Any, nonmember_losses: Any, *, bins: int = 100, smoothing: float = 1e-10
) -> dict[str, float]:
    """KL divergence between the member and non-member loss distributions (DLS Table I; choices: docs/settings.md#threshold-and-metrics).

    Both histogrammed on ``bins`` equal-width bins over [0, max loss], ``smoothing`` added before
    normalising. Returns ``{"members_vs_nonmembers": KL(P_m || P_n), "nonmembers_vs_members": KL(P_n || P_m)}``;
    the direction is not stated in the paper, and the value depends strongly on these choices.
    """
    m, n = _as_scores("member_losses", member_losses), _as_scores("nonmember_losses", nonmember_losses)
    top = max(m.max(), n.max(), 1e-12)
    p = np.histogram(m, bins=bins, range=(0.0, top))[0] + smoothing
    q = np.histogram(n, bins=bins, range=(0.0, top))[0] + smoothing
    p, q = p / p.sum(), q / q.sum()
    return {
        "members_vs_nonmembers": float(np.sum(p * np.log(p / q))),
        "nonmembers_vs_members": float(np.sum(q * np.log(q / p))),
    }


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of softmax outputs. probs (N, K), labels (N,)."""
    return float(np.mean(np.argmax(probs, axis=1) == np.asarray(labels)))


def inference_results(signals: Mapping[str, np.ndarray]) -> dict[str, AttackResult]:
    """IB and IA of CCS'19 §3 from signals in the authors' schema.

    IB thresholds F_y on clean inputs, IA on the evaluation-PGD inputs (``output_{train,test}_{benign,adversarial}``,
    ``train_label``, ``test_label``); IV, when the signals hold ``output_{train,test}_verified`` (the verified
    worst-case softmax of a verifiable model), thresholds its true-label entry (docs/settings.md#inference-strategies).
    """
    out = {}
    kinds = [("ib", "benign"), ("ia", "adversarial")] + (
        [("iv", "verified")] if "output_train_verified" in signals else []
    )
    for name, kind in kinds:
        out[name] = threshold_attack(
            true_label_confidence(signals[f"output_train_{kind}"], signals["train_label"]),
            true_label_confidence(signals[f"output_test_{kind}"], signals["test_label"]),
        )
    return out


def accuracies(signals: Mapping[str, np.ndarray]) -> dict[str, float]:
    """train / test / adv-train / adv-test accuracy (CCS Tables 2–4 columns) from signals."""
    verified = {
        f"verified_{part}_acc": accuracy(signals[f"output_{part}_verified"], signals[f"{part}_label"])
        for part in ("train", "test")
        if f"output_{part}_verified" in signals
    }
    return verified | {
        "train_acc": accuracy(signals["output_train_benign"], signals["train_label"]),
        "test_acc": accuracy(signals["output_test_benign"], signals["test_label"]),
        "adv_train_acc": accuracy(signals["output_train_adversarial"], signals["train_label"]),
        "adv_test_acc": accuracy(signals["output_test_adversarial"], signals["test_label"]),
    }
