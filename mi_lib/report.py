"""Tables and computed verdicts for the book: reproduced numbers beside the paper's, claims checked.

Verdict rule (used everywhere): a claim "a > b" is judged on the paired per-seed differences d = a − b
(same seed, same data). With n >= 2 seeds it **holds** when the one-sided 95% confidence bound of the mean
difference is above zero (mean(d) − t₀.₉₅,ₙ₋₁·sd(d)/√n > 0), **does not hold** when the opposite bound is
at or below zero (mean(d) + t·sd/√n <= 0), and is **inconclusive** otherwise: the effect is within the
seed spread. A single model (n = 1, e.g. the authors' released models) is judged by the sign of d alone,
and the verdict says that there is no spread to compare with.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import paper
from .methods import labels
from .metrics import cross_entropy_loss, inference_results, loss_kl_divergence, resolved_tpr_at_fpr, roc_auc
from .nonoracle import signal_log_odds
from .runs import RunResult, summarize
from .tiers import meets, natural_target_values

COLUMNS = ("train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia")
COLUMN_LABELS = {
    "train_acc": "train",
    "test_acc": "test",
    "adv_train_acc": "adv-train",
    "adv_test_acc": "adv-test",
    "ib": "IB",
    "ia": "IA",
    "ib_advantage": "IB adv.",
    "ia_advantage": "IA adv.",
    "train_time_s": "train time (s)",
}
METHOD_LABELS = labels()  # {method: its name in tables}, from mi_lib.methods


def _row(summary: dict, **identity) -> dict:
    return {
        **identity,
        **{k: summary[k] for k in COLUMNS[:4]},
        "ib": summary["ib"]["accuracy"],
        "ia": summary["ia"]["accuracy"],
        "ib_advantage": summary["ib"]["advantage"],
        "ia_advantage": summary["ia"]["advantage"],
        "ib_auc": summary["ib"]["auc"],
        "ia_auc": summary["ia"]["auc"],
        # verifiable models only (CCS §6): verified accuracies and strategy IV; NaN for the others
        "verified_train_acc": summary.get("verified_train_acc", np.nan),
        "verified_test_acc": summary.get("verified_test_acc", np.nan),
        "iv": summary["iv"]["accuracy"] if "iv" in summary else np.nan,
        "iv_advantage": summary["iv"]["advantage"] if "iv" in summary else np.nan,
    }


def runs_frame(runs: Iterable[RunResult]) -> pd.DataFrame:
    """One row per run: method, seed, eps, n_members, width, epochs, the Tables 2–4 columns, advantages, AUC,
    training time and run id."""
    return pd.DataFrame(
        [
            _row(
                run.summary,
                method=run.config.method,
                seed=run.config.seed,
                eps=run.config.eps,
                n_members=run.summary["n_members"],
                width=run.config.width,
                epochs=run.config.epochs,
            )
            | {"train_time_s": run.summary["train_time_s"], "run_id": run.summary["run_id"]}
            for run in runs
        ]
    )


def trained_on(summary: dict[str, Any]) -> str:
    """Where the run of ``summary`` (a run's ``summary``, or a recorded one) trained: "GPU" or "CPU" (runs recorded
    before the environment was: the CPU)."""
    device = (summary.get("environment") or {}).get("device", "cpu")
    return "GPU" if str(device).startswith("cuda") else "CPU"


def machine(summary: dict[str, Any]) -> str | None:
    """The kind of machine the run of ``summary`` trained on, which its times are comparable within: "GPU", else the
    CPU's recorded capability ("AVX2", "AVX512", ...); None where the run predates that record."""
    if trained_on(summary) == "GPU":
        return "GPU"
    return (summary.get("environment") or {}).get("cpu_capability") or None


