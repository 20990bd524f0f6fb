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
# # Calibrating the cpu tier: leakage vs member count and width (Fashion-MNIST)
#
# A tier is only right when its models sit in the papers' regime. The paper's natural Fashion-MNIST
# model sees 60,000 training images and generalises well (test accuracy ≈ 92%); its robust model fits
# its training set under attack (high adv-train accuracy) but not the test set (much lower adv-test
# accuracy). Shrinking naively changes this balance: with few members the *natural* model over-fits
# too and leaks as much as the robust one, hiding the paper's effect; with too little training the
# *robust* model under-fits and leaks less than the natural one, inverting it.
#
# This pilot trains a natural and a PGD model (seed 0) at several points — member count, network width
# and epochs — keeping every other setting of the `cpu` tier (optimiser, attack, ε, non-members). The
# cost of PGD training grows with members × epochs × width², so a 2-core CPU buys more members only
# with a narrower network or fewer epochs.

# %% tags=["parameters", "remove-cell"]
tier = "cpu"
points = None  # None: the tier's pilot points (mi_lib.tiers.PILOT_POINTS), a list of preset overrides
eps = "0.1"
progress = False

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from mi_lib import paper, plans, plotting, report, tables, tiers

tables.show_tidy()  # every table below goes through the book's one formatting step
from mi_lib.config import PRECISION_NAMES, parse_eps

pd.set_option("display.max_colwidth", None)  # verdicts carry their numbers in full

eps = parse_eps(eps)
points = points or tiers.PILOT_POINTS[tier]
plan = plans.appendix_cpu_tier_calibration(tier=tier, points=points, eps=eps)  # point -> its natural and PGD runs
runs = plans.flatten(plans.run(plan, progress=progress).values())
frame = report.runs_frame(runs)
frame["best_advantage"] = report.best_advantage(frame)

# %% [markdown]
# ## Leakage and the regime at each point
#
# `ratio` is the PGD model's best advantage (max of IB, IA) over the natural model's; the paper's is
# shown below the table.

# %%
table = frame.pivot(
    index=["width", "epochs", "n_members"],
    columns="method",
    values=["train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia", "best_advantage", "train_time_s"],
)
table[("ratio", "pgd / natural")] = table[("best_advantage", "pgd")] / table[("best_advantage", "natural")]
paper_row = paper.row("ccs_advantage_ratios", dataset="fmnist")
natural, pgd = paper.row("ccs_table3", method="natural"), paper.row("ccs_table3", method="pgd")
display(
    Markdown(
        f"Paper (60,000 members, full width): natural test {100 * natural['test_acc']:.2f}%, IB {100 * natural['ib']:.2f}%; "
        f"PGD adv-train {100 * pgd['adv_train_acc']:.2f}%, adv-test {100 * pgd['adv_test_acc']:.2f}%, IA {100 * pgd['ia']:.2f}%; "
        f"ratio {paper_row['ratio']}×."
    )
)
summary = table[
    [
        ("train_acc", "pgd"),
        ("test_acc", "natural"),
        ("ib", "natural"),
        ("adv_train_acc", "pgd"),
        ("adv_test_acc", "pgd"),
        ("ia", "pgd"),
        ("ratio", "pgd / natural"),
        ("train_time_s", "pgd"),
    ]
]
summary.columns = [
    "PGD train",
    "natural test",
    "natural IB",
    "PGD adv-train",
    "PGD adv-test",
    "PGD IA",
    "ratio PGD / natural",
    "PGD train time (s)",
]
summary

# %% [markdown]
# The full pivot of every column, for reference:

# %%
table

# %% tags=["hide-input"]
narrow, wide = (0.125, 60, 1000), (0.25, 60, 1000)
if narrow in table.index and wide in table.index:
    a, b = table.loc[narrow], table.loc[wide]
    display(
        Markdown(
            f"**Capacity.** At 1,000 members, widening the network from ⅛ to ¼ of the paper's width raises the PGD model's "
            f"adv-train accuracy from {100 * a[('adv_train_acc', 'pgd')]:.2f}% to {100 * b[('adv_train_acc', 'pgd')]:.2f}% and its IA "
            f"from {100 * a[('ia', 'pgd')]:.2f}% to {100 * b[('ia', 'pgd')]:.2f}%, while the natural model's IB goes from "
            f"{100 * a[('ib', 'natural')]:.2f}% to {100 * b[('ib', 'natural')]:.2f}%: the ratio moves from "
            f"{a[('ratio', 'pgd / natural')]:.2f}× to {b[('ratio', 'pgd / natural')]:.2f}× (one seed each). "
            f"A ¼-width PGD model costs {b[('train_time_s', 'pgd')] / a[('train_time_s', 'pgd')]:.1f}× the training time of a ⅛-width one."
        )
    )

