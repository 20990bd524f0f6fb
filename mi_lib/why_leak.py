"""What the chapters on *why robust models leak* (CCS §5.2, DLS Fig. 3 and Table II) compute: leakage as a factor
varies (training ε, the fraction of adversarially trained points, …), the regime along the way, and the verdicts of
the claims on trends (C4, C5, C10). Notebooks call these and display the results."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import report
from .config import format_eps


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


def trend_claim(frame: pd.DataFrame, *, factor: str, method: str, claim: str, label=str) -> report.Verdict:
    """``claim`` ("leakage grows with the factor") for ``method``: its best advantage (max of IB and IA) along the
    factor's values, seeds paired (:func:`mi_lib.report.trend_verdict`)."""
    sub = frame[frame["method"] == method]
    values = sorted(sub[factor].unique())
    seeds = sorted(set.intersection(*(set(sub.loc[sub[factor] == v, "seed"]) for v in values)))
    matrix = np.array([[sub.loc[(sub[factor] == v) & (sub["seed"] == s), "best_advantage"].iloc[0] for s in seeds] for v in values])
    return report.trend_verdict(claim, [label(v) for v in values], matrix, x_name=factor, value_name=f"{method} best advantage")


# Training budgets of the ε chapter, per dataset: the papers' ladder (CCS Table 6: 2/255, 4/255, 8/255) and its
# Fashion-MNIST analogue around the paper's 0.1.
EPS_LADDERS = {"yale": ["2/255", "4/255", "8/255"], "cifar10": ["2/255", "4/255", "8/255"], "cifar10-jpeg": ["2/255", "4/255", "8/255"],
               "fmnist": ["0.025", "0.05", "0.1"]}


def eps_label(value: float) -> str:
    return format_eps(value)


def dynamics_frame(dynamics: dict[str, np.ndarray]) -> pd.DataFrame:
    """DLS Fig. 3 data as a frame: one row per snapshot epoch, accuracies, IB / IA, and the two gaps."""
    from .analyses import DYNAMICS_COLUMNS

    frame = pd.DataFrame({"epoch": dynamics["epoch"], **{c: dynamics[c] for c in DYNAMICS_COLUMNS}})
    frame["train − test"] = frame["train_acc"] - frame["test_acc"]
    frame["adv-train − adv-test"] = frame["adv_train_acc"] - frame["adv_test_acc"]
    return frame


def dynamics_claim(frame: pd.DataFrame) -> report.Verdict:
    """C10 (DLS Fig. 3): over training, train and test accuracy stay close while adv-train and adv-test diverge,
    and MI accuracy rises with that gap. Holds when, at the end, the robust gap exceeds the clean gap and the best
    MI accuracy (max of IB, IA) has a Spearman correlation above 0.5 with the robust gap across snapshots; does
    not hold when the correlation is at or below 0 or the robust gap does not exceed the clean gap."""
    from scipy import stats

    mi = frame[["ib", "ia"]].max(axis=1)
    rho = float(stats.spearmanr(mi, frame["adv-train − adv-test"]).statistic) if len(frame) > 2 else float("nan")
    last = frame.iloc[-1]
    wider = last["adv-train − adv-test"] > last["train − test"]
    outcome = "holds" if wider and rho > 0.5 else "does not hold" if (not wider or not rho > 0) else "inconclusive"
    detail = (f"at the end, adv-train − adv-test {100 * last['adv-train − adv-test']:.2f} pp vs train − test "
              f"{100 * last['train − test']:.2f} pp; Spearman correlation of the MI accuracy with the robust gap over "
              f"{len(frame)} snapshots: {rho:.2f} (one model: no seed spread)")
    return report.Verdict(claim="Robust gap widens while the clean gap stays small, and MI accuracy follows it (C10)",
                          verdict=outcome, left=(rho,), right=(0.5,), detail=detail)


def mixed_label(value: float) -> str:
    """Adversarial fraction r as the paper writes it (0, 1/2, 3/4, 1)."""
    from fractions import Fraction

    return str(Fraction(value).limit_denominator(16))
