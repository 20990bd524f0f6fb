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
# # Membership inference against adversarially robust models
#
# **The question.** Defences against adversarial examples train a model to be robust in a small
# ball around every training point. Does that robustness make the model *leak* which points it was
# trained on? Three papers (below) say it does. This book reruns them, puts every reproduced number
# beside the paper's own, and computes a verdict for each of their claims.

# %% tags=["parameters", "remove-cell"]
tier = "cpu"  # whose results the verdicts come from: smoke | cpu | paper

# %% tags=["remove-input"]
from IPython.display import HTML, Markdown, display

from mi_lib import overview, plotting, scoreboard, tables, tiers

tables.show_tidy()  # every table below goes through the book's one formatting step

found = scoreboard.checks(tier)
c1 = overview.c1_frame(found, tier=tier)
display(
    Markdown(
        "## The answer, on our models\n\n" + overview.answer(c1, tier=tier) + "\n" + overview.beyond(found, tier=tier)
    )
)

# %% [markdown]
# The papers:
#
# - **CCS 2019** — Song, Shokri & Mittal, *Privacy Risks of Securing Machine Learning Models against
#   Adversarial Examples* {cite}`song2019privacy`. Training a model to resist adversarial examples
#   (PGD, distributional, TRADES-style or verifiable defences) makes it *more* vulnerable to
#   membership inference.
# - **DLS 2019** — the same authors' workshop paper {cite}`song2019membership`: precision, recall,
#   KL divergence and AUPRC of the attack, and how leakage grows during training.
# - **PINEAT (PRCV 2023)** {cite}`yan2023pineat` — reverse-symmetry examples that cut both privacy
#   leakage and training time.
#
# A model is in the papers' *regime* when it fits its training set and, if robust, fits its
# adversarial training set far better than the test set; a scope (a dataset and a defence) whose
# models miss it is *not testable*, since such models cannot show the effect either way. A *tier* is a
# size of the same experiment (below): `cpu` is what this book shows, `long` spends hours per model.

# %% tags=["remove-input"]
board = scoreboard.board(found, tier=tier)
display(Markdown("## Every claim\n\n" + scoreboard.status_sentence(board, tier=tier, found=found)))
if len(c1):
    display(
        plotting.captioned(
            overview.c1_figure(c1, tier=tier),
            f"The central claim (C1) on our {tier}-tier models: the membership advantage of each robust model over "
            "the natural model's, the paper's (black diamond) beside ours (per seed, mean and two-sided 95% "
            "t-interval over seeds), coloured by C1's verdict in that scope. Right of the dashed line, the robust "
            "model leaks more. Grey: not testable, the models miss the papers' regime at this tier (each chapter "
            "shows its regime table)."
            + (" A row marked long tier shows that tier's models." if (c1["tier"] != tier).any() else ""),
        )
    )
display(HTML(scoreboard.to_html(board.drop(columns=["source", "paper"]))))

# %% [markdown]
# The [claims scoreboard](claims_scoreboard.ipynb) has the paper's numbers behind each claim and
# every verdict with its own numbers. A verdict is computed, never typed. In each scope (a dataset and a
# method) it **holds** when the one-sided 95% bound of the effect, over at least three independent
# runs, is on the claim's side of zero, **does not hold** when it is on the other side, and is
# **inconclusive** otherwise (fewer than three runs, or an effect within their spread); a scope whose
# models miss the papers' regime is **not testable**. The runs are seeds, except where a claim is about
# something else that repeats (removal rounds, benchmark repeats), which its verdict names. A
# claim holds when every testable scope holds, and says so when some scopes are not testable.
#
# ## The attack
#
# Membership is inferred by thresholding the model's confidence in the true label, $F_y(x)$: a point
# is called a member when $F_y(x) \ge \tau$. **IB** uses the clean input, **IA** its PGD adversarial
# example (20 steps of $2.5\varepsilon/20$, no random start). As in the papers, $\tau$ maximises the
# balanced accuracy over every observed score, and the membership advantage is
#
# $$
# \mathrm{acc} = \max_\tau \tfrac12\bigl(\mathrm{TPR}(\tau) + 1 - \mathrm{FPR}(\tau)\bigr), \qquad
# \mathrm{Adv} = 2\,(\mathrm{acc} - \tfrac12).
# $$
#
# ## How to read a chapter
#
# Each chapter is a notebook executed by `mi_lib` and committed with its outputs. It opens with its
# answer (a box: our number beside the paper's, and each claim's verdict), then states which **tier**
# produced it and what that tier changes against the paper, shows whether its models sit in the
# paper's regime (training set fitted; for robust models, adv-train accuracy far above adv-test), and
# the paper's table beside ours with the difference, before the verdicts with their numbers.
#
# ## Tiers
#
# The papers' models need hundreds of GPU-hours. Every experiment therefore runs at four sizes of
# the same method: `smoke` (seconds, for the tests; its numbers mean nothing), `cpu` (what this book
# shows: under 45 minutes per chapter on a 2-core machine), `long` (hours per model on 2 cores or
# minutes on a GPU, trained by a campaign over several sessions; its pages are marked "at the long
# tier") and `paper` (the authors' settings, for a GPU). On CIFAR-10 the smaller tiers use a JPEG
# stand-in of it (the only copy on this project's machines; every result on it says so), the `paper`
# tier the real data. PGD-based training at each tier:

# %% tags=["remove-input"]
# NBVAL_CHECK_OUTPUT  (settings and paper numbers: the same on every machine)
tiers.overview()

# %% [markdown]
# ## Rerun a chapter with a new ε
#
# Chapters are [jupytext](https://jupytext.readthedocs.io) scripts in `notebooks/` with a `parameters`
# cell; [papermill](https://papermill.readthedocs.io) reruns any of them with new parameters. A new
# ε is a new configuration, hence new models, trained and cached under its hash:
#
# ```bash
# ./run notebook fmnist_natural_vs_pgd -p eps 0.05 -o fmnist_eps005.ipynb           # cpu tier
# ./run notebook yale_natural_vs_pgd -p eps 4/255 -p seeds 1 --tier smoke -o quick.ipynb
# ```
#
# ## Run the checks
#
# ```bash
# ./run test     # unit tests + pytest --nbval-lax on the smoke-tier copies of every chapter
# ./run book     # rebuild this book (re-executes only chapters whose code changed)
# ```
