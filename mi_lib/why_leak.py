"""What the chapters on *why robust models leak* (CCS §5.2, DLS Fig. 3 and Table II) compute: leakage as a factor
varies (training ε, the fraction of adversarially trained points, …), the regime along the way, and the verdicts of
the claims on trends (C4, C5, C10). Notebooks call these and display the results."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from . import report
from .analyses import DYNAMICS_COLUMNS
from .config import format_eps
from .metrics import inference_results, resolved_tpr_at_fpr, threshold_attack, unsaturated_loss
from .nonoracle import signal_log_odds


def factor_frame(runs_by_value: dict, *, factor: str) -> pd.DataFrame:
    """One row per run, with the factor's value in column ``factor`` (runs_by_value: {value: [RunResult, ...]})."""
    frames = [report.runs_frame(runs).assign(**{factor: value}) for value, runs in runs_by_value.items()]
    frame = pd.concat(frames, ignore_index=True)
    frame["best_advantage"] = report.best_advantage(frame)
    return frame


def factor_table(frame: pd.DataFrame, *, factor: str, label=str) -> pd.DataFrame:
    """Mean over seeds of the Tables 2–4 columns and the best advantage, per (factor value, method); ``label``
    formats the factor's values."""
    columns = [*report.COLUMNS, "best_advantage"]
    table = frame.groupby([factor, "method"], sort=True)[columns].mean()
    table.index = table.index.set_levels(table.index.levels[0].map(label), level=0)
    return table.rename(columns={**report.COLUMN_LABELS, "best_advantage": "best adv."}).round(4)


def shared_natural_sentence(frame: pd.DataFrame, *, factor: str) -> str:
    """A sentence on the natural model of a :func:`factor_frame` whose ``factor`` (e.g. the training ε) does not
    change its training: one set of weights per seed, evaluated at each value, where one machine trained every run of
    the seed; where runs of a seed differ (trained on different machines: float arithmetic differs between CPUs),
    which seeds, and by how much their test accuracy and IB differ: what a change of machine alone moves."""
    natural = frame[frame["method"] == "natural"]
    spread = natural.groupby("seed")[["test_acc", "ib"]].agg(lambda v: v.max() - v.min())
    differing = spread[(spread > 0).any(axis=1)]
    text = (
        f"The natural model's training does not depend on {factor}: each seed trains one set of weights, evaluated at "
        f"every value (only the evaluation attack changes)."
    )
    if len(differing):
        seeds = ", ".join(str(s) for s in differing.index)
        text += (
            f" Seed{'s' * (len(differing) > 1)} {seeds} trained on different machines at different values, so "
            f"{'their' if len(differing) > 1 else 'its'} runs differ by up to {100 * differing['test_acc'].max():.2f} pp "
            f"in test accuracy and {100 * differing['ib'].max():.2f} pp in IB: what a change of machine alone moves."
        )
    return text


def trend_claim(
    frame: pd.DataFrame, *, factor: str, method: str, claim: str, label=str, column: str = "best_advantage"
) -> report.Verdict:
    """``claim`` ("leakage grows with the factor") for ``method``: its ``column`` (default the best advantage, max of IB
    and IA) along the factor's values, seeds paired (:func:`mi_lib.report.trend_verdict`)."""
    sub = frame[frame["method"] == method]
    values = sorted(sub[factor].unique())
    seeds = sorted(set.intersection(*(set(sub.loc[sub[factor] == v, "seed"]) for v in values)))
    matrix = np.array(
        [[sub.loc[(sub[factor] == v) & (sub["seed"] == s), column].iloc[0] for s in seeds] for v in values]
    )
    return report.trend_verdict(
        claim, [label(v) for v in values], matrix, x_name=factor, value_name=f"{method} {column.replace('_', ' ')}"
    )


def trend_claims(
    frame: pd.DataFrame, *, factor: str, method: str, claim: str, label=str, regime: pd.DataFrame | None = None
) -> list[tuple[str, report.Verdict]]:
    """``claim`` judged on IB's and on IA's advantage separately, as the papers' tables report them (CCS Tables 5–6):
    [("IB", verdict), ("IA", verdict)]. With ``regime`` (:func:`mi_lib.report.regime_table` of ``frame``'s rows, same
    index), a trend that uses a model outside the papers' regime is :data:`~mi_lib.report.NOT_TESTABLE`, its numbers
    kept."""
    reason = None
    if regime is not None:
        used = regime.loc[frame.index[frame["method"] == method]]
        outside = used[~used["in regime"]]
        if not outside.empty:
            r = outside.iloc[0]
            reason = (
                f"the model at {factor} = {label(frame.loc[r.name, factor])} (seed {frame.loc[r.name, 'seed']}) is outside the "
                f"papers' regime ({report.regime_reason(r)})"
            )
    out = []
    for attack, column in (("IB", "ib_advantage"), ("IA", "ia_advantage")):
        v = trend_claim(frame, factor=factor, method=method, claim=f"{claim}, {attack}", label=label, column=column)
        out.append((attack, report.not_testable(v, reason) if reason else v))
    return out