def training_time(runs: Sequence[RunResult]) -> tuple[str, pd.DataFrame]:
    """A sentence on the total training wall time of ``runs`` and a per-method table (mean, min, max seconds); split by
    device where some trained on a GPU and some on the CPU, whose times are not comparable."""
    frame = runs_frame(runs).assign(device=[trained_on(run.summary) for run in runs])
    devices = list(dict.fromkeys(frame["device"]))
    minutes = {d: frame.loc[frame["device"] == d, "train_time_s"].sum() / 60 for d in devices}
    where = lambda d: "on a GPU" if d == "GPU" else "on the CPU"  # noqa: E731
    if len(devices) == 1:
        total = f"**{minutes[devices[0]]:.0f} min** of wall time" + (" " + where("GPU") if devices == ["GPU"] else "")
    else:
        counts = {d: int((frame["device"] == d).sum()) for d in devices}
        total = " and ".join(
            f"**{minutes[d]:.0f} min**{' of wall time' * (i == 0)} {where(d)} "
            f"({counts[d]} model{'s' * (counts[d] > 1)})"
            for i, d in enumerate(devices)
        )
    text = (
        f"Training these {len(runs)} models from scratch took {total} in total, plus each model's evaluation; per "
        "model, in seconds (measured when the run was trained; other work on the machine inflates it):"
    )
    keys = ["method"] if len(devices) == 1 else ["method", "device"]
    return text, frame.groupby(keys, sort=False)["train_time_s"].agg(["mean", "min", "max"]).round(1)


