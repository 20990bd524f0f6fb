"""The executed notebooks must come from the current sources: a changed chapter needs re-executing."""

import pytest

from mi_lib import book


@pytest.mark.parametrize("tier", ["smoke", "cpu"])
def test_executed_copies_match_their_sources(tier):
    stale = [c.name for c in book.stale(tier)]
    command = "./run smoke" if tier == "smoke" else "./run book"
    assert not stale, f"{tier} copies out of date for {stale}: run `{command}` and commit the result"


def test_every_chapter_is_in_the_table_of_contents_and_every_source_is_a_chapter():
    toc = (book.REPO_ROOT / "_toc.yml").read_text()
    names = [c.name for c in book.chapters()]  # raises if a notebook source is not registered
    for chapter in book.chapters():
        if chapter.in_book:
            assert f"book/{chapter.name}\n" in toc, f"{chapter.name} is missing from _toc.yml"
        else:  # in progress: no cpu-tier copy yet, so it cannot be in the book
            assert f"book/{chapter.name}\n" not in toc, (
                f"{chapter.name} is in progress (in_book=False) but listed in _toc.yml"
            )
    assert len(set(names)) == len(names)


def test_listing_a_chapter_in_the_book_makes_only_the_summary_pages_stale(monkeypatch):
    import dataclasses

    chapter = next(c for c in book.CHAPTERS if not c.summary)
    summary = next(c for c in book.CHAPTERS if c.summary)
    before = book.source_hash(chapter, tier="cpu"), book.source_hash(summary, tier="cpu")
    flipped = [
        dataclasses.replace(c, in_book=not c.in_book) if c.name != chapter.name and not c.summary else c
        for c in book.CHAPTERS
    ]
    monkeypatch.setattr(book, "CHAPTERS", flipped)
    assert book.source_hash(chapter, tier="cpu") == before[0]
    assert book.source_hash(summary, tier="cpu") != before[1]
    assert (
        book.source_hash(dataclasses.replace(chapter, parameters={**chapter.parameters, "seeds": 99}), tier="cpu")
        != before[0]
    )


def test_a_chapter_goes_stale_only_when_a_module_it_imports_changes(tmp_path, monkeypatch):
    import shutil

    library = tmp_path / "mi_lib"
    shutil.copytree(book.LIBRARY, library, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(book, "LIBRARY", library)
    yale = next(c for c in book.CHAPTERS if c.name == "yale_natural_vs_pgd")
    deps = {p.name for p in book.library_dependencies(yale.path)}
    assert {"training.py", "signals.py", "report.py", "paper_tables.json"} <= deps
    assert not deps & {"rmia.py", "sweep.py", "assignments.py", "book.py"}
    before = book.source_hash(yale, tier="cpu")
    (library / "rmia.py").write_text((library / "rmia.py").read_text() + "\n# a comment\n")
    assert book.source_hash(yale, tier="cpu") == before  # the Yale page does not import RMIA
    (library / "signals.py").write_text((library / "signals.py").read_text() + "\n# a comment\n")
    assert book.source_hash(yale, tier="cpu") != before


def test_a_new_timing_makes_only_the_pages_that_judge_from_it_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "REPO_ROOT", tmp_path)
    pineat = next(c for c in book.CHAPTERS if c.name == "fmnist_pineat")
    yale = next(c for c in book.CHAPTERS if c.name == "yale_natural_vs_pgd")
    before = book.source_hash(pineat, tier="cpu"), book.source_hash(yale, tier="cpu")
    (tmp_path / "results" / "cpu" / "timing").mkdir(parents=True)
    (tmp_path / "results" / "cpu" / "timing" / "pineat-runtime-fmnist-AVX2.json").write_text("{}")
    assert book.source_hash(pineat, tier="cpu") != before[0] and book.source_hash(yale, tier="cpu") == before[1]


def test_the_smoke_tier_caps_seed_counts_and_its_copies_track_the_cap(monkeypatch):
    by_name = {c.name: c for c in book.CHAPTERS}
    capacity, natural_vs_pgd = by_name["yale_model_capacity"], by_name["yale_natural_vs_pgd"]
    assert capacity.parameters["seeds"] == 3 and book.tier_parameters(capacity, "cpu")["seeds"] == 3
    assert book.tier_parameters(capacity, "smoke")["seeds"] == book.SMOKE_MAX_SEEDS
    # a notebook's own default (empirical_defences: seeds = 3) is capped too; counts under the cap stay as they are
    assert book.tier_parameters(natural_vs_pgd, "smoke") == {**natural_vs_pgd.parameters, "seeds": book.SMOKE_MAX_SEEDS}
    assert "other_seeds" not in book.tier_parameters(natural_vs_pgd, "smoke")
    # the cap enters the smoke copy's stamp, so changing it marks the smoke copies stale and not the book's
    cpu, smoke = book.source_hash(capacity, tier="cpu"), book.source_hash(capacity, tier="smoke")
    monkeypatch.setattr(book, "SMOKE_MAX_SEEDS", 1)
    assert book.source_hash(capacity, tier="cpu") == cpu and book.source_hash(capacity, tier="smoke") != smoke


