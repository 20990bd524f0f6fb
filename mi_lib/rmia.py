"""RMIA, the relative membership inference attack (Zarifzadeh, Liu, Mittal & Shokri, ICML 2024), from signals.

For a target point x and population points z (non-members of the target), with Pr(x|θ) the target model's
probability of x's true label:

    LR(x, z) = [Pr(x|θ) / Pr(x)] / [Pr(z|θ) / Pr(z)],        score(x) = fraction of z with LR(x, z) >= γ,

Pr(x) being x's probability averaged over reference models: **online**, the reference models that trained on x
(IN) and those that did not (OUT), weighted equally; **offline**, OUT models only, with the paper's linear correction
Pr(x) = ½((1 + a)·Pr_OUT(x) + (1 − a)), a tuned on the reference models themselves (:func:`tune_offline_a`).
Reference models are the shadow runs of :mod:`mi_lib.lira` (random halves of the target's pool: its members, then
its non-members). Higher score = more member-like.

Probabilities are handled in float64, through the mass of the other classes (1 − F_y = Σ_{k≠y} F_k): from the logits
where a run kept them (nothing saturates), else from the authors' softmax schema, where a confidence that float32
rounded to 1 still keeps its order (as in :func:`mi_lib.nonoracle.log_odds`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .lira import in_mask, pool_positions
from .metrics import roc_auc


def true_and_rest(probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F_y and 1 − F_y = Σ_{k≠y} F_k in float64, each accurate where it is small. probs (N, C), labels (N,)."""
    probs = np.asarray(probs, dtype=np.float64)
    rows = np.arange(len(labels))
    p_y = probs[rows, labels]
    rest = probs.sum(1) - p_y
    return p_y, rest


