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
# # PINEAT: reverse-symmetry examples against membership inference (PRCV 2023, Table 1)
#
# Yan, Du, He & Chen {cite}`yan2023pineat` keep the loss and the adversary of an adversarial training
# method but change what each round trains on: after the usual update on an adversarial example
# x_adv, a second update on its *reverse-symmetry* example x_rs = 2x − x_adv, the mirror image of the
# perturbation. A run then needs only half the rounds — and half the adversarial examples — for the same
# number of updates, so it trains in about half the time; and, they find, the model leaks less. Two
# baselines isolate the mirror: **AdvNat-1/1** makes the second update on x itself, **AdvRan-1/1** on a
# random point of the ε-ball. `mi_lib.pineat` wraps PGD-, Dist- and Diff-based training (spec §7.1).
#
# PINEAT names the metrics differently: A_train / A_test (clean accuracy), R_train / R_test (accuracy on
# PGD examples), P_Enat / P_Eadv (membership inference by thresholding the cross-entropy on natural /
# adversarial inputs — rank-equivalent to thresholding the confidence, so these equal IB and IA;
# `tests/test_pineat.py` checks it) and P_MAX, the larger of the two. Time is the training wall time,
# reported as a ratio to Original on the same machine.

# %% tags=["parameters"]
dataset = "fmnist"  # fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
bases = ["pgd"]  # base methods: pgd, dist, diff
strategies = ["original", "pineat", "advnat", "advran"]
seeds = 1
progress = False

# %%
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import chapters, report, tiers
from mi_lib.experiments import run_grid

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method=bases[0])
text, changes = chapters.tier_setting(config, seeds={m: seeds for m in ["natural", *bases]})
display(Markdown(chapters.DATASET_NOTES[dataset] + "\n\n" + text))
changes

# %%
frames = [chapters.pineat_frame({"natural": run_grid(dataset, tier, methods=("natural",), seeds=range(seeds), progress=progress)})]
for base in bases:
    frames.append(chapters.pineat_frame({s: run_grid(dataset, tier, methods=(base,), seeds=range(seeds), strategy=s, progress=progress)
                                         for s in strategies}))
frame = pd.concat(frames, ignore_index=True)
chapters.pineat_table(frame, dataset=dataset)
