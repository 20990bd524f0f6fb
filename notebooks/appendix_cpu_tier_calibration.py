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
# # Calibrating the cpu tier: leakage vs member count (Fashion-MNIST)
#
# A tier is only right when its models sit in the papers' regime. The paper's natural Fashion-MNIST
# model sees 60,000 training images and generalises well; its robust model fits its training set under
# attack (high adv-train accuracy) but not the test set (much lower adv-test accuracy). Shrinking the
# training set naively changes this balance: with few members the *natural* model over-fits too and
# leaks as much as the robust one, hiding the paper's effect; with too little training the *robust*
# model under-fits and leaks less than the natural one, inverting it.
#
# This pilot keeps every other setting of the `cpu` tier fixed (network width, epochs, optimiser,
# attack) and varies only the number of members, for a natural and a PGD model (seed 0). The
# non-members are the same class-balanced test images throughout.

# %% tags=["parameters"]
tier = "cpu"
members = None  # None: the tier's pilot list (tiers.PILOT_MEMBERS)
eps = "0.1"
progress = False

# %%
from IPython.display import Markdown, display

from mi_lib import paper, plotting, report, tiers
from mi_lib.config import parse_eps
from mi_lib.experiments import member_sweep

eps = parse_eps(eps)
members = members or tiers.PILOT_MEMBERS[tier]
runs = member_sweep("fmnist", tier, members=members, eps=eps, progress=progress)
frame = report.runs_frame(runs)
frame["best_advantage"] = report.best_advantage(frame)

# %% [markdown]
# ## Leakage and the regime, per member count

# %%
table = frame.pivot(index="n_members", columns="method", values=["train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia", "best_advantage"])
table[("ratio", "pgd / natural")] = table[("best_advantage", "pgd")] / table[("best_advantage", "natural")]
table.round(4)

# %%
fig = plotting.member_sweep_plot(frame, title=f"Fashion-MNIST, {tier}-tier models, seed 0")

# %% [markdown]
# ## Which member count the cpu tier uses

# %%
chosen = tiers.preset("fmnist", tier).n_members
paper_ratio = paper.row("ccs_advantage_ratios", dataset="fmnist")["ratio"]
regime = report.regime_table(frame).set_index(["n_members", "method"])["in regime"].unstack()
row = table.loc[chosen] if chosen in table.index else None
display(Markdown(
    f"The `{tier}` preset uses **{chosen} members**. "
    + (f"At that size the PGD/natural advantage ratio is **{row[('ratio', 'pgd / natural')]:.2f}×** "
       f"(paper: {paper_ratio}×); both models in regime: {bool(regime.loc[chosen].all())}. " if row is not None else "It is not in this sweep. ")
    + "The largest member count is bounded by the chapter's 45-minute budget on a 2-core CPU "
      "(three seeds of both models); training time grows linearly with the member count."
))
regime
