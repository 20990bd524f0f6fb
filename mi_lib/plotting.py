"""Figures for the book. Each function takes plain arrays / frames and returns a matplotlib Figure."""

from __future__ import annotations

import base64
import html
import io
import itertools
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .metrics import cross_entropy_loss, roc_curve, true_label_confidence

try:  # in a notebook, draw figures at twice the pixel density (the inline default is 72 dpi), same size on the page
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")
except ImportError:  # pragma: no cover - outside IPython
    pass

_NUMBERS = itertools.count(1)  # figures are numbered per page: each chapter executes in a fresh kernel


class Captioned:
    """A figure with its number and caption, shown as an HTML ``<figure>`` (a 150 dpi PNG and a ``<figcaption>``)."""

    def __init__(self, fig: plt.Figure, caption: str, *, dpi: int = 150):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        self.number, self.caption = next(_NUMBERS), caption
        self.png = base64.b64encode(buffer.getvalue()).decode()
        self.width = fig.get_figwidth() * 96  # CSS pixels at the figure's own size

    def _repr_html_(self) -> str:
        text = html.escape(self.caption)
        return (
            f'<figure class="mi-figure" style="margin: 1em 0; max-width: 100%;">'
            f'<img src="data:image/png;base64,{self.png}" alt="{text}" style="max-width: 100%; width: {self.width:.0f}px;">'
            f"<figcaption><b>Figure {self.number}.</b> {text}</figcaption></figure>"
        )

    def __repr__(self) -> str:
        return f"Figure {self.number}. {self.caption}"


def captioned(fig: plt.Figure, caption: str) -> Captioned:
    """``fig`` numbered and captioned for the page (the figure is closed, so it is not drawn a second time)."""
    return Captioned(fig, caption)