def log_of(p: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """log p from p and 1 − p, taking whichever is accurate: log p itself below ½, log1p(−(1 − p)) above."""
    with np.errstate(divide="ignore"):
        return np.where(p < 0.5, np.log(np.maximum(p, 1e-300)), np.log1p(-np.minimum(rest, 1.0)))


def true_and_rest_from_logits(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F_y and 1 − F_y = Σ_{k≠y} F_k in float64 from the logits: accurate where the float32 softmax saturates."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    log_total = np.log(np.exp(z).sum(axis=1))
    others = z.copy()
    others[rows, labels] = -np.inf
    return np.exp(z[rows, labels] - log_total), np.exp(others - log_total[:, None]).sum(axis=1)


def _true_and_rest_of(signals: Mapping[str, np.ndarray], part: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    labels = signals[f"{part}_label"]
    if f"logits_{part}_{kind}" in signals:  # runs that kept their logits
        return true_and_rest_from_logits(signals[f"logits_{part}_{kind}"], labels)
    return true_and_rest(signals[f"output_{part}_{kind}"], labels)


def pool_probabilities(signals: Mapping[str, np.ndarray], *, kind: str = "benign") -> tuple[np.ndarray, np.ndarray]:
    """(F_y, 1 − F_y) of every pool point under a model, at their pool positions (see :func:`mi_lib.lira.pool_phi`),
    from its logits where the run kept them, else from its softmax."""
    parts = [_true_and_rest_of(signals, part, kind) for part in ("train", "test")]
    p, rest = (np.concatenate([parts[0][i], parts[1][i]]) for i in (0, 1))
    if "pool_in" in signals:
        order = np.concatenate([signals["pool_in"], signals["pool_out"]])
        p_out, rest_out = np.empty_like(p), np.empty_like(rest)
        p_out[order], rest_out[order] = p, rest
        p, rest = p_out, rest_out
    return p, rest


def _mean_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    count = mask.sum(0)
    return np.where(count > 0, np.where(mask, values, 0.0).sum(0) / np.maximum(count, 1), np.nan)


def log_marginal(
    ref_p: np.ndarray, ref_rest: np.ndarray, ref_in: np.ndarray, *, online: bool, a: float = 1.0
) -> np.ndarray:
    """log Pr(x) per point from the reference models' (F_y, 1 − F_y), each (K, P), and their IN mask (K, P).

    Online: ½(mean over IN models + mean over OUT models), NaN where either side is missing. Offline: the OUT models
    only, ½((1 + a)·Pr_OUT + (1 − a)) (a = 1: no correction), NaN where no OUT model exists."""
    out_p, out_rest = _mean_where(ref_p, ~ref_in), _mean_where(ref_rest, ~ref_in)
    if online:
        in_p, in_rest = _mean_where(ref_p, ref_in), _mean_where(ref_rest, ref_in)
        p, rest = (in_p + out_p) / 2, (in_rest + out_rest) / 2
    else:
        p, rest = ((1 + a) * out_p + (1 - a)) / 2, (1 + a) * out_rest / 2
    return log_of(p, rest)


def scores(
    log_ratio_x: np.ndarray, log_ratio_z: np.ndarray, *, gamma: float = 1.0, break_ties: bool = False
) -> np.ndarray:
    """score(x) = fraction of population points z with LR(x, z) >= γ, from log[Pr(·|θ)/Pr(·)] of the scored points
    (N,) and of the population (M,). NaN ratios (no reference model) give NaN scores; NaN population points are
    dropped.

    The fraction takes only M + 1 values, so with a small population many points tie (every point above the whole
    population scores 1) and TPR at low FPR collapses. Since the fraction grows with x's own ratio, ``break_ties``
    orders tied points by that ratio (adding less than 1/M, so no fraction changes its order): the ranking a larger
    population from the same distribution would give."""
    z = np.sort(log_ratio_z[~np.isnan(log_ratio_z)])
    m = max(len(z), 1)
    counts = np.searchsorted(z, log_ratio_x - np.log(gamma), side="right")  # z with log LR(x, z) >= log γ
    out = counts / m
    if break_ties:
        finite = ~np.isnan(log_ratio_x)
        rank = np.empty(len(log_ratio_x))
        rank[finite] = np.argsort(np.argsort(log_ratio_x[finite], kind="stable"), kind="stable") / max(finite.sum(), 1)
        out = out + 0.5 * rank / m
    return np.where(np.isnan(log_ratio_x), np.nan, out)


def _log_ratios(
    target: tuple[np.ndarray, np.ndarray],
    refs: tuple[np.ndarray, np.ndarray],
    ref_in: np.ndarray,
    *,
    online: bool,
    a: float,
) -> np.ndarray:
    return log_of(*target) - log_marginal(*refs, ref_in, online=online, a=a)


def population_split(
    member_at: np.ndarray, nonmember_at: np.ndarray, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pool positions of the population Z (a seeded random half of the target's non-members, never scored) and of the
    scored points (every member, then the other non-members), from the pool positions of the target's members and
    non-members (:func:`mi_lib.lira.pool_positions`)."""
    rng = np.random.default_rng(seed)
    order = np.asarray(nonmember_at)[rng.permutation(len(nonmember_at))]
    half = len(nonmember_at) // 2
    return np.sort(order[:half]), np.concatenate([np.sort(member_at), np.sort(order[half:])])


def attack(
    target: Mapping[str, np.ndarray],
    references: Sequence[Mapping[str, np.ndarray]],
    *,
    kind: str = "benign",
    online: bool = True,
    a: float = 1.0,
    gamma: float = 1.0,
    seed: int = 0,
    break_ties: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(member scores, non-member scores) of RMIA against ``target`` with ``references`` (shadow runs of its seed), on
    clean (``kind`` benign) or PGD (adversarial) inputs. The population Z is half of the target's non-members
    (:func:`population_split`); the other half and every member are scored; points no reference covers are dropped.
    Ties of the fraction are broken by the likelihood ratio (:func:`scores`), unless ``break_ties`` is False."""
    member_at, nonmember_at = pool_positions(target)
    ref_p, ref_rest, ref_in = reference_arrays(references, kind=kind)
    ratio = _log_ratios(pool_probabilities(target, kind=kind), (ref_p, ref_rest), ref_in, online=online, a=a)
    population, scored = population_split(member_at, nonmember_at, seed=seed)
    result = scores(ratio[scored], ratio[population], gamma=gamma, break_ties=break_ties)
    is_member = np.isin(scored, member_at)
    members, nonmembers = result[is_member], result[~is_member]
    return members[~np.isnan(members)], nonmembers[~np.isnan(nonmembers)]


def reference_arrays(
    references: Sequence[Mapping[str, np.ndarray]], *, kind: str = "benign"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference models' F_y (K, P) and 1 − F_y (K, P) at every pool point, and their IN mask (K, P)."""
    ref = [pool_probabilities(s, kind=kind) for s in references]
    return np.stack([r[0] for r in ref]), np.stack([r[1] for r in ref]), in_mask(references)


def reference_attack(
    references: Sequence[Mapping[str, np.ndarray]],
    *,
    kind: str = "benign",
    online: bool = False,
    a: float = 1.0,
    gamma: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """RMIA against each reference model in turn with the others as its references, the scores pooled: (member scores,
    non-member scores) the attacker can measure without the target's membership (to tune a, or choose the input)."""
    return _each_reference(reference_arrays(references, kind=kind), online=online, a=a, gamma=gamma, seed=seed)


def _each_reference(
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray], *, online: bool, a: float, gamma: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    ref_p, ref_rest, ref_in = arrays
    rng = np.random.default_rng(seed)
    members, nonmembers = [], []
    for k in range(len(ref_p)):
        others = np.arange(len(ref_p)) != k
        ratio = _log_ratios(
            (ref_p[k], ref_rest[k]), (ref_p[others], ref_rest[others]), ref_in[others], online=online, a=a
        )
        outside = np.flatnonzero(~ref_in[k])
        population = rng.permutation(outside)[: len(outside) // 2]
        scored = np.setdiff1d(np.arange(ref_in.shape[1]), population)
        result = scores(ratio[scored], ratio[population], gamma=gamma, break_ties=True)
        member, keep = ref_in[k, scored], ~np.isnan(result)
        members.append(result[keep & member])
        nonmembers.append(result[keep & ~member])
    return np.concatenate(members), np.concatenate(nonmembers)


def tune_offline_a(
    references: Sequence[Mapping[str, np.ndarray]],
    *,
    kind: str = "benign",
    grid: Sequence[float] = tuple(np.linspace(0, 1, 11)),
    gamma: float = 1.0,
    seed: int = 0,
) -> float:
    """The paper's way of choosing a: each reference model in turn plays the target, the others are its (offline, OUT)
    references (:func:`reference_attack`), and the a of ``grid`` with the highest AUC wins. Needs at least 2
    references; with 1, a = 1 (no correction)."""
    if len(references) < 2:
        return 1.0
    arrays = reference_arrays(references, kind=kind)
    aucs = {float(a): roc_auc(*_each_reference(arrays, online=False, a=float(a), gamma=gamma, seed=seed)) for a in grid}
    return max(aucs, key=aucs.get)
