"""PINEAT's tables, claims and Fig. 1 from runs (docs/settings.md#pineat): Table 1 beside the paper's, the n/m variant study, the
verdicts of claims C12–C16 and Observation 1, and the geometry of the examples a run traced for two points."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from . import paper, pineat_runtime, report
from .metrics import cross_entropy_loss, threshold_attack
from .pineat import ADVERSARIAL, SECOND

METHOD_LABELS = {"original": "Original", "advnat": "AdvNat-1/1", "advran": "AdvRan-1/1"}
COLUMNS = ["A_train", "A_test", "R_train", "R_test", "P_Enat", "P_Eadv", "P_MAX"]
# C13's "about half": this project's acceptance band for the time ratio PINEAT-1/1 / Original, around the paper's
# own ratios (:func:`paper_ratios`).
HALF_TIME = (0.4, 0.7)
# A run's machine kind (:func:`mi_lib.report.machine`: GPU, AVX2, AVX512, ...) where it was not recorded (runs trained
# before the record). Two such runs may have run on different CPUs (their chapters' runs landed in different sessions),
# so a ratio between them is shown in Table 1 but is no evidence for C13.
NOT_RECORDED = "not recorded"


def _paper_pairs() -> list[tuple[dict, dict]]:
    """(Original, PINEAT-1/1) rows of PINEAT Table 1 per (dataset, base), from the reference data."""
    rows = paper.tables()["pineat_table1"]["rows"]
    pick = lambda r0, m: next(
        r for r in rows if (r["dataset"], r["base"], r["method"]) == (r0["dataset"], r0["base"], m)
    )  # noqa: E731
    return [(r, pick(r, "pineat_1_1")) for r in rows if r["method"] == "original"]


def paper_ratios() -> tuple[float, float]:
    """The smallest and largest time ratio PINEAT-1/1 / Original in PINEAT Table 1."""
    ratios = [p["time_h"] / o["time_h"] for o, p in _paper_pairs()]
    return min(ratios), max(ratios)


def r_test_tolerance() -> float:
    """C14's "keeps robustness": the paper's own largest R_test drop of PINEAT-1/1 below Original (PINEAT Table 1)."""
    return max(o["r_test"] - p["r_test"] for o, p in _paper_pairs())


def method_label(config) -> str:
    """Natural, Original, AdvNat-1/1, AdvRan-1/1 or PINEAT-n/m for a run's config."""
    if config.method == "natural":
        return "Natural"
    if config.strategy == "pineat":
        return f"PINEAT-{config.pineat_n}/{config.pineat_m}"
    return METHOD_LABELS[config.strategy]


def frame(runs) -> pd.DataFrame:
    """PINEAT's Table 1 columns per run: A_train, A_test, R_train, R_test (accuracy on PGD examples), P_Enat,
    P_Eadv (cross-entropy thresholding on natural / PGD inputs, which ranks exactly like confidence thresholding, so
    they equal IB and IA), P_MAX, the training wall time and n/m."""
    rows = []
    for run in runs:
        s, c = run.summary, run.config
        rows.append(
            {
                "base": "-" if c.method == "natural" else c.method,
                "method": method_label(c),
                "seed": c.seed,
                "n": c.pineat_n,
                "m": c.pineat_m,
                "A_train": s["train_acc"],
                "A_test": s["test_acc"],
                "R_train": s["adv_train_acc"],
                "R_test": s["adv_test_acc"],
                "P_Enat": s["ib"]["accuracy"],
                "P_Eadv": s["ia"]["accuracy"],
                "P_MAX": max(s["ib"]["accuracy"], s["ia"]["accuracy"]),
                "time_s": s["train_time_s"],
                "machine": report.machine(s) or NOT_RECORDED,
            }
        )
    return pd.DataFrame(rows)


# The loss's floor for P_E: the smallest float32, so that only confidences of exactly 0 tie (as they tie as
# confidences). A larger floor (the KL histograms' 1e-30) ties every confidence below it, which a natural model's
# PGD inputs reach often: IA and P_Eadv then differ (53.95% against 55.00% on a Fashion-MNIST natural model).
TINIEST = float(np.finfo(np.float32).smallest_subnormal)


