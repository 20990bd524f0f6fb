"""Tables for people: the one formatting step every table of the book goes through before it is shown.

:func:`tidy` turns a computed frame (snake_case columns, fractions, floats that count things, booleans, NaN) into
what a reader expects: named columns, percentages with their unit in the header, whole numbers as integers, yes/no,
a dash for a missing value, and no row numbers. It only formats: the numbers are the frame's.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .methods import labels

# columns that hold fractions in [0, 1] (accuracies, attack accuracies, advantages, gaps), shown in %
FRACTIONS = {
    "train_acc",
    "test_acc",
    "adv_train_acc",
    "adv_test_acc",
    "ib",
    "ia",
    "iv",
    "ib_advantage",
    "ia_advantage",
    "best_advantage",
    "robust gap (adv-train − adv-test)",
    "accuracy",
    "precision",
    "recall",
    "AUC",
    "TPR@1%FPR",
    "TPR@0.1%FPR",
}
HEADERS = {
    "train_acc": "train acc.",
    "test_acc": "test acc.",
    "adv_train_acc": "adv-train acc.",
    "adv_test_acc": "adv-test acc.",
    "ib": "IB",
    "ia": "IA",
    "iv": "IV",
    "ib_advantage": "IB advantage",
    "ia_advantage": "IA advantage",
    "best_advantage": "best advantage",
    "n_members": "members",
    "train_time_s": "train time (s)",
    "robust gap (adv-train − adv-test)": "adv-train − adv-test",
}


def tidy(
    frame: pd.DataFrame, *, percent: Iterable[str] | None = None, decimals: int = 2, index: str | None = None
) -> pd.DataFrame:
    """``frame`` formatted for reading. ``percent``: the columns shown in % (default: the known fraction columns,
    :data:`FRACTIONS`); ``index``: a column to label the rows with (default: none, the row numbers are dropped).
    Method names become their table labels; a meaningful index (not 0, 1, 2 …) is kept."""
    out = frame.copy()
    if isinstance(out.index, pd.RangeIndex):
        out = out.reset_index(drop=True)
    else:
        out = out.reset_index()
    shown_in_percent = set(FRACTIONS if percent is None else percent)
    names = {}
    for column in out.columns:
        values = out[column]
        header = HEADERS.get(column, str(column).replace("_", " "))
        if column == "method":
            out[column] = values.replace(labels())  # method names to the tables' labels; others unchanged
        elif pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "yes", False: "no"})
        elif pd.api.types.is_numeric_dtype(values) and column in shown_in_percent:
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{100 * v:.{decimals}f}")
            header += " (%)"
        elif pd.api.types.is_float_dtype(values) and _whole(values):
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{int(v):d}")
        elif pd.api.types.is_float_dtype(values):
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{v:.{decimals + 1}f}")
        elif values.dtype == object:
            out[column] = values.map(_cell)
        names[column] = header
    out = out.rename(columns=names)
    if index is not None:
        return out.set_index(names.get(index, index))
    out.index = [""] * len(out)
    return out


def _whole(values: pd.Series) -> bool:
    finite = values.dropna()
    return len(finite) > 0 and bool(np.all(np.isclose(finite, np.round(finite), rtol=0, atol=1e-9)))


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return value
