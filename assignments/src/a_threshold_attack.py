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
# # Assignment (a): the threshold attack and its balanced-accuracy rule
#
# You implement the membership-inference attack of Song, Shokri & Mittal (CCS 2019) and check it on the
# authors' own models: from their released outputs, your attack must give the paper's Table 2 to the
# last digit. The chapter this assignment comes from opens like this:

# %% [markdown]
# <!-- chapter-intro: yale_released_outputs -->

# %% [markdown]
# ## Task 1: the score
#
# The attack scores a point by the model's confidence in its true label, $F_y(x)$: the softmax
# probability of the correct class. Write `true_label_confidence(probs, labels)`: `probs` is an
# (N, K) array of softmax outputs, `labels` an (N,) array of integer labels; return the (N,) array of
# $F_y(x)$.

# %% tags=["task"]
import numpy as np


def true_label_confidence(probs, labels):
    ### BEGIN SOLUTION
    probs, labels = np.asarray(probs), np.asarray(labels).astype(np.int64)
    return probs[np.arange(len(labels)), labels]
    ### END SOLUTION


# %% [markdown]
# ## Task 2: the threshold and its balanced accuracy
#
# A point is called a member when its score is at least τ. For a threshold τ, the true-positive rate
# is the fraction of members with score ≥ τ and the false-positive rate the fraction of non-members
# with score ≥ τ. The paper reports the **balanced accuracy** ½(TPR + 1 − FPR), maximised over every
# observed score (members' and non-members'), and never below ½ (guessing). Write
# `attack_accuracy(member_scores, nonmember_scores)` returning that maximum. It must be exact, and fast
# enough for 60,000 points: sort, do not loop over thresholds in Python.

# %% tags=["task"]
def attack_accuracy(member_scores, nonmember_scores):
    ### BEGIN SOLUTION
    members = np.sort(np.asarray(member_scores, dtype=np.float64))
    nonmembers = np.sort(np.asarray(nonmember_scores, dtype=np.float64))
    thresholds = np.unique(np.concatenate([members, nonmembers]))
    tpr = 1.0 - np.searchsorted(members, thresholds, side="left") / members.size
    fpr = 1.0 - np.searchsorted(nonmembers, thresholds, side="left") / nonmembers.size
    return float(max(0.5, np.max(0.5 * (tpr + 1.0 - fpr))))
    ### END SOLUTION


# %% [markdown]
# ## Try it on the authors' models
#
# The released outputs hold, for every member (`train`) and non-member (`test`), the softmax on the
# clean input (`benign`) and on its PGD example (`adversarial`). IB thresholds the clean confidences,
# IA the adversarial ones.

# %%
from mi_lib.data import load_released_yale_outputs
from mi_lib import paper

rows = []
for model in ("natural", "pgd", "dist", "diff"):
    s = load_released_yale_outputs(model)
    ib = attack_accuracy(true_label_confidence(s["output_train_benign"], s["train_label"]),
                         true_label_confidence(s["output_test_benign"], s["test_label"]))
    ia = attack_accuracy(true_label_confidence(s["output_train_adversarial"], s["train_label"]),
                         true_label_confidence(s["output_test_adversarial"], s["test_label"]))
    theirs = paper.row("ccs_table2", method=model)
    rows.append({"model": model, "IB (yours)": ib, "IB (paper)": theirs["ib"], "IA (yours)": ia, "IA (paper)": theirs["ia"]})
import pandas as pd

pd.DataFrame(rows).round(4)

# %% [markdown] tags=["answer"]
# **Question.** Why does the balanced accuracy not depend on how many members and non-members there
# are, and why is the threshold chosen this way an *oracle* that a real attacker does not have?
#
# <!-- BEGIN SOLUTION -->
# TPR is a fraction of the members and FPR a fraction of the non-members, so ½(TPR + 1 − FPR) is the
# accuracy on a set with as many members as non-members, whatever the sizes of the two sets. The
# threshold is chosen by trying every observed score *on the very points being scored*, with their
# membership known: an attacker would have to pick τ without those labels (on shadow models, or on
# data of their own), and would do worse.
# <!-- END SOLUTION -->