def signals_frame(signals_by_method: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Like :func:`runs_frame` for signals of models we did not train (e.g. the authors' released outputs), seed 0."""

    return pd.DataFrame(
        [
            _row(summarize(signals), method=method, seed=0, n_members=len(signals["train_label"]))
            for method, signals in signals_by_method.items()
        ]
    )


ORACLE_ADVANTAGES = ("ib_advantage", "ia_advantage")  # the papers' two attacks
VERIFIED_ADVANTAGES = (*ORACLE_ADVANTAGES, "iv_advantage")  # and strategy IV, for verifiable models


def best_advantage(frame: pd.DataFrame, columns: Sequence[str] = ORACLE_ADVANTAGES) -> pd.Series:
    """The largest of ``columns`` per row (NaN skipped): by default max(IB advantage, IA advantage), the strongest of
    the two attacks; :data:`VERIFIED_ADVANTAGES` adds IV."""
    return frame[list(columns)].max(axis=1)


def mean_spread(
    frame: pd.DataFrame, *, by: Sequence[str] = ("method",), columns: Sequence[str] = COLUMNS
) -> pd.DataFrame:
    """Mean and sample standard deviation over seeds (std is NaN with one seed) of ``columns``, per ``by``."""
    grouped = frame.groupby(list(by), sort=False)[list(columns)]
    out = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_std"))
    out["n_seeds"] = frame.groupby(list(by), sort=False).size()
    return out.reset_index()


def _fmt(mean: float, std: float) -> str:
    return f"{100 * mean:.2f}%" if not np.isfinite(std) else f"{100 * mean:.2f} ± {100 * std:.2f}%"


def comparison_table(frame: pd.DataFrame, table_id: str, **match) -> pd.DataFrame:
    """Paper vs reproduced (mean ± std over seeds), with the difference ours − paper in percentage points.

    Rows: (method, paper | reproduced | Δ pp); columns: the Tables 2–4 columns. ``match`` selects the paper
    rows (e.g. ``dataset="yale"``) where a table holds several datasets.
    """
    stats = mean_spread(frame)
    ref = paper.table(table_id)
    for key, value in match.items():
        ref = ref[ref[key] == value]
    ref = ref.set_index("method")
    rows = {}
    for _, r in stats.iterrows():
        method = METHOD_LABELS.get(r["method"], r["method"])
        theirs = {col: ref.loc[r["method"], col] if r["method"] in ref.index else np.nan for col in COLUMNS}
        rows[(method, "paper")] = {
            COLUMN_LABELS[c]: f"{100 * theirs[c]:.2f}%" if pd.notna(theirs[c]) else "—" for c in COLUMNS
        }
        rows[(method, "reproduced")] = {COLUMN_LABELS[c]: _fmt(r[f"{c}_mean"], r[f"{c}_std"]) for c in COLUMNS}
        rows[(method, "Δ pp")] = {  # + 0.0 turns -0.0 into 0.0, so no "-0.00"
            COLUMN_LABELS[c]: f"{round(100 * (r[f'{c}_mean'] - theirs[c]), 2) + 0.0:+.2f}"
            if pd.notna(theirs[c])
            else "—"
            for c in COLUMNS
        }
    return pd.DataFrame.from_dict(rows, orient="index")


NOT_TESTABLE = "not testable"  # the verdict of a scope whose models sit outside the papers' regime


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A checked claim: per-seed values of both sides, and the verdict of the module's rule."""

    claim: str
    verdict: str  # "holds" | "does not hold" | "inconclusive" | NOT_TESTABLE
    left: tuple[float, ...]
    right: tuple[float, ...]
    detail: str

    def as_row(self) -> dict[str, str]:
        return {"claim": self.claim, "verdict": self.verdict, "numbers": self.detail}


MIN_RUNS = 3  # the fewest paired runs (seeds) on which a verdict may say holds / does not hold


def mean_bounds(values: Sequence[float], *, two_sided: bool = False) -> tuple[float, float]:
    """Student-t bounds of the mean of ``values`` (at least two): each the one-sided 95% bound on its side (the
    verdicts' rule), or with ``two_sided`` the two-sided 95% interval (the figures' error bars)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        raise ValueError("mean_bounds needs at least two values")
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975 if two_sided else 0.95, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean - half, mean + half


def verdict(
    claim: str,
    left: Sequence[float],
    right: Sequence[float],
    *,
    left_name: str,
    right_name: str,
    as_percent: bool = True,
    paired_over: str = "seeds",
) -> Verdict:
    """Judge "left > right" on paired per-seed values (``paired_over`` names what is paired when it is not seeds, e.g.
    the points of a sensitivity analysis).

    **holds** when the one-sided 95% lower bound of the mean difference (Student t over the pairs) is above 0, **does
    not hold** when the upper bound is at or below 0, and **inconclusive** otherwise: the bound straddles 0, or there
    are fewer than :data:`MIN_RUNS` pairs (one run is a sign, not evidence). The detail says which, with the numbers.
    """

    left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    if left.shape != right.shape or left.size == 0:
        raise ValueError("left and right need the same, non-zero number of paired seeds")
    diff = left - right
    n = diff.size
    scale, unit = (100, "%") if as_percent else (1, "")
    show = lambda v: f"{scale * v.mean():.2f}{unit}" + (f" ± {scale * v.std(ddof=1):.2f}" if v.size > 1 else "")  # noqa: E731
    if n < MIN_RUNS:
        outcome = "inconclusive"
        spread = (
            f"{'one run' if n == 1 else f'{n} {paired_over}'}: fewer than {MIN_RUNS} {paired_over}, so the sign of the "
            "difference is not evidence either way"
        )
    else:
        low, high = mean_bounds(diff)
        outcome = "holds" if low > 0 else "does not hold" if high <= 0 else "inconclusive"
        spread = f"{n} {paired_over}, 95% one-sided bounds of the mean difference [{_signed(scale * low)}, {_signed(scale * high)}]{unit and ' pp'}"
        if outcome == "inconclusive":
            spread += ": the bounds straddle 0"
    against = (
        right_name
        if np.all(right == right[0]) and right_name == f"{scale * right[0]:g}"
        else f"{right_name} {show(right)}"
    )
    detail = (
        f"{left_name} {show(left)} vs {against}; {left_name} − {right_name} > 0 in {(diff > 0).sum()}/{n} ({spread})"
    )
    return Verdict(claim=claim, verdict=outcome, left=tuple(left), right=tuple(right), detail=detail)


def _signed(value: float) -> str:
    """A bound with its sign, to two decimals; one that rounds to zero keeps its sign in two significant digits (a
    bound "-0.00" would hide which side of zero it is on)."""
    text = f"{value:+.2f}"
    return f"{value:+.2g}" if text in ("+0.00", "-0.00") and value != 0 else text


def on_runs(claim: str, outcome: str, *, runs: int, detail: str, left: tuple = (), right: tuple = ()) -> Verdict:
    """A verdict reached by a rule of its own (a bound, an ordering, a correlation) on ``runs`` independent runs: kept
    when there are at least :data:`MIN_RUNS` of them, else **inconclusive**, the rule's outcome named in the detail."""
    if runs < MIN_RUNS and outcome in ("holds", "does not hold"):
        detail = f"{detail} ({'one run' if runs == 1 else f'{runs} runs'}: the numbers point to '{outcome}', but fewer than {MIN_RUNS} runs are not evidence)"
        outcome = "inconclusive"
    return Verdict(claim=claim, verdict=outcome, left=left, right=right, detail=detail)


def negate(v: Verdict, claim: str) -> Verdict:
    """The verdict of "not (a > b)" from that of "a > b": holds where it does not hold and vice versa; an
    inconclusive effect stays inconclusive."""
    flipped = {"holds": "does not hold", "does not hold": "holds"}.get(v.verdict, v.verdict)
    return Verdict(claim=claim, verdict=flipped, left=v.left, right=v.right, detail=v.detail)


def paired(
    frame: pd.DataFrame, method: str, column: str | pd.Series, *, seeds: Iterable[int] | None = None
) -> np.ndarray:
    """Per-seed values (sorted by seed) of ``column`` for ``method``, restricted to ``seeds`` when given."""
    sub = frame[frame["method"] == method].sort_values("seed")
    if seeds is not None:
        sub = sub[sub["seed"].isin(list(seeds))]
    return (column.loc[sub.index] if isinstance(column, pd.Series) else sub[column]).to_numpy()


def common_seeds(frame: pd.DataFrame, *methods: str) -> list[int]:
    """Seeds run for every one of ``methods``: the pairs a verdict compares (e.g. Dist with 1 seed vs natural
    with 3 is judged on seed 0 alone)."""
    sets = [set(frame.loc[frame["method"] == m, "seed"]) for m in methods]
    return sorted(set.intersection(*sets)) if sets else []


def verdict_frame(verdicts: Iterable[Verdict | tuple]) -> pd.DataFrame:
    """One row per verdict: claim, verdict, numbers; led by its scope for ``(scope, verdict)`` pairs (a trend judged
    on IB and on IA) and by its claim's id and scope for the ``(id, scope, verdict)`` triples the chapters' checks
    return."""
    rows = []
    for entry in verdicts:
        *where, v = entry if isinstance(entry, tuple) else (entry,)
        rows.append({**dict(zip(("id", "scope")[2 - len(where) :], where)), **v.as_row()})
    return pd.DataFrame(rows)


REGIME_FIT = 0.95
"""The papers' regime: a model fits its training set at this train accuracy or above (:func:`regime_table`)."""
REGIME_GAP = 0.15
"""The papers' regime: a robust model's adv-train − adv-test gap is at least this (:func:`regime_table`)."""


def percent(value: float, digits: int = 2) -> str:
    """A fraction as a percentage for prose: ``0.1234`` → ``"12.34%"``."""
    return f"{100 * value:.{digits}f}%"


def points(value: float, digits: int = 2) -> str:
    """A difference of fractions in percentage points for prose: ``0.0123`` → ``"1.23 pp"``."""
    return f"{100 * value:.{digits}f} pp"


def regime_table(
    frame: pd.DataFrame, *, n_classes: int = 10, fit_threshold: float = REGIME_FIT, gap_threshold: float = REGIME_GAP
) -> pd.DataFrame:
    """Is each model in the papers' regime? The leakage the papers measure comes from models that fit their
    training set (train accuracy >= ``fit_threshold``) and, for robust models, whose adv-train accuracy is far
    above adv-test (gap >= ``gap_threshold``). A model near chance (test accuracy < 1.5 / n_classes) collapsed."""
    identity = [
        c for c in ("method", "seed", "width", "epochs", "n_members") if c in frame
    ]  # signals_frame has no width/epochs
    out = frame[identity + ["train_acc", "test_acc", "adv_train_acc", "adv_test_acc"]].copy()
    out["fits training set"] = frame["train_acc"] >= fit_threshold
    robust = frame["method"] != "natural"
    out["robust gap (adv-train − adv-test)"] = (frame["adv_train_acc"] - frame["adv_test_acc"]).where(robust)
    out["collapsed"] = frame["test_acc"] < 1.5 / n_classes
    out["in regime"] = (
        out["fits training set"]
        & ~out["collapsed"]
        & (~robust | (out["robust gap (adv-train − adv-test)"] >= gap_threshold))
    )
    return out


def regime_reason(row: pd.Series) -> str:
    """Why a row of :func:`regime_table` is outside the papers' regime, with its numbers."""
    gap = row["robust gap (adv-train − adv-test)"]
    why = (
        "it collapsed"
        if row["collapsed"]
        else "it does not fit its training set"
        if not row["fits training set"]
        else "its adv-train accuracy is not far above adv-test"
    )
    return (
        f"train accuracy {percent(row['train_acc'], 1)}"
        + ("" if pd.isna(gap) else f", adv-train − adv-test {points(gap, 1)}")
        + f": {why}"
    )


def out_of_regime(frame: pd.DataFrame, methods: Iterable[str], *, n_classes: int) -> str | None:
    """Why the runs of ``methods`` in ``frame`` (:func:`runs_frame`) cannot test a claim about the papers' regime —
    the first of them outside it, named — or None when all are in it. Such a model does not leak (or resist) as the
    papers' do, so comparing it says nothing about their claims: its scope is :data:`NOT_TESTABLE`."""
    regime = regime_table(frame[frame["method"].isin(list(methods))], n_classes=n_classes)
    outside = regime[~regime["in regime"]]
    if outside.empty:
        return None
    r = outside.iloc[0]
    n_out, n_all = int((outside["method"] == r["method"]).sum()), int((regime["method"] == r["method"]).sum())
    which = f"seed {r['seed']}" if n_all == 1 else f"{n_out} of its {n_all} seeds; seed {r['seed']}"
    return f"the {METHOD_LABELS.get(r['method'], r['method'])} model ({which}) is outside the papers' regime ({regime_reason(r)})"


def not_testable(v: Verdict, reason: str) -> Verdict:
    """``v`` for a scope outside the papers' regime: verdict :data:`NOT_TESTABLE`, the reason first, the numbers kept."""
    return dataclasses.replace(v, verdict=NOT_TESTABLE, detail=f"{reason}. Measured: {v.detail}")


def advantage_ratio(
    frame: pd.DataFrame, *, robust: str = "pgd", columns: Sequence[str] = ORACLE_ADVANTAGES
) -> np.ndarray:
    """Per seed: best advantage (the largest of ``columns``; by default IB, IA) of the ``robust`` model / best advantage
    of the natural model."""
    best, seeds = best_advantage(frame, columns), common_seeds(frame, robust, "natural")
    return paired(frame, robust, best, seeds=seeds) / paired(frame, "natural", best, seeds=seeds)


def attack_metrics_frame(models: Iterable[tuple[str, int, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """Per (method, seed, signals) and attack (IB, IA): the DLS Table I columns (precision, recall, KL, AUPRC)
    and threshold-free metrics (ROC AUC, TPR at 1% and 0.1% FPR). KL is KL(members || non-members) of the
    loss histograms (choices in docs/settings.md#threshold-and-metrics). The threshold-free metrics rank points by the log-odds of the same input
    (:func:`mi_lib.nonoracle.log_odds`), which orders confidences that float32 rounded to 1 by the other classes' mass:
    on the confidence itself those points tie and TPR at low FPR reads 0 (the modern-evaluation chapters use the same
    score, so their numbers agree)."""

    rows = []
    for method, seed, signals in models:
        results = inference_results(signals)
        for attack, kind in (("IB", "benign"), ("IA", "adversarial")):
            result = results[attack.lower()]
            kl = loss_kl_divergence(
                cross_entropy_loss(signals[f"output_train_{kind}"], signals["train_label"]),
                cross_entropy_loss(signals[f"output_test_{kind}"], signals["test_label"]),
            )
            members, nonmembers = signal_log_odds(signals, "train", kind), signal_log_odds(signals, "test", kind)
            rows.append(
                {
                    "method": method,
                    "seed": seed,
                    "attack": attack,
                    "accuracy": result.accuracy,
                    "precision": result.precision,
                    "recall": result.recall,
                    "KL": kl["members_vs_nonmembers"],
                    "AUPRC": result.auprc,
                    "AUC": roc_auc(members, nonmembers),
                    "TPR@1%FPR": resolved_tpr_at_fpr(members, nonmembers, 0.01),
                    "TPR@0.1%FPR": resolved_tpr_at_fpr(members, nonmembers, 0.001),
                }
            )
    return pd.DataFrame(rows)


def trend_verdict(claim: str, xs: Sequence, values: np.ndarray, *, x_name: str, value_name: str) -> Verdict:
    """Judge "``value_name`` grows with ``x_name``": ``values`` (len(xs), n_seeds), seeds paired across ``xs``.

    **holds** when the last point is above the first by the module's paired rule and the mean rises at every step;
    **does not hold** when the last point is not above the first by that rule (its opposite bound at or below 0);
    **inconclusive** otherwise (e.g. the ends differ but a step in between falls).
    """
    values = np.asarray(values, dtype=float).reshape(len(xs), -1)
    ends = verdict(claim, values[-1], values[0], left_name=f"{x_name}={xs[-1]}", right_name=f"{x_name}={xs[0]}")
    means = values.mean(axis=1)
    rising = bool(np.all(np.diff(means) > 0))
    outcome = (
        "holds"
        if ends.verdict == "holds" and rising
        else "does not hold"
        if ends.verdict == "does not hold"
        else "inconclusive"
    )
    path = ", ".join(f"{x}: {100 * m:.2f}%" for x, m in zip(xs, means))
    detail = (
        f"{value_name} by {x_name} — {path}; {'rises at every step' if rising else 'not monotone'}; ends: {ends.detail}"
    )
    return Verdict(claim=claim, verdict=outcome, left=tuple(values[-1]), right=tuple(values[0]), detail=detail)


def precision_ab(fp32: Iterable[RunResult], bf16: Iterable[RunResult]) -> pd.DataFrame:
    """The bf16 A/B check: per method and metric (test and adv-test accuracy, IB, IA), mean ± SD over the
    seeds of float32 and of bfloat16 training, their difference, and whether the difference lies within the seed spread
    (|Δ mean| <= 2 × the larger of the two SDs; "too few seeds" with fewer than 3 per side)."""
    frames = {name: runs_frame(runs) for name, runs in (("fp32", fp32), ("bf16", bf16))}
    rows = []
    for method in sorted(set(frames["fp32"]["method"]) & set(frames["bf16"]["method"])):
        for column in ("test_acc", "adv_test_acc", "ib", "ia"):
            a, b = (frames[p].loc[frames[p]["method"] == method, column].to_numpy() for p in ("fp32", "bf16"))
            spread = np.nanmax([a.std(ddof=1) if a.size > 1 else np.nan, b.std(ddof=1) if b.size > 1 else np.nan])
            delta = b.mean() - a.mean()
            within = (
                "too few seeds" if min(a.size, b.size) < MIN_RUNS else ("yes" if abs(delta) <= 2 * spread else "no")
            )
            rows.append(
                {
                    "method": METHOD_LABELS.get(method, method),
                    "metric": column,
                    "fp32": _fmt(a.mean(), a.std(ddof=1) if a.size > 1 else np.nan),
                    "bf16": _fmt(b.mean(), b.std(ddof=1) if b.size > 1 else np.nan),
                    "Δ (pp)": round(100 * delta, 2),
                    "seeds (fp32 / bf16)": f"{a.size} / {b.size}",
                    "within the seed spread": within,
                }
            )
    return pd.DataFrame(rows)


def pilot_targets(
    frame: pd.DataFrame, targets: dict[str, tuple[str, float]], *, by: Sequence[str] = ("width", "epochs", "n_members")
) -> pd.DataFrame:
    """Per pilot point of ``frame`` (:func:`runs_frame` with natural and/or PGD runs; a point is a group of ``by``):
    the number behind each of ``targets`` (:data:`mi_lib.tiers.TARGETS_BY_DATASET`), each with whether it meets its
    target (None where a model of the point is not finished yet)."""
    best = best_advantage(frame)
    rows = []
    for key, sub in frame.assign(best=best).groupby(list(by), sort=False):
        nat, pgd = (sub[sub["method"] == m].iloc[0] if (sub["method"] == m).any() else None for m in ("natural", "pgd"))
        values = {
            **natural_target_values(
                *((nat["train_acc"], nat["test_acc"], nat["best"]) if nat is not None else [np.nan] * 3)
            ),
            "PGD adv-train − adv-test": pgd["adv_train_acc"] - pgd["adv_test_acc"] if pgd is not None else np.nan,
            "PGD / natural advantage ratio": pgd["best"] / nat["best"]
            if nat is not None and pgd is not None
            else np.nan,
        }
        row = {"members" if k == "n_members" else k: v for k, v in zip(by, key)}
        for name, (op, bound) in targets.items():
            value = values[name]
            row[name] = round(float(value), 4)
            shown = f"{bound:g}×" if "ratio" in name else f"{100 * bound:g}%"  # the unit the value's column shows
            row[f"{name} {'≥' if op == '>=' else '≤'} {shown}"] = None if np.isnan(value) else meets((op, bound), value)
        rows.append(row)
    return pd.DataFrame(rows)


def verdict_box(rows: Sequence[tuple[str, str, Verdict]]) -> str:
    """HTML of the box a chapter opens with: how many of its scopes hold, do not hold, are inconclusive or not
    testable, then each claim, scope and verdict (the numbers stay in the page's verdict tables)."""

    counts = {
        k: sum(v.verdict == k for _, _, v in rows) for k in ("holds", "does not hold", "inconclusive", NOT_TESTABLE)
    }
    if not rows:
        body = "<p>No claim is judged on this page's models.</p>"
    else:
        body = (
            f"<p>{len(rows)} verdict{'s' * (len(rows) != 1)} on this page: {counts['holds']} hold, {counts['does not hold']} do not "
            f"hold, {counts['inconclusive']} inconclusive, {counts[NOT_TESTABLE]} not testable.</p><ul>"
            + "".join(
                f"<li><b>{html.escape(v.verdict)}</b>: {html.escape(cid)}, {html.escape(scope)}. {html.escape(v.claim)}</li>"
                for cid, scope, v in rows
            )
            + "</ul>"
        )
        if counts["inconclusive"]:
            body += (
                f"<p>Inconclusive: fewer than {MIN_RUNS} seeds back the scope (one run is a sign, not evidence), or the "
                "effect lies within the seed spread; each verdict's numbers are below.</p>"
            )
    return admonition("In short", body)


def admonition(title: str, body_html: str, *, kind: str = "tip") -> str:
    """HTML of a Sphinx admonition box (rendered by the book's theme like a ``{tip}`` directive): ``title`` in its
    header, ``body_html`` inside."""
    return f'<div class="admonition {kind}"><p class="admonition-title">{html.escape(title)}</p>{body_html}</div>'


def glue_in_short(rows: Sequence[tuple[str, str, Verdict]]) -> None:
    """Glue :func:`verdict_box` under the name ``in_short`` (MyST-NB), which the chapter's first cell shows: the page
    opens with its verdicts although they are computed at its end."""
    from IPython.display import HTML
    from myst_nb import glue  # the book's renderer: imported only in a notebook that glues

    glue("in_short", HTML(verdict_box(rows)), display=False)
