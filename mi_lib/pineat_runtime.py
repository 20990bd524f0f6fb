"""PINEAT's runtime claim (C13) timed back to back: the cost of one update of each training strategy, measured in
one process on the same minibatches (``./run bench-pineat --save``), one file per dataset and machine kind.

Timing separate training runs mixes in whatever else shared the machine, and runs trained in different sessions may
have run on different CPUs (the same run takes ~3x longer on an AVX2-only CPU than on an AVX512 one). A strategy makes
as many updates as Original over a run (:mod:`mi_lib.pineat`), so the ratio of the time per update is the ratio of
the training times. Files live in ``<results>/<tier>/timing/pineat-runtime-<dataset>-<machine>.json`` (committed for
the cpu tier, checksummed like every artifact).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .runs import results_root
from .runs_io import load_json, save_json

FIELDS = ("base", "method", "repeat", "ms_per_update")


def path(dataset: str, machine: str, *, tier: str = "cpu") -> Path:
    return results_root(tier) / tier / "timing" / f"pineat-runtime-{dataset}-{machine}.json"


def save(
    dataset: str, *, tier: str, machine: str, threads: int, rounds: int, torch_version: str, rows: list[dict]
) -> Path:
    """Write the timings ``rows`` (one per base, method and repeat: :data:`FIELDS`) of ``dataset``'s ``tier`` models
    timed on a ``machine``-kind CPU with ``threads`` threads over ``rounds`` minibatch rounds."""
    for row in rows:
        missing = [f for f in FIELDS if f not in row]
        if missing:
            raise ValueError(f"rows: a timing lacks {', '.join(missing)}; each needs {', '.join(FIELDS)}")
    target = path(dataset, machine, tier=tier)
    save_json(
        target,
        {
            "dataset": dataset,
            "tier": tier,
            "machine": machine,
            "threads": threads,
            "rounds": rounds,
            "torch": torch_version,
            "timings": [{f: row[f] for f in FIELDS} for row in rows],
        },
    )
    return target


def timings(dataset: str, *, tier: str = "cpu") -> pd.DataFrame:
    """Every committed timing of ``dataset``'s ``tier`` models, one row per base, method, repeat and machine kind,
    with ``machine``, ``threads`` and ``rounds``; empty when none was saved. A file that fails its checksum is
    skipped with a warning; one that lacks a field raises ValueError naming the file and the field."""
    frames = []
    for file in sorted((results_root(tier) / tier / "timing").glob(f"pineat-runtime-{dataset}-*.json")):
        content = load_json(file)
        if content is None:
            continue
        missing = [k for k in ("machine", "threads", "rounds", "timings") if k not in content]
        missing += sorted({f for row in content.get("timings", []) for f in FIELDS if f not in row})
        if missing:
            raise ValueError(f"{file}: lacks the field(s) {', '.join(missing)}; rerun ./run bench-pineat --save")
        frame = pd.DataFrame(content["timings"], columns=list(FIELDS))
        frames.append(frame.assign(machine=content["machine"], threads=content["threads"], rounds=content["rounds"]))
    columns = [*FIELDS, "machine", "threads", "rounds"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def ratios(frame: pd.DataFrame, method: str = "PINEAT-1/1") -> pd.DataFrame:
    """Per machine kind, base and repeat, ``method``'s time per update over Original's in the same repeat
    (column ``ratio``)."""
    keys = ["machine", "base", "repeat"]
    pick = lambda name: frame[frame["method"] == name].set_index(keys)["ms_per_update"]  # noqa: E731
    out = (pick(method) / pick("Original")).dropna().rename("ratio").reset_index()
    return out.sort_values(keys, ignore_index=True)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per machine kind, base and method: the mean time per update (ms) over the repeats, and the mean over the
    repeats of its ratio to Original's time in the same repeat (as C13 takes it)."""
    keys = ["machine", "base", "repeat"]
    original = frame[frame["method"] == "Original"].set_index(keys)["ms_per_update"]
    relative = frame["ms_per_update"].to_numpy() / original.reindex(pd.MultiIndex.from_frame(frame[keys])).to_numpy()
    grouped = frame.assign(relative=relative).groupby(["machine", "base", "method"], sort=False)
    out = grouped.agg(
        **{
            "ms per update": ("ms_per_update", "mean"),
            "time / Original": ("relative", "mean"),
            "repeats": ("repeat", "nunique"),
        }
    )
    return out.round(3)
