"""What the "natural vs robust" chapters show, computed: the tier's setting, the claims' verdicts, the
advantage ratio and the regime comparison with the paper, as Markdown strings and frames. Notebooks call
these and display the results; every number comes from runs and from the papers' data file."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from . import paper, report
from .book import link, long_pages
from .campaign import page_out_of_regime, paper_regime_cost, progress_sentence
from .config import PRECISION_NAMES, ExperimentConfig, format_eps
from .data import DISPLAY_NAMES, N_CLASSES
from .methods import EMPIRICAL_METHODS, REGISTRY, VERIFIABLE_METHODS, by_label, labels
from .tiers import LONG_PILOTS, PAGE_OVERRIDES, describe_tier, preset

PAPER_TABLES = {"yale": "ccs_table2", "fmnist": "ccs_table3", "cifar10": "ccs_table4", "cifar10-jpeg": "ccs_table4"}
FULL_SIZES = {"yale": (1900, 514), "fmnist": (60000, 10000), "cifar10": (50000, 10000), "cifar10-jpeg": (50000, 10000)}
DATASET_NOTES = {
    "fmnist": "**Fashion-MNIST** (the paper's Table 3): the paper's CNN (Table 13) at the tier's width, ε = 0.1, "
    "PGD-8 training with step 0.02. The cpu and long tiers train on class-balanced subsets of the 60,000 training "
    "images; the appendix *Calibrating the cpu tier* shows how their sizes were chosen.",
    "yale": "**Yale Face** (Extended Yale B cropped, the paper's Table 2): 38 subjects, the authors' split of 1,900 training "
    "and 514 test images, ε = 8/255, PGD-10 training with step 2ε/10. Robust training on Yale is fragile: in this project's "
    "early probes PGD training from the first step collapsed to chance accuracy, with or without the authors' ε ramp. The cpu "
    "tier therefore trains on clean inputs first (an ε = 0 warm-up), then ramps ε linearly, and average-pools the faces "
    "to a lower resolution (see the settings table). Dist-based training is the exception: its adversary's strength is "
    "set by an ascent coefficient, not by ε, so a ramp cannot ease it in, and switching it on after a clean warm-up "
    "collapsed the model in our probes; it trains on WRM examples from the first step, with the authors' coefficient "
    "divided by the square of the pooling factor (the same ascent on a net that pools its full-resolution input). The chapter *Yale Face: the paper's own models* runs the same "
    "attack on the authors' released models.",
    "cifar10": "**CIFAR-10** (the paper's Table 4): wide ResNet, ε = 8/255, PGD-10 training with step 2/255, random crops "
    "and flips.",
    "cifar10-jpeg": "**CIFAR-10 JPEG stand-in (q≈75)** — a lossy re-encoding of CIFAR-10, not the original: every number "
    "in this chapter is on the stand-in, compared with the paper's Table 4 (CIFAR-10). The paper trains a WRN-34-10 "
    "on all 50,000 training images for 205 epochs with random crops and flips, ε = 8/255, each step on PGD-10 "
    "examples with step 2/255. CIFAR-10 is the hardest regime to reach on a CPU: on two cores even the smallest wide "
    "ResNet (WRN-10-1) trains slowly under PGD (`./run bench` measures it), so this chapter trains a smaller network "
    "on a subset for fewer epochs (the settings table below lists each departure from the paper), and the regime "
    "check below says how far that is from the paper's models.",
}
SMOKE_WARNING = "> **Smoke tier:** a seconds-long run that exercises the code; its numbers mean nothing."


def training_attack(config: ExperimentConfig) -> str:
    """How ``config``'s method builds its training inputs, in words (its record in :mod:`mi_lib.methods`)."""
    return REGISTRY[config.method].describe(config)


