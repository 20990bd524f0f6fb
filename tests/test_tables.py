import numpy as np
import pandas as pd

from mi_lib import tables


def test_tidy_names_columns_shows_percentages_whole_numbers_and_missing_values():
    frame = pd.DataFrame(
        {
            "method": ["natural", "pgd"],
            "n_members": [2000.0, 2000.0],
            "train_acc": [0.99871, 0.5],
            "robust gap (adv-train − adv-test)": [np.nan, 0.2345],
            "in regime": [True, False],
            "KL": [0.123456, 1.0],
        }
    )
    out = tables.tidy(frame)
    assert list(out.columns) == ["method", "members", "train acc. (%)", "adv-train − adv-test (%)", "in regime", "KL"]
    assert out.iloc[0].tolist() == ["Natural", "2000", "99.87", "—", "yes", "0.123"]
    assert out.iloc[1].tolist() == ["PGD-Based Adv-Train", "2000", "50.00", "23.45", "no", "1.000"]
    assert list(out.index) == ["", ""]  # no row numbers
    assert frame["train_acc"].iloc[0] == 0.99871  # the frame itself is untouched


def test_tidy_keeps_a_meaningful_index_as_a_column_or_labels_rows_with_one():
    grouped = pd.DataFrame({"method": ["pgd", "pgd"], "attack": ["IB", "IA"], "accuracy": [0.6, 0.7]})
    out = tables.tidy(grouped.set_index(["method", "attack"]))
    assert list(out.columns) == ["method", "attack", "accuracy (%)"]
    assert tables.tidy(grouped, index="attack").index.tolist() == ["IB", "IA"]


def test_tidy_twice_is_tidy_once_and_unnamed_index_levels_get_blank_headers():
    frame = pd.DataFrame({"method": ["natural", "pgd"], "ia": [0.5, 0.61234], "lr": [0.001, 1.0]})
    once = tables.tidy(frame)
    assert tables.tidy(once).equals(once)
    grouped = pd.concat({"Natural": frame, "PGD": frame})  # two unnamed index levels
    assert list(tables.tidy(grouped).columns[:2]) == ["", " "]
    settings = pd.DataFrame(
        {"this tier": [0.125, 60.0, "step"], "paper": [1.0, 133.0, "step"]}, index=["width", "epochs", "lr_schedule"]
    )
    out = tables.tidy(settings)
    assert out.iloc[:, 1].tolist() == ["0.125", "60", "step"]  # mixed columns: whole numbers as integers
    assert out.iloc[:, 0].tolist() == ["width", "epochs", "lr_schedule"]


def test_table_html_scrolls_sideways_and_never_shows_row_numbers():
    html = tables.table_html(pd.DataFrame({"train_acc": [0.9, 0.8]}))
    assert "overflow-x: auto" in html and "train acc. (%)" in html and "90.00" in html
    assert "<th>0</th>" not in html and "<th>1</th>" not in html


def test_tidy_flattens_a_pivots_column_pairs_and_keeps_their_unit():
    long = pd.DataFrame({"width": [0.25, 0.25], "method": ["natural", "pgd"], "ia": [0.5, 0.6]})
    pivot = long.pivot(index="width", columns="method", values=["ia"])
    out = tables.tidy(pivot)
    assert list(out.columns) == ["width", "IA, natural (%)", "IA, pgd (%)"]
    assert out.iloc[0].tolist() == ["0.25", "50.00", "60.00"]


def test_training_times_are_whole_seconds():
    out = tables.tidy(pd.DataFrame({"train_time_s": [2171.6, 14407.23]}))
    assert out.iloc[:, 0].tolist() == ["2172", "14407"] and list(out.columns) == ["train time (s)"]


def test_tidy_shows_differences_of_fractions_signed_in_percentage_points():
    frame = pd.DataFrame({"change": ["epochs 40 → 80"], "natural test accuracy": [-0.002], "best advantage": [0.0233]})
    out = tables.tidy(frame, percent=[], points=["natural test accuracy", "best advantage"])
    assert list(out.columns) == ["change", "natural test accuracy (pp)", "best advantage (pp)"]
    assert out.iloc[0].tolist() == ["epochs 40 → 80", "-0.20", "+2.33"]


def test_tidy_differences_signs_fractions_in_points_and_ratios_with_times():
    frame = pd.DataFrame(
        {"change": ["width 0.25 → 0.5"], "natural test accuracy": [0.011], "PGD / natural advantage ratio": [0.254]}
    )
    out = tables.tidy_differences(frame)
    assert list(out.columns) == ["change", "natural test accuracy (pp)", "PGD / natural advantage ratio"]
    assert out.iloc[0].tolist() == ["width 0.25 → 0.5", "+1.10", "+0.25×"]
    assert tables.tidy_differences(frame.assign(**{"PGD / natural advantage ratio": [np.nan]})).iloc[0, -1] == "—"


def test_a_small_value_that_would_read_zero_keeps_its_significant_digits():
    shown = tables.tidy(pd.DataFrame({"weight decay": [0.0, 1e-4, 1e-3, 5e-3]}))
    assert shown["weight decay"].tolist() == ["0", "0.0001", "0.001", "0.005"]
    assert tables.tidy(pd.DataFrame({"width": [0.125, 0.25]}))["width"].tolist() == ["0.125", "0.250"]  # unchanged
