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
# # Assignment (b): l∞ projected gradient descent
#
# Adversarial training and the IA attack both rest on PGD (Madry et al.): starting from an input x₀,
# take steps that increase the model's loss on the true label, each projected back into the l∞ ball of
# radius ε around x₀ and into the image range [0, 1]. The chapter this assignment comes from:

# %% [markdown]
# <!-- chapter-intro: fmnist_natural_vs_pgd -->

# %% [markdown]
# ## Task: `pgd_linf`
#
# Write `pgd_linf(model, x, y, *, eps, step_size, steps)`: `x` is a (B, C, H, W) tensor in [0, 1],
# `y` its (B,) labels. Starting at `x` itself (no random start, as in the papers' evaluation), repeat
# `steps` times: compute the gradient of the summed cross-entropy with respect to the input, move by
# `step_size` times its sign, clip to [x − eps, x + eps] and to [0, 1]. Put the model in eval mode
# while attacking and restore its mode afterwards; return the adversarial batch, detached.

# %% tags=["task"]
import torch
from torch.nn import functional as F


def pgd_linf(model, x, y, *, eps, step_size, steps):
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    x0 = x.detach()
    lower, upper = (x0 - eps).clamp(0, 1), (x0 + eps).clamp(0, 1)
    x_adv = x0.clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y, reduction="sum"), x_adv)
        x_adv = torch.max(torch.min(x_adv.detach() + step_size * grad.sign(), upper), lower)
    model.train(was_training)
    return x_adv.detach()
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# A small network trained for a few seconds on Fashion-MNIST, attacked at the paper's ε = 0.1: watch
# the accuracy fall as ε grows.

# %%
from mi_lib import tiers
from mi_lib.analyses import trained_model

config = tiers.preset("fmnist", "smoke", method="natural")
model, split = trained_model(config)
x, y = split.x_nonmembers[:100], split.y_nonmembers[:100]
for eps in (0.0, 0.02, 0.05, 0.1):
    x_adv = pgd_linf(model, x, y, eps=eps, step_size=2.5 * eps / 20, steps=20)
    with torch.no_grad():
        print(f"eps {eps:.2f}: accuracy {(model(x_adv).argmax(1) == y).float().mean():.2f}")

# %% [markdown] tags=["answer"]
# **Question.** Why does the evaluation attack use the sign of the gradient rather than the gradient
# itself, and what would a random start change?
#
# <!-- BEGIN SOLUTION -->
# Under an l∞ budget every coordinate may move by up to ε independently, so the steepest ascent direction
# for a linearised loss is the sign of the gradient (it maximises the first-order gain over the l∞ ball);
# the raw gradient would spend the budget unevenly. A random start explores the ball from a random point:
# it avoids starting where the gradient is uninformative (e.g. a saturated softmax) and makes training
# robust to more than one attack path; without it the attack is deterministic, as the papers' evaluation.
# <!-- END SOLUTION -->