def cross_entropy_thresholding(runs) -> pd.DataFrame:
    """PINEAT's P_Enat / P_Eadv computed as PINEAT defines them — the best balanced accuracy of thresholding the
    cross-entropy loss (low loss = member) on natural / PGD inputs — beside IB / IA (thresholding the true-label
    confidence) from the same signals: the loss is a decreasing function of the confidence, so they agree."""
    rows = []
    for run in runs:
        signals, c = run.signals, run.config
        row = {"base": "-" if c.method == "natural" else c.method, "method": method_label(c), "seed": c.seed}
        for kind, ours, theirs in (("benign", "IB", "P_Enat"), ("adversarial", "IA", "P_Eadv")):
            member = cross_entropy_loss(signals[f"output_train_{kind}"], signals["train_label"], floor=TINIEST)
            nonmember = cross_entropy_loss(signals[f"output_test_{kind}"], signals["test_label"], floor=TINIEST)
            row[f"{theirs} (cross-entropy)"] = threshold_attack(-member, -nonmember).accuracy
            row[f"{ours} (confidence)"] = run.summary[ours.lower()]["accuracy"]
        row["equal"] = bool(
            np.isclose(row["P_Enat (cross-entropy)"], row["IB (confidence)"])
            and np.isclose(row["P_Eadv (cross-entropy)"], row["IA (confidence)"])
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _machines(table: pd.DataFrame) -> pd.Series:
    """Each run's machine kind, :data:`NOT_RECORDED` where a frame has none."""
    if "machine" not in table:
        return pd.Series(NOT_RECORDED, index=table.index)
    return table["machine"].fillna(NOT_RECORDED).astype(str)


def time_ratios(table: pd.DataFrame) -> pd.Series:
    """Per run, its training time over that of Original of the same base and seed (the mean where a seed has several
    Original runs), where both were trained on one machine kind (column ``machine``); NaN where they were not (a
    ratio across machine kinds measures the machines: the same Fashion-MNIST PGD run took ~400 s on AVX512 and
    ~1,170 s on AVX2 CPUs) or there is no such Original. Pairs whose machine kind was not recorded
    (:data:`NOT_RECORDED`) keep their ratio: the caller decides whether they count."""
    runs = pd.DataFrame(
        {"base": table["base"].to_numpy(), "seed": table["seed"].to_numpy(), "machine": _machines(table).to_numpy()}
    )
    original = table["method"].to_numpy() == "Original"
    reference = (
        runs[original]
        .assign(original_time=table["time_s"].to_numpy()[original])
        .groupby(["base", "seed", "machine"], as_index=False)["original_time"]
        .mean()
    )
    matched = runs.merge(reference, on=["base", "seed", "machine"], how="left")["original_time"].to_numpy()
    ratios = table["time_s"].to_numpy(dtype=float) / matched
    return pd.Series(ratios, index=table.index, dtype=float)


def with_time_ratio(table: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds per (base, method), with the training time as a ratio to Original of the same base: the mean,
    over the seeds timed on one machine kind with their Original (:func:`time_ratios`; pairs whose machine kind was
    not recorded included, which C13 does not count), of the per-seed ratios; ``timed seeds`` counts them."""
    table = table.assign(**{"time / Original": time_ratios(table).to_numpy()})
    grouped = table.groupby(["base", "method"], sort=False)
    means = grouped[COLUMNS + ["time_s", "time / Original"]].mean()
    means["seeds"] = grouped["seed"].nunique()
    means["timed seeds"] = grouped["time / Original"].count()
    return means


def table1(table: pd.DataFrame, *, dataset: str) -> pd.DataFrame:
    """PINEAT Table 1 rows of ``dataset``: the paper's beside ours (mean over ``seeds`` seeds), per (base, method); the
    paper's hours are converted to a ratio to Original the same way. Variants other than 1/1 have no paper row."""
    ref = paper.table("pineat_table1")
    ref = ref[ref["dataset"] == ("cifar10" if dataset == "cifar10-jpeg" else dataset)]
    paper_names = {
        "Natural": "natural",
        "Original": "original",
        "PINEAT-1/1": "pineat_1_1",
        "AdvNat-1/1": "advnat_1_1",
        "AdvRan-1/1": "advran_1_1",
    }
    ours = with_time_ratio(table)
    rows = {}
    for (base, method), values in ours.iterrows():
        theirs = ref[(ref["method"] == paper_names.get(method)) & (ref["base"] == base)]
        if not theirs.empty:
            t = theirs.iloc[0]
            original_h = ref[(ref["base"] == base) & (ref["method"] == "original")]["time_h"]
            rows[(base, method, "paper")] = {
                **{c: t[c.lower()] for c in COLUMNS},
                "time / Original": t["time_h"] / original_h.iloc[0] if len(original_h) else np.nan,
            }
        rows[(base, method, "reproduced")] = {
            **{c: values[c] for c in COLUMNS},
            "time / Original": values["time / Original"],
            "seeds": values["seeds"],
            "timed seeds": values["timed seeds"],
        }
    out = pd.DataFrame.from_dict(rows, orient="index").round(4)
    out.index.names = ["base", "method", "source"]
    return out


def _paired(table: pd.DataFrame, base: str, left: str, right: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``column`` of methods ``left`` and ``right`` of ``base`` on their common seeds."""
    sub = table[table["base"] == base]
    seeds = report.common_seeds(sub, left, right)
    return tuple(report.paired(sub, method, column, seeds=seeds).astype(float) for method in (left, right))


def _base_scope(dataset: str, base: str) -> str:
    return f"{dataset}, {base.upper() if base == 'pgd' else base.capitalize()}-based"


def _in_band(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def _bounded(claim: str, values, low: float, high: float, *, detail: str, unit: str = "") -> report.Verdict:
    """Whether the mean of ``values`` (one per run: seeds, or timing repeats) lies in [low, high], judged by its
    one-sided 95% Student-t bounds as :func:`mi_lib.report.verdict` judges a difference: **holds** when both bounds lie
    in the band, **does not hold** when one lies beyond it on the far side (the whole interval is out), else
    **inconclusive** (the interval straddles an edge); fewer than :data:`mi_lib.report.MIN_RUNS` runs are
    inconclusive. ``unit`` ("pp" for proportions shown in percentage points) formats the bounds in the detail."""
    values = np.asarray(values, dtype=float)
    n, mean = values.size, float(values.mean())
    if n < report.MIN_RUNS:
        outcome = "holds" if _in_band(mean, low, high) else "does not hold"
        return report.on_runs(claim, outcome, runs=n, detail=detail, left=tuple(values))
    lo, hi = report.mean_bounds(values)
    if low <= lo and hi <= high:
        outcome = "holds"
    elif hi < low or lo > high:
        outcome = "does not hold"
    else:
        outcome = "inconclusive"
    show = (lambda v: f"{100 * v:+.2f} pp") if unit == "pp" else (lambda v: f"{v:.2f}")
    detail += f"; {n} runs, 95% one-sided bounds of the mean [{show(lo)}, {show(hi)}]"
    detail += ": the bounds straddle an edge of the band" if outcome == "inconclusive" else ""
    return report.Verdict(claim=claim, verdict=outcome, left=tuple(values), right=(), detail=detail)


def out_of_regime(regime: pd.DataFrame, base: str) -> str | None:
    """Why the Original runs of ``base`` sit outside the papers' regime (``regime``: :func:`mi_lib.report.regime_table`
    with a ``variant`` column), or None when they are in it. There the Original model does not leak as the paper's
    does, so a claim about leaking less, or about accuracies, cannot be tested on it."""
    rows = regime[(regime["method"] == base) & (regime["variant"] == "Original")]
    if rows.empty or rows["in regime"].all():
        return None
    r = rows[~rows["in regime"]].iloc[0]
    return (
        f"the Original model (seed {r['seed']}) is outside the papers' regime ({report.regime_reason(r)}), so it does not "
        "leak as the paper's does and there is no leakage for PINEAT to cut"
    )


def table1_claims(
    table: pd.DataFrame, *, dataset: str, regime: pd.DataFrame | None = None, runtime: pd.DataFrame | None = None
) -> list[tuple[str, str, report.Verdict]]:
    """C12 (less leakage), C13 (about half the time), C14 (keeps R_test) and Observation 1 (A_test ordering) per
    base method of ``dataset``, PINEAT-1/1 against Original (and, for Observation 1, the baselines). With ``regime``
    (see :func:`out_of_regime`), C12, C14 and Observation 1 of a base whose Original model is outside the papers'
    regime are not testable, their numbers still shown; C13 (runtime) does not depend on the regime and is judged from
    the back-to-back timings ``runtime`` (:func:`mi_lib.pineat_runtime.timings`) where they time the base."""
    out = []
    for base in [b for b in table["base"].unique() if b != "-"]:
        methods = set(table[table["base"] == base]["method"])
        if not {"Original", "PINEAT-1/1"} <= methods:
            continue
        scope = _base_scope(dataset, base)
        original, pineat = _paired(table, base, "Original", "PINEAT-1/1", "P_MAX")
        out.append(
            (
                "C12",
                scope,
                report.verdict(
                    "PINEAT-1/1 leaks less (lower P_MAX) than Original",
                    original,
                    pineat,
                    left_name="Original P_MAX",
                    right_name="PINEAT-1/1 P_MAX",
                ),
            )
        )
        out.append(("C13", scope, _time_claim(table, base, runtime)))
        original, pineat = _paired(table, base, "Original", "PINEAT-1/1", "R_test")
        drop = float((original - pineat).mean())
        out.append(
            (
                "C14",
                scope,
                _bounded(
                    "PINEAT-1/1 keeps R_test close to Original",
                    original - pineat,
                    -np.inf,
                    r_test_tolerance(),
                    unit="pp",
                    detail=f"R_test Original {100 * original.mean():.2f}% vs PINEAT-1/1 {100 * pineat.mean():.2f}%: "
                    f"drop {100 * drop:+.2f} pp (accepted up to the paper's largest, {100 * r_test_tolerance():.2f} pp)",
                ),
            )
        )
        if {"AdvNat-1/1", "AdvRan-1/1"} <= methods:
            out.append(("O1", scope, _accuracy_order(table, base)))
    if regime is not None:
        reasons = {_base_scope(dataset, b): out_of_regime(regime, b) for b in table["base"].unique() if b != "-"}
        out = [
            (cid, scope, report.not_testable(v, reasons[scope]) if reasons.get(scope) and cid != "C13" else v)
            for cid, scope, v in out
        ]
    return out


def _time_claim(table: pd.DataFrame, base: str, runtime: pd.DataFrame | None = None) -> report.Verdict:
    """C13 on ``base``. With back-to-back timings of ``base`` (``runtime``: :func:`mi_lib.pineat_runtime.timings`),
    the mean over their repeats of the time-per-update ratio PINEAT-1/1 / Original, inside :data:`HALF_TIME`, the
    training runs' ratios named in the detail (inconclusive where training runs timed on one recorded machine kind
    fall on the other side of the band). Else the mean per-seed time ratio of the training runs over the seeds
    whose two runs were trained on one recorded machine kind; the detail names the seeds left out and why, and shows
    the ratio of pairs whose machine kind was not recorded as unverified."""
    claim = "PINEAT-1/1 needs about half the training time of Original"
    band = (
        f"accepted as about half: {HALF_TIME[0]}–{HALF_TIME[1]}; the paper's ratios are "
        f"{paper_ratios()[0]:.2f}–{paper_ratios()[1]:.2f}"
    )
    runs = table[(table["base"] == base) & (table["method"] == "PINEAT-1/1")]
    machine = _machines(table).loc[runs.index]
    any_pair = time_ratios(table).loc[runs.index]
    verified = any_pair.where(machine != NOT_RECORDED)
    notes = []
    unverified = any_pair[verified.isna() & any_pair.notna()]
    if len(unverified):
        notes.append(
            f"seed{'s' * (len(unverified) > 1)} {', '.join(map(str, runs.loc[unverified.index, 'seed']))}: ratio "
            f"{unverified.mean():.2f}, unverified (neither run recorded its machine kind, and they may have run on "
            "different CPUs)"
        )
    original_kinds = table[(table["base"] == base) & (table["method"] == "Original")].assign(machine=_machines(table))
    for i in runs.index[any_pair.isna()]:
        kinds = original_kinds.loc[original_kinds["seed"] == runs.loc[i, "seed"], "machine"]
        notes.append(
            f"seed {runs.loc[i, 'seed']} left out: "
            + (
                f"Original trained on {'/'.join(sorted(set(kinds)))} and PINEAT-1/1 on {machine[i]} CPUs"
                if len(kinds)
                else "no Original run of that seed"
            )
        )
    pairs = int(verified.notna().sum())
    trained_ratio = float(verified.mean()) if pairs else float("nan")
    trained = (
        f"time ratio PINEAT-1/1 / Original {trained_ratio:.2f} over {pairs} seed{'s' * (pairs != 1)}"
        if pairs
        else "no seed whose PINEAT-1/1 and Original runs were timed on one recorded machine kind"
    )
    trained += ("; " + "; ".join(notes)) if notes else ""
    timed = pineat_runtime.ratios(runtime) if runtime is not None and len(runtime) else pd.DataFrame()
    timed = timed[timed["base"] == base] if len(timed) else timed
    if len(timed):
        ratio = float(timed["ratio"].mean())
        machines = ", ".join(f"{n} repeats on {kind}" for kind, n in timed.groupby("machine").size().items())
        detail = (
            f"compute per update PINEAT-1/1 / Original {ratio:.2f} (per repeat {timed['ratio'].min():.2f}–"
            f"{timed['ratio'].max():.2f}), timed back to back in one process by `./run bench-pineat` ({machines}; "
            f"both make as many updates over a run, so this is the ratio of the training compute, data handling left "
            f"out) ({band}); the training runs: {trained}"
        )
        verdict = _bounded(claim, timed["ratio"], *HALF_TIME, detail=detail)
        disagree = _in_band(trained_ratio, *HALF_TIME) != _in_band(ratio, *HALF_TIME)
        if pairs and verdict.verdict in ("holds", "does not hold") and disagree:
            return report.on_runs(
                claim, "inconclusive", runs=len(timed), detail=f"{detail}; the two disagree", left=(ratio,)
            )
        return verdict
    if pairs == 0:
        return report.on_runs(claim, "inconclusive", runs=0, detail=f"{trained} ({band})")
    return _bounded(claim, verified.dropna(), *HALF_TIME, detail=f"{trained} ({band})")


def _accuracy_order(table: pd.DataFrame, base: str) -> report.Verdict:
    """Observation 1: A_test of PINEAT-1/1 above Original and AdvRan-1/1, below AdvNat-1/1."""
    parts = [
        report.verdict(
            "", *_paired(table, base, "PINEAT-1/1", "Original", "A_test"), left_name="PINEAT-1/1", right_name="Original"
        ),
        report.verdict(
            "",
            *_paired(table, base, "PINEAT-1/1", "AdvRan-1/1", "A_test"),
            left_name="PINEAT-1/1",
            right_name="AdvRan-1/1",
        ),
        report.verdict(
            "",
            *_paired(table, base, "AdvNat-1/1", "PINEAT-1/1", "A_test"),
            left_name="AdvNat-1/1",
            right_name="PINEAT-1/1",
        ),
    ]
    outcomes = {p.verdict for p in parts}
    outcome = "holds" if outcomes == {"holds"} else "does not hold" if "does not hold" in outcomes else "inconclusive"
    return report.Verdict(
        claim="A_test: AdvNat-1/1 > PINEAT-1/1 > Original and AdvRan-1/1",
        verdict=outcome,
        left=(),
        right=(),
        detail="A_test — " + "; ".join(p.detail for p in parts),
    )


def variants(table: pd.DataFrame, *, base: str) -> pd.DataFrame:
    """The n/m variant study on ``base``: PINEAT-n/m rows sorted by n/m, falling, with Original; means over the seeds
    every one of them has (a pair with more seeds does not mix its mean with single runs)."""
    on_base = table[table["base"] == base]
    keep = [m for m in on_base["method"].unique() if m.startswith("PINEAT-") or m == "Original"]
    on_base = on_base[on_base["seed"].isin(report.common_seeds(on_base, *keep))]
    means = with_time_ratio(on_base)
    sub = on_base.drop_duplicates("method").set_index("method")
    out = means.loc[[(base, m) for m in keep], COLUMNS + ["time / Original"]].droplevel("base")
    out.insert(0, "n/m", [np.inf if m == "Original" else sub.loc[m, "n"] / sub.loc[m, "m"] for m in keep])
    return out.sort_values("n/m", ascending=False).round(4)


def _by_seed(table: pd.DataFrame, base: str, methods: list[str], column: str) -> np.ndarray:
    """``column`` of ``methods`` on ``base``, shape (len(methods), seeds): the seeds every one of them has a value
    for (a training-time ratio needs its Original timed on the same machine kind), paired across methods."""
    sub = table[table["base"] == base]
    sub = sub.assign(**{"time / Original": time_ratios(sub).to_numpy()})
    values = sub[sub["method"].isin(methods)].groupby(["method", "seed"])[column].mean().unstack("seed")
    return values.reindex(methods).dropna(axis=1).to_numpy(dtype=float)


def variant_claims(table: pd.DataFrame, *, dataset: str, base: str) -> list[tuple[str, str, report.Verdict]]:
    """C15 (P_MAX falls as n/m falls, n = 1 fixed) and C16 (A_test rises, R_test and runtime fall as n/m falls),
    each judged per seed: the ends paired by seed, the steps on the means over those seeds."""
    study = variants(table, base=base).drop(index="Original", errors="ignore")
    n = table[table["base"] == base].drop_duplicates("method").set_index("method")["n"]
    scope = _base_scope(dataset, base) + ", " + ", ".join(study.index)
    out = []
    fixed_n = study[(n.loc[study.index] == 1).to_numpy()].sort_values("n/m")  # n/m rising
    if len(fixed_n) >= 2:
        out.append(
            (
                "C15",
                _base_scope(dataset, base) + ", " + ", ".join(fixed_n.index),
                report.trend_verdict(
                    "P_MAX falls as n/m falls (n = 1): it grows with n/m",
                    list(fixed_n.index),
                    _by_seed(table, base, list(fixed_n.index), "P_MAX"),
                    x_name="variant",
                    value_name="P_MAX",
                ),
            )
        )
    if len(study) >= 2:
        falling = study.sort_values("n/m", ascending=False)  # n/m falling
        rising = falling.iloc[::-1]
        out.append(
            (
                "C16",
                scope + " (A_test)",
                report.trend_verdict(
                    "A_test rises as n/m falls",
                    list(falling.index),
                    _by_seed(table, base, list(falling.index), "A_test"),
                    x_name="variant",
                    value_name="A_test",
                ),
            )
        )
        out.append(
            (
                "C16",
                scope + " (R_test)",
                report.trend_verdict(
                    "R_test falls as n/m falls: it grows with n/m",
                    list(rising.index),
                    _by_seed(table, base, list(rising.index), "R_test"),
                    x_name="variant",
                    value_name="R_test",
                ),
            )
        )
        out.append(
            (
                "C16",
                scope + " (runtime)",
                report.trend_verdict(
                    "Runtime falls as n/m falls: it grows with n/m",
                    list(rising.index),
                    _by_seed(table, base, list(rising.index), "time / Original"),
                    x_name="variant",
                    value_name="training time (% of Original, on the seeds timed for every variant)",
                ),
            )
        )
    return out


def trace_projection(trace: dict[str, np.ndarray]) -> pd.DataFrame:
    """PINEAT Fig. 1: the two watched training points and every example a run generated for them, projected on the
    first two principal components of all of them together."""
    natural, examples = trace["trace_natural"], trace["trace_example"]
    flat = np.concatenate([natural.reshape(len(natural), -1), examples.reshape(len(examples), -1)]).astype(np.float64)
    centred = flat - flat.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ components[:2].T
    kinds = {ADVERSARIAL: "adversarial", SECOND: "second update"}
    return pd.DataFrame(
        {
            "pc1": coords[:, 0],
            "pc2": coords[:, 1],
            "point": np.concatenate([np.arange(len(natural)), trace["trace_point"]]),
            "kind": ["natural"] * len(natural) + [kinds[k] for k in trace["trace_kind"]],
            "epoch": np.concatenate([np.zeros(len(natural), int), trace["trace_epoch"]]),
        }
    )


def _unit(deltas: np.ndarray) -> np.ndarray:
    flat = deltas.reshape(len(deltas), -1).astype(np.float64)
    return flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)


def _pairwise_cosines(deltas: np.ndarray) -> np.ndarray:
    unit = _unit(deltas)
    return np.array([unit[i] @ unit[j] for i, j in itertools.combinations(range(len(unit)), 2)])


def _within_minus_across(units: list[np.ndarray]) -> np.ndarray:
    """Per point: mean cosine between its own perturbations of different rounds, minus the mean cosine between its
    perturbations and the other points'."""
    out = []
    for i, u in enumerate(units):
        gram = u @ u.T
        within = gram[np.triu_indices(len(u), 1)].mean()
        across = np.mean([(u @ v.T).mean() for j, v in enumerate(units) if j != i])
        out.append(within - across)
    return np.array(out)


OTHER = "mean cosine, other points' perturbations"


def clustering(
    trace: dict[str, np.ndarray], *, eps: float, seed: int = 0, n_boot: int = 1000
) -> tuple[pd.DataFrame, report.Verdict]:
    """The key observation behind PINEAT (its Fig. 1): the adversarial examples generated for a training point over
    training cluster in one region around it. Measured per watched point as the mean cosine similarity between its
    perturbations x_adv − x of different rounds, against the null of *other training points'* adversarial
    perturbations (any adversarial perturbation shares some structure, so uniform noise would be beaten by any of
    them; the table shows that baseline too). The claim is about the rounds of one run, so the spread is a bootstrap
    over rounds: **holds** when every point's own perturbations are more alike than they are like the other points'
    in at least 95% of ``n_boot`` resamples, **does not hold** in at most 5%, **inconclusive** otherwise."""
    claim = "Adversarial examples of a training point cluster around it (Fig. 1)"
    rng = np.random.default_rng(seed)
    rows, units = [], []
    for point, x in enumerate(trace["trace_natural"]):
        chosen = (trace["trace_point"] == point) & (trace["trace_kind"] == ADVERSARIAL)
        deltas = trace["trace_example"][chosen] - x
        units.append(_unit(deltas))
        random = rng.uniform(-eps, eps, deltas.shape)
        observed, baseline = _pairwise_cosines(deltas), _pairwise_cosines(random)
        enough = len(observed) > 0  # two rounds at least
        rows.append(
            {
                "point": point,
                "adversarial examples": int(chosen.sum()),
                "mean cosine, adversarial": observed.mean() if enough else np.nan,
                "mean cosine, uniform random": baseline.mean() if enough else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("point")
    if table["mean cosine, adversarial"].isna().any() or len(units) < 2:
        return table, report.Verdict(
            claim=claim,
            verdict="inconclusive",
            left=(),
            right=(),
            detail="fewer than two rounds traced per point, or one point: no pair of perturbations to compare",
        )
    table[OTHER] = [np.mean([(u @ v.T).mean() for j, v in enumerate(units) if j != i]) for i, u in enumerate(units)]
    boot = np.array([_within_minus_across([u[rng.integers(0, len(u), len(u))] for u in units]) for _ in range(n_boot)])
    share = float((boot > 0).all(axis=1).mean())
    outcome = "holds" if share >= 0.95 else "does not hold" if share <= 0.05 else "inconclusive"
    detail = (
        "; ".join(
            f"point {p}: mean cosine {r['mean cosine, adversarial']:.3f} between its own {int(r['adversarial examples'])} "
            f"perturbations vs {r[OTHER]:.3f} with the other point's"
            for p, r in table.iterrows()
        )
        + f"; own > other in every point in {100 * share:.1f}% of {n_boot} bootstrap resamples of the rounds"
    )
    return table.round(4), report.Verdict(claim=claim, verdict=outcome, left=(), right=(), detail=detail)
