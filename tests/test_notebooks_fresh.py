"""The executed notebooks must come from the current sources: a changed chapter needs re-executing."""
import pytest

from mi_lib import book


@pytest.mark.parametrize("tier", ["smoke", "cpu"])
def test_executed_copies_match_their_sources(tier):
    stale = [s.stem for s in book.stale(tier)]
    command = "./run smoke" if tier == "smoke" else "./run book"
    assert not stale, f"{tier} copies out of date for {stale}: run `{command}` and commit the result"
