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
# # Claims scoreboard
#
# Every qualitative claim of the three papers (CCS 2019 {cite}`song2019privacy`, DLS 2019
# {cite}`song2019membership`, PINEAT 2023 {cite}`yan2023pineat`), with the paper's
# numbers and the verdict this reproduction computes from its own results. Nothing on this page is
# typed by hand: the claims and the paper's values come from `mi_lib/reference/claims.json`, the
# verdicts from the committed runs of each chapter (`mi_lib.scoreboard`).
#
# **How a verdict is decided.** A claim is checked in *scopes*, one per dataset and method (e.g.
# "Fashion-MNIST, PGD"). In each scope, "a > b" is judged on the per-seed differences, pairing models
# trained with the same seed: it **holds** when the one-sided 95% confidence bound of the mean
# difference is above zero, **does not hold** when the opposite bound is at or below zero, and is
# **inconclusive** when the effect lies within the seed spread, or when fewer than three seeds back it
# (one run, including the authors' single released models, is a sign, not evidence). A few claims are
# about something else that repeats, and pair over that instead, naming it in their numbers: the
# removal rounds of C3 (each retrains both models), the rounds of one model's perturbations in F1 (a
# bootstrap), the benchmark repeats behind C13's time ratio; claims about the points of one model
# (C11) use a bootstrap over the points. A claim's status
# **holds** when every testable scope holds, **does not hold** when every one does not, **inconclusive**
# when every one is, and is **mixed** otherwise; claims no chapter checks yet are listed as **not yet
# reproduced**, not hidden. A scope whose models sit outside the papers' regime (e.g. an Original model
# that does not fit its training set, so there is no leakage for a defence to cut) is **not testable** at
# that tier: its claim's status says "where testable" and names it, and a claim with no testable scope
# is **not testable**.

# %% tags=["parameters", "remove-cell"]
tier = "cpu"  # whose results the scoreboard reads: smoke | cpu | paper

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import HTML, Markdown, display

from mi_lib import overview, scoreboard, tables

tables.show_tidy()  # every table below goes through the book's one formatting step

pd.set_option("display.max_colwidth", None)
found = scoreboard.checks(tier)

# %% [markdown]
# ## Status of every claim
#
# Columns of status: our own models (at the tier that built this book; where a page of the `long` tier
# is in the book, a column for it too, "—" on the claims it does not check), and the authors' released
# Yale models run through our attack (they exist only for Yale Face; see the first chapter).

# %%
board = scoreboard.board(found, tier=tier)
display(Markdown(scoreboard.status_sentence(board, tier=tier, found=found)))
display(HTML(scoreboard.to_html(board)))

# %% [markdown]
# ## Claim by claim: every scope's verdict, with its numbers
#
# One block per claim, folded: its line gives the claim and its status; open it for the paper's value and
# one row per scope (a dataset and a method) with the numbers the verdict rests on and the chapter that
# computed it.

# %% tags=["remove-input"]
display(HTML(overview.claims_by_group(found, tier=tier)))
