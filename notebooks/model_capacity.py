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
# # Model capacity (CCS §5.2.4)
#
# ```{glue:} in_short
# ```
#
# Robust training needs capacity: a model must be robust around every training point, which takes more
# parameters than fitting the points themselves. The CCS paper {cite}`song2019privacy` reports that the
# leakage of robust models grows with their capacity; its section is not among the texts this project
# has, so its grid and numbers are unknown. This chapter scales the network's width at the
# tier's settings, trains a natural and a PGD model at each width, and reports the Tables 2–4 columns.

# %% tags=["parameters", "remove-cell"]
dataset = "yale"  # yale | fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
widths = [0.25, 0.5, 1, 2]  # width multipliers of the dataset's network
seeds = 1  # seeds (0, 1, ...) per width
progress = False
chapter = None  # the book's name for this page, set by mi_lib.book (its verdicts go to the scoreboard); None by hand

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (settings and paper numbers: the same on every machine)
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import chapters, plans, plotting, report, scoreboard, tables, tiers, why_leak

tables.show_tidy()  # every table below goes through the book's one formatting step

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method="pgd")
text, changes = chapters.tier_setting(config, seeds={"natural": seeds, "pgd": seeds})
display(
    Markdown(
        chapters.DATASET_NOTES[dataset]
        + "\n\n"
        + text
        + f" Widths: {', '.join(map(str, widths))} × the tier's network."
    )
)
changes

# %%
runs = plans.run(plans.model_capacity(dataset=dataset, tier=tier, widths=widths, seeds=seeds), progress=progress)
frame = why_leak.factor_frame(runs, factor="width ×")
why_leak.factor_table(frame, factor="width ×")

# %%
regime = report.regime_table(frame)
tables.tidy(regime)

# %%
display(
    plotting.captioned(
        plotting.factor_plot(frame, factor="width ×", title="leakage vs model capacity"),
        "Leakage (IB, IA) and accuracies of natural and PGD models as the network width grows (× the tier's width).",
    )
)
# %% [markdown]
# ## The claim (C6)
#
# The robust model's leakage grows with capacity, judged on IB's and on IA's advantage separately: it
# rises at every step of width and the widest model leaks more than the narrowest by the one-sided 95%
# bound over at least three seeds; with fewer seeds the verdict is inconclusive whatever the trend looks
# like. A trend that uses a model outside the papers' regime (the table above) is not testable.

# %%
verdicts = why_leak.trend_claims(
    frame,
    factor="width ×",
    method="pgd",
    regime=regime,
    claim=f"Leakage of the PGD model grows with its capacity (C6, {chapters.DISPLAY_NAMES[dataset]})",
)
in_short = [("C6", f"{chapters.DISPLAY_NAMES[dataset]}, PGD ({attack})", v) for attack, v in verdicts]
scoreboard.record(in_short, chapter=chapter, tier=tier)
report.glue_in_short(in_short)
report.verdict_frame(verdicts)
