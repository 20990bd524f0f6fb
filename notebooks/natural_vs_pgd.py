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
# # {{dataset_name}}: natural vs PGD adversarial training (CCS §5.1, {{paper_table}})
#
# Song, Shokri & Mittal (CCS 2019) train a network twice: once naturally, once with PGD-based
# adversarial training (Madry et al.). They then attack each model with the simplest
# membership-inference attack there is: declare a point a *member* of the training set when the
# model's confidence in its true label, *F<sub>y</sub>(x)*, exceeds a threshold. The attack is run on
# the clean input (**IB**, inference on benign examples) and on the PGD example of the input (**IA**,
# inference on adversarial examples). Their finding: the robust model leaks *more*, and most through IA.
#
# This chapter reruns that experiment with `mi_lib` on one dataset (the `dataset` parameter; the book
# executes it once per dataset) and puts our numbers beside the paper's *Natural* and *PGD-Based
# Adv-Train* rows. Every number below is computed from the runs' saved outputs; the paper's numbers
# come from `mi_lib/reference/paper_tables.json`.

# %% tags=["parameters"]
dataset = "fmnist"  # fmnist | yale | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
eps = None  # training and attack budget (l-inf, pixel units; "8/255" accepted); None: the paper's for the dataset
seeds = 3  # number of seeds (0, 1, ...) per method
n_members = None  # None: the tier's preset
epochs = None  # None: the tier's preset
progress = False  # training progress bars

# %%
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import chapters, plotting, report, tiers
from mi_lib.config import parse_eps
from mi_lib.experiments import run_grid

pd.set_option("display.max_colwidth", None)  # verdicts carry their numbers in full

eps = parse_eps(eps) if eps is not None else tiers.preset(dataset, tier).eps
overrides = dict(eps=eps, n_members=n_members, epochs=epochs)
config = tiers.preset(dataset, tier, method="pgd", **overrides)
display(Markdown(chapters.DATASET_NOTES[dataset]))

# %% [markdown]
# ## The setting at this tier
#
# The paper's models train for days on a GPU. The book runs a **tier**: the same method (data, network
# family, attack, ε, PGD steps and step size), made smaller. The table lists every setting that
# differs from the paper's (`paper` tier) and the value used here.

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (the tier's settings are deterministic: nbval compares this cell's output)
text, changes = chapters.tier_setting(config, seeds=seeds)
display(Markdown(text))
changes

# %% [markdown]
# ## Train and attack
#
# `run_grid` trains each (method, seed) model, evaluates it and caches the result under the hash of its
# config; results of the `cpu` tier are committed in `results/cpu/`, so rebuilding the book retrains
# nothing. A changed parameter (say a new ε) is a new config, hence new models.

# %%
runs = run_grid(dataset, tier, methods=("natural", "pgd"), seeds=range(seeds), progress=progress, **overrides)
frame = report.runs_frame(runs)
display(Markdown("Training wall time per model, in seconds (measured when the run was trained; other work on the machine inflates it):"))
frame.groupby("method", sort=False)["train_time_s"].agg(["mean", "min", "max"]).round(1)

# %% [markdown]
# ## Are the models in the paper's regime?
#
# The leakage the paper measures comes from models that fit their training set (train accuracy ≈ 100%)
# and, for the robust model, whose robustness does not generalise: adv-train accuracy far above adv-test.
# A tier whose models miss this regime can hide or even invert the effect, so we check before reading
# any leakage number.

# %%
regime = report.regime_table(frame, n_classes=runs[0].signals["output_train_benign"].shape[1])
regime.drop(columns=["width", "epochs", "n_members"]).round(4)

# %% [markdown]
# ## The paper's table vs ours
#
# Mean ± standard deviation over seeds; Δ = ours − paper in percentage points.

# %%
report.comparison_table(frame, chapters.PAPER_TABLES[dataset])

# %% [markdown]
# ## Advantage ratio and the claims
#
# The membership advantage is 2·(accuracy − ½) (CCS Eq. 16). The paper's headline for each
# dataset is the ratio of the robust model's best advantage to the natural model's. A claim below is
# judged on the per-seed differences: it *holds* when the one-sided 95% confidence bound of the mean
# difference is above zero, *does not hold* when the opposite bound is at or below zero, and is
# *inconclusive* when the effect lies within the seed spread (`mi_lib.report.verdict`).

# %%
text, verdicts = chapters.natural_vs_robust_claims(frame, dataset=dataset)
display(Markdown(text))
verdicts

# %% [markdown]
# ## Loss distributions of members and non-members (CCS Fig. 1 style)
#
# The threshold attack works when members have visibly smaller loss than non-members. The paper's
# explanation of IA: a robust model is robust around its training points and far less around unseen
# ones, so on adversarial inputs the members' losses stay small while the non-members' grow. Seed 0;
# the bin at the left edge holds every loss at or below 10⁻⁸ (a softmax that rounds to 1 in float32).

# %%
first = {r.config.method: r for r in runs if r.config.seed == 0}
signals = {f"{report.METHOD_LABELS[m]}": first[m].signals for m in ("natural", "pgd")}
fig = plotting.loss_histograms(signals, kind="benign", title_suffix=" (benign)")

# %%
fig = plotting.loss_histograms(signals, kind="adversarial", title_suffix=" (PGD)")

# %% [markdown]
# ## Beyond the paper's metric
#
# The paper reports the balanced accuracy at the best threshold, chosen on the evaluated points
# themselves. The DLS paper adds precision and recall at that threshold, the KL divergence between the
# member and non-member loss distributions and the area under the precision–recall curve (precision
# with a 50/50 member prior, so 0.5 is chance). The ROC AUC and the true-positive rate at a low
# false-positive rate are threshold-free and closer to how membership attacks are judged today. Means
# over seeds.

# %%
attack_metrics = report.attack_metrics_frame((r.config.method, r.config.seed, r.signals) for r in runs)
attack_metrics.drop(columns="seed").groupby(["method", "attack"], sort=False).mean().round(4)

# %% [markdown]
# ## What differs from the paper, and why
#
# What the tier changes is listed at the top. The numbers below compare the regime of our models with
# the paper's; for Fashion-MNIST, the appendix *Calibrating the cpu tier* shows how leakage and regime
# move with the member count and the width.

# %%
display(Markdown(chapters.regime_comparison(frame, config=config)))