# Training budgets of the ε chapter, per dataset: the papers' ladder (CCS Table 6: 2/255, 4/255, 8/255) and its
# Fashion-MNIST analogue around the paper's 0.1.
EPS_LADDERS = {
    "yale": ["2/255", "4/255", "8/255"],
    "cifar10": ["2/255", "4/255", "8/255"],
    "cifar10-jpeg": ["2/255", "4/255", "8/255"],
    "fmnist": ["0.025", "0.05", "0.1"],
}


eps_label = format_eps  # the training ε as the book prints it (8/255, 0.1)


def dynamics_frame(dynamics: dict[str, np.ndarray]) -> pd.DataFrame:
    """DLS Fig. 3 data as a frame: one row per snapshot epoch, accuracies, IB / IA, and the two gaps."""

    frame = pd.DataFrame({"epoch": dynamics["epoch"], **{c: dynamics[c] for c in DYNAMICS_COLUMNS}})
    frame["train − test"] = frame["train_acc"] - frame["test_acc"]
    frame["adv-train − adv-test"] = frame["adv_train_acc"] - frame["adv_test_acc"]
    return frame


def dynamics_rho(frame: pd.DataFrame) -> float:
    """Spearman correlation, across one run's snapshots, of the best MI accuracy (max of IB, IA) with the robust gap
    (adv-train − adv-test); NaN where a series is constant or there are fewer than 3 snapshots."""
    mi = frame[["ib", "ia"]].max(axis=1)
    gap = frame["adv-train − adv-test"]
    defined = len(frame) > 2 and mi.nunique() > 1 and gap.nunique() > 1  # a constant series has no rank correlation
    return float(stats.spearmanr(mi, gap).statistic) if defined else float("nan")