def loss_histograms(
    signals_by_model: Mapping[str, Mapping[str, np.ndarray]],
    *,
    kind: str = "benign",
    bins: int = 50,
    max_loss: float | None = None,
    title_suffix: str = "",
) -> plt.Figure:
    """CCS Fig. 1 style: histograms of the cross-entropy loss of members (train) vs non-members (test).

    ``signals_by_model`` maps a panel title to signals in the authors' schema; ``kind`` is benign or adversarial.
    Log-spaced bins: the losses span many orders of magnitude, and the members' mass near zero is the signal.
    """
    fig, axes = plt.subplots(1, len(signals_by_model), figsize=(4.2 * len(signals_by_model), 3.2), squeeze=False)
    floor = 1e-8  # a softmax that rounds to 1 in float32 gives loss 0; the first bin holds everything <= floor
    for ax, (name, s) in zip(axes[0], signals_by_model.items()):
        members = cross_entropy_loss(s[f"output_train_{kind}"], s["train_label"])
        nonmembers = cross_entropy_loss(s[f"output_test_{kind}"], s["test_label"])
        top = max_loss or max(float(np.concatenate([members, nonmembers]).max()), 10 * floor)
        edges = np.logspace(np.log10(floor), np.log10(top), bins + 1)
        weights = lambda v: np.full(v.shape, 1.0 / v.size)  # noqa: E731  (fractions: sets of unequal size)
        ax.hist(np.clip(members, floor, top), edges, weights=weights(members), alpha=0.6, label="members (train)")
        ax.hist(
            np.clip(nonmembers, floor, top), edges, weights=weights(nonmembers), alpha=0.6, label="non-members (test)"
        )
        ax.set(
            xscale="log",
            title=f"{name}{title_suffix}",
            xlabel=f"cross-entropy loss, {kind} input (log scale)",
            ylabel="fraction of points",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def member_sweep_plot(frame: pd.DataFrame, *, title: str = "") -> plt.Figure:
    """Pilot sweep: best MI advantage and the regime accuracies vs member count, natural vs PGD, one line
    per (method, width, epochs)."""
    fig, (ax_adv, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
    for (method, width, epochs), sub in frame.sort_values("n_members").groupby(
        ["method", "width", "epochs"], sort=False
    ):
        n, tag = sub["n_members"], f"{method}, width {width:g}, {epochs} ep."
        ax_adv.plot(n, 100 * sub[["ib_advantage", "ia_advantage"]].max(axis=1), "o-", label=tag)
        for col, style in (("test_acc", "--"), ("adv_train_acc", "-."), ("adv_test_acc", ":")):
            if method == "natural" and col != "test_acc":
                continue
            ax_acc.plot(n, 100 * sub[col], style, marker="o", label=f"{tag} {col.replace('_acc', '')}")
    ax_adv.set(
        xscale="log",
        xlabel="members (training-set size)",
        ylabel="MI advantage, best of IB/IA (%)",
        title=title or "leakage vs member count",
    )
    ax_acc.set(xscale="log", xlabel="members (training-set size)", ylabel="accuracy (%)", title="the regime")
    ax_adv.legend(fontsize=7)
    ax_acc.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


def precision_recall_curves(
    signals_by_model: Mapping[str, Mapping[str, np.ndarray]], *, kind: str = "benign", title: str = ""
) -> plt.Figure:
    """DLS Fig. 2: precision vs recall of the threshold attack on F_y as its threshold sweeps, one curve per model.

    Precision is taken under a 50/50 member prior (TPR / (TPR + FPR)), so 0.5 is chance whatever the set sizes.
    ``kind``: benign (IB) or adversarial (IA) inputs.
    """

    fig, ax = plt.subplots(figsize=(5, 3.8))
    for name, s in signals_by_model.items():
        curve = roc_curve(
            true_label_confidence(s[f"output_train_{kind}"], s["train_label"]),
            true_label_confidence(s[f"output_test_{kind}"], s["test_label"]),
        )
        ax.plot(curve.tpr, curve.balanced_precision, label=name)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="chance")
    ax.set(
        xlabel="recall (TPR)",
        ylabel="precision (50/50 prior)",
        ylim=(0.4, 1.02),
        xlim=(0, 1),
        title=title or f"precision–recall of the threshold attack ({kind} inputs)",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def factor_plot(frame: pd.DataFrame, *, factor: str, label=str, title: str = "") -> plt.Figure:
    """Leakage (IB, IA; mean over seeds) and the regime accuracies of each method as ``factor`` varies (CCS Tables
    5–6 as curves)."""
    fig, (ax_mi, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
    means = frame.groupby(["method", factor], sort=True)[
        ["ib", "ia", "train_acc", "test_acc", "adv_train_acc", "adv_test_acc"]
    ].mean()
    for method in frame["method"].unique():
        sub = means.loc[method]
        ticks = [label(v) for v in sub.index]
        ax_mi.plot(ticks, 100 * sub["ib"], "o--", label=f"{method} IB")
        ax_mi.plot(ticks, 100 * sub["ia"], "o-", label=f"{method} IA")
        for col, style in (("test_acc", "--"), ("adv_train_acc", "-."), ("adv_test_acc", ":")):
            ax_acc.plot(ticks, 100 * sub[col], style, marker="o", label=f"{method} {col.replace('_acc', '')}")
    ax_mi.axhline(50, color="grey", lw=0.8, ls=":")
    ax_mi.set(xlabel=factor, ylabel="inference accuracy (%)", title=title or f"leakage vs {factor}")
    ax_acc.set(xlabel=factor, ylabel="accuracy (%)", title="the regime")
    ax_mi.legend(fontsize=7)
    ax_acc.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


def dynamics_plot(frame: pd.DataFrame, *, title: str = "") -> plt.Figure:
    """DLS Fig. 3: train, test, adv-train and adv-test accuracy and the inference accuracies over training."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for col, label in (
        ("train_acc", "train"),
        ("test_acc", "test"),
        ("adv_train_acc", "adv-train"),
        ("adv_test_acc", "adv-test"),
        ("ib", "inference (IB)"),
        ("ia", "inference (IA)"),
    ):
        ax.plot(frame["epoch"], 100 * frame[col], "-" if col.endswith("acc") else "--", marker=".", label=label)
    ax.set(xlabel="epoch", ylabel="accuracy (%)", title=title or "training dynamics")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sensitivity_plot(curves: Mapping[str, Mapping[str, np.ndarray]], *, title: str = "") -> plt.Figure:
    """CCS Fig. 2: each model's removed-point sensitivities sorted ascending, with its noise floor (the change of as
    many points that stayed in training)."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, c in curves.items():
        (line,) = ax.plot(c["removed"], "o-", ms=3, label=f"{name}: removed points")
        ax.plot(c["noise"], ":", color=line.get_color(), label=f"{name}: points kept (noise floor)")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(
        xlabel="point (sorted)",
        ylabel="sensitivity: F_y before − after retraining",
        title=title or "sensitivity to removal",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def loss_groups_histogram(losses: Mapping[str, np.ndarray], *, bins: int = 50, title: str = "") -> plt.Figure:
    """CCS Fig. 7: histograms (fractions, log-spaced bins) of the cross-entropy loss of several groups of points
    (:func:`mi_lib.metrics.unsaturated_loss`: losses below float32's rounding of the softmax keep their values); the
    first bin holds every loss at or below its edge, 1e-4 of the smallest median or 1e-12 if that is higher."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    medians = [float(np.median(v)) for v in losses.values() if v.size]
    floor = max(1e-4 * min(medians, default=1.0), 1e-12)
    top = max(float(max((v.max() for v in losses.values() if v.size), default=1.0)), 10 * floor)
    edges = np.logspace(np.log10(floor), np.log10(top), bins + 1)
    for name, values in losses.items():
        if values.size:
            ax.hist(
                np.clip(values, floor, top),
                edges,
                weights=np.full(values.shape, 1.0 / values.size),
                alpha=0.5,
                label=f"{name} ({values.size})",
            )
    ax.set(
        xscale="log",
        xlabel="cross-entropy loss, benign input (log scale)",
        ylabel="fraction of points",
        title=title or "loss by group",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def eps_sweep_plot(frame: pd.DataFrame, *, train_eps: float, label=str, title: str = "") -> plt.Figure:
    """CCS Figs. 8–9: IA accuracy against the attack's ε, one line per model, the training ε marked."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for model, sub in frame.groupby("model", sort=False):
        ax.plot(sub["attack_eps"], 100 * sub["IA"], "o-", ms=3, label=model)
    ax.axvline(train_eps, color="grey", ls="--", lw=0.8, label=f"training ε = {label(train_eps)}")
    ax.axhline(50, color="grey", ls=":", lw=0.8)
    ax.set(xlabel="attack ε", ylabel="IA inference accuracy (%)", title=title or "an attacker who does not know ε")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def trace_pca_plot(projection: pd.DataFrame, *, title: str = "") -> plt.Figure:
    """PINEAT Fig. 1: two training points (stars) and the examples generated for them during training, on the first
    two principal components; colour = point, marker = kind of example."""
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    markers = {"adversarial": "o", "second update": "x"}
    for point, sub in projection.groupby("point"):
        colour = f"C{point}"
        for kind, marker in markers.items():
            part = sub[sub["kind"] == kind]
            if len(part):
                ax.scatter(
                    part["pc1"],
                    part["pc2"],
                    marker=marker,
                    color=colour,
                    alpha=0.6,
                    s=18,
                    label=f"point {point}: {kind}",
                )
        nat = sub[sub["kind"] == "natural"]
        ax.scatter(
            nat["pc1"], nat["pc2"], marker="*", s=220, color=colour, edgecolor="black", label=f"point {point}: natural"
        )
    ax.set(xlabel="principal component 1", ylabel="principal component 2", title=title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def roc_loglog(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *, title: str = "") -> plt.Figure:
    """ROC curves on log–log axes (Carlini et al. 2022): ``curves`` maps a label to (member scores, non-member
    scores). The diagonal is the attack that guesses; the left part is where a confident attack lives."""

    fig, ax = plt.subplots(figsize=(8.4, 4.4))
    floor = 1.0
    for label, (members, nonmembers) in curves.items():
        curve = roc_curve(members, nonmembers)
        floor = min(floor, 1.0 / len(nonmembers))
        ax.step(np.maximum(curve.fpr, 1e-5), np.maximum(curve.tpr, 1e-5), where="post", label=label)
    ax.plot([1e-5, 1], [1e-5, 1], "k:", lw=1, label="guessing")
    ax.axvline(floor, color="grey", lw=0.8, ls="--", label=f"smallest FPR the non-members resolve ({floor:.1e})")
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(floor / 2, 1),
        ylim=(floor / 2, 1),
        xlabel="false-positive rate",
        ylabel="true-positive rate",
        title=title,
    )
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)  # outside the curves
    fig.tight_layout()
    return fig


def regularisation_plot(frame: pd.DataFrame, *, title: str = "") -> plt.Figure:
    """L2 weight decay (symmetric-log axis, so 0 shows) against leakage (left) and clean / PGD test accuracy (right),
    per method (mean over seeds)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    means = frame.groupby(["method", "weight decay"], sort=False).mean(numeric_only=True).reset_index()
    for i, (method, sub) in enumerate(means.groupby("method", sort=False)):
        wd = sub["weight decay"]
        left.plot(
            wd, 100 * sub["best oracle advantage"], "-o", color=f"C{i}", label=f"{method}: oracle (best of IB, IA)"
        )
        left.plot(wd, 100 * sub["held-out advantage"], ":^", color=f"C{i}", label=f"{method}: held-out threshold")
        right.plot(wd, 100 * sub["test_acc"], "-o", color=f"C{i}", label=f"{method}: clean test")
        right.plot(wd, 100 * sub["adv_test_acc"], "--s", color=f"C{i}", label=f"{method}: PGD test")
    positive = frame.loc[frame["weight decay"] > 0, "weight decay"]
    for ax, ylabel in ((left, "MI advantage (%)"), (right, "test accuracy (%)")):
        ax.set_xscale("symlog", linthresh=positive.min() if len(positive) else 1e-4)
        ax.set(xlabel="L2 weight decay (symmetric log scale)", ylabel=ylabel)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def temperature_plot(frame: pd.DataFrame, *, title: str = "") -> plt.Figure:
    """Leakage vs the post-hoc temperature T, per method (mean over seeds); accuracy does not change with T."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    means = frame.groupby(["method", "T"], sort=False).mean(numeric_only=True).reset_index()
    for i, (method, sub) in enumerate(means.groupby("method", sort=False)):
        for column, style in (("IB advantage", "-o"), ("IA advantage", "--s"), ("held-out advantage", ":^")):
            ax.plot(sub["T"], 100 * sub[column], style, color=f"C{i}", label=f"{method}: {column}")
    ax.set(xscale="log", xlabel="temperature T (log scale)", ylabel="MI advantage (%)", title=title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