# %%
display(
    plotting.captioned(
        plotting.member_sweep_plot(frame, title=f"Fashion-MNIST, {tier}-tier pilot, seed 0"),
        f"Fashion-MNIST pilot points of the {tier} tier (seed 0): accuracies and attack advantages of the natural and PGD models as members, width and epochs grow.",
    )
)

# %% [markdown]
# ## Which point the cpu tier uses

# %% tags=["hide-input"]
config = tiers.preset("fmnist", tier)
key = (config.width, config.epochs, config.n_members)
regime = report.regime_table(frame).set_index(["width", "epochs", "n_members", "method"])["in regime"].unstack()
found = key in table.index
display(
    Markdown(
        f"The `{tier}` preset trains width {config.width:g}, {config.epochs} epochs, **{config.n_members} members**. "
        + (
            f"There this pilot's seed-0 models give a PGD/natural advantage ratio of **{table.loc[key, ('ratio', 'pgd / natural')]:.2f}×** "
            f"(paper {paper_row['ratio']}×); both pass the chapters' regime check: {bool(regime.loc[key].all())}. "
            if found
            else "That point is not in this pilot. "
        )
        + "The chapter runs three seeds of both models at that point within its 45-minute budget on a 2-core CPU, and "
        "gives the ratio over all three."
    )
)
regime

# %% [markdown]
# ## Beyond the cpu tier: the `long` tier's pilot
#
# The cpu tier's models pass the chapters' regime check (each fits its training set; the robust one
# fits its adversarial training set far better than the test set), but they are not at the paper's
# operating point: the natural model over-fits its few members and generalises less than the paper's,
# so the robust model's extra leakage hardly shows. The `long` tier spends more compute per model (a
# background campaign over several sessions, `./run campaign fmnist`, on 2 cores; on a GPU when a
# session has one) on more members, a wider network and more epochs, and looks for the first point
# where all four targets below hold. The targets are stricter than the chapters' regime check: they
# also ask for the paper's generalisation and leakage level. Each point after the first changes one
# thing, or combines two that moved the numbers the right way, so the map also says how far each
# direction moved the targets' numbers.
#
# The tier's preset trains in bfloat16 (float32 weights, optimiser and evaluation; the A/B check at
# the end of this page), several times faster than float32 on a CPU that computes bf16 (`./run bench`
# measures it on the machine at hand). Most sessions' machines do not, so the map continued in
# float32: natural models on the CPU, most robust models on a GPU (the `trained on` column). Table
# 3's long page shows a point of the bf16 map (below); its Dist and Diff pages, the float32 map's first
# point. Only finished runs are shown (this page never trains them); a point's missing model reads as
# blank.

# %% tags=["hide-input"]
from mi_lib import book, campaign, campaign_cost

columns = ["method", "width", "epochs", "n_members", "train_acc", "test_acc", "adv_train_acc", "adv_test_acc"]

for precision, heading in ((None, "bfloat16 training (the tier's)"), ("fp32", "float32 training (the map so far)")):
    long_frame = campaign.pilot_frame("fmnist", precision=precision)
    display(Markdown(f"**{heading}**"))
    if len(long_frame):
        display(
            tables.tidy(
                report.pilot_targets(long_frame, tiers.LONG_TARGETS),
                percent=["natural test accuracy", "natural best advantage", "PGD adv-train − adv-test"],
            )
        )
        display(tables.tidy(long_frame[[*columns, "ib", "ia", "train_time_s", "trained_on"]]))
        directions = campaign.direction_frame("fmnist", precision=precision)
        if len(directions):
            display(Markdown("How far each direction moved the targets' numbers (that point minus the first):"))
            display(tables.tidy_differences(directions))
        for sentence in campaign.longer_training("fmnist", precision=precision):
            display(Markdown("Training longer: " + sentence))
    else:
        display(Markdown("No run of this map has finished yet."))
display(Markdown("Where each model of the campaign stands, in its order:"))
display(tables.tidy(campaign.status_frame("fmnist")))

# %% [markdown]
# **Table 3 at the `long` tier.** A verdict needs three seeds per model. The float32 map's first point
# (the tier's preset) was widened to three seeds first (`./run campaign fmnist --precision fp32
# --point n_members=10000,width=0.25,epochs=40 --seeds 3`), though it misses targets (above): each point
# beyond it doubles the members, the epochs or the width, hence at least doubles a PGD model's
# training work, more than the campaign affords per model on 2 cores in float32. bfloat16 training (a
# PGD-10 step 4.5× faster on an AMX CPU) bought the bigger points: the bf16 map's point of 20,000
# members, ¼ width and 80 epochs meets the natural and gap targets with the highest ratio of that map
# at seed 0 (above), and was widened to three seeds (`./run campaign fmnist --precision bf16 --methods
# natural,pgd --seeds 3 --point n_members=20000,width=0.25,epochs=80`). The page *Table 3 at the long
# tier* shows it, with its C1 and C2 verdicts:

