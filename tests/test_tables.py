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
