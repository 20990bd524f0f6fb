"""The landing page's overview figure reads the same runs and verdicts as the chapters."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from mi_lib import experiments, overview, paper, report, scoreboard
from mi_lib.experiments import cached_runs


def test_summary_pages_read_yale_numbers_without_its_run_folders(monkeypatch):
    """On a clone, Yale's run folders are absent (the faces' terms): the scoreboard, the landing page and the
    appendix's bf16 A/B read the committed summaries and find the same runs."""
    from mi_lib import book, runs

    yale_page = next(c for c in book.CHAPTERS if c.name == "yale_natural_vs_pgd")
    here = len(experiments.page_runs(yale_page, "cpu")[1])
    load_run = runs.load_run
    for module in (runs, experiments):
        monkeypatch.setattr(module, "load_run", lambda config: None if config.dataset == "yale" else load_run(config))
    dataset, clone = experiments.page_runs(yale_page, "cpu")
    assert dataset == "yale" and len(clone) == here == 6
    for precision in ("fp32", "bf16"):
        ab = cached_runs("yale", "cpu", methods=("natural", "pgd"), max_seeds=3, precision=precision, numbers_only=True)
        assert len(ab) == 6, precision
    assert not cached_runs("yale", "cpu", methods=("natural",), max_seeds=3)  # without numbers_only: runs only


def test_c1_overview_matches_the_chapters_and_the_scoreboard():
    found = scoreboard.checks("cpu")
    rows = overview.c1_frame(found, tier="cpu")
    yale = rows[(rows["dataset"] == "Yale Face") & (rows["method"] == "PGD")].iloc[0]
    # Yale's run folders stay local: on a clone the page and this check read the committed summaries
    frame = report.runs_frame(cached_runs("yale", "cpu", methods=("natural", "pgd"), numbers_only=True))
    assert yale["ours"] == pytest.approx(report.advantage_ratio(frame, robust="pgd").mean())
    assert yale["seeds"] >= 3 and yale["low"] < yale["ours"] < yale["high"]
    c1 = found[(found["claim_id"] == "C1") & (found["models"] == "ours (cpu tier)")]
    assert yale["verdict"] == c1.loc[c1["scope"] == "Extended Yale B (cropped), PGD", "verdict"].iloc[0]
    assert set(rows["verdict"]) <= set(overview.VERDICT_COLOURS)
    fig = overview.c1_figure(rows)
    assert len(fig.axes[0].get_yticklabels()) == len(rows)
    plt.close(fig)


def test_the_scoreboard_groups_every_claim_in_a_collapsible_block():
    found = scoreboard.checks("cpu")
    text = overview.claims_by_group(found, tier="cpu")
    assert text.count("<details>") == len(paper.claims())
    c1 = text[text.index("<b>C1</b>") :].split("</details>")[0]
    assert '<a href="yale_natural_vs_pgd.html">' in c1 and "yale_natural_vs_pgd</a>" not in c1  # linked by title
    assert f"color:{overview.VERDICT_COLOURS['holds']}" in c1
    assert overview.coloured("<b>") == "&lt;b&gt;"  # escaped, uncoloured when not a verdict


