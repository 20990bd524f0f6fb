"""What the ``long`` tier's campaign has cost so far: the hours of training its finished models recorded, against the
campaign's budget. Read by the calibration appendix only (``mi_lib.campaign`` is read by most pages)."""

from __future__ import annotations

import pandas as pd

from . import report
from .config import PRECISION_NAMES
from .data import DISPLAY_NAMES
from .runs import recorded_summaries

# The whole campaign's budget (the long-tier issue): about 40 hours of training on 2 CPU cores, spent where it buys a
# verdict; one model costs at most 6 (the pilots' cost limit).
CAMPAIGN_BUDGET_HOURS = 40.0


def spend(budget_hours: float = CAMPAIGN_BUDGET_HOURS) -> tuple[str, pd.DataFrame]:
    """What the long tier's finished models cost in training, against the campaign's budget of CPU-hours: a sentence
    and a table, one row per dataset, device and precision (models, hours of training). Hours are the wall time each
    run recorded (pauses and other work on the machine included); evaluation is not recorded, hence not counted.
    The same on every clone: it reads committed results only, never a checkpoint in progress."""
    rows = []
    for summary in recorded_summaries("long"):
        config, machine = summary.get("config") or {}, report.machine(summary)
        rows.append(
            {
                "dataset": DISPLAY_NAMES.get(config.get("dataset"), config.get("dataset")),
                "device": machine if machine == "GPU" else f"CPU ({machine or 'not recorded'})",
                "precision": PRECISION_NAMES.get(config.get("precision", "fp32"), config.get("precision")),
                "hours": float(summary.get("train_time_s") or 0.0) / 3600,
            }
        )
    if not rows:
        return (
            f"No model of the long tier has finished yet (budget: about {budget_hours:.0f} CPU-hours).",
            pd.DataFrame(),
        )
    frame = pd.DataFrame(rows)
    table = (
        frame.groupby(["dataset", "device", "precision"], sort=True)
        .agg(models=("hours", "size"), hours=("hours", "sum"))
        .reset_index()
        .round({"hours": 2})
    )
    on_cpu = frame["device"].str.startswith("CPU")
    cpu_hours, gpu_hours = frame.loc[on_cpu, "hours"].sum(), frame.loc[~on_cpu, "hours"].sum()
    text = (
        f"The long tier's {len(frame)} finished models took **{cpu_hours:.1f} hours** of training on 2 CPU cores "
        f"({int(on_cpu.sum())} models) against the campaign's budget of about {budget_hours:.0f} CPU-hours"
        + (f", and {gpu_hours:.1f} hours on a GPU ({int((~on_cpu).sum())} models)" if (~on_cpu).any() else "")
        + ". Each is the wall time its run recorded (pauses and other work on the machine included); evaluation "
        "is not recorded, so it is not counted, nor is the model in progress."
    )
    return text, table