def tier_setting(config: ExperimentConfig, *, seeds: dict[str, int]) -> tuple[str, pd.DataFrame]:
    """A sentence on the data, seeds and attacks of ``config``'s tier for the methods in ``seeds`` ({method: number
    of seeds}), and a table of every setting that differs from the paper tier (this tier vs paper), per method
    where the paper's settings differ by method. A page's own values of :data:`~mi_lib.tiers.PAGE_OVERRIDES` and ε
    (a long page's point on its map, its arithmetic, a rerun's ε: where ``config`` departs from its method's preset)
    apply to every method's row."""
    members, nonmembers = FULL_SIZES[config.dataset]
    robust = [m for m in seeds if m != "natural"]
    attacks = "; ".join(training_attack(preset(config.dataset, config.tier, method=m, eps=config.eps)) for m in robust)
    text = (
        (SMOKE_WARNING + "\n\n" if config.tier == "smoke" else "")
        + f"**Tier `{config.tier}`**, {DISPLAY_NAMES[config.dataset]}, ε = {format_eps(config.eps)}. "
        f"Seeds: {', '.join(f'{SHORT_NAMES.get(m, m)} {n}' for m, n in seeds.items())}. "
        f"Members: {config.n_members or f'all {members}'} training images; non-members: {config.n_nonmembers or f'all {nonmembers}'} "
        + (
            "test images (class-balanced subsets drawn with the run's seed). "
            if config.n_members or config.n_nonmembers
            else "test images. "
        )
        + (f"Training inputs: {attacks}. " if attacks else "")
        + f"Evaluation attack: PGD-{config.eval_steps}, step 2.5ε/{config.eval_steps}, no random start (the authors' protocol)."
    )
    tier_precision = preset(config.dataset, config.tier).precision
    if config.precision != tier_precision:
        text += (
            f" Training arithmetic: {PRECISION_NAMES[config.precision]}, where the tier's preset trains in "
            f"{PRECISION_NAMES[tier_precision]} (evaluation is float32 in both)."
        )
    if config.tier == "paper":
        return text, pd.DataFrame()
    base = preset(config.dataset, config.tier, method=config.method)
    overrides = {k: getattr(config, k) for k in (*PAGE_OVERRIDES, "eps") if getattr(config, k) != getattr(base, k)}
    differing = {
        m: describe_tier(config.dataset, config.tier, method=m, **overrides) for m in seeds
    }  # {method: {key: (tier, paper)}}

    def shown(key: str, value: Any) -> Any:
        if key in ("n_members", "n_nonmembers") and value == 0:
            return "all"
        return format_eps(value) if key == "eps" else value

    rows = {}
    for key in dict.fromkeys(k for changes in differing.values() for k in changes):
        pairs = {m: tuple(shown(key, v) for v in changes[key]) for m, changes in differing.items() if key in changes}
        if (
            len(pairs) == len(differing) and len({repr(p) for p in pairs.values()}) == 1
        ):  # the same for every method: one row
            rows[key] = dict(zip(("this tier", "paper"), next(iter(pairs.values()))))
        else:  # one row per method whose setting differs from the paper's
            rows.update(
                {f"{key} ({SHORT_NAMES.get(m, m)})": dict(zip(("this tier", "paper"), p)) for m, p in pairs.items()}
            )
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["this tier", "paper"])
    return text, table


SHORT_NAMES = labels("short")


def robust_methods(frame: pd.DataFrame) -> list[str]:
    """The empirically robust methods that have runs in ``frame``, in the paper's order."""
    return [m for m in EMPIRICAL_METHODS if m in set(frame["method"])]


def claim_checks(frame: pd.DataFrame, *, dataset: str) -> list[tuple[str, str, report.Verdict]]:
    """C1 and C2 of ``claims.json`` judged on ``frame``: (claim id, scope, verdict) for every robust method that
    has runs. Each robust method is paired with the natural model seed by seed, on the seeds both have."""
    best, where = report.best_advantage(frame), DISPLAY_NAMES[dataset]
    checks = []

    def judged(v: report.Verdict, *methods: str) -> report.Verdict:  # not testable where a model is outside the regime
        reason = report.out_of_regime(frame, methods, n_classes=N_CLASSES[dataset])
        return v if reason is None else report.not_testable(v, reason)

    for method in robust_methods(frame):
        name, seeds = SHORT_NAMES[method], report.common_seeds(frame, method, "natural")
        checks.append(
            (
                "C1",
                f"{where}, {name}",
                judged(
                    report.verdict(
                        f"{name} model's best advantage > natural model's (C1, {where})",
                        report.paired(frame, method, best, seeds=seeds),
                        report.paired(frame, "natural", best, seeds=seeds),
                        left_name=name,
                        right_name="natural",
                    ),
                    "natural",
                    method,
                ),
            )
        )
        checks.append(
            (
                "C2",
                f"{where}, {name}",
                judged(
                    report.verdict(
                        f"IA > IB for the {name} model (C2)",
                        report.paired(frame, method, "ia"),
                        report.paired(frame, method, "ib"),
                        left_name="IA",
                        right_name="IB",
                    ),
                    method,
                ),
            )
        )
    checks.append(
        (
            "C2",
            f"{where}, natural",
            judged(
                report.verdict(
                    "IB > IA for the natural model (C2)",
                    report.paired(frame, "natural", "ib"),
                    report.paired(frame, "natural", "ia"),
                    left_name="IB",
                    right_name="IA",
                ),
                "natural",
            ),
        )
    )
    return checks


