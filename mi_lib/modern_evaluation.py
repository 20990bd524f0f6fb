"""The papers' natural-vs-robust comparison under modern evaluation, from cached runs: non-oracle
thresholds (:mod:`mi_lib.nonoracle`), AUC and TPR at low FPR with bootstrap intervals, the project's claims P1–P2
(C1 re-asked), and post-hoc temperature scaling (:mod:`mi_lib.countermeasures`)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import lira, report, rmia
from .countermeasures import TEMPERATURES, scaled_signals
from .metrics import inference_results, roc_auc
from .nonoracle import INPUTS, LOW_FPRS, Population, held_out_attack, low_fpr, shadow_attack
from .parameters import check_target_models


def shadows_available(runs) -> bool:
    """Can another seed's model serve as a shadow? Only when each seed draws its members as a subset of the
    training images (then the sets are nearly disjoint); with all images as members (Yale's split) every seed
    trains on the target's members, and a shadow would hand the attacker the answer."""
    return len({r.config.seed for r in runs}) > 1 and all(r.config.n_members for r in runs)


def _shadow_of(run, runs):
    """The model of the next seed (cyclically) of the same method: trained the same way on other members."""
    same = sorted((r for r in runs if r.config.method == run.config.method), key=lambda r: r.config.seed)
    return same[(same.index(run) + 1) % len(same)] if len(same) > 1 else None


def attack_frame(runs, *, seed: int = 0) -> pd.DataFrame:
    """Per model: the advantage of the papers' oracle attack (best of IB and IA) beside the non-oracle attacks,
    each choosing its input, score and threshold away from the scored points."""
    use_shadows = shadows_available(runs)
    signals = {run.directory: run.signals for run in runs}
    populations = {d: Population.from_signals(s) for d, s in signals.items()}  # each run serves as target and as shadow
    rows = []
    for run in runs:
        target = populations[run.directory]
        oracle = inference_results(signals[run.directory])
        row = {
            "method": run.config.method,
            "seed": run.config.seed,
            "oracle (papers)": max(oracle["ib"].advantage, oracle["ia"].advantage),
            "held-out threshold": held_out_attack(target, seed=seed)["advantage"],
            "held-out, class thresholds": held_out_attack(target, per_class=True, seed=seed)["advantage"],
        }
        shadow = _shadow_of(run, runs) if use_shadows else None
        if shadow is not None:
            shadow_population = populations[shadow.directory]
            row["shadow threshold"] = shadow_attack(shadow_population, target)["advantage"]
            row["shadow, class thresholds"] = shadow_attack(shadow_population, target, per_class=True)["advantage"]
        rows.append(row)
    return pd.DataFrame(rows)


ATTACKS = [
    "oracle (papers)",
    "held-out threshold",
    "held-out, class thresholds",
    "shadow threshold",
    "shadow, class thresholds",
]


def chosen_candidate(population: Population, *, seed: int = 0) -> tuple[str, str]:
    """The (input, score) of the low-FPR metrics: the log-odds score, fixed in advance (the confidence saturates
    at 1 in float32), on the input the held-out attack picks on its first fitting half."""
    candidates = [(kind, "log-odds") for kind in INPUTS]
    return held_out_attack(population, candidates=candidates, seed=seed)["rules"][0].candidate


def low_fpr_frame(runs, *, n_boot: int = 500) -> tuple[pd.DataFrame, dict]:
    """Per model, for the (input, score) the attacker picks without the oracle (:func:`chosen_candidate`): AUC and
    TPR at 1% and 0.1% FPR with bootstrap intervals; and the scores behind them ({(method, seed): (candidate,
    member scores, non-member scores)}) for the ROC curves."""
    rows, scores = [], {}
    for run in runs:
        population = Population.from_signals(run.signals)
        pick = chosen_candidate(population)
        members, nonmembers = population.member[pick], population.nonmember[pick]
        scores[(run.config.method, run.config.seed)] = (pick, members, nonmembers)
        rows.append(
            {
                "method": run.config.method,
                "seed": run.config.seed,
                "input": pick[0],
                "score": pick[1],
                **low_fpr(members, nonmembers, n_boot=n_boot, seed=run.config.seed),
            }
        )
    return pd.DataFrame(rows), scores


def summary_table(attacks: pd.DataFrame) -> pd.DataFrame:
    """Advantage (%) per method and attack, mean ± sd over seeds."""
    columns = [c for c in ATTACKS if c in attacks]
    table = attacks.groupby("method", sort=False)[columns].agg(["mean", "std"])
    return pd.DataFrame(
        {
            c: [
                f"{100 * m:.2f} ± {100 * (0 if np.isnan(s) else s):.2f}"
                for m, s in zip(table[c, "mean"], table[c, "std"])
            ]
            for c in columns
        },
        index=table.index,
    )


def with_intervals(
    frame: pd.DataFrame, metrics: Sequence[str] = ("auc", *(f"tpr@{f:g}" for f in LOW_FPRS))
) -> pd.Series:
    """Each of ``metrics`` as "value [low, high]" in % from its ``<metric> low`` / ``<metric> high`` columns."""
    return {
        name: [
            f"{100 * v:.2f} [{100 * lo:.2f}, {100 * hi:.2f}]"
            for v, lo, hi in zip(frame[name], frame[f"{name} low"], frame[f"{name} high"])
        ]
        for name in metrics
    }


def low_fpr_table(
    low: pd.DataFrame,
    *,
    columns: Sequence[str] = ("method", "seed", "input", "score"),
    metrics: Sequence[str] = ("auc", *(f"tpr@{f:g}" for f in LOW_FPRS)),
) -> pd.DataFrame:
    """One row per attacked model: its ``columns``, then AUC and TPR at low FPR, each with its 95% bootstrap interval
    (%), and the smallest FPR its number of non-members resolves (where known)."""
    out = low[list(columns)].copy()
    for name, values in with_intervals(low, metrics).items():
        out[name] = values
    if "resolvable fpr" in low:
        out["smallest FPR resolvable"] = low["resolvable fpr"].map(lambda v: report.percent(v, 3))
    return out.reset_index(drop=True)


def chosen_curves(
    lira: pd.DataFrame, lira_curves: Mapping, rmia: pd.DataFrame, rmia_curves: Mapping
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The ROC curves of online LiRA and online RMIA on the input each attacker chose, named for a legend."""

    def chosen(frame: pd.DataFrame, attack: str, method: str, kind: str) -> bool:
        row = frame[
            (frame["method"] == method)
            & (frame[attack] == "online")
            & (frame["input"] == kind)
            & (frame["target model"] == 0)
        ]
        return bool(row["chosen"].iloc[0])

    out = {
        f"{m}, LiRA online, {k}": c
        for (m, v, k), c in lira_curves.items()
        if v == "online" and chosen(lira, "LiRA", m, k)
    }
    out |= {
        f"{m}, RMIA online, {k}": c
        for (m, v, _, k), c in rmia_curves.items()
        if v == "online" and chosen(rmia, "RMIA", m, k)
    }
    return out


def p4_sentence(p4: list[tuple[str, str, report.Verdict]], *, dataset: str, robust: str = "pgd") -> str:
    """Markdown: P4's numbers in one paragraph (each attack and metric: the robust and natural means over the target
    models, the verdict), then how many comparisons the robust model leads on the mean and how many verdicts hold."""
    if not p4:
        return "P4 was not computed."
    n = len(p4[0][2].left)
    parts, ahead = [], 0
    for _, scope, v in p4:
        left, right = float(np.mean(v.left)), float(np.mean(v.right))
        ahead += left > right
        parts.append(
            f"{scope.split(', ', 1)[1]}: {robust.upper()} {100 * left:.2f}% against natural {100 * right:.2f}% "
            f"(**{v.verdict}**)"
        )
    outcomes = pd.Series([v.verdict for _, _, v in p4]).value_counts()
    tally = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items())
    return (
        f"On {dataset}, means over {n} target model{'s' * (n != 1)} per method: " + "; ".join(parts) + ". "
        f"The {robust.upper()} model is ahead on the mean in {ahead} of {len(p4)} comparisons; verdicts: {tally}."
    )


def threshold_curves(targets: dict, *, kind: str = "adversarial") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The papers' kind of attack as a curve, for the ROC figure beside LiRA and RMIA: one global threshold on each
    seed-0 target's true-label log-odds (from its logits where the run kept them) on ``kind`` inputs (the papers' IA
    uses PGD inputs, IB clean ones). The oracle threshold and a held-out threshold are both points of this curve."""
    out = {}
    for method, target in targets.items():
        phi = lira.pool_phi(target.signals, kind=kind)
        members, nonmembers = lira.pool_positions(target.signals)
        out[f"{method}, global threshold, {kind}"] = (phi[members], phi[nonmembers])
    return out


def target_model_table(lira_frame: pd.DataFrame, rmia_frame: pd.DataFrame) -> pd.DataFrame:
    """What P4 pairs: per attack (online LiRA, online RMIA), method and target model, the input the attacker chose and
    its AUC and TPR at 1% and 0.1% FPR (%, with target model 0's bootstrap interval in the detailed tables)."""
    parts = []
    for attack, frame in (("LiRA", lira_frame), ("RMIA", rmia_frame)):
        rows = frame[(frame[attack] == "online") & frame["chosen"]]
        parts.append(
            rows.assign(attack=f"{attack} online")[
                ["attack", "method", "target model", "input", "auc", "tpr@0.01", "tpr@0.001"]
            ]
        )
    out = pd.concat(parts, ignore_index=True).sort_values(["attack", "target model", "method"], kind="stable")
    return out.rename(columns={"auc": "AUC", "tpr@0.01": "TPR@1%FPR", "tpr@0.001": "TPR@0.1%FPR"}).reset_index(
        drop=True
    )


def _paired(frame: pd.DataFrame, method: str, column: str, seeds) -> np.ndarray:
    return report.paired(frame, method, column, seeds=seeds).astype(float)


def claims(
    attacks: pd.DataFrame, low: pd.DataFrame, *, dataset: str, robust: str = "pgd", out_of_regime: str | None = None
) -> list[tuple[str, str, report.Verdict]]:
    """P1: C1 under each non-oracle attack (robust advantage > natural's, paired by seed); P2: C1 at low FPR
    (TPR at 1% FPR, and AUC, of the attacker's chosen candidate, robust > natural). With ``out_of_regime`` (why the
    models are outside the papers' regime: :func:`mi_lib.report.out_of_regime`) every scope is not testable."""
    seeds = report.common_seeds(attacks, "natural", robust)
    scope = f"{dataset}, {robust.upper()} vs natural"
    out = []
    for attack in ATTACKS[1:]:
        if attack in attacks:
            out.append(
                (
                    "P1",
                    f"{scope}, {attack}",
                    report.verdict(
                        f"A {robust.upper()} model leaks more than the natural one under a non-oracle attack ({attack})",
                        _paired(attacks, robust, attack, seeds),
                        _paired(attacks, "natural", attack, seeds),
                        left_name=f"{robust.upper()} advantage",
                        right_name="natural advantage",
                    ),
                )
            )
    chosen = low
    for metric, name in (("tpr@0.01", "TPR at 1% FPR"), ("auc", "AUC")):
        out.append(
            (
                "P2",
                f"{scope}, {name}",
                report.verdict(
                    f"A {robust.upper()} model leaks more than the natural one by {name}",
                    _paired(chosen, robust, metric, seeds),
                    _paired(chosen, "natural", metric, seeds),
                    left_name=f"{robust.upper()} {name}",
                    right_name=f"natural {name}",
                ),
            )
        )
    return (
        out if out_of_regime is None else [(cid, scope, report.not_testable(v, out_of_regime)) for cid, scope, v in out]
    )


def temperature_frame(runs, *, temperatures=TEMPERATURES, seed: int = 0) -> pd.DataFrame:
    """Per model and temperature T (applied after training): the oracle IB and IA advantages and the held-out
    attack's advantage; clean and PGD test accuracy (unchanged by T, shown as the cost side of the curve)."""
    rows = []
    for run in runs:
        base = run.signals
        for t in temperatures:
            signals = scaled_signals(base, t)
            oracle = inference_results(signals)
            rows.append(
                {
                    "method": run.config.method,
                    "seed": run.config.seed,
                    "T": t,
                    "IB advantage": oracle["ib"].advantage,
                    "IA advantage": oracle["ia"].advantage,
                    "held-out advantage": held_out_attack(Population.from_signals(signals), seed=seed)["advantage"],
                    "test_acc": run.summary["test_acc"],
                    "adv_test_acc": run.summary["adv_test_acc"],
                }
            )
    return pd.DataFrame(rows)


def regularisation_frame(runs, *, seed: int = 0) -> pd.DataFrame:
    """L2 regularisation (CCS §7): per model (method, weight decay), the accuracies, the best oracle advantage (the
    papers' attack) and the held-out attack's advantage, sorted by method and weight decay."""
    rows = []
    for run in runs:
        signals, s = run.signals, run.summary
        rows.append(
            {
                "method": run.config.method,
                "weight decay": run.config.weight_decay,
                "seed": run.config.seed,
                "train_acc": s["train_acc"],
                "test_acc": s["test_acc"],
                "adv_train_acc": s["adv_train_acc"],
                "adv_test_acc": s["adv_test_acc"],
                "best oracle advantage": max(s["ib"]["advantage"], s["ia"]["advantage"]),
                "held-out advantage": held_out_attack(Population.from_signals(signals), seed=seed)["advantage"],
            }
        )
    return pd.DataFrame(rows).sort_values(["method", "weight decay"], kind="stable").reset_index(drop=True)


def regularisation_claims(
    frame: pd.DataFrame, *, dataset: str, robust: str = "pgd"
) -> list[tuple[str, str, report.Verdict]]:
    """P3: the robust model's best oracle advantage falls as the weight decay grows (the trend rule, seeds paired across
    strengths: inconclusive below three seeds), with the robust accuracy it costs in the detail (means over seeds)."""
    robust_rows = frame[frame["method"] == robust]
    sub = (
        robust_rows.groupby("weight decay")
        .mean(numeric_only=True)
        .reset_index()  # mean over seeds
        .sort_values("weight decay", ascending=False)
    )  # the trend rule reads "grows with x"
    if len(sub) < 2:
        return []
    strengths = [f"{w:g}" for w in sub["weight decay"]]
    by_seed = robust_rows.pivot_table(index="weight decay", columns="seed", values="best oracle advantage").dropna(
        axis=1
    )
    v = report.trend_verdict(
        "Leakage falls as the L2 weight decay grows: it grows as the decay falls",
        strengths,
        by_seed.loc[sub["weight decay"]].to_numpy(),
        x_name="weight decay",
        value_name="best oracle advantage",
    )
    cost = (
        f"; PGD test accuracy from weight decay {strengths[-1]} to {strengths[0]}: "
        f"{100 * sub['adv_test_acc'].iloc[-1]:.2f}% → {100 * sub['adv_test_acc'].iloc[0]:.2f}%, clean "
        f"{100 * sub['test_acc'].iloc[-1]:.2f}% → {100 * sub['test_acc'].iloc[0]:.2f}%"
    )
    return [("P3", f"{dataset}, {robust.upper()}", dataclasses.replace(v, detail=v.detail + cost))]


def early_stopping(dynamics: pd.DataFrame) -> pd.DataFrame:
    """Early stopping against robust overfitting (CCS §7; Rice et al.'s rule): the snapshot with the best PGD test
    accuracy beside the last one, with their accuracies and the oracle attacks' accuracies (``dynamics`` from
    :func:`mi_lib.why_leak.dynamics_frame`)."""
    best = dynamics.loc[dynamics["adv_test_acc"].idxmax()]
    last = dynamics.iloc[-1]
    rows = {"early stop (best adv-test)": best, "end of training": last}
    out = pd.DataFrame(
        {
            name: {
                "epoch": int(r["epoch"]),
                "train_acc": r["train_acc"],
                "test_acc": r["test_acc"],
                "adv_train_acc": r["adv_train_acc"],
                "adv_test_acc": r["adv_test_acc"],
                "IB": r["ib"],
                "IA": r["ia"],
                "best MI advantage": 2 * (max(r["ib"], r["ia"]) - 0.5),
            }
            for name, r in rows.items()
        }
    ).T
    return out


def early_stopping_sentence(table: pd.DataFrame) -> str:
    """What :func:`early_stopping`'s table shows, in words: whether the PGD model over-fits robustly in its snapshots
    (its best PGD test accuracy before the end and above the end's) and whether stopping there leaks less or more.
    One seed's snapshots: an observation, not a verdict."""
    stop, end = table.loc["early stop (best adv-test)"], table.loc["end of training"]
    pct = report.percent
    leak = (
        f"the best MI advantage is {pct(stop['best MI advantage'])} there against {pct(end['best MI advantage'])} at "
        f"the end"
    )
    if stop["epoch"] == end["epoch"]:
        return (
            f"The best PGD test accuracy comes at the last snapshot (epoch {int(end['epoch'])}): no robust overfitting "
            "to stop. One seed's snapshots: an observation, not a verdict."
        )
    if np.isclose(stop["adv_test_acc"], end["adv_test_acc"], rtol=0, atol=1e-9):
        opening = (
            f"The PGD test accuracy at epoch {int(stop['epoch'])} ties the end's ({pct(end['adv_test_acc'])}): these "
            "snapshots show no robust overfitting, and the rule's choice of the earlier tie is arbitrary"
        )
    else:
        opening = (
            f"The PGD test accuracy peaks at epoch {int(stop['epoch'])} ({pct(stop['adv_test_acc'])}) and falls to "
            f"{pct(end['adv_test_acc'])} by the end: robust overfitting"
        )
    lower = stop["best MI advantage"] < end["best MI advantage"]
    return (
        f"{opening}; {leak}, so stopping there {'leaks less' if lower else 'does not leak less'}. "
        "One seed's snapshots: an observation, not a verdict."
    )


def target_models(target, shadows: Sequence, *, count: int = 1) -> list[tuple[Mapping, list[Mapping]]]:
    """``count`` target models of one method, each with its reference (shadow) models, as signals: first the seed-0
    target with every shadow, then shadow 1, 2, … playing the target, with the seed-0 target
    (:func:`mi_lib.lira.as_pool_model`) and the other shadows as its references. This is how Carlini et al. (2022)
    evaluate LiRA on many target models at no extra training; every target has as many references, and target i of
    two methods shares its membership (a shadow's half of the pool depends on its index, not on the method)."""
    check_target_models(count, len(shadows))
    signals = [s.signals for s in shadows]
    out = [(target.signals, signals)]
    for i in range(count - 1):
        out.append((signals[i], [lira.as_pool_model(target.signals), *signals[:i], *signals[i + 1 :]]))
    return out


def lira_frame(targets: dict, shadows: dict, *, n_boot: int = 500, count: int = 1) -> tuple[pd.DataFrame, dict]:
    """LiRA (online and offline, on clean and PGD inputs) against ``count`` target models per method
    (:func:`target_models`: the seed-0 target run, then shadows playing the target), with the other models of that
    method as shadows: AUC and TPR at low FPR with bootstrap intervals per (method, target model, variant, input),
    and the scores of target model 0 ({(method, variant, input): (member scores, non-member scores)}) for the ROC
    curves. ``chosen`` marks the input the attacker picks per (method, target model, variant) without the target's
    membership: the higher AUC of LiRA run against the shadows themselves (:func:`mi_lib.lira.shadow_attack`)."""

    rows, curves = [], {}
    for method, target in targets.items():
        for t, (target_signals, shadow_signals) in enumerate(target_models(target, shadows[method], count=count)):
            rows += _lira_rows(method, t, target_signals, shadow_signals, curves if t == 0 else {}, n_boot=n_boot)
    return pd.DataFrame(rows), curves


def _lira_rows(method: str, t: int, target_signals, shadow_signals, curves: dict, *, n_boot: int) -> list[dict]:
    """The rows of :func:`lira_frame` for target model ``t`` of ``method``; its scores go into ``curves``."""
    rows = []
    for online in (True, False):
        variant = "online" if online else "offline"
        on_shadows = {kind: roc_auc(*lira.shadow_attack(shadow_signals, kind=kind, online=online)) for kind in INPUTS}
        pick = max(INPUTS, key=lambda kind: on_shadows[kind])
        for kind in INPUTS:
            members, nonmembers = lira.attack(target_signals, shadow_signals, kind=kind, online=online)
            curves[(method, variant, kind)] = (members, nonmembers)
            rows.append(
                {
                    "method": method,
                    "target model": t,
                    "LiRA": variant,
                    "input": kind,
                    "shadows": len(shadow_signals),
                    "scored members": len(members),
                    "scored non-members": len(nonmembers),
                    "AUC on shadows": on_shadows[kind],
                    "chosen": kind == pick,
                    **low_fpr(members, nonmembers, n_boot=n_boot),
                }
            )
    return rows


def _chosen(frame: pd.DataFrame, attack: str, variant: str, method: str) -> pd.DataFrame:
    """The rows of ``method``'s target models under ``attack`` ``variant`` on the input the attacker chose, one per
    target model, in order."""
    rows = frame[(frame[attack] == variant) & frame["chosen"] & (frame["method"] == method)]
    return rows.sort_values("target model")


def _inputs(rows: pd.DataFrame) -> str:
    return "/".join(dict.fromkeys(rows["input"]))


def lira_claims(frame: pd.DataFrame, *, dataset: str, robust: str = "pgd") -> list[tuple[str, str, report.Verdict]]:
    """P2 under offline LiRA: the robust targets' TPR at 1% FPR and AUC above the natural targets', paired by target
    model (:func:`target_models`), each on the input the attacker chose on the shadows; judged by the statistics rule
    (:func:`mi_lib.report.verdict`: at least three target models). Online LiRA is judged in P4
    (:func:`modern_attack_claims`), beside RMIA: the scoreboard counts each attack's evidence once."""
    out = []
    for variant in [v for v in frame["LiRA"].unique() if v != "online"]:
        left, right = _chosen(frame, "LiRA", variant, robust), _chosen(frame, "LiRA", variant, "natural")
        for metric, name in (("tpr@0.01", "TPR at 1% FPR"), ("auc", "AUC")):
            out.append(
                (
                    "P2",
                    f"{dataset}, {robust.upper()} vs natural, LiRA {variant}, {name}",
                    report.verdict(
                        f"A {robust.upper()} model leaks more than the natural one under LiRA ({variant}) by {name}",
                        left[metric],
                        right[metric],
                        left_name=f"{robust.upper()} {name} ({_inputs(left)})",
                        right_name=f"natural {name} ({_inputs(right)})",
                        paired_over="target models",
                    ),
                )
            )
    return out


REFERENCE_COUNTS = (1, 2, 4, 8)  # RMIA offline: how many reference models the attacker trained


def rmia_frame(
    targets: dict,
    references: dict,
    *,
    n_boot: int = 500,
    counts: tuple[int, ...] = REFERENCE_COUNTS,
    count: int = 1,
) -> tuple[pd.DataFrame, dict]:
    """RMIA (:mod:`mi_lib.rmia`) against ``count`` target models per method (:func:`target_models`) with the other
    models of that method as reference models: online with all of them, offline with the first 1, 2, 4, 8 (a tuned
    on the attacker's references as the paper does; a = 1 for one reference). Per (method, target model, variant,
    references, input): AUC and TPR at low FPR with bootstrap intervals, the attack's time on the cached signals, and
    ``chosen``, the input with the higher AUC of RMIA run on the references themselves. Returns the frame and the
    scores of target model 0 for ROC curves."""

    rows, curves = [], {}
    for method, target in targets.items():
        for t, (target_signals, ref_signals) in enumerate(target_models(target, references[method], count=count)):
            rows += _rmia_rows(
                method, t, target_signals, ref_signals, curves if t == 0 else {}, n_boot=n_boot, counts=counts
            )
    return pd.DataFrame(rows), curves


def _rmia_rows(
    method: str, t: int, target_signals, ref_signals, curves: dict, *, n_boot: int, counts: tuple[int, ...]
) -> list[dict]:
    """The rows of :func:`rmia_frame` for target model ``t`` of ``method``; its scores go into ``curves``."""
    rows = []
    plans = [("online", len(ref_signals))] + [("offline", k) for k in counts if k <= len(ref_signals)]
    for variant, k in plans:
        online, refs = variant == "online", ref_signals[:k]
        settings = {kind: (rmia.tune_offline_a(refs, kind=kind) if not online else 1.0) for kind in INPUTS}
        on_refs = {
            kind: roc_auc(*rmia.reference_attack(refs, kind=kind, online=online, a=settings[kind])) if k > 1 else np.nan
            for kind in INPUTS
        }
        pick = max(INPUTS, key=lambda kind: -1 if np.isnan(on_refs[kind]) else on_refs[kind]) if k > 1 else "benign"
        for kind in INPUTS:
            start = time.perf_counter()
            members, nonmembers = rmia.attack(target_signals, refs, kind=kind, online=online, a=settings[kind])
            elapsed = time.perf_counter() - start
            curves[(method, variant, k, kind)] = (members, nonmembers)
            rows.append(
                {
                    "method": method,
                    "target model": t,
                    "RMIA": variant,
                    "references": k,
                    "input": kind,
                    "a": settings[kind],
                    "AUC on references": on_refs[kind],
                    "chosen": kind == pick,
                    "attack time (s)": elapsed,
                    "scored members": len(members),
                    "scored non-members": len(nonmembers),
                    **low_fpr(members, nonmembers, n_boot=n_boot),
                }
            )
    return rows


def modern_attack_claims(
    lira: pd.DataFrame, rmia: pd.DataFrame, *, dataset: str, robust: str = "pgd"
) -> list[tuple[str, str, report.Verdict]]:
    """P4: the robust targets leak more than the natural ones under LiRA (online) and RMIA (online), at TPR at 0.1% and
    1% FPR and in AUC, paired by target model (:func:`target_models`), each on the input the attacker chose without
    the target's membership; judged by the statistics rule (at least three target models). The detail adds target
    model 0's bootstrap intervals over the points."""
    out = []
    for attack, frame in (("LiRA", lira), ("RMIA", rmia)):
        left, right = _chosen(frame, attack, "online", robust), _chosen(frame, attack, "online", "natural")
        for metric, name in (("tpr@0.001", "TPR at 0.1% FPR"), ("tpr@0.01", "TPR at 1% FPR"), ("auc", "AUC")):
            v = report.verdict(
                f"A {robust.upper()} model leaks more than the natural one under {attack} by {name}",
                left[metric],
                right[metric],
                left_name=f"{robust.upper()} ({_inputs(left)})",
                right_name=f"natural ({_inputs(right)})",
                paired_over="target models",
            )
            intervals = "; ".join(
                f"{m} 95% interval [{100 * rows[metric + ' low'].iloc[0]:.2f}, {100 * rows[metric + ' high'].iloc[0]:.2f}]%"
                for m, rows in ((robust, left), ("natural", right))
            )
            out.append(
                (
                    "P4",
                    f"{dataset}, {attack} online, {name}",
                    dataclasses.replace(v, detail=f"{v.detail}; target model 0: {intervals}"),
                )
            )
    return out
