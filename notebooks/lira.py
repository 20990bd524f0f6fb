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
# # Beyond the papers: LiRA against natural and PGD models on {{dataset}}
#
# The likelihood-ratio attack of Carlini et al. {cite}`carlini2022lira` calibrates the attack per point:
# some points are confidently classified by every model, member or not, and a global threshold mistakes
# them for members. LiRA trains K *shadow* models the same way as the target, each on a random half of a
# pool of points (here the target's members and non-members), and models the logit-scaled confidence
# φ = log F_y − log(1 − F_y) of each point under the shadows that trained on it (IN) and those that did
# not (OUT) as two Gaussians. **Online** LiRA scores the target's φ by the likelihood ratio of the two;
# **offline** LiRA only by how far it lies above the OUT Gaussian. With few shadows the Gaussians share
# one variance per side (`mi_lib.lira`). This is a check of this project (P2 on the scoreboard), not of
# the papers: does the PGD model still leak more at low false-positive rates?

# %% tags=["parameters", "remove-cell"]
dataset = "fmnist"  # yale | fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
shadows = 8  # shadow models per method
n_boot = 500
progress = False
chapter = None  # the book's name for this page, set by mi_lib.book (its verdicts go to the scoreboard); None by hand

# %%
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import chapters, modern_evaluation, plotting, report, scoreboard, tiers
from mi_lib.experiments import run_grid

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method="pgd")
text, changes = chapters.tier_setting(config, seeds={"natural": 1, "pgd": 1})
display(Markdown(chapters.DATASET_NOTES[dataset] + "\n\n" + text + f" LiRA: {shadows} shadow models per method, "
                 "each trained like the target (seed 0) on a random half of the target's members and non-members."))
targets = {m: run_grid(dataset, tier, methods=(m,), seeds=(0,), progress=progress)[0] for m in ("natural", "pgd")}
shadow_runs = {m: [r for k in range(1, shadows + 1) for r in run_grid(dataset, tier, methods=(m,), seeds=(0,), shadow=k, progress=progress)]
               for m in targets}

# %% [markdown]
# ## AUC and TPR at low FPR
#
# Online LiRA scores every pool point that at least one shadow trained on and one did not; offline LiRA
# every point some shadow left out. Intervals are 95% bootstrap intervals over the scored points. The
# attacker picks the input (clean or PGD) per method and variant without the target's membership: LiRA
# run against each shadow with the other shadows, and the input with the higher AUC there is `chosen`.

# %%
frame, curves = modern_evaluation.lira_frame(targets, shadow_runs, n_boot=n_boot)
table = frame[["method", "LiRA", "input", "chosen", "AUC on shadows", "shadows", "scored members", "scored non-members"]].copy()
for name in ("auc", "tpr@0.01", "tpr@0.001"):
    table[name] = [f"{100 * v:.2f} [{100 * lo:.2f}, {100 * hi:.2f}]" for v, lo, hi in zip(frame[name], frame[f"{name} low"], frame[f"{name} high"])]
table

# %%
fig = plotting.roc_loglog({f"{m}, {v}, {k}": curves[(m, v, k)] for m, v, k in curves if v == "online"},
                          title=f"{chapters.DISPLAY_NAMES[dataset]}: online LiRA")

# %% [markdown]
# ## Does C1 survive LiRA? (P2)

# %%
verdicts = modern_evaluation.lira_claims(frame, dataset=chapters.DISPLAY_NAMES[dataset])
scoreboard.record(verdicts, chapter=chapter, tier=tier)
report.verdict_frame([v for _, _, v in verdicts]).assign(scope=[s for _, s, _ in verdicts])
