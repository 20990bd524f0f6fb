# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sensitivity to single training points (CCS §5.2.1, Fig. 2)
#
# ```{glue:} in_short
# ```
#
# Why does a robust model leak more? Song, Shokri & Mittal {cite}`song2019privacy` remove one training
# point per class, retrain, and measure how much each removed point's confidence drops: a model whose
# robustness around a point needs that point in training is *sensitive* to it, and sensitivity is what a
# membership attack detects. They find the PGD-trained model far more sensitive than the natural one.
#
# Here the natural and PGD models of the natural-vs-PGD chapter (seed 0) are retrained without one
# member per class, for several independent draws (*rounds*); a point's sensitivity is its true-label
# confidence in the original model minus that in the retrained one. The same points are removed from
# both models. The noise floor is the same difference for as many points that stayed in training: what
# retraining alone (a changed batch order) does.

# %% tags=["parameters", "remove-cell"]
dataset = "yale"  # yale | fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
rounds = 3  # removal rounds (each removes one member per class and retrains both models; a verdict needs 3)
progress = False
chapter = None  # the book's name for this page, set by mi_lib.book (its verdicts go to the scoreboard); None by hand

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (settings and paper numbers: the same on every machine)
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import analyses, chapters, plans, plotting, report, scoreboard, tables, tiers, why_leak

tables.show_tidy()  # every table below goes through the book's one formatting step

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method="pgd")
text, changes = chapters.tier_setting(config, seeds={"natural": 1, "pgd": 1})
display(
    Markdown(chapters.DATASET_NOTES[dataset] + "\n\n" + text + f" Removal rounds: {rounds}, one member per class each.")
)
changes

# %%
runs = plans.run(
    plans.sensitivity(dataset=dataset, tier=tier, rounds=rounds), progress=progress
)  # round 0: all members
curves = {}
for method in ("natural", "pgd"):
    retrained = [runs[(method, r)][0].signals for r in range(1, rounds + 1)]
    curves[report.METHOD_LABELS[method]] = analyses.sensitivity(runs[(method, 0)][0].signals, retrained)
display(
    plotting.captioned(
        plotting.sensitivity_plot(curves, title=f"sensitivity to removal, {chapters.DISPLAY_NAMES[dataset]}"),
        f"{chapters.DISPLAY_NAMES[dataset]}: sensitivity of removed training points (their true-label confidence in the model trained on them minus that in the model retrained without them), sorted, natural vs PGD.",
    )
)

# %%
pd.DataFrame(
    {
        name: {
            "removed: mean": c["removed"].mean(),
            "removed: median": pd.Series(c["removed"]).median(),
            "noise floor: mean": c["noise"].mean(),
            "points": c["removed"].size,
        }
        for name, c in curves.items()
    }
).T.pipe(tables.tidy, decimals=3)

# %% [markdown]
# ## The claim (C3)
#
# Each removal round retrains both models, so the rounds are the independent runs: the mean
# sensitivity of a round's removed points in the PGD model against that in the natural model, paired
# round by round, with the book's one-sided 95% rule (at least three rounds). The numbers also count
# the removed points more sensitive in the PGD model than in the natural one.

# %%
natural, robust = curves[report.METHOD_LABELS["natural"]], curves[report.METHOD_LABELS["pgd"]]
verdicts = [why_leak.sensitivity_claim(natural, robust)]
in_short = [("C3", f"{chapters.DISPLAY_NAMES[dataset]}, PGD", v) for v in verdicts]
scoreboard.record(in_short, chapter=chapter, tier=tier)
report.glue_in_short(in_short)
report.verdict_frame(verdicts)
