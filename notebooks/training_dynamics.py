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
# # Training dynamics of a robust model (DLS Fig. 3)
#
# ```{glue:} in_short
# ```
#
# The DLS paper {cite}`song2019membership` follows an adversarially trained CIFAR-10 model (and an SVHN
# one) through training: train and test accuracy stay close, while adv-train and adv-test accuracy drift
# apart, and the membership-inference accuracy rises with that robustness gap. This chapter retrains the
# PGD model of the natural-vs-PGD chapter with weight snapshots (the same seed gives the same
# trajectory) and evaluates each snapshot with the evaluation attack.

# %% tags=["parameters", "remove-cell"]
dataset = "yale"  # yale | fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
method = "pgd"  # pgd | dist | diff
every = 5  # evaluate after every `every` epochs (and the last)
seeds = 1  # seeds (0, 1, ...); C10 is judged over them (at least 3 for a verdict), the figure shows seed 0
progress = False
chapter = None  # the book's name for this page, set by mi_lib.book (its verdicts go to the scoreboard); None by hand

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (settings and paper numbers: the same on every machine)
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import analyses, chapters, plotting, report, scoreboard, tables, tiers, why_leak

tables.show_tidy()  # every table below goes through the book's one formatting step

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method=method)
text, changes = chapters.tier_setting(config, seeds={method: seeds})
display(
    Markdown(chapters.DATASET_NOTES[dataset] + "\n\n" + text + f" Snapshots every {every} epochs of {config.epochs}.")
)
changes

# %%
frames = [
    why_leak.dynamics_frame(analyses.training_dynamics(config.replace(seed=s), every=every, progress=progress))
    for s in range(seeds)
]
frame = frames[0]  # seed 0's snapshots
frame

# %%
display(
    plotting.captioned(
        plotting.dynamics_plot(frame, title=f"{report.METHOD_LABELS[method]}, {chapters.DISPLAY_NAMES[dataset]}"),
        f"{report.METHOD_LABELS[method]}, {chapters.DISPLAY_NAMES[dataset]}: accuracies and inference accuracies over the training epochs (seed 0).",
    )
)

# %% [markdown]
# ## The claim (C10)
#
# It holds when, at the end of training, the robust gap (adv-train − adv-test) is wider than the clean
# gap (train − test) and the membership-inference accuracy (the better of IB and IA) rises with the
# robust gap across snapshots (Spearman correlation above 0.5), both judged over the seeds by the
# book's statistics rule (the one-sided 95% bound of the mean, at least 3 seeds); it does not hold when
# the robust gap stays at or below the clean gap, or the correlation is not above 0. One row per seed:

# %%
tables.tidy(why_leak.dynamics_summary(frames))

# %%
verdicts = [why_leak.dynamics_claim(frames)]
in_short = [("C10", f"{chapters.DISPLAY_NAMES[dataset]}, {method}", v) for v in verdicts]
scoreboard.record(in_short, chapter=chapter, tier=tier)
report.glue_in_short(in_short)
report.verdict_frame(verdicts)
