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
# # PixelDP: a noise layer and membership inference (CCS Appendix E)
#
# ```{glue:} in_short
# ```
#
# PixelDP (Lecuyer et al. {cite}`lecuyer2019pixeldp`) certifies robustness to l2 perturbations with
# differential privacy *in the input*: a Gaussian noise layer makes the network's output (ε, δ)-DP for
# input changes of l2 norm up to L, and the prediction is the softmax averaged over noise draws. The CCS
# paper {cite}`song2019privacy` evaluated the authors' released CIFAR-10 model (L = 0.1, DP ε = 1,
# δ = 0.05) with inference on benign inputs (IB) and found it leaks more than the natural model.
#
# `mi_lib.pixeldp` trains the tier's network with one noise draw per training image and predicts by
# averaging draws. Where our model differs from the released one: the noise layer sits on the input
# (PixelDP's pixel placement, l2 sensitivity 1, σ from the Gaussian mechanism) rather than after the
# first convolution, and the released model's confidence vector is taken as the average over draws
# (how the authors got it is not stated). IA, which the paper does not report for PixelDP,
# attacks the noisy model with the evaluation PGD, one fresh draw per step — a weak attack on a noisy
# model, so its IA is a lower bound.

# %% tags=["parameters", "remove-cell"]
dataset = "cifar10-jpeg"  # yale | fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
seeds = 1  # seeds (0, 1, ...) per method
progress = False
chapter = None  # the book's name for this page, set by mi_lib.book (its verdicts go to the scoreboard); None by hand

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (settings and paper numbers: the same on every machine)
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import chapters, plans, report, scoreboard, tables, tiers

tables.show_tidy()  # every table below goes through the book's one formatting step

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method="pixeldp")
text, changes = chapters.tier_setting(config, seeds={"natural": seeds, "pixeldp": seeds})
display(Markdown(chapters.DATASET_NOTES[dataset] + "\n\n" + text))
changes

# %%
runs = plans.flatten(plans.run(plans.pixeldp(dataset=dataset, tier=tier, seeds=seeds), progress=progress).values())
frame = report.runs_frame(runs)
tables.tidy(
    report.regime_table(frame, n_classes=runs[0].signals["output_train_benign"].shape[1]).drop(
        columns=["width", "epochs", "n_members"]
    )
)

# %% [markdown]
# ## Natural vs PixelDP, beside the paper
#
# Percent. The paper's rows: the released PixelDP model's IB (App. E) and the natural CIFAR-10 model's
# IB (Table 4; the appendix's text quotes the Yale natural model's number for it instead).

# %%
chapters.pixeldp_table(frame)

# %% [markdown]
# ## Does the noise layer raise leakage? (a scope of C8)
#
# The appendix's observation, judged here as a scope of C8 (certified defences raise leakage): the
# PixelDP model's IB above the natural model's, seeds paired. This row goes to the scoreboard.

# %%
verdicts = chapters.pixeldp_claims(frame, dataset=dataset)
in_short = verdicts
scoreboard.record(in_short, chapter=chapter, tier=tier)
report.glue_in_short(in_short)
report.verdict_frame(verdicts)