# %% tags=["hide-input"]
text, seeds_status, _ = campaign.long_page_status(book.long_page("fmnist"))
display(Markdown(text))
tables.tidy(seeds_status)

# %% [markdown]
# **Dist and Diff, seed 0**, beside the natural and PGD models of the same point and seed; the ratio
# is each robust model's best advantage over the natural model's (the paper's ratios are on the
# chapters' pages). One seed is no verdict. At the float32 map's first point (10,000 members, ¼ width,
# 40 epochs) both have three seeds, with their verdicts on their own long-tier pages; at Table 3's
# bf16 point they are being trained (seed 0 first), and a model not finished yet is absent from its
# table.

# %% tags=["hide-input"]
table3, table3_point = campaign.page_point(book.long_page("fmnist"))
for precision, point, heading in (
    ("fp32", None, "the float32 map's first point"),
    (
        table3.precision,
        table3_point,
        f"Table 3's point ({tiers.describe_point(table3_point)}, {PRECISION_NAMES[table3.precision]})",
    ),
):
    display(Markdown(f"**At {heading}**"))
    point_models = campaign.point_frame("fmnist", precision=precision, point=point)
    if len(point_models):
        shown = tables.tidy(point_models.drop(columns="ratio"))
        shown["ratio"] = [("—" if pd.isna(v) else f"{v:.2f}×") for v in point_models["ratio"]]
        display(shown)
    else:
        display(Markdown("No model of this point has finished yet."))

# %% [markdown]
# ## The CIFAR-10 stand-in's `long`-tier pilot
#
# Table 4's comparison needs a natural model that fits its training set and generalises (test
# accuracy ≥ 75%) and a PGD model that over-fits under attack (adv-train − adv-test ≥ 20 pp); the
# cpu tier's WRN-10-1 on 2,000 members reaches neither, so every CIFAR-10 scope is *not testable*.
# The pilot starts from a WRN-16-2 on 10,000 members (JPEG stand-in, with augmentation) and changes
# one thing at a time: width, members, augmentation (`./run campaign cifar10-jpeg`, natural models
# first: they are cheap). Augmentation pulls the two models apart: it buys the natural model's
# generalisation and costs the PGD model its over-fitting (the WRN-16-4 below fits its own training
# set under attack only a few points better than unseen images), while without it the natural model
# falls short of 75%. So the last point drops augmentation and doubles the members: in bfloat16 it is
# the first point to meet all three targets (seed 0, the tables below), and its PGD model costs about
# 3.5 hours of training on 2 cores, under the 6-hour limit. The natural
# models also run in float32 where bf16 is emulated (`--precision fp32 --methods natural`: about an
# hour each on 2 AVX2 cores, where a float32 PGD model would take about ten), so the map's natural
# side advances on any CPU; its float32 PGD models train on a GPU when a session has one. In
# bfloat16 on a CPU with AMX, even the WRN-16-4's PGD model fits the pilot's cost limit of 6
# CPU-hours per robust model on 2 cores (`./run bench --models cifar10-long,cifar10-long-wide
# --precisions bf16` projects each model's hours of training on the machine at hand), so the bf16
# map was started with that model (`./run campaign cifar10-jpeg --methods pgd --point width=4`): its
# natural model meets both natural targets in float32. The map's last point asks whether more epochs
# let a PGD model fit its training set, which Table 4's PGD models (below) miss: it trains the
# no-augmentation point at 10,000 members for 100 epochs instead of 60 (float32, on a GPU; the
# sentence under the float32 tables says what changed). Only finished runs are judged; this page
# never trains them.