def test_a_rerun_that_sets_a_seed_count_runs_the_chapters_own_counts_at_the_smoke_tier():
    from mi_lib import plans, sweep

    chapter = next(c for c in book.CHAPTERS if c.name == "yale_modern_evaluation")
    assert book.tier_parameters(chapter, "smoke", {"methods": ["pgd"]})["weight_decay_seeds"] == book.SMOKE_MAX_SEEDS
    assert book.tier_parameters(chapter, "smoke", {"weight_decay_seeds": 3}) == chapter.parameters
    plan = sweep.chapter_plan(chapter, tier="smoke", parameters={"weight_decay_seeds": 3})  # under seeds = 3
    assert {c.seed for c in plans.configs(plan)} == {0, 1, 2}


def test_executing_every_chapter_runs_the_summary_pages_last_without_reordering_the_book(monkeypatch, tmp_path):
    order_before = [c.name for c in book.CHAPTERS]
    summary_hash = book.source_hash(next(c for c in book.CHAPTERS if c.summary), tier="smoke")
    executed = []
    monkeypatch.setattr(book, "execute", lambda chapter, **kw: executed.append(chapter.name) or tmp_path / "x.ipynb")
    assert book.main(["execute", "--all", "--tier", "smoke"]) == 0
    summaries = {c.name for c in book.CHAPTERS if c.summary}
    assert set(executed[-len(summaries) :]) == summaries and len(executed) == len(order_before)
    assert [c.name for c in book.CHAPTERS] == order_before  # the order the summary pages' hashes read
    assert book.source_hash(next(c for c in book.CHAPTERS if c.summary), tier="smoke") == summary_hash


def test_a_long_page_entering_the_book_stales_the_pages_that_link_to_it(monkeypatch):
    """The summary box of a page below a long-tier page links to it once it is in the book (chapters.summary_box)."""
    import dataclasses

    names = ["cifar10_jpeg_natural_vs_pgd", "appendix_cpu_tier_calibration", "fmnist_natural_vs_pgd", "yale_dist"]
    pages = [next(c for c in book.CHAPTERS if c.name == name) for name in names]
    before = [book.source_hash(page, tier=tier) for page in pages for tier in ("smoke", "cpu")]
    flipped = [
        dataclasses.replace(c, in_book=not c.in_book) if c.name == "cifar10_jpeg_natural_vs_pgd_long" else c
        for c in book.CHAPTERS
    ]
    monkeypatch.setattr(book, "CHAPTERS", flipped)
    after = [book.source_hash(page, tier=tier) for page in pages for tier in ("smoke", "cpu")]
    # the CIFAR-10 page links to it and the appendix names it, at both tiers; other datasets' pages do neither
    assert [a != b for a, b in zip(after, before)] == [True] * 4 + [False] * 4


def test_the_appendix_goes_stale_when_a_long_page_in_progress_moves(monkeypatch):
    """The appendix reads every long-tier page's point, in the book or not; the pages that link only to pages in the
    book do not."""
    import dataclasses

    def with_long_page(**changes):
        return [
            dataclasses.replace(c, **changes) if c.name == "cifar10_jpeg_natural_vs_pgd_long" else c
            for c in book.CHAPTERS
        ]

    in_progress = with_long_page(in_book=False)
    monkeypatch.setattr(book, "CHAPTERS", in_progress)
    appendix, cpu_page = (
        next(c for c in in_progress if c.name == n)
        for n in ("appendix_cpu_tier_calibration", "cifar10_jpeg_natural_vs_pgd")
    )
    before = book.source_hash(appendix, tier="cpu"), book.source_hash(cpu_page, tier="cpu")
    page = next(c for c in in_progress if c.name == "cifar10_jpeg_natural_vs_pgd_long")
    monkeypatch.setattr(
        book, "CHAPTERS", with_long_page(in_book=False, parameters={**page.parameters, "n_members": 10000})
    )
    assert book.source_hash(appendix, tier="cpu") != before[0]
    assert book.source_hash(cpu_page, tier="cpu") == before[1]
