"""Checker of assignment (d): the rerun is a papermill execution of the chapter with the new ε injected, and the
collected IA values are those of the cached runs."""
import nbformat
import pytest

from mi_lib.experiments import run_grid


@pytest.fixture(scope="module")
def rerun(submission, tmp_path_factory):
    output = tmp_path_factory.mktemp("rerun") / "chapter.ipynb"
    returned = submission.rerun_chapter("1/20", output)
    return output, returned


def test_rerun_executes_the_chapter_with_the_new_eps(rerun):
    output, returned = rerun
    assert str(returned) == str(output) and output.exists()
    nb = nbformat.read(output, as_version=4)
    injected = [c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "eps = \"1/20\"" in injected[0].replace("'", '"') and "tier = \"smoke\"" in injected[0].replace("'", '"')
    assert nb.metadata.get("papermill", {}).get("parameters", {}).get("eps") == "1/20"
    assert sum(len(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code") > 5  # it ran


def test_ia_by_eps_reads_the_cached_runs(submission, rerun):
    got = submission.ia_by_eps([0.05])
    expected = run_grid("fmnist", "smoke", methods=("pgd",), seeds=(0,), eps=0.05, progress=False)[0]["ia"]["accuracy"]
    assert list(got) == [0.05] and got[0.05] == pytest.approx(expected)


def test_the_question_is_answered(answers):
    assert answers and all("Your answer here" not in a for a in answers), "write your answer in the answer cell"
