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
    # the same quantities under the names the chapters' own frames give them
    "train",
    "test",
    "adv-train",
    "adv-test",
    "IB",
    "IA",
    "IV",
    "verified train",
    "verified test",
    "advantage",
    "best adv.",
    "train − test",
    "adv-train − adv-test",
    "IB advantage",
    "IA advantage",
    "held-out advantage",
    "best oracle advantage",
    "best MI advantage",
    "IB (confidence)",
    "IA (confidence)",
    "natural test",
    "natural IB",
    "PGD train",
    "PGD adv-train",
    "PGD adv-test",
    "PGD IA",
    "inference_acc",
    # PINEAT's Table 1 (accuracies A, robust accuracies R, privacy leakage P)
    "A_train",
    "A_test",
    "R_train",
    "R_test",
    "P_Enat",
    "P_Eadv",
    "P_MAX",
    "P_Enat (cross-entropy)",
    "P_Eadv (cross-entropy)",
}
# columns of durations long enough that a fraction of a second means nothing: shown in whole seconds
WHOLE_SECONDS = {"train_time_s", "PGD train time (s)"}

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
    "inference_acc": "inference acc.",
}


def tidy(
    frame: pd.DataFrame,
    *,
    percent: Iterable[str] | None = None,
    points: Iterable[str] = (),
    decimals: int = 2,
    index: str | None = None,
) -> pd.DataFrame:
    """``frame`` formatted for reading. ``percent``: the columns shown in % (default: the known fraction columns,
    :data:`FRACTIONS`); ``points``: columns of differences between fractions, shown signed in percentage points;
    ``index``: a column to label the rows with (default: none, the row numbers are dropped). Method names become
    their table labels; a meaningful index (not 0, 1, 2 …) is kept."""
    out = frame.copy()
    if isinstance(out.index, pd.RangeIndex) or (len(out) and all(label == "" for label in out.index)):
        out = out.reset_index(drop=True)  # row numbers, or the blank labels of a frame tidied before
    else:  # a meaningful index becomes columns; an unnamed level gets a blank header
        out.index = out.index.set_names([" " * i if name is None else name for i, name in enumerate(out.index.names)])
        out = out.reset_index()
    shown_in_percent, shown_in_points = set(FRACTIONS if percent is None else percent), set(points)
    names = {}
    for column in out.columns:
        values = out[column]
        # a pivot's columns are pairs (quantity, model): the quantity decides the header's name and the unit
        key, rest = (column[0], [str(c) for c in column[1:] if c != ""]) if isinstance(column, tuple) else (column, [])
        header = ", ".join([HEADERS.get(key, str(key).replace("_", " ")), *rest])
        if key == "method":
            out[column] = values.replace(labels())  # method names to the tables' labels; others unchanged
        elif pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "yes", False: "no"})
        elif pd.api.types.is_numeric_dtype(values) and key in shown_in_points:
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{100 * v:+.{decimals}f}")
            header += " (pp)"
        elif pd.api.types.is_numeric_dtype(values) and key in shown_in_percent:
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{100 * v:.{decimals}f}")
            header += " (%)"
        elif pd.api.types.is_float_dtype(values) and (_whole(values) or key in WHOLE_SECONDS):
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{round(v):d}")
        elif pd.api.types.is_float_dtype(values) and _vanishes(values, places=decimals + 1):
            out[column] = values.map(lambda v: "—" if pd.isna(v) else f"{v:.3g}")  # 1e-4 would read 0.000
        elif pd.api.types.is_float_dtype(values):
            places = _places(values, most=decimals + 1)
            out[column] = values.map(lambda v, d=places: "—" if pd.isna(v) else f"{v:.{d}f}")
        elif values.dtype == object:
            out[column] = values.map(_cell)
        names[column] = header
    out.columns = [names[c] for c in out.columns]
    if index is not None:
        return out.set_index(names.get(index, index))
    out.index = [""] * len(out)
    return out


def tidy_differences(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of differences between pilot points (:func:`mi_lib.campaign.direction_frame`) for reading: a ratio's
    difference signed with ×, every other number's (a difference of fractions) signed in percentage points."""
    ratios = [c for c in frame if "ratio" in str(c)]
    numbers = [c for c in frame if c not in ratios and pd.api.types.is_numeric_dtype(frame[c])]
    out = tidy(frame.drop(columns=ratios), percent=[], points=numbers)
    for column in ratios:
        out[column] = [("—" if pd.isna(v) else f"{v:+.2f}×") for v in frame[column]]
    return out


def _whole(values: pd.Series) -> bool:
    finite = values.dropna()
    return len(finite) > 0 and bool(np.all(np.isclose(finite, np.round(finite), rtol=0, atol=1e-9)))


def _places(values: pd.Series, *, most: int) -> int:
    """The fewest decimal places (at most ``most``) that show every value of ``values`` exactly: widths 0.125 and
    0.25 as 0.125 and 0.250, a lone 0.25 as 0.25, measured quantities with ``most``."""
    finite = values.dropna().to_numpy(dtype=float)
    for places in range(most):
        if np.allclose(np.round(finite, places), finite, rtol=0, atol=1e-12):
            return places
    return most


def _vanishes(values: pd.Series, *, places: int) -> bool:
    """Whether a non-zero value of ``values`` would read as zero at ``places`` decimals (a weight decay of 1e-4)."""
    finite = values.dropna().to_numpy(dtype=float)
    return bool(((finite != 0) & (np.abs(finite) < 0.5 * 10.0**-places)).any())


def _cell(value):
    """One cell of a column of mixed types (a settings table: numbers, names, schedules)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{int(value):d}" if float(value).is_integer() else f"{value:g}"
    return value


def table_html(frame: pd.DataFrame) -> str:
    """HTML of ``frame`` as the book shows every table: :func:`tidy`, inside a box that scrolls sideways when the
    table is wider than the page."""
    shown = tidy(frame)
    shown_index = not (len(shown) and all(label == "" for label in shown.index))
    body = shown.to_html(index=shown_index, escape=True, na_rep="—", border=0, classes="dataframe")
    return f'<div class="mi-table" style="overflow-x: auto; max-width: 100%;">{body}</div>'


def show_tidy() -> None:
    """Make every frame a notebook cell shows go through :func:`table_html` (the one formatting step of the book's
    tables); a chapter calls it once, in its hidden import cell. Outside IPython it does nothing."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the book
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)
