"""What the summary pages show at a glance: the landing page's figure of the papers' central claim (C1, a robust model
leaks more than the natural one) on every dataset and defence, the paper's advantage ratio beside ours with its seed
interval, coloured by verdict; and the scoreboard grouped by claim, each claim a collapsible block."""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import paper, report, scoreboard
from .book import CHAPTERS, page_methods, run_tier
from .chapters import SHORT_NAMES, paper_method_ratio
from .data import DISPLAY_NAMES
from .experiments import page_runs

SHORT_DATASET_NAMES = {
    "yale": "Yale Face",
    "fmnist": "Fashion-MNIST",
    "cifar10-jpeg": "CIFAR-10 (JPEG stand-in)",
    "cifar10": "CIFAR-10",
}
VERDICT_COLOURS = {
    "holds": "#1a7f37",
    "does not hold": "#cf222e",
    "inconclusive": "#bf8700",
    report.NOT_TESTABLE: "#8c959f",
}


def c1_frame(found: pd.DataFrame, *, tier: str) -> pd.DataFrame:
    """One row per natural-vs-robust page of the book (a dataset and a robust method, the scopes C1 is judged in) with
    runs at ``tier`` (a long-tier page: at the long tier, its ``tier`` column says so): the paper's ratio, ours per
    seed (the seeds the page uses), their mean and two-sided 95% t-interval (none below two seeds), and C1's verdict in
    that scope (from the scoreboard's ``found``)."""
    rows = []
    for chapter in CHAPTERS:
        if chapter.source != "empirical_defences" or not chapter.in_book:
            continue
        method = page_methods(chapter, tier)[-1]
        its_tier = run_tier(chapter, tier)
        verdicts = found[(found["claim_id"] == "C1") & (found["models"] == scoreboard.models_label(its_tier))]
        dataset, runs = page_runs(chapter, tier)
        frame = report.runs_frame(runs) if runs else None
        if frame is None or not (frame["method"] == method).any() or not (frame["method"] == "natural").any():
            continue
        ratios = np.asarray(report.advantage_ratio(frame, robust=method), dtype=float)
        scope = f"{DISPLAY_NAMES[dataset]}, {SHORT_NAMES[method]}"
        verdict = verdicts.loc[verdicts["scope"] == scope, "verdict"]
        low = high = np.nan
        if ratios.size >= 2:
            low, high = report.mean_bounds(ratios, two_sided=True)
        rows.append(
            {
                "dataset": SHORT_DATASET_NAMES[dataset],
                "method": SHORT_NAMES[method],
                "paper": paper_method_ratio(dataset, method),
                "ours": float(ratios.mean()),
                "low": low,
                "high": high,
                "per_seed": ratios,
                "seeds": int(ratios.size),
                "tier": its_tier,
                "verdict": verdict.iloc[0] if len(verdict) else report.NOT_TESTABLE,
            }
        )
    return pd.DataFrame(rows)


def answer(rows: pd.DataFrame, *, tier: str) -> str:
    """Markdown: the book's answer in a few lines, one per dataset and tier of :func:`c1_frame`'s rows (a dataset's
    long-tier line right after its ``tier`` one): whether the robust models leak more there (C1's verdicts in words),
    then each robust method's advantage ratio over the natural model's beside the paper's, with its verdict.
    Everything from ``rows``."""
    order = {d: i for i, d in enumerate(dict.fromkeys(rows["dataset"]))}
    rows = rows.assign(_order=rows["dataset"].map(order), _own=rows["tier"] != tier)
    lines = [
        "Each number is the membership advantage of a robust model ÷ the natural model's (above 1: the robust model "
        "leaks more), ours beside the paper's, with the verdict of the papers' central claim (C1) in that scope:",
        "",
    ]
    for (_, _, its_tier, dataset), group in rows.groupby(["_order", "_own", "tier", "dataset"], sort=True):
        verdicts = set(group["verdict"])
        if verdicts == {"holds"}:
            lead = "every robust model leaks more than the natural one, as the papers find"
        elif verdicts == {report.NOT_TESTABLE}:
            lead = "not testable: our models miss the papers' regime"
        elif "holds" in verdicts:
            lead = f"mixed: the finding holds for {', '.join(group.loc[group['verdict'] == 'holds', 'method'])} only"
        else:
            lead = "the finding does not show: no robust model's extra leakage holds"
        seeds = sorted(set(group["seeds"]))
        per = "; ".join(f"{r.method} {r.ours:.2f}× (paper {r.paper:.2f}×, {r.verdict})" for r in group.itertuples())
        where = f"{its_tier} tier" + (", more members and epochs" if its_tier == "long" else "")
        lines.append(
            f"- **{dataset}** ({where}; {'/'.join(map(str, seeds))} seed{'s' * (seeds != [1])} per model): {lead}. "
            f"{per}."
        )
    return "\n".join(lines)


