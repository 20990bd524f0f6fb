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
# # Assignment (c): train a natural and a PGD model, and measure the leakage gap
#
# You write PGD adversarial training yourself, train a natural and a robust model at the book's `smoke`
# tier, attack both with the threshold attack, and measure how much more the robust one leaks. The
# chapter this assignment comes from:

# %% [markdown]
# <!-- chapter-intro: fmnist_natural_vs_pgd -->

# %% [markdown]
# ## Task 1: the PGD training loss (Madry et al.)
#
# Write `pgd_training_loss(model, x, y, *, eps, step_size, steps, generator)`: start from a random point
# of the ε-ball, `x + (2u − 1)·eps` with `u = torch.rand(x.shape, generator=generator)`, clipped to
# [x − eps, x + eps] ∩ [0, 1]; take `steps` signed-gradient steps of `step_size` on the summed
# cross-entropy (model in eval mode, each step clipped as in assignment (b)); then, with the model back
# in its previous mode, return the **mean** cross-entropy of the model on those adversarial examples.

# %% tags=["task"]
import torch
from torch.nn import functional as F


def pgd_training_loss(model, x, y, *, eps, step_size, steps, generator):
    ### BEGIN SOLUTION
    x0 = x.detach()
    lower, upper = (x0 - eps).clamp(0, 1), (x0 + eps).clamp(0, 1)
    u = torch.rand(x0.shape, generator=generator)
    x_adv = torch.max(torch.min(x0 + (2 * u - 1) * eps, upper), lower)
    was_training = model.training
    model.eval()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y, reduction="sum"), x_adv)
        x_adv = torch.max(torch.min(x_adv.detach() + step_size * grad.sign(), upper), lower)
    model.train(was_training)
    return F.cross_entropy(model(x_adv.detach()), y)
    ### END SOLUTION


# %% [markdown]
# ## Task 2: a training loop
#
# Write `train(model, x, y, *, loss_fn, epochs, batch_size, lr, seed)`: Adam with learning rate `lr`;
# each epoch shuffles the training set with `torch.randperm(len(y), generator=g)`, where
# `g = torch.Generator().manual_seed(seed * 1000 + epoch)`; for each batch, `loss_fn(model, xb, yb, g)`
# gives the loss to minimise. Return the trained model in eval mode.

# %% tags=["task"]
def train(model, x, y, *, loss_fn, epochs, batch_size, lr, seed):
    ### BEGIN SOLUTION
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        g = torch.Generator().manual_seed(seed * 1000 + epoch)
        order = torch.randperm(len(y), generator=g)
        model.train()
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            loss = loss_fn(model, x[idx], y[idx], g)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
    ### END SOLUTION


# %% [markdown]
# ## Task 3: the gap
#
# The membership advantage of an attack is 2·(accuracy − ½). Write `advantage_gap(natural, robust)`: each
# argument is a dict of signals in the authors' schema (`output_train_benign`, `output_test_benign`,
# `output_train_adversarial`, `output_test_adversarial`, `train_label`, `test_label`); return the robust
# model's best advantage (the larger of IB's and IA's) minus the natural model's. You may use your
# attack from assignment (a), or `mi_lib.metrics.inference_results`.

# %% tags=["task"]
from mi_lib.metrics import inference_results


def advantage_gap(natural, robust):
    ### BEGIN SOLUTION
    def best(signals):
        results = inference_results(signals)
        return max(results["ib"].advantage, results["ia"].advantage)

    return best(robust) - best(natural)
    ### END SOLUTION


# %% [markdown]
# ## Train and measure at the smoke tier
#
# The `smoke` tier trains in seconds: 200 Fashion-MNIST members, a narrow network, two epochs. Its
# numbers say nothing about the paper; rerun with `tiers.preset("fmnist", "cpu", ...)` (about an hour on
# two cores) to see the paper's regime.

# %%
from mi_lib import tiers
from mi_lib.data import membership_split
from mi_lib.models import build_model
from mi_lib.signals import compute_signals

config = tiers.preset("fmnist", "smoke", method="pgd")
split = membership_split(config)
shape = tuple(split.x_members.shape[1:])
natural = train(build_model(config, in_shape=shape, n_classes=10), split.x_members, split.y_members,
                loss_fn=lambda m, xb, yb, g: F.cross_entropy(m(xb), yb), epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, seed=0)
robust = train(build_model(config, in_shape=shape, n_classes=10), split.x_members, split.y_members,
               loss_fn=lambda m, xb, yb, g: pgd_training_loss(m, xb, yb, eps=config.eps, step_size=config.step_size, steps=config.train_steps, generator=g),
               epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, seed=0)
evaluate = lambda m: compute_signals(m, split, eps=config.eps, steps=config.eval_steps, step_size=config.eval_step_size)  # noqa: E731
print(f"advantage gap robust − natural: {advantage_gap(evaluate(natural), evaluate(robust)):+.3f}")

# %% [markdown] tags=["answer"]
# **Question.** At the smoke tier the gap is noise. What must be true of the two models for the paper's
# gap to appear (think of train, test, adv-train and adv-test accuracy)?
#
# <!-- BEGIN SOLUTION -->
# Both must fit their training set (train accuracy near 100%), the natural model must generalise (small
# train–test gap, so its IB stays low), and the robust model must be robust on its training points but not
# on unseen ones (adv-train accuracy far above adv-test): then adversarial examples separate members from
# non-members, and IA leaks more than the natural model's IB. Too few members or too little training
# breaks one of these and hides or inverts the effect.
# <!-- END SOLUTION -->
