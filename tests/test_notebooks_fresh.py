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
    for name in names:
        assert f"book/{name}" in toc, f"{name} is missing from _toc.yml"
    assert len(set(names)) == len(names)
