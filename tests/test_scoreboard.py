import pandas as pd

from mi_lib import paper, scoreboard


def test_status_needs_every_scope_to_hold():
    assert scoreboard.status(pd.Series([], dtype=str)) == "not yet reproduced"
    assert scoreboard.status(pd.Series(["holds", "holds"])) == "holds"
    assert scoreboard.status(pd.Series(["does not hold", "does not hold"])) == "does not hold"
    assert scoreboard.status(pd.Series(["inconclusive", "inconclusive"])) == "inconclusive"
    assert (
        scoreboard.status(pd.Series(["holds", "inconclusive", "does not hold"]))
        == "mixed: holds in 1, does not hold in 1, inconclusive in 1 of 3 scopes"
    )
    assert (
        scoreboard.status(pd.Series(["holds", "not testable"]))
        == "holds where testable; 1 scope not testable at this tier"
    )
    assert scoreboard.status(pd.Series(["not testable", "not testable"])) == "not testable at this tier (2 scopes)"


def test_summary_lists_every_claim_including_unreproduced_ones():
    found = pd.DataFrame(
        [
            {
                "claim_id": "C1",
                "scope": "a",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "holds",
                "numbers": "",
            },
            {
                "claim_id": "C1",
                "scope": "b",
                "models": "ours (cpu tier)",
                "chapter": "y",
                "verdict": "does not hold",
                "numbers": "",
            },
        ]
    )
    table = scoreboard.summary(found, models="ours (cpu tier)")
    assert table["id"].tolist() == [c["id"] for c in paper.claims()]
    row = table.set_index("id").loc["C1"]
    assert row["status"] == "mixed: holds in 1, does not hold in 1 of 2 scopes" and row["chapters"] == "x, y"
    assert (table.set_index("id").drop(index="C1")["status"] == "not yet reproduced").all()


def test_board_escapes_text_and_links_chapters():
    found = pd.DataFrame(
        [
            {
                "claim_id": "C2",
                "scope": "s",
                "models": "ours (cpu tier)",
                "chapter": "fmnist_natural_vs_pgd",
                "verdict": "holds",
                "numbers": "IA < IB",
            }
        ]
    )
    html = scoreboard.to_html(scoreboard.board(found, tier="cpu"))
    assert '<a href="fmnist_natural_vs_pgd.html">' in html


def test_status_sentence_counts_every_claim():
    found = pd.DataFrame(
        [
            {
                "claim_id": "C1",
                "scope": "a",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "holds",
                "numbers": "",
            },
            {
                "claim_id": "C1",
                "scope": "b",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "not testable",
                "numbers": "",
            },
            {
                "claim_id": "C2",
                "scope": "a",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "holds",
                "numbers": "",
            },
            {
                "claim_id": "C2",
                "scope": "b",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "inconclusive",
                "numbers": "",
            },
            {
                "claim_id": "C3",
                "scope": "a",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "does not hold",
                "numbers": "",
            },
            {
                "claim_id": "P1",
                "scope": "a",
                "models": "ours (cpu tier)",
                "chapter": "x",
                "verdict": "holds",
                "numbers": "",
            },
        ]
    )
    text = scoreboard.status_sentence(scoreboard.board(found, tier="cpu"), tier="cpu", found=found)
    n = sum(not c["id"].startswith("P") for c in paper.claims())
    own = len(paper.claims()) - n
    assert own >= 2  # this project's own checks (P...) are counted apart from the papers' claims
    assert (
        f"Of the papers' {n} claims" in text
        and "**0 hold** in every scope" in text
        and "**1 holds where testable**" in text
    )
    assert "**1 does not hold**" in text and "**1 is mixed**" in text and f"**{n - 3} are not yet reproduced**" in text
    assert (
        "Scope by scope (a dataset and a method): 2 hold, 1 does not hold, 1 is inconclusive and 1 is not testable"
        in text
    )
    assert (
        f"own checks beyond the papers ({own}, ids P…): 1 holds, 0 do not hold, 0 are mixed, 0 are inconclusive" in text
    )


def test_recorded_verdicts_reach_the_scoreboard_only_for_chapters_in_the_book(isolated_cache, monkeypatch):
    from mi_lib import book, report

    monkeypatch.setattr(
        scoreboard,
        "CHAPTERS",
        [book.Chapter("page_in_book", "x"), book.Chapter("page_in_progress", "y", in_book=False)],
    )
    verdict = report.verdict("grows", [0.3, 0.31, 0.32], [0.1, 0.1, 0.1], left_name="a", right_name="b")
    scoreboard.record([("C5", "Yale, PGD", verdict)], chapter="page_in_book", tier="smoke")
    scoreboard.record([("C6", "Yale, PGD", verdict)], chapter="page_in_progress", tier="smoke")
    scoreboard.record([("C7", "x", verdict)], chapter=None, tier="smoke")  # run by hand: nothing recorded
    rows = scoreboard._recorded("smoke")
    assert [(r["claim_id"], r["chapter"], r["verdict"].verdict) for r in rows] == [("C5", "page_in_book", "holds")]


def test_chapter_links_read_as_page_titles():
    assert (
        scoreboard.link("yale_verifiable")
        == '<a href="yale_verifiable.html">Verifiable defences on Yale Face (CCS §6, Table 8 layout)</a>'
    )
    assert scoreboard.link("") == "—"


def test_status_sentence_counts_inconclusive_where_testable_as_inconclusive():
    rows = [("C1", "a", "inconclusive"), ("C1", "b", "not testable"), ("C2", "a", "holds")]
    found = pd.DataFrame(
        [
            {"claim_id": c, "scope": sc, "models": "ours (cpu tier)", "chapter": "x", "verdict": v, "numbers": ""}
            for c, sc, v in rows
        ]
    )
    text = scoreboard.status_sentence(scoreboard.board(found, tier="cpu"), tier="cpu")
    assert "**1 holds** in every scope" in text and "**1 is inconclusive**" in text
