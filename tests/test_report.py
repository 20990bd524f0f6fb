import numpy as np
import pytest

from mi_lib import paper, report


def test_verdict_rule():
    assert report.verdict("c", [0.6, 0.7], [0.5, 0.6], left_name="a", right_name="b").verdict == "holds"
    assert report.verdict("c", [0.4, 0.5], [0.5, 0.6], left_name="a", right_name="b").verdict == "does not hold"
    assert report.verdict("c", [0.6, 0.5], [0.5, 0.6], left_name="a", right_name="b").verdict == "inconclusive"
    assert report.verdict("c", [0.5], [0.5], left_name="a", right_name="b").verdict == "does not hold"
    with pytest.raises(ValueError):
        report.verdict("c", [0.5, 0.6], [0.5], left_name="a", right_name="b")


def test_paper_tables_are_internally_consistent():
    for r in paper.tables()["pineat_table1"]["rows"]:
        assert r["p_max"] == max(r["p_enat"], r["p_eadv"])
    for dataset, table_id in (("yale", "ccs_table2"), ("fmnist", "ccs_table3"), ("cifar10", "ccs_table4")):
        ratio = paper.row("ccs_advantage_ratios", dataset=dataset)
        nat, pgd = paper.row(table_id, method="natural"), paper.row(table_id, method="pgd")
        assert ratio["natural_advantage"] == pytest.approx(2 * (nat["ib"] - 0.5), abs=1e-4)
        assert ratio["best_robust_advantage"] == pytest.approx(2 * (pgd["ia"] - 0.5), abs=1e-4)
        assert ratio["ratio"] == pytest.approx(ratio["best_robust_advantage"] / ratio["natural_advantage"], abs=0.05)
    assert [c["id"] for c in paper.claims()] == [f"C{i}" for i in range(1, 18)]
    with pytest.raises(KeyError, match="accepted values"):
        paper.table("table_99")