def paper_method_ratio(dataset: str, method: str) -> float:
    """The paper's best advantage (max of IB, IA) of ``method`` over the natural model's, from its table."""
    best = lambda r: max(2 * (r["ib"] - 0.5), 2 * (r["ia"] - 0.5))  # noqa: E731
    table = PAPER_TABLES[dataset]
    return best(paper.row(table, method=method)) / best(paper.row(table, method="natural"))


def advantage_ratios(frame: pd.DataFrame, *, dataset: str) -> pd.DataFrame:
    """Per robust method: our advantage ratio robust / natural (mean, the two-sided 95% Student-t interval of the
    mean where there are two seeds or more, and per seed, on the seeds both have) beside the paper's ratio for the
    same method (from its table)."""
    rows = {}
    for method in robust_methods(frame):
        ratio = report.advantage_ratio(frame, robust=method)
        interval = "— (fewer than two seeds)"
        if len(ratio) >= 2:
            low, high = report.mean_bounds(ratio, two_sided=True)
            interval = f"[{low:.2f}, {high:.2f}]"
        rows[report.METHOD_LABELS[method]] = {
            "ours (mean)": round(float(ratio.mean()), 2),
            "ours 95% interval": interval,
            "ours per seed": ", ".join(f"{r:.2f}" for r in ratio),
            "paper": round(paper_method_ratio(dataset, method), 2),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def natural_vs_robust_claims(frame: pd.DataFrame, *, dataset: str) -> tuple[str, pd.DataFrame]:
    """The headline advantage ratio (the best of ``frame``'s robust methods vs natural, against the paper's best of the
    same methods) and the verdicts of C1 and C2 for every robust method in ``frame``."""
    ratios = advantage_ratios(frame, dataset=dataset)
    ours, theirs = ratios["ours (mean)"].idxmax(), ratios["paper"].idxmax()
    row = ratios.loc[ours]
    text = (
        f"Best advantage ratio robust / natural: **{row['ours (mean)']:.2f}×** ({ours}; two-sided 95% interval "
        f"{row['ours 95% interval']}; per seed: {row['ours per seed']}) against the paper's "
        f"**{ratios.loc[theirs, 'paper']:.2f}×** ({theirs})."
    )
    return text, report.verdict_frame(claim_checks(frame, dataset=dataset))


CLAIM_SHORT = {"C1": "leaks more than the natural model", "C2": "leaks more through IA than IB"}


def summary_box(frame: pd.DataFrame, *, dataset: str, tier: str = "cpu") -> str:
    """HTML of the box a natural-vs-robust page opens with: the advantage ratio robust / natural, ours (mean over the
    seeds both have) beside the paper's with the difference, then C1 and C2 per model with their verdicts; where a
    model misses the papers' regime, one line saying which and why; and on every page of a dataset with a long-tier
    pilot (at the smoke and cpu tiers), one line on how far that pilot got, with a link to each long-tier page in the
    book of the same dataset and robust method that says when a model there is outside the regime, and for CIFAR-10
    one on what a model in the paper's regime costs (:func:`mi_lib.campaign.paper_regime_cost`); on a long-tier page,
    one line saying so.
    The ratio carries its two-sided 95% interval where two seeds or more have it (:func:`advantage_ratios`).
    Everything from ``frame``, the reference data, the committed runs and the committed GPU projections."""

    ratios = advantage_ratios(frame, dataset=dataset)
    best = ratios["ours (mean)"].idxmax()
    ours, theirs = ratios.loc[best, "ours (mean)"], ratios.loc[best, "paper"]
    seeds = len(report.common_seeds(frame, by_label(best), "natural"))
    interval = ratios.loc[best, "ours 95% interval"]
    interval = f"; 95% interval {interval}" if interval.startswith("[") else ""
    lines = [
        f"<p><b>Advantage ratio, robust / natural</b> ({html.escape(best)}): ours <b>{ours:.2f}×</b> "
        f"({seeds} seed{'s' * (seeds != 1)}{interval}) against the paper's <b>{theirs:.2f}×</b> "
        f"(Δ {ours - theirs:+.2f}×).</p>",
        "<ul>",
    ]
    for cid, scope, v in claim_checks(frame, dataset=dataset):
        subject = scope.split(", ")[-1]
        lines.append(
            f"<li>{cid}: the {html.escape(subject)} model {CLAIM_SHORT[cid] if subject != 'natural' else 'leaks more through IB than IA'}"
            f": <b>{v.verdict}</b></li>"
        )
    lines.append("</ul>")
    reason = report.out_of_regime(frame, frame["method"].unique(), n_classes=N_CLASSES[dataset])
    if reason:
        lines.append(
            f"<p>Not the papers' regime: {html.escape(reason)}; the claims that use it are not testable here.</p>"
        )
    if tier == "long":
        lines.append(
            "<p>These are the long tier's models, at one point of its pilot map (up to hours per model on 2 CPU cores, "
            "minutes on a GPU: the timing table below says where each trained). "
            '<a href="appendix_cpu_tier_calibration.html">The map, its targets, what each point reached and why this '
            "point are in the appendix.</a></p>"
        )
    elif dataset in LONG_PILOTS and tier in ("smoke", "cpu"):
        robust = [m for m in frame["method"].unique() if m != "natural"]
        at_long = [c for c in long_pages(dataset, robust) if c.in_book]
        lines.append(
            f"<p>{html.escape(progress_sentence(dataset))} "
            '<a href="appendix_cpu_tier_calibration.html">The map and its numbers are in the appendix.</a>'
            + "".join(f" The same table at the long tier: {link(page.name)}{_long_regime(page)}." for page in at_long)
            + "</p>"
        )
        if dataset.startswith("cifar10") and (cost := paper_regime_cost(dataset)):
            lines.append(f"<p>{html.escape(cost)}</p>")
    return report.admonition("In short", "".join(lines))


def _long_regime(page: Any) -> str:
    """A clause on a long-tier page's models where one is outside the papers' regime, for the link to it."""
    reason = page_out_of_regime(page)
    return f" (there, {html.escape(reason)}: the claims that use it are not testable)" if reason else ""


def regime_comparison(frame: pd.DataFrame, *, config: ExperimentConfig, robust: str = "pgd") -> str:
    """Markdown: our models' regime against the paper's (generalisation gaps, robust gap, leakage, ratio) and the
    computed reason for a ratio below the paper's."""
    table = PAPER_TABLES[config.dataset]
    mean = report.mean_spread(frame, columns=report.COLUMNS).set_index("method")
    nat, rob = paper.row(table, method="natural"), paper.row(table, method=robust)
    pct = report.percent
    ours_gap = mean.loc["natural", "train_acc_mean"] - mean.loc["natural", "test_acc_mean"]
    paper_gap = nat["train_acc"] - nat["test_acc"]
    robust_gap = mean.loc[robust, "adv_train_acc_mean"] - mean.loc[robust, "adv_test_acc_mean"]
    ratio = float(np.mean(report.advantage_ratio(frame, robust=robust)))
    theirs = round(paper_method_ratio(config.dataset, robust), 2)
    natural_fit, robust_fit = mean.loc["natural", "train_acc_mean"], mean.loc[robust, "train_acc_mean"]
    if ratio >= 0.75 * theirs:
        why = "within a quarter of the paper's."
    elif natural_fit < report.REGIME_FIT and robust_gap < report.REGIME_GAP:
        why = (
            f"below the paper's: at this tier neither model fits its training set (natural train accuracy {pct(natural_fit)}, "
            f"{SHORT_NAMES[robust]} adv-train − adv-test gap {pct(robust_gap)}), so neither has memorised much to leak. The "
            "paper's effect needs models that memorise their training set; this tier's budget does not reach that regime."
        )
    elif robust_gap < report.REGIME_GAP:
        why = (
            f"below the paper's: the robust model's adv-train − adv-test gap is only {pct(robust_gap)} (the paper's: "
            f"{pct(rob['adv_train_acc'] - rob['adv_test_acc'])}), i.e. it memorises its training set under attack "
            "little (too little capacity or training), so it has little to leak."
        )
    else:
        why = _ratio_shortfall(
            natural_excess=mean.loc["natural", "ib_mean"] - nat["ib"],
            robust_shortfall=rob["ia"] - mean.loc[robust, "ia_mean"],
            natural_gaps=(ours_gap, paper_gap),
            robust_gaps=(robust_gap, rob["adv_train_acc"] - rob["adv_test_acc"]),
            robust_fits=(robust_fit, rob["train_acc"]),
            robust=SHORT_NAMES[robust],
        )
    members = config.n_members or FULL_SIZES[config.dataset][0]
    return (
        f"- **Natural model:** test accuracy {pct(mean.loc['natural', 'test_acc_mean'])} against the paper's {pct(nat['test_acc'])} "
        f"(generalisation gap {pct(ours_gap)} vs {pct(paper_gap)}); IB {pct(mean.loc['natural', 'ib_mean'])} "
        f"against {pct(nat['ib'])}. Trained on {members} of the {FULL_SIZES[config.dataset][0]} images the paper used.\n"
        f"- **{SHORT_NAMES[robust]} model:** train accuracy {pct(robust_fit)} against the paper's {pct(rob['train_acc'])}; "
        f"adv-train {pct(mean.loc[robust, 'adv_train_acc_mean'])} vs adv-test {pct(mean.loc[robust, 'adv_test_acc_mean'])} "
        f"(gap {pct(robust_gap)}; paper {pct(rob['adv_train_acc'])} vs {pct(rob['adv_test_acc'])}, gap "
        f"{pct(rob['adv_train_acc'] - rob['adv_test_acc'])}); IA {pct(mean.loc[robust, 'ia_mean'])} against {pct(rob['ia'])}.\n"
        f"- **Ratio {SHORT_NAMES[robust]} / natural:** {ratio:.2f}× against the paper's {theirs}× for the same method, {why}"
    )


def _ratio_shortfall(
    *,
    natural_excess: float,
    robust_shortfall: float,
    natural_gaps: tuple[float, float],
    robust_gaps: tuple[float, float],
    robust_fits: tuple[float, float],
    robust: str,
) -> str:
    """Why a ratio is below the paper's when the robust model's adv-train − adv-test gap is in the regime: the natural
    model leaking more than the paper's (IB above it), the robust one leaking less (IA below it; where it fits less
    than :data:`~mi_lib.report.REGIME_FIT` of its training set, that first), or both, the larger named first.
    ``*_gaps`` and ``robust_fits`` are (ours, the paper's)."""
    pp, pct = report.points, report.percent
    causes = []
    if natural_excess > 0:
        causes.append(
            (
                natural_excess,
                f"the natural model leaks more than the paper's (IB {pp(natural_excess)} above it; it generalises less: "
                f"train − test gap {pct(natural_gaps[0])} vs {pct(natural_gaps[1])})",
            )
        )
    if robust_shortfall > 0:
        causes.append(
            (
                robust_shortfall,
                f"the {robust} model leaks less than the paper's (IA {pp(robust_shortfall)} below it; "
                f"{_robust_detail(robust_fits, robust_gaps)})",
            )
        )
    if not causes:
        return (
            "below the paper's, with neither model leaking on the wrong side of the paper's (natural IB not above it, "
            "robust IA not below it): a ratio of two advantages magnifies small differences in either."
        )
    causes.sort(key=lambda c: -c[0])
    text = "; and ".join(c[1] for c in causes)
    return f"below the paper's: {text}." + (" The first is the larger difference." if len(causes) == 2 else "")


def _robust_detail(fits: tuple[float, float], gaps: tuple[float, float]) -> str:
    """Why a robust model may leak less than the paper's, from its fit and its adv-train − adv-test gap (ours, the
    paper's): a fit below :data:`~mi_lib.report.REGIME_FIT`, then the gap beside the paper's, named as a reason only
    where it is smaller."""
    pct = report.percent
    fit = (
        f"it fits only {pct(fits[0])} of its training set against the paper's {pct(fits[1])}"
        if fits[0] < report.REGIME_FIT
        else ""
    )
    if gaps[0] < gaps[1]:
        memo = f"memorises less under attack: adv-train − adv-test gap {pct(gaps[0])} vs {pct(gaps[1])}"
        return f"{fit}, and {memo}" if fit else f"it {memo}"
    memo = f"its adv-train − adv-test gap is not the reason: {pct(gaps[0])} against the paper's {pct(gaps[1])}"
    return f"{fit}; {memo}" if fit else memo


DLS_METHODS = {
    "dls_table1": {"natural": "nat-train", "pgd": "adv-train"},
    "dls_table3": {"natural": "nat-train", "duality": "pro-train"},
}


def dls_comparison(
    frame: pd.DataFrame, attack_metrics: pd.DataFrame, *, dataset: str, table: str = "dls_table1"
) -> pd.DataFrame:
    """DLS Table I (adversarial vs natural training) or III (``table="dls_table3"``: provable vs natural) for
    ``dataset``: accuracies and the attack's inference accuracy, precision, recall, KL and AUPRC, the paper's rows
    beside ours (mean over seeds). The papers' rows are CIFAR-10's (the JPEG stand-in is compared with them) and
    SVHN's; a dataset they lack (Fashion-MNIST, the analogue) gets ours alone.

    The DLS inference accuracy equals CCS's IB (74.86% vs 74.89% for the same model), so ours is the IB attack's.
    """
    ref = paper.table(table)
    ref = ref[ref["dataset"] == ("cifar10" if dataset == "cifar10-jpeg" else dataset)].set_index("method")
    ours_acc = frame.groupby("method")[list(COLUMNS_DLS_ACC)].mean()
    ours_mi = (
        attack_metrics[attack_metrics["attack"] == "IB"]
        .groupby("method")[["accuracy", "precision", "recall", "KL", "AUPRC"]]
        .mean()
    )
    rows = {}
    for method, label in DLS_METHODS[table].items():
        if method not in ours_acc.index:
            continue
        ours = {
            **ours_acc.loc[method].to_dict(),
            **ours_mi.loc[method].rename({"accuracy": "inference_acc", "KL": "kl", "AUPRC": "auprc"}).to_dict(),
        }
        for who, values in ((("paper", ref.loc[label]),) if label in ref.index else ()) + (("reproduced", ours),):
            rows[(label, who)] = {
                DLS_LABELS[k]: (f"{100 * values[k]:.2f}%" if k not in ("kl", "auprc") else f"{values[k]:.2f}")
                for k in DLS_LABELS
            }
    return pd.DataFrame.from_dict(rows, orient="index")


COLUMNS_DLS_ACC = ("train_acc", "test_acc", "adv_train_acc", "adv_test_acc")
DLS_LABELS = {
    "train_acc": "train",
    "test_acc": "test",
    "adv_train_acc": "adv-train",
    "adv_test_acc": "adv-test",
    "inference_acc": "inf. acc",
    "precision": "precision",
    "recall": "recall",
    "kl": "KL",
    "auprc": "AUPRC",
}


def has_dls_rows(dataset: str) -> bool:
    """Whether DLS Table I has rows for ``dataset`` (CIFAR-10; the JPEG stand-in is compared with them)."""
    return dataset in ("cifar10", "cifar10-jpeg")


def released_checks(frame: pd.DataFrame) -> list[tuple[str, str, report.Verdict]]:
    """C1, C2 and C8 judged on the authors' released Yale models (``frame`` from
    :func:`mi_lib.report.signals_frame`): one model per method, so each verdict compares one number each."""
    best = report.best_advantage(frame)
    natural_best = report.paired(frame, "natural", best)
    scope = "Yale Face, authors' released models"
    checks = [
        (
            "C8" if m in VERIFIABLE_METHODS else "C1",
            f"{scope}, {m}",
            report.verdict(
                f"{report.METHOD_LABELS[m]}: best advantage > natural ({'C8' if m in VERIFIABLE_METHODS else 'C1'})",
                report.paired(frame, m, best),
                natural_best,
                left_name=m,
                right_name="natural",
            ),
        )
        for m in (*EMPIRICAL_METHODS, *VERIFIABLE_METHODS)
    ]
    checks += [
        (
            "C2",
            f"{scope}, {m}",
            report.verdict(
                f"{report.METHOD_LABELS[m]}: IA > IB (C2)",
                report.paired(frame, m, "ia"),
                report.paired(frame, m, "ib"),
                left_name="IA",
                right_name="IB",
            ),
        )
        for m in EMPIRICAL_METHODS
    ]
    checks.append(
        (
            "C2",
            f"{scope}, natural",
            report.verdict(
                "Natural: IB > IA (C2)",
                report.paired(frame, "natural", "ib"),
                report.paired(frame, "natural", "ia"),
                left_name="IB",
                right_name="IA",
            ),
        )
    )
    return checks


VERIFIED_COLUMNS = (
    "train_acc",
    "test_acc",
    "adv_train_acc",
    "adv_test_acc",
    "verified_train_acc",
    "verified_test_acc",
    "ib",
    "ia",
    "iv",
)


def verifiable_table(frame: pd.DataFrame, *, dataset: str) -> pd.DataFrame:
    """CCS Tables 8–9 layout: clean, PGD and verified accuracies and IB / IA / IV per method (mean over seeds), with
    the authors' released models' values beside ours where they exist (no verified accuracy or IV was released)."""
    ours = frame.groupby("method", sort=False)[list(VERIFIED_COLUMNS)].mean()
    released = paper.table("ccs_verifiable_released")
    released = released[released["dataset"] == dataset].set_index("method")
    rows = {}
    for method, values in ours.iterrows():
        label = report.METHOD_LABELS.get(method, method)
        if method in released.index:
            rows[(label, "authors' released model")] = {
                c: released.loc[method].get(c, np.nan) for c in VERIFIED_COLUMNS
            }
        rows[(label, "reproduced")] = values.to_dict()
    table = pd.DataFrame.from_dict(rows, orient="index")[list(VERIFIED_COLUMNS)]
    names = {
        **report.COLUMN_LABELS,
        "verified_train_acc": "verified train",
        "verified_test_acc": "verified test",
        "iv": "IV",
    }
    return table.rename(columns=names)  # fractions: the book's tables show them in % (tables.tidy)


def verifiable_claims(frame: pd.DataFrame, *, dataset: str) -> list[tuple[str, str, report.Verdict]]:
    """C8 (verifiable defences raise leakage; judged on Yale, where CCS §6 finds it — its Fashion-MNIST models barely
    leak) for every verifiable method in ``frame``, and C9 (provable, i.e. duality-based, training
    does not raise leakage but costs clean accuracy; DLS) for the duality model off Yale, each against the natural
    model with seeds paired: (claim id, scope, verdict). The best advantage of a verifiable model includes strategy
    IV. A collapsed model (test accuracy near chance), or a natural model outside the papers' regime (one that does not
    fit its training set leaks little for a reason of its own), makes the scopes not testable; the papers' verifiable
    models need not fit their training set (their Fashion-MNIST ones do not), so fitting is not required of them."""
    checks = []
    best = report.best_advantage(frame, report.VERIFIED_ADVANTAGES)
    where = DISPLAY_NAMES[dataset]
    regime = report.regime_table(frame, n_classes=N_CLASSES[dataset])
    natural_outside = report.out_of_regime(
        frame, ["natural"], n_classes=N_CLASSES[dataset]
    )  # the natural model must fit
    for method in [m for m in frame["method"].unique() if m not in ("natural", *EMPIRICAL_METHODS)]:
        seeds = report.common_seeds(frame, method, "natural")
        name = report.METHOD_LABELS.get(method, method)
        scope, found = f"{where}, {name}", []
        if dataset == "yale":
            found.append(
                (
                    "C8",
                    scope,
                    report.verdict(
                        f"{name}: best advantage (IB, IA, IV) > natural's (C8, {where})",
                        report.paired(frame, method, best, seeds=seeds),
                        report.paired(frame, "natural", best, seeds=seeds),
                        left_name=method,
                        right_name="natural",
                    ),
                )
            )
        elif method == "duality":  # C9 is the DLS paper's finding on CIFAR-10/SVHN-like data, not on faces
            raises = report.verdict(
                "raises",
                report.paired(frame, method, "ib", seeds=seeds),
                report.paired(frame, "natural", "ib", seeds=seeds),
                left_name=f"{method} IB",
                right_name="natural IB",
            )
            found.append(
                (
                    "C9",
                    f"{scope} (leakage)",
                    report.negate(
                        raises,
                        f"{name}: IB not above natural's — provable training does not raise leakage (C9, {where})",
                    ),
                )
            )
            found.append(
                (
                    "C9",
                    f"{scope} (accuracy)",
                    report.verdict(
                        f"{name}: lower clean test accuracy than natural (C9, {where})",
                        report.paired(frame, "natural", "test_acc", seeds=seeds),
                        report.paired(frame, method, "test_acc", seeds=seeds),
                        left_name="natural",
                        right_name=method,
                    ),
                )
            )
        collapsed = regime[(regime["method"] == method) & regime["collapsed"]]
        if not collapsed.empty:
            r = collapsed.iloc[0]
            reason = f"the {name} model (seed {r['seed']}) collapsed (test accuracy {100 * r['test_acc']:.1f}%, chance {100 / N_CLASSES[dataset]:.1f}%)"
            found = [(cid, sc, report.not_testable(v, reason)) for cid, sc, v in found]
        elif natural_outside:
            found = [(cid, sc, report.not_testable(v, natural_outside)) for cid, sc, v in found]
        checks += found
    return checks


def verifiable_ratio(frame: pd.DataFrame, *, dataset: str) -> str:
    """Markdown: the best advantage ratio of a verifiable model over the natural one (the best of IB, IA and IV; mean
    over the seeds both have), beside the abstract's Yale ratio where the paper gives one."""
    ratios = {
        m: float(np.mean(report.advantage_ratio(frame, robust=m, columns=report.VERIFIED_ADVANTAGES)))
        for m in frame["method"].unique()
        if m in VERIFIABLE_METHODS
    }
    if not ratios:
        return "No verifiable model on this page."
    top = max(ratios, key=ratios.get)
    text = "Advantage ratio, verifiable / natural (the best of IB, IA and IV): " + ", ".join(
        f"{report.METHOD_LABELS.get(m, m)} **{r:.2f}×**" for m, r in ratios.items()
    )
    if dataset == "yale":
        text += (
            f". The abstract's ratio for Yale: **{paper.row('ccs_advantage_ratios', dataset='yale_verifiable')['ratio']:.1f}×**"
            f" (ours at best {ratios[top]:.2f}×, {report.METHOD_LABELS.get(top, top)})."
        )
    return text


def pixeldp_table(frame: pd.DataFrame) -> pd.DataFrame:
    """CCS App. E: natural vs PixelDP (mean over seeds) — accuracies and IB / IA — beside the paper's IB of the
    released PixelDP CIFAR-10 model and of the natural CIFAR-10 model (Table 4). Percent."""
    columns = ["train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia"]
    ours = frame.groupby("method", sort=False)[columns].mean()
    theirs = {
        "natural": paper.row("ccs_table4", method="natural"),
        "pixeldp": paper.row("ccs_pixeldp", method="pixeldp"),
    }
    rows = {}
    for method, values in ours.iterrows():
        label = report.METHOD_LABELS.get(method, method)
        rows[(label, "paper (CIFAR-10)")] = {c: theirs.get(method, {}).get(c, np.nan) for c in columns}
        rows[(label, "reproduced")] = values.to_dict()
    table = pd.DataFrame.from_dict(rows, orient="index")[columns]
    return table.rename(columns=report.COLUMN_LABELS)  # fractions: the book's tables show them in % (tables.tidy)


def pixeldp_claims(frame: pd.DataFrame, *, dataset: str) -> list[tuple[str, str, report.Verdict]]:
    """App. E's observation, as a scope of C8 (certified defences raise leakage): the PixelDP model's IB above the
    natural model's, seeds paired; not testable where a model does not fit its training set (train accuracy < 95%),
    the regime where the paper's models leak."""
    seeds = report.common_seeds(frame, "pixeldp", "natural")
    where = DISPLAY_NAMES[dataset]
    v = report.verdict(
        f"PixelDP: IB above the natural model's (C8, App. E, {where})",
        report.paired(frame, "pixeldp", "ib", seeds=seeds),
        report.paired(frame, "natural", "ib", seeds=seeds),
        left_name="PixelDP IB",
        right_name="natural IB",
    )
    paired = frame[frame["method"].isin(["natural", "pixeldp"]) & frame["seed"].isin(seeds)]
    unfit = paired[paired["train_acc"] < report.REGIME_FIT]
    if not unfit.empty:
        accuracies = ", ".join(
            f"{report.METHOD_LABELS.get(m, m)} {100 * a:.1f}%" for m, a in zip(unfit["method"], unfit["train_acc"])
        )
        v = report.not_testable(
            v, f"a model does not fit its training set (train accuracy {accuracies}): outside the papers' regime"
        )
    return [("C8", f"{where}, PixelDP (App. E)", v)]
