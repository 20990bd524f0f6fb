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
# # Secure and insecure points, and an attacker who does not know ε (CCS App. A and D, Figs. 7–9)
#
# ```{glue:} in_short
# ```
#
# Two questions from the CCS paper's appendices {cite}`song2019privacy`. **Figure 7:** a robust model's
# test points split into *secure* ones (still classified correctly under attack) and *insecure* ones;
# the insecure points carry large loss while the secure ones look like training points — so the leakage
# comes from the points robustness does not generalise to. **Figures 8–9:** the IA attack needs the
# attack's ε; an attacker who does not know the training ε still does well over a range of ε around it.

# %% tags=["parameters", "remove-cell"]
dataset = "yale"  # yale | fmnist | cifar10 | cifar10-jpeg
tier = "cpu"  # smoke | cpu | paper
methods = ["pgd", "dist", "diff"]  # robust models whose IA is swept over the attack ε
attack_eps = None  # attack ε grid; None: 0 to twice the training ε in 16 steps (the papers' 0-16/255 and 0-0.2), 4 at the smoke tier
seeds = 1  # seeds (0, 1, ...) per method; C17 is judged over them (at least 3 for a verdict), the figures show seed 0
progress = False
chapter = None  # the book's name for this page, set by mi_lib.book (its verdicts go to the scoreboard); None by hand

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT  (settings and paper numbers: the same on every machine)
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import analyses, chapters, plans, plotting, report, scoreboard, tables, tiers, why_leak

tables.show_tidy()  # every table below goes through the book's one formatting step

pd.set_option("display.max_colwidth", None)
config = tiers.preset(dataset, tier, method="pgd")
grid = attack_eps if attack_eps is not None else list(np.linspace(0, 2 * config.eps, 5 if tier == "smoke" else 17))
text, changes = chapters.tier_setting(config, seeds={m: seeds for m in methods})
display(Markdown(chapters.DATASET_NOTES[dataset] + "\n\n" + text))
changes

# %% [markdown]
# ## Secure and insecure test points (Fig. 7)
#
# The PGD model (seed 0): benign loss of its training points and of its test points, split by whether
# the evaluation PGD at the training ε fools the model.

# %%
all_runs = plans.run(plans.attack_eps(dataset=dataset, tier=tier, methods=methods, seeds=seeds), progress=progress)
runs = {m: rs[0] for m, rs in all_runs.items()}
losses = why_leak.secure_split(runs["pgd"].signals if "pgd" in runs else next(iter(runs.values())).signals)
display(
    plotting.captioned(
        plotting.loss_groups_histogram(losses, title="training points and secure / insecure test points"),
        "Cross-entropy loss of the PGD model on its training points and on the secure and insecure test points (those whose PGD example is still, or no longer, classified correctly).",
    )
)
secure_verdicts = [why_leak.secure_claim(losses)]
report.verdict_frame(secure_verdicts)

# %% [markdown]
# ## IA against the attack's ε (Figs. 8–9)

# %%
sweeps = {m: analyses.attack_eps_sweep(run.config, grid) for m, run in runs.items()}
sweep_frame = why_leak.eps_sweep_frame(sweeps)
display(
    plotting.captioned(
        plotting.eps_sweep_plot(sweep_frame, train_eps=config.eps, label=why_leak.eps_label),
        f"IA (inference accuracy on PGD examples) as the attack ε grows, for each model (seed 0); the dashed line marks the training ε {why_leak.eps_label(config.eps)}.",
    )
)

# %%
ia_by_eps = sweep_frame.pivot(index="attack_eps", columns="model", values="IA").rename(index=why_leak.eps_label)
display(Markdown("IA by attack ε, seed 0's models (the claim below uses every seed's):"))
tables.tidy(ia_by_eps, percent=ia_by_eps.columns)

# %% [markdown]
# ## The claim (C17)
#
# Per model: the worst IA over attack ε in [ε/2, 3ε/2] against IB (the attack at ε = 0), per seed, judged
# over the seeds.

# %%
seed_frames = [sweep_frame] + [
    why_leak.eps_sweep_frame({m: analyses.attack_eps_sweep(rs[s].config, grid) for m, rs in all_runs.items()})
    for s in range(1, seeds)
]
verdicts = [why_leak.unknown_eps_claim(seed_frames, model=m, train_eps=config.eps) for m in methods]
where = chapters.DISPLAY_NAMES[dataset]
in_short = [("C11", f"{where}, PGD", v) for v in secure_verdicts] + [
    ("C17", f"{where}, {m}", v) for m, v in zip(methods, verdicts)
]
scoreboard.record(in_short, chapter=chapter, tier=tier)
report.glue_in_short(in_short)
report.verdict_frame(verdicts)