def test_a_long_page_enters_the_overview_only_in_the_book_and_says_its_tier(monkeypatch):
    import dataclasses

    import pandas as pd

    from mi_lib import book

    page = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd_long")
    plain = next(c for c in book.CHAPTERS if c.name == "fmnist_natural_vs_pgd")
    page_runs = experiments.page_runs
    monkeypatch.setattr(overview, "page_runs", lambda chapter, tier: page_runs(plain, tier))  # the cpu runs for both
    found = pd.DataFrame(
        [
            dict(claim_id="C1", scope="Fashion-MNIST, PGD", models=m, chapter="x", verdict=v, numbers="")
            for m, v in (("ours (cpu tier)", "inconclusive"), ("ours (long tier)", "holds"))
        ]
    )
    monkeypatch.setattr(overview, "CHAPTERS", [plain, dataclasses.replace(page, in_book=False)])
    rows = overview.c1_frame(found, tier="cpu")
    assert rows["tier"].tolist() == ["cpu"] and rows["verdict"].tolist() == ["inconclusive"]  # not in the book yet
    monkeypatch.setattr(overview, "CHAPTERS", [plain, dataclasses.replace(page, in_book=True)])
    rows = overview.c1_frame(found, tier="cpu")
    assert rows["tier"].tolist() == ["cpu", "long"] and rows["verdict"].tolist() == ["inconclusive", "holds"]
    fig = overview.c1_figure(rows, tier="cpu")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]  # in the rows' order (first on top)
    assert labels == ["Fashion-MNIST · PGD (3 seeds)", "Fashion-MNIST · PGD, long tier (3 seeds)"]
    plt.close(fig)
    text = overview.claims_by_group(found, tier="cpu")
    c1 = text[text.index("<b>C1</b>") :].split("</details>")[0]
    assert "ours at the long tier: " in c1 and "ours at the long tier" not in text[text.index("<b>C2</b>") :]


def test_the_answer_words_each_dataset_and_tier_from_its_c1_rows():
    import numpy as np
    import pandas as pd

    def row(dataset, method, ours, verdict, tier="cpu"):
        return dict(dataset=dataset, method=method, paper=2.0, ours=ours, seeds=3, tier=tier, verdict=verdict)

    rows = pd.DataFrame(
        [
            row("Yale Face", "PGD", 2.31, "holds"),
            row("Yale Face", "Dist", 2.09, "holds"),
            row("Fashion-MNIST", "PGD", 1.04, "inconclusive"),
            row("Fashion-MNIST", "Diff", 1.10, "holds"),
            row("CIFAR-10 (JPEG stand-in)", "PGD", 0.49, report.NOT_TESTABLE),
            row("Fashion-MNIST", "PGD", 0.99, "inconclusive", tier="long"),
        ]
    ).assign(low=np.nan, high=np.nan)
    lines = [line for line in overview.answer(rows, tier="cpu").splitlines() if line.startswith("- ")]
    assert [line.split(" per model")[0] for line in lines] == [
        "- **Yale Face** (cpu tier; 3 seeds",
        "- **Fashion-MNIST** (cpu tier; 3 seeds",
        "- **Fashion-MNIST** (long tier, more members and epochs; 3 seeds",  # right after its cpu line
        "- **CIFAR-10 (JPEG stand-in)** (cpu tier; 3 seeds",
    ]
    assert "every robust model leaks more than the natural one" in lines[0]
    assert "PGD 2.31× (paper 2.00×, holds); Dist 2.09× (paper 2.00×, holds)." in lines[0]
    assert "mixed: the finding holds for Diff only" in lines[1]
    assert "the finding does not show" in lines[2] and "not testable: our models miss" in lines[3]


def test_beyond_the_papers_counts_p4_per_dataset_on_our_models_only():
    import pandas as pd

    ours, other = scoreboard.models_label("cpu"), scoreboard.models_label("long")

    def row(scope, verdict, models=ours, claim="P4"):
        return dict(claim_id=claim, scope=scope, models=models, chapter="x", verdict=verdict, numbers="")

    found = pd.DataFrame(
        [
            row("Extended Yale B (cropped), LiRA online, AUC", "holds"),
            row("Extended Yale B (cropped), RMIA online, AUC", "inconclusive"),
            row("Fashion-MNIST, LiRA online, AUC", "holds"),
            row("Fashion-MNIST, RMIA online, AUC", "holds", models=other),  # another tier's: not counted
            row("Fashion-MNIST, PGD vs natural, AUC", "does not hold", claim="P2"),  # another claim
        ]
    )
    text = overview.beyond(found, tier="cpu")
    assert text.endswith("Scope by scope, Yale Face: holds in 1 of 2 (1 inconclusive); Fashion-MNIST: holds in 1 of 1.")
    assert overview.beyond(found[found["claim_id"] == "P2"], tier="cpu") == ""