def dynamics_summary(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per seed (one :func:`dynamics_frame` each, seeds 0, 1, …): the gaps at the end of training and the Spearman
    correlation of :func:`dynamics_rho`."""
    return pd.DataFrame(
        {
            "seed": range(len(frames)),
            "train − test (end)": [f["train − test"].iloc[-1] for f in frames],
            "adv-train − adv-test (end)": [f["adv-train − adv-test"].iloc[-1] for f in frames],
            "Spearman ρ (MI accuracy, robust gap)": [dynamics_rho(f) for f in frames],
        }
    )


def dynamics_claim(frames: Sequence[pd.DataFrame]) -> report.Verdict:
    """C10 (DLS Fig. 3): over training, train and test accuracy stay close while adv-train and adv-test diverge,
    and MI accuracy rises with that gap; one :func:`dynamics_frame` per seed (seeds 0, 1, …). Both parts are judged by the statistics
    rule over the seeds (:func:`mi_lib.report.verdict`): at the end the robust gap exceeds the clean gap, and the
    Spearman correlation of :func:`dynamics_rho` exceeds 0.5. Holds when both hold; does not hold when the robust
    gap does not exceed the clean gap or the correlation is not above 0; inconclusive otherwise (a correlation
    between 0 and 0.5, bounds that straddle, fewer than 3 seeds)."""
    if not frames:
        raise ValueError("seeds: C10 needs at least one run's snapshots, got none")
    summary = dynamics_summary(frames)
    claim = "Robust gap widens while the clean gap stays small, and MI accuracy follows it (C10)"
    missing = summary.loc[summary["Spearman ρ (MI accuracy, robust gap)"].isna(), "seed"].tolist()
    if missing:
        return report.on_runs(
            claim,
            "inconclusive",
            runs=len(frames),
            detail=f"no rank correlation for seed {', '.join(map(str, missing))}: fewer than 3 snapshots or a constant series",
        )
    gaps = report.verdict(
        "robust gap > clean gap at the end",
        summary["adv-train − adv-test (end)"],
        summary["train − test (end)"],
        left_name="robust gap",
        right_name="clean gap",
    )
    rho = summary["Spearman ρ (MI accuracy, robust gap)"].to_numpy()
    strong = report.verdict(
        "ρ > 0.5", rho, np.full(rho.shape, 0.5), left_name="Spearman ρ", right_name="0.5", as_percent=False
    )
    positive = report.verdict(
        "ρ > 0", rho, np.zeros(rho.shape), left_name="Spearman ρ", right_name="0", as_percent=False
    )
    correlation = strong.detail
    if gaps.verdict == "holds" and strong.verdict == "holds":
        outcome = "holds"
    elif "does not hold" in (gaps.verdict, positive.verdict):
        outcome = "does not hold"
        if positive.verdict == "does not hold":
            correlation = positive.detail  # the bound against 0 decided it
    else:
        outcome = "inconclusive"
    return report.Verdict(
        claim=claim,
        verdict=outcome,
        left=tuple(rho),
        right=(0.5,) * len(rho),
        detail=f"at the end of training (robust gap: adv-train − adv-test; clean gap: train − test), {gaps.detail}; "
        f"over {len(frames[0])} snapshots per run, {correlation}",
    )


def mixed_label(value: float) -> str:
    """Adversarial fraction r as the paper writes it (0, 1/2, 3/4, 1)."""

    return str(Fraction(value).limit_denominator(16))


def sensitivity_claim(natural: dict[str, np.ndarray], robust: dict[str, np.ndarray]) -> report.Verdict:
    """C3 (CCS Fig. 2): the robust model is more sensitive to the removal of single training points than the natural
    one. The same points are removed from both; each removal round retrains both models, so the rounds are the
    independent runs: the mean sensitivity of a round's removed points, robust against natural, paired round by round
    (the book's rule, at least three rounds). The detail adds how many removed points are more sensitive in the robust
    model."""
    if not np.array_equal(natural["removed_index"], robust["removed_index"]):
        raise ValueError("the two models' removed points differ: use the same seed and removal rounds")
    rounds = natural["removed_round"]
    per_round = lambda s: np.array([s["removed_unsorted"][rounds == r].mean() for r in np.unique(rounds)])  # noqa: E731
    v = report.verdict(
        "The robust model is more sensitive to removing a training point than the natural model (C3)",
        per_round(robust),
        per_round(natural),
        left_name="robust",
        right_name="natural",
        paired_over="removal rounds",
    )
    points = robust["removed_unsorted"] - natural["removed_unsorted"]
    return dataclasses.replace(
        v,
        detail=f"{v.detail}; point by point, robust > natural in {(points > 0).sum()} of {points.size} removed points",
    )


def targeted_frame(signals: dict[str, np.ndarray], targeted: dict[str, np.ndarray]) -> pd.DataFrame:
    """CCS §5.2.5 (docs/settings.md#inference-strategies): inference accuracy of IB, IA and the targeted variants, which threshold the minimum
    and the mean over the wrong labels of the true-label confidence on targeted PGD examples."""

    base = inference_results(signals)
    # TPR at 1% FPR ranks points by the log-odds (from the logits where the run kept them: no float32 saturation);
    # the targeted examples keep only their confidences, so a saturated top reads "—" (not resolvable), never 0
    rows = {
        "IB (benign)": (base["ib"], [signal_log_odds(signals, part, "benign") for part in ("train", "test")]),
        "IA (untargeted PGD)": (
            base["ia"],
            [signal_log_odds(signals, part, "adversarial") for part in ("train", "test")],
        ),
    }
    for name, aggregate in (("min", np.min), ("mean", np.mean)):
        scores = [aggregate(targeted[f"targeted_{part}"], axis=1) for part in ("train", "test")]
        rows[f"targeted PGD, {name} over targets"] = (threshold_attack(*scores), scores)
    return pd.DataFrame(
        {
            k: {
                "accuracy": r.accuracy,
                "advantage": r.advantage,
                "AUC": r.auc,
                "TPR@1%FPR": resolved_tpr_at_fpr(*scores, 0.01),
            }
            for k, (r, scores) in rows.items()
        }
    ).T


def targeted_claim(frames: Sequence[pd.DataFrame], *, model: str) -> report.Verdict:
    """C7: targeted adversarial examples raise the inference advantage further: per seed (one :func:`targeted_frame`
    each), the better targeted aggregate against untargeted IA, judged by the statistics rule over the seeds."""
    best = [f.loc[[i for i in f.index if i.startswith("targeted")], "accuracy"].max() for f in frames]
    return report.verdict(
        f"Targeted adversarial examples beat untargeted IA ({model} model, C7)",
        best,
        [f.loc["IA (untargeted PGD)", "accuracy"] for f in frames],
        left_name="targeted",
        right_name="IA",
    )


def secure_split(signals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """CCS Fig. 7 (App. A): benign cross-entropy losses of the training points, and of the test points split into
    *secure* (still correctly classified under the evaluation PGD, docs/settings.md#secure-and-insecure-points) and *insecure*."""

    secure = signals["output_test_adversarial"].argmax(1) == signals["test_label"]
    test_loss = unsaturated_loss(signals["output_test_benign"], signals["test_label"])
    return {
        "train": unsaturated_loss(signals["output_train_benign"], signals["train_label"]),
        "secure test": test_loss[secure],
        "insecure test": test_loss[~secure],
    }


LOSS_FLOOR = 1e-45  # float32's smallest probability: a median loss at or below it carries no order


def _c11_holds(losses: dict[str, np.ndarray]) -> bool:
    log_median = {k: float(np.log10(max(np.median(v), LOSS_FLOOR))) for k, v in losses.items()}
    larger = log_median["insecure test"] > log_median["secure test"]
    return larger and abs(log_median["secure test"] - log_median["train"]) < abs(
        log_median["insecure test"] - log_median["train"]
    )


def secure_claim(losses: dict[str, np.ndarray], *, n_boot: int = 1000, seed: int = 0) -> report.Verdict:
    """C11: insecure test points have large loss, secure ones look like training points. Per sample of points: the
    insecure points' median loss exceeds the secure points', and the secure points' median lies closer (in log-loss)
    to the training points' median than the insecure points' does. The claim is about points of one model, so the
    spread is a bootstrap over points (each group resampled): **holds** when the condition holds in at least 95% of
    ``n_boot`` resamples, **does not hold** in at most 5%, **inconclusive** otherwise."""
    claim = "Insecure test points have large loss; secure ones look like training points (C11)"
    median = {k: float(np.median(v)) if v.size else float("nan") for k, v in losses.items()}
    log_median = {k: float(np.log10(max(m, LOSS_FLOOR))) if not np.isnan(m) else m for k, m in median.items()}
    described = (
        "median loss (log10, from the other classes' probabilities where the softmax rounded to 1): "
        + ", ".join(f"{k} {v:.2f} ({losses[k].size} points)" for k, v in log_median.items())
    )
    if any(v.size == 0 for v in losses.values()):
        return report.Verdict(
            claim=claim, verdict="inconclusive", left=(), right=(), detail=described + "; a group is empty"
        )
    if any(m <= LOSS_FLOOR for m in median.values()):
        return report.Verdict(
            claim=claim,
            verdict="inconclusive",
            left=(),
            right=(),
            detail=described + "; a group's median loss underflows float32, so the medians cannot be compared",
        )
    rng = np.random.default_rng(seed)
    share = np.mean([_c11_holds({k: rng.choice(v, v.size) for k, v in losses.items()}) for _ in range(n_boot)])
    outcome = "holds" if share >= 0.95 else "does not hold" if share <= 0.05 else "inconclusive"
    return report.Verdict(
        claim=claim,
        verdict=outcome,
        left=(log_median["insecure test"],),
        right=(log_median["secure test"],),
        detail=f"{described}; the condition holds in {100 * share:.1f}% of {n_boot} bootstrap resamples of the points",
    )


def eps_sweep_frame(sweeps: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """CCS Figs. 8–9: per model and attack ε, the IA accuracy (threshold on the true-label confidence of the PGD
    example at that ε) and the adversarial accuracies."""

    rows = []
    for model, sweep in sweeps.items():
        for i, eps in enumerate(sweep["attack_eps"]):
            rows.append(
                {
                    "model": model,
                    "attack_eps": float(eps),
                    "IA": threshold_attack(sweep["conf_train"][i], sweep["conf_test"][i]).accuracy,
                    "adv_train_acc": float(sweep["correct_train"][i].mean()),
                    "adv_test_acc": float(sweep["correct_test"][i].mean()),
                }
            )
    return pd.DataFrame(rows)


def unknown_eps_claim(frames: Sequence[pd.DataFrame], *, model: str, train_eps: float) -> report.Verdict:
    """C17: the attacker need not know the training ε: for every attack ε in [ε/2, 3ε/2], IA stays above IB (the
    attack at ε = 0). Per seed (one :func:`eps_sweep_frame` each): the worst IA of that range against IB, judged by
    the statistics rule over the seeds."""
    worst, ib = [], []
    for frame in frames:
        sub = frame[frame["model"] == model].set_index("attack_eps")["IA"]
        ib.append(sub.loc[0.0] if 0.0 in sub.index else float("nan"))
        worst.append(sub[(sub.index >= train_eps / 2 - 1e-9) & (sub.index <= 1.5 * train_eps + 1e-9)].min())
    return report.verdict(
        f"IA beats IB at every attack ε within [ε/2, 3ε/2] of the training ε ({model}, C17)",
        worst,
        ib,
        left_name="worst IA in the range",
        right_name="IB",
    )
