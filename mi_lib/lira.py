"""The likelihood-ratio attack (LiRA; Carlini et al., S&P 2022) from signals, for a target model and K shadow models
trained the same way on random halves of the target's pool (its members, then its non-members; config ``shadow``).

Per pool point, the shadows that trained on it (IN) and those that did not (OUT) give two Gaussians of its
logit-scaled confidence φ = log F_y − log(1 − F_y) (:func:`mi_lib.nonoracle.log_odds`). **Online** LiRA scores the
target's φ by the log-likelihood ratio of the IN and OUT Gaussians; **offline** LiRA, which needs no shadow trained
on the point, by how far φ lies above the OUT Gaussian (one-sided). With few shadows the variances are estimated
globally (one per side, pooled over the points), as Carlini et al. recommend. Higher score = more member-like.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from .nonoracle import signal_log_odds


def pool_phi(signals: Mapping[str, np.ndarray], *, kind: str = "benign") -> np.ndarray:
    """φ of every pool point under a model: for the target (no ``pool_in``) its members then its non-members; for a
    shadow, its members and non-members put back at their pool positions. (P,)"""
    members, nonmembers = signal_log_odds(signals, "train", kind), signal_log_odds(signals, "test", kind)
    if "pool_in" not in signals:
        return np.concatenate([members, nonmembers])
    out = np.empty(len(members) + len(nonmembers))
    out[signals["pool_in"]], out[signals["pool_out"]] = members, nonmembers
    return out


def in_mask(shadows: Sequence[Mapping[str, np.ndarray]]) -> np.ndarray:
    """(K, P) bool: whether shadow k trained on pool point p."""
    size = len(shadows[0]["pool_in"]) + len(shadows[0]["pool_out"])
    mask = np.zeros((len(shadows), size), dtype=bool)
    for k, s in enumerate(shadows):
        mask[k, s["pool_in"]] = True
    return mask


def _gaussian(phi: np.ndarray, mask: np.ndarray, *, global_variance: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-point mean and std of φ over the shadows where ``mask`` (K, P) holds; NaN where no shadow does."""
    count = mask.sum(0)
    mean = np.where(count > 0, np.where(mask, phi, 0).sum(0) / np.maximum(count, 1), np.nan)
    residual = np.where(mask, phi - mean, 0.0)
    if global_variance or (count < 2).any():
        std = np.full(phi.shape[1], np.sqrt((residual**2).sum() / max(mask.sum() - 1, 1)))
    else:
        std = np.sqrt((residual**2).sum(0) / (count - 1))
    return mean, np.maximum(std, 1e-6)


def scores(
    target_phi: np.ndarray, shadow_phi: np.ndarray, mask: np.ndarray, *, online: bool, global_variance: bool = True
) -> np.ndarray:
    """LiRA scores of the pool points (P,) from the target's φ (P,), the shadows' φ (K, P) and their IN mask (K, P).
    Online needs IN and OUT shadows of every point; offline OUT ones only. A point without them scores NaN."""

    mean_out, std_out = _gaussian(shadow_phi, ~mask, global_variance=global_variance)
    if not online:
        return (target_phi - mean_out) / std_out
    mean_in, std_in = _gaussian(shadow_phi, mask, global_variance=global_variance)
    return stats.norm.logpdf(target_phi, mean_in, std_in) - stats.norm.logpdf(target_phi, mean_out, std_out)


def attack(
    target: Mapping[str, np.ndarray],
    shadows: Sequence[Mapping[str, np.ndarray]],
    *,
    kind: str = "benign",
    online: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(member scores, non-member scores) of LiRA against ``target`` with ``shadows`` (signals of shadow runs of the
    target's seed), on clean (``kind`` benign) or PGD (adversarial) inputs; points no shadow covers are dropped. The
    target may itself be a model of the pool (a shadow, or :func:`as_pool_model`): its members are then its
    ``pool_in`` points."""
    target_phi = pool_phi(target, kind=kind)
    shadow_phi = np.stack([pool_phi(s, kind=kind) for s in shadows])
    result = scores(target_phi, shadow_phi, in_mask(shadows), online=online)
    member_at, nonmember_at = pool_positions(target)
    members, nonmembers = result[member_at], result[nonmember_at]
    return members[~np.isnan(members)], nonmembers[~np.isnan(nonmembers)]


def pool_positions(signals: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pool positions of a model's members and of its non-members: a shadow's ``pool_in`` / ``pool_out``; for the
    target (whose members and non-members are the pool, in that order) the first n_members positions and the rest."""
    if "pool_in" in signals:
        return np.asarray(signals["pool_in"]), np.asarray(signals["pool_out"])
    n_members, n_nonmembers = len(signals["train_label"]), len(signals["test_label"])
    return np.arange(n_members), n_members + np.arange(n_nonmembers)


def as_pool_model(signals: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The target's signals with its pool positions made explicit, so that it can serve as a shadow (or reference)
    model while a shadow plays the target: the LiRA paper's way of evaluating several target models at no extra
    training."""
    member_at, nonmember_at = pool_positions(signals)
    return {**signals, "pool_in": member_at, "pool_out": nonmember_at}


def shadow_attack(
    shadows: Sequence[Mapping[str, np.ndarray]], *, kind: str = "benign", online: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """LiRA against each shadow in turn with the other shadows, the scores pooled: (member scores, non-member scores)
    the attacker can measure without the target's membership, to choose the attack's settings (the input) on."""
    phi = np.stack([pool_phi(s, kind=kind) for s in shadows])
    mask = in_mask(shadows)
    members, nonmembers = [], []
    for k in range(len(shadows)):
        others = np.arange(len(shadows)) != k
        result = scores(phi[k], phi[others], mask[others], online=online)
        scored = ~np.isnan(result)
        members.append(result[mask[k] & scored])
        nonmembers.append(result[~mask[k] & scored])
    return np.concatenate(members), np.concatenate(nonmembers)