# %% tags=["hide-input"]
for precision, heading, methods in (
    (None, "bfloat16 training (the tier's)", ("natural", "pgd")),
    ("fp32", "float32 training (natural models on the CPU, PGD models on a GPU)", ("natural", "pgd")),
):
    cifar_frame = campaign.pilot_frame("cifar10-jpeg", precision=precision)
    display(Markdown(f"**{heading}**"))
    if len(cifar_frame):
        display(
            tables.tidy(
                report.pilot_targets(cifar_frame, tiers.CIFAR_LONG_TARGETS, by=("point",)),
                percent=list(tiers.CIFAR_LONG_TARGETS),
            )
        )
        display(
            tables.tidy(cifar_frame[["point", *columns[:1], *columns[4:], "ib", "ia", "train_time_s", "trained_on"]])
        )
        directions = campaign.direction_frame("cifar10-jpeg", precision=precision)
        if len(directions):
            display(Markdown("How far each direction moved the targets' numbers (that point minus the first):"))
            display(tables.tidy_differences(directions))
        for sentence in campaign.longer_training("cifar10-jpeg", precision=precision):
            display(Markdown("Training longer: " + sentence))
    else:
        display(Markdown("No run of this map has finished yet."))
    display(tables.tidy(campaign.status_frame("cifar10-jpeg", methods=methods, precision=precision)))

# %% [markdown]
# **Table 4 at the `long` tier.** The point that meets all three targets trains three seeds per model
# (`./run campaign cifar10-jpeg --precision bf16 --methods natural,pgd --seeds 3
# --point n_members=20000,width=2,augment=false`); all six have finished and its page is in the book
# (the sentence and table below). Without augmentation the natural model memorises its members and
# leaks more than the PGD model does (IB and IA in the table above), the opposite of the paper's
# Table 4, whose natural model generalises far better (below).

# %% tags=["hide-input"]
natural4, pgd4 = paper.row("ccs_table4", method="natural"), paper.row("ccs_table4", method="pgd")
display(
    Markdown(
        f"The paper's Table 4: natural test accuracy {report.percent(natural4['test_acc'])}, IB "
        f"{report.percent(natural4['ib'])}; PGD adv-train − adv-test "
        f"{report.percent(pgd4['adv_train_acc'] - pgd4['adv_test_acc'])}, IA {report.percent(pgd4['ia'])}."
    )
)
table4_page = book.long_page("cifar10-jpeg")
text, seeds_status, finished = campaign.long_page_status(table4_page)
display(Markdown(text))
display(tables.tidy(seeds_status))
outside = campaign.page_out_of_regime(table4_page)  # of its finished models, the first outside the regime
if outside:
    display(
        Markdown(
            f"Of its finished models, {outside}. A claim that uses a model outside the book's regime check at any "
            "seed reads *not testable* on its page, whatever the other seeds reach, with the measured numbers beside "
            "it. The check asks every model to fit at least "
            f"{report.percent(report.REGIME_FIT, 0)} of its training set (the paper's PGD model: "
            f"{report.percent(pgd4['train_acc'])}); the CIFAR-10 targets above ask it of the natural model only."
        )
    )
elif finished:
    display(Markdown("Its finished models are all in the papers' regime."))

# %% [markdown]
# ## What the campaign has cost
#
# The long tier has one budget for both pilots and their seeds, counted in hours of training on 2 CPU
# cores and spent where a model buys a verdict; GPU hours come from the sessions that were lent one.
# Its finished models, by dataset, device and precision:

# %% tags=["hide-input"]
spent_text, spent = campaign_cost.spend()
display(Markdown(spent_text))
if len(spent):
    display(tables.tidy(spent.rename(columns={"hours": "hours of training"})))

# %% [markdown]
# ## bfloat16 training: does it change the science?
#
# Mixed precision (bfloat16 autocast in training's forward passes, float32 weights, optimiser and every
# evaluation; config `precision="bf16"`) multiplies training throughput on hardware that computes
# bf16 (GPUs; CPUs with AVX512-BF16 or AMX; `./run bench` measures it), and is far slower where bf16 is
# emulated. Before the long tier trains in bf16, the same Yale cpu-tier models are trained in both
# precisions, three seeds each: the accuracies and the leakage must agree within the seed spread
# (|Δ| ≤ 2 × the larger seed SD). Only runs that exist are shown; this page never trains them.

# %% tags=["hide-input"]
from mi_lib.experiments import cached_runs

ab_runs = {
    p: cached_runs("yale", tier, methods=("natural", "pgd"), max_seeds=3, precision=p, numbers_only=True)
    for p in ("fp32", "bf16")
}
if ab_runs["bf16"]:
    ab = report.precision_ab(ab_runs["fp32"], ab_runs["bf16"])
    agree = int((ab["within the seed spread"] == "yes").sum())
    display(Markdown(f"**{agree} of {len(ab)}** metrics agree within the seed spread."))
    display(tables.tidy(ab))
else:
    display(
        Markdown(
            f"No bf16 run yet ({len(ab_runs['fp32'])} float32 runs are ready): the A/B needs a GPU or a CPU that "
            "computes bf16 (`./run bench` says which a machine is); where bf16 is emulated a training step runs "
            "about 12× slower than float32."
        )
    )
