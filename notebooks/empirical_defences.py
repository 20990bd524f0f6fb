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
# # {{dataset_name}}: natural vs {{robust}} adversarial training (CCS §5.1, {{paper_table}})
#
# Does adversarial training make a model leak more of its training set? The answer on this page first,
# computed from the runs below; then the experiment, its setting and every number behind it.

# %% tags=["parameters", "remove-cell"]
dataset = "fmnist"  # fmnist | yale | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | long | paper
eps = None  # training and attack budget (l-inf, pixel units; "8/255" accepted); None: the paper's for the dataset
methods = ["natural", "pgd", "dist", "diff"]  # any of natural, pgd, dist, diff (natural is always included)
seeds = 3  # seeds (0, 1, ...) of the natural and PGD models
other_seeds = 1  # seeds of the Dist- and Diff-based models
n_members = None  # None: the tier's preset
epochs = None  # None: the tier's preset
width = None  # network width multiplier; None: the tier's preset
augment = None  # random crops and flips in training, True | False; None: the tier's preset (CIFAR-10's: True)
precision = None  # training arithmetic, fp32 | bf16; None: the tier's (the long tier's float32 map: "fp32")
progress = False  # training progress bars

# %% tags=["remove-cell"]
import pandas as pd
from IPython.display import HTML, Markdown, display

from mi_lib import chapters, plans, plotting, report, tables, tiers

tables.show_tidy()  # every table below goes through the book's one formatting step
from mi_lib.config import parse_eps
from mi_lib.methods import chapter_methods, seeds_of

pd.set_option("display.max_colwidth", None)  # verdicts carry their numbers in full

eps = parse_eps(eps) if eps is not None else tiers.preset(dataset, tier).eps
overrides = dict(eps=eps, n_members=n_members, epochs=epochs, width=width, augment=augment, precision=precision)
methods = chapter_methods(methods)
seeds_per_method = {m: seeds_of(m, seeds, other_seeds) for m in methods}
config = tiers.preset(dataset, tier, **overrides)
plan = plans.empirical_defences(
    dataset=dataset,
    tier=tier,
    eps=eps,
    methods=methods,
    seeds=seeds,
    other_seeds=other_seeds,
    n_members=n_members,
    epochs=epochs,
    width=width,
    augment=augment,
    precision=precision,
)
runs = plans.flatten(plans.run(plan, progress=progress).values())
frame = report.runs_frame(runs)

# %% tags=["remove-input"]
HTML(chapters.summary_box(frame, dataset=dataset, tier=tier))

# %% [markdown]
# ## The experiment
#
# Song, Shokri & Mittal (CCS 2019, {cite}`song2019privacy`) train the same network naturally and with
# three empirical defences against adversarial examples: **PGD-based** adversarial training (Madry et
# al. {cite}`madry2018towards`), **Dist-based** training (the distributional robustness of Sinha et al.
# {cite}`sinha2018certifying`, with the authors' l∞ penalty) and **Diff-based** training (TRADES, Zhang
# et al. {cite}`zhang2019trades`). They then attack each model with the simplest
# membership-inference attack there is: declare a point a *member* of the training set when the
# model's confidence in its true label, $F_y(x)$, exceeds a threshold. The attack is run on
# the clean input (**IB**, inference on benign examples) and on the PGD example of the input (**IA**,
# inference on adversarial examples). Their finding: every robust model leaks *more*, and most through IA.
#
# This notebook reruns that experiment with `mi_lib` for one dataset and a set of methods (the `dataset`
# and `methods` parameters; the book executes it for each dataset and robust method, one page each, so
# that every page trains in under 45 minutes at the cpu tier) and puts our numbers beside the paper's
# table. Every number below is computed from the runs' saved outputs; the paper's numbers come from
# `mi_lib/reference/paper_tables.json`.

# %% tags=["remove-input"]
display(Markdown(chapters.DATASET_NOTES[dataset]))

# %% [markdown]
# ## The setting at this tier
#
# The paper's models train for days on a GPU. The book runs a **tier**: the same method (data, network
# family, attack, ε, attack steps and step size), made smaller. The table lists every setting that
# differs from the paper's (`paper` tier) and the value used here; where the authors trained a method
# with its own script (TRADES for Diff-based training), its settings get their own column.

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (the tier's settings are deterministic: nbval compares this cell's output)
text, changes = chapters.tier_setting(config, seeds=seeds_per_method)
display(Markdown(text))
changes

# %% [markdown]
# ## Train and attack
#
# `plans.run` trains each (method, seed) model of the chapter's plan, evaluates it and caches the result under the
# hash of its config; results of the `cpu` tier are committed in `results/cpu/` (the `long` tier's in `results/long/`), so rebuilding the book retrains
# nothing, except on Yale Face: models trained on its faces never leave the machine that trained them (the data is for
# research use only), so a new clone retrains them, seeded, when it re-executes a Yale page. A changed parameter (say
# a new ε) is a new config, hence new models.

# %%
text, times = report.training_time(runs)
display(Markdown(text))
times

# %% [markdown]
# ## Are the models in the paper's regime?
#
# The leakage the paper measures comes from models that fit their training set (train accuracy ≈ 100%)
# and, for the robust models, whose robustness does not generalise: adv-train accuracy far above
# adv-test. A model can also *collapse* (test accuracy near chance) when robust training starts too
# hard. A tier whose models miss this regime can hide or even invert the effect, so we check every
# model before reading any leakage number.