def beyond(found: pd.DataFrame, *, tier: str, claim: str = "P4") -> str:
    """Markdown: one line on this project's check beyond the papers (``claim``, P4: does a PGD model still leak more
    under today's strongest attacks, LiRA and RMIA, at low false-positive rates), per dataset: in how many of its
    scopes the check holds on our ``tier`` models, and what the others are. Empty where no page has checked it."""
    rows = found[(found["claim_id"] == claim) & (found["models"] == scoreboard.models_label(tier))]
    if rows.empty:
        return ""
    names = {DISPLAY_NAMES[key]: SHORT_DATASET_NAMES[key] for key in SHORT_DATASET_NAMES}
    parts = []
    for dataset, group in rows.groupby(rows["scope"].str.split(", ").str[0], sort=False):
        counts = group["verdict"].value_counts()
        rest = ", ".join(f"{n} {v}" for v, n in counts.items() if v != "holds")
        parts.append(
            f"{names.get(dataset, dataset)}: holds in {counts.get('holds', 0)} of {len(group)}"
            + (f" ({rest})" if rest else "")
        )
    return (
        "- **Beyond the papers** (this project's check P4): does the PGD model still leak more than the natural one under "
        "today's strongest attacks, online LiRA and RMIA, at TPR at 0.1% and 1% FPR and in AUC? Scope by scope, "
        + "; ".join(parts)
        + "."
    )


def c1_figure(rows: pd.DataFrame, *, tier: str = "cpu") -> plt.Figure:
    """A dot plot: per row, the paper's ratio (black diamond), ours per seed (small dots), our mean and 95% interval
    coloured by the verdict; the dashed line at 1 is no extra leakage. A row of another tier than ``tier`` says so."""
    fig, ax = plt.subplots(figsize=(9.5, 0.4 * len(rows) + 1.3))
    y = np.arange(len(rows))[::-1]
    for yi, (_, row) in zip(y, rows.iterrows()):
        colour = VERDICT_COLOURS.get(row["verdict"], "#8c959f")
        ax.scatter(row["per_seed"], np.full(row["per_seed"].size, yi - 0.12), s=10, color=colour, alpha=0.5, lw=0)
        if not np.isnan(row["low"]):
            ax.hlines(yi - 0.12, row["low"], row["high"], color=colour, lw=2.5)
        ax.scatter([row["ours"]], [yi - 0.12], s=45, color=colour, zorder=3)
        ax.scatter([row["paper"]], [yi + 0.15], marker="D", s=30, color="black", zorder=3)
    ax.axvline(1.0, color="#57606a", ls="--", lw=1)
    ax.set_yticks(
        y,
        [
            f"{r['dataset']} · {r['method']}{'' if r['tier'] == tier else f', {r.tier} tier'} "
            f"({r['seeds']} seed{'s' * (r['seeds'] != 1)})"
            for _, r in rows.iterrows()
        ],
    )
    ax.set_xlabel("membership advantage of the robust model ÷ the natural model's (best of IB, IA)")
    handles = [plt.Line2D([], [], marker="D", ls="", color="black", label="paper")] + [
        plt.Line2D([], [], marker="o", ls="-", color=c, label=f"ours: {v}")
        for v, c in VERDICT_COLOURS.items()
        if v in set(rows["verdict"])
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def coloured(verdict: str) -> str:
    """A verdict or status as HTML, in its verdict's colour (a status such as "holds where testable: …" takes the
    colour of its first words)."""
    colour = next((c for v, c in VERDICT_COLOURS.items() if verdict.startswith(v)), None)
    if verdict.startswith("mixed"):
        colour = "#8250df"
    text = html.escape(verdict)
    return f'<span style="color:{colour};font-weight:600">{text}</span>' if colour else text


def claims_by_group(found: pd.DataFrame, *, tier: str) -> str:
    """The scoreboard grouped by claim: one collapsible block per claim whose summary line is the claim, its status on
    our models and on the authors' released models; open, it lists every scope's verdict with its numbers and a link
    to the chapter (by its title) that computed it."""
    ours = scoreboard.models_label(tier)
    others = scoreboard.other_tiers(found, tier=tier)
    blocks = []
    for claim in paper.claims():
        mine = found[found["claim_id"] == claim["id"]]
        status_ours = scoreboard.status(mine.loc[mine["models"] == ours, "verdict"])
        released = mine.loc[mine["models"] == scoreboard.RELEASED, "verdict"]
        line = f"<b>{html.escape(claim['id'])}</b> {html.escape(claim['claim'])} — ours: {coloured(status_ours)}"
        for other in others:  # the long tier's pages, for the claims they check
            at_other = mine.loc[mine["models"] == scoreboard.models_label(other), "verdict"]
            if len(at_other):
                line += f"; ours at the {html.escape(other)} tier: {coloured(scoreboard.status(at_other))}"
        if len(released):
            line += f"; the authors' released models: {coloured(scoreboard.status(released))}"
        rows = "".join(
            f"<tr><td>{html.escape(r.scope)}</td><td>{html.escape(r.models)}</td><td>{coloured(r.verdict)}</td>"
            f"<td>{html.escape(r.numbers)}</td><td>{scoreboard.link(r.chapter)}</td></tr>"
            for r in mine.itertuples()
        )
        body = f"<p>Paper ({html.escape(claim['source'])}): {html.escape(claim['paper_value'])}</p>" + (
            "<table><thead><tr><th>scope</th><th>models</th><th>verdict</th><th>numbers</th><th>chapter</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
            if rows
            else "<p>No chapter checks this claim yet.</p>"
        )
        blocks.append(f"<details><summary>{line}</summary>{body}</details>")
    return "\n".join(blocks)
