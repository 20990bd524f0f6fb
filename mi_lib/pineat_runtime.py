"""PINEAT's runtime claim (C13) timed back to back: the cost of one update of each training strategy, measured in
one process on the same minibatches (``./run bench-pineat --save``), one file per dataset and machine kind.

Timing separate training runs mixes in whatever else shared the machine, and runs trained in different sessions may
have run on different CPUs (the same run takes ~3x longer on an AVX2-only CPU than on an AVX512 one). A strategy makes
as many updates as Original over a run (:mod:`mi_lib.pineat`), so the ratio of the compute per update (attack and
updates, the bulk of a training step; the data handling around it is left out) is the ratio of the training compute.
Files live in ``<results>/<tier>/timing/pineat-runtime-<dataset>-<machine>.json`` (committed for the cpu tier,
checksummed like every artifact); each records the models it timed, so timings of a preset that has changed since
are not used.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from .runs import results_root
from .runs_io import load_json, save_json
from .tiers import preset

FIELDS = ("base", "method", "repeat", "ms_per_update")
HEADER = ("dataset", "tier", "machine", "threads", "rounds", "load_before", "configs", "timings")


class StaleTiming(UserWarning):
    """A committed timing was taken on a model that the tier's preset no longer trains; it is not used."""


def path(dataset: str, machine: str, *, tier: str = "cpu") -> Path:
    return results_root(tier) / tier / "timing" / f"pineat-runtime-{dataset}-{machine}.json"


def save(
    dataset: str,
    *,
    tier: str,
    machine: str,
    threads: int,
    rounds: int,
    torch_version: str,
    load_before: float,
    configs: dict[str, str],
    rows: list[dict],
) -> Path:
    """Write the timings ``rows`` (one per base, method and repeat: :data:`FIELDS`) of ``dataset``'s ``tier`` models
    (``configs``: base -> the timed Original config's ``train_id``), timed on a ``machine``-kind CPU with ``threads``
    threads over ``rounds`` minibatch rounds, the 1-minute load average ``load_before`` just before. A base timed
    again replaces its earlier rows in the file; the other bases' rows stay (with the header of the latest timing)."""
    for row in rows:
        missing = [f for f in FIELDS if f not in row]
        if missing:
            raise ValueError(f"rows: a timing lacks {', '.join(missing)}; each needs {', '.join(FIELDS)}")
    target = path(dataset, machine, tier=tier)
    earlier = load_json(target) or {}
    kept = [r for r in earlier.get("timings", []) if r.get("base") not in configs]
    save_json(
        target,
        {
            "dataset": dataset,
            "tier": tier,
            "machine": machine,
            "threads": threads,
            "rounds": rounds,
            "torch": torch_version,
            "load_before": round(load_before, 2),
            "configs": {**{b: c for b, c in earlier.get("configs", {}).items() if b not in configs}, **configs},
            "timings": kept + [{f: row[f] for f in FIELDS} for row in rows],
        },
    )
    return target


def timings(dataset: str, *, tier: str = "cpu") -> pd.DataFrame:
    """Every committed timing of ``dataset``'s ``tier`` models, one row per base, method, repeat and machine kind,
    with ``machine``, ``threads``, ``rounds`` and ``load_before``; empty when none was saved. A file that fails its
    checksum is skipped (warning); a base whose timed model is no longer the preset's is skipped (:class:`StaleTiming`);
    a file that lacks a field raises ValueError naming the file and the field."""
    frames = []
    for file in sorted((results_root(tier) / tier / "timing").glob("pineat-runtime-*.json")):
        content = load_json(file)
        if content is None or (content.get("dataset"), content.get("tier")) != (dataset, tier):
            continue
        missing = [k for k in HEADER if k not in content]
        missing += sorted({f for row in content.get("timings", []) for f in FIELDS if f not in row})
        if missing:
            raise ValueError(f"{file}: lacks the field(s) {', '.join(missing)}; rerun ./run bench-pineat --save")
        frame = pd.DataFrame(content["timings"], columns=list(FIELDS))
        for base, timed in content["configs"].items():
            if timed != preset(dataset, tier, method=base).train_id():
                warnings.warn(
                    f"{file}: the {base} timings are of a model the {tier} tier no longer trains; not used "
                    "(rerun ./run bench-pineat --save)",
                    StaleTiming,
                    stacklevel=2,
                )
                frame = frame[frame["base"] != base]
        frames.append(frame.assign(**{k: content[k] for k in ("machine", "threads", "rounds", "load_before")}))
    columns = [*FIELDS, "machine", "threads", "rounds", "load_before"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def ratios(frame: pd.DataFrame, method: str = "PINEAT-1/1") -> pd.DataFrame:
    """Per machine kind, base and repeat, ``method``'s time per update over Original's in the same repeat
    (column ``ratio``, with ``ms_per_update`` of ``method``); repeats without both are left out."""
    keys = ["machine", "base", "repeat"]
    pick = lambda name: frame[frame["method"] == name].set_index(keys)["ms_per_update"]  # noqa: E731
    mine = pick(method)
    out = pd.DataFrame({"ms_per_update": mine, "ratio": mine / pick("Original").reindex(mine.index)}).dropna()
    return out.reset_index().sort_values(keys, ignore_index=True)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per machine kind, base and method: the mean time per update (ms) over the repeats, and the mean over the
    repeats of its ratio to Original's time in the same repeat (as C13 takes it), and the machine's 1-minute load
    average just before the timing (about 0 on an idle machine)."""
    per_method = [ratios(frame, method).assign(method=method) for method in frame["method"].unique()]
    grouped = pd.concat(per_method).groupby(["machine", "base", "method"], sort=False)
    out = grouped.agg(
        **{
            "ms per update": ("ms_per_update", "mean"),
            "time / Original": ("ratio", "mean"),
            "repeats": ("repeat", "nunique"),
        }
    )
    load = frame.groupby("machine")["load_before"].first()
    out["load average before"] = load.reindex(out.index.get_level_values("machine")).to_numpy()
    return out.sort_index(level=["machine", "base"], sort_remaining=False).round(3)