# %%
regime = report.regime_table(frame, n_classes=runs[0].signals["output_train_benign"].shape[1])
tables.tidy(regime.drop(columns=["width", "epochs", "n_members"]))

# %% [markdown]
# ## The paper's table vs ours
#
# Mean ± standard deviation over seeds (a single value where a method has one seed); Δ = ours − paper
# in percentage points.

# %%
report.comparison_table(frame, chapters.PAPER_TABLES[dataset])

# %% [markdown]
# ## Advantage ratio and the claims
#
# The membership advantage is 2·(accuracy − ½) (CCS Eq. 16). The paper's headline for each
# dataset is the ratio of the best robust model's advantage to the natural model's; the table after it
# gives the ratio for each robust method, ours beside the paper's (computed from its table). A claim
# below is judged on the per-seed differences, pairing each robust model with the natural model of the
# same seed: it *holds* when the one-sided 95% confidence bound of the mean difference is above zero,
# *does not hold* when the opposite bound is at or below zero, and is *inconclusive* when the effect
# lies within the seed spread (`mi_lib.report.verdict`). Fewer than three seeds are *inconclusive*
# whatever the sign of the difference (one run is not evidence), and the verdict says so. A claim about a
# model outside the paper's regime
# (the table above) is *not testable*: its numbers are shown, and the scoreboard names it but does not
# count it.

# %%
text, verdicts = chapters.natural_vs_robust_claims(frame, dataset=dataset)
display(Markdown(text))
display(chapters.advantage_ratios(frame, dataset=dataset))
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
signals = {report.METHOD_LABELS[m]: first[m].signals for m in methods}
display(
    plotting.captioned(
        plotting.loss_histograms(signals, kind="benign", title_suffix=" (benign)"),
        f"{chapters.DISPLAY_NAMES[dataset]}: cross-entropy loss of members and non-members on clean inputs, each model of the page (seed 0).",
    )
)

# %%
display(
    plotting.captioned(
        plotting.loss_histograms(signals, kind="adversarial", title_suffix=" (PGD)"),
        f"{chapters.DISPLAY_NAMES[dataset]}: cross-entropy loss of members and non-members on PGD inputs, each model of the page (seed 0).",
    )
)

# %% [markdown]
# ## Beyond the paper's metric (DLS Table I, Fig. 2)
#
# The paper reports the balanced accuracy at the best threshold, chosen on the evaluated points
# themselves. The DLS paper {cite}`song2019membership` adds precision and recall at that threshold,
# the KL divergence between the member and non-member loss distributions and the area under the
# precision–recall curve (precision
# with a 50/50 member prior, so 0.5 is chance). The ROC AUC and the true-positive rate at a low
# false-positive rate are threshold-free and closer to how membership attacks are judged today. Means
# over seeds. The paper does not say how it binned the losses for the KL divergence, nor its direction;
# ours is KL(members ‖ non-members) on 100 equal-width bins (`mi_lib.metrics.loss_kl_divergence`), and
# its value moves a lot with those choices: compare models with it, not with the paper's number.

# %%
attack_metrics = report.attack_metrics_frame((r.config.method, r.config.seed, r.signals) for r in runs)
tables.tidy(attack_metrics.drop(columns="seed").groupby(["method", "attack"], sort=False).mean())

# %% [markdown]
# The DLS paper reports these columns for its CIFAR-10 models (its Table I): on a CIFAR-10 chapter the
# table below puts them beside ours (the IB attack: the DLS inference accuracy is CCS's IB, though the
# two papers print it a few hundredths of a point apart, from separate evaluation runs: each paper
# column is quoted from its own paper). Its Fig. 2
# plots the precision–recall curves of the natural and the adversarially trained model; ours follow
# (seed 0, every model of the chapter).

# %%
if chapters.has_dls_rows(dataset):
    display(chapters.dls_comparison(frame, attack_metrics, dataset=dataset))
else:
    display(
        Markdown(
            f"The DLS paper has no {chapters.DISPLAY_NAMES[dataset]} rows; the curves still show the attack's trade-off."
        )
    )
display(
    plotting.captioned(
        plotting.precision_recall_curves(signals, kind="benign", title="precision–recall, benign inputs (IB)"),
        f"{chapters.DISPLAY_NAMES[dataset]}: precision against recall of the confidence-threshold attack on clean inputs (IB), seed 0.",
    )
)  # %%
display(
    plotting.captioned(
        plotting.precision_recall_curves(signals, kind="adversarial", title="precision–recall, PGD inputs (IA)"),
        f"{chapters.DISPLAY_NAMES[dataset]}: precision against recall of the confidence-threshold attack on PGD inputs (IA), seed 0.",
    )
)  # %% [markdown]
# ## What differs from the paper, and why
#
# What the tier changes is listed at the top. Below, for each robust method, the regime of our models
# against the paper's; for Fashion-MNIST and the CIFAR-10 stand-in, the appendix *Calibrating the cpu tier*
# shows how leakage and regime move with the member count, the width, the epochs and augmentation (the long
# tier's pilot maps).

# %%
display(
    Markdown(
        "\n\n".join(
            f"**{report.METHOD_LABELS[m]}**\n\n" + chapters.regime_comparison(frame, config=config, robust=m)
            for m in chapters.robust_methods(frame)
        )
    )
)
