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
    before = book.source_hash(chapter), book.source_hash(summary)
    flipped = [
        dataclasses.replace(c, in_book=not c.in_book) if c.name != chapter.name and not c.summary else c
        for c in book.CHAPTERS
    ]
    monkeypatch.setattr(book, "CHAPTERS", flipped)
    assert book.source_hash(chapter) == before[0]
    assert book.source_hash(summary) != before[1]
    assert book.source_hash(dataclasses.replace(chapter, parameters={**chapter.parameters, "seeds": 99})) != before[0]


def test_a_chapter_goes_stale_only_when_a_module_it_imports_changes(tmp_path, monkeypatch):
    import shutil

    library = tmp_path / "mi_lib"
    shutil.copytree(book.LIBRARY, library, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(book, "LIBRARY", library)
    yale = next(c for c in book.CHAPTERS if c.name == "yale_natural_vs_pgd")
    deps = {p.name for p in book.library_dependencies(yale.path)}
    assert {"training.py", "signals.py", "report.py", "paper_tables.json"} <= deps
    assert not deps & {"rmia.py", "sweep.py", "assignments.py", "book.py"}
    before = book.source_hash(yale)
    (library / "rmia.py").write_text((library / "rmia.py").read_text() + "\n# a comment\n")
    assert book.source_hash(yale) == before  # the Yale page does not import RMIA
    (library / "signals.py").write_text((library / "signals.py").read_text() + "\n# a comment\n")
    assert book.source_hash(yale) != before


def test_a_new_timing_makes_only_the_pages_that_judge_from_it_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "REPO_ROOT", tmp_path)
    pineat = next(c for c in book.CHAPTERS if c.name == "fmnist_pineat")
    yale = next(c for c in book.CHAPTERS if c.name == "yale_natural_vs_pgd")
    before = book.source_hash(pineat), book.source_hash(yale)
    (tmp_path / "results" / "cpu" / "timing").mkdir(parents=True)
    (tmp_path / "results" / "cpu" / "timing" / "pineat-runtime-fmnist-AVX2.json").write_text("{}")
    assert book.source_hash(pineat) != before[0] and book.source_hash(yale) == before[1]
