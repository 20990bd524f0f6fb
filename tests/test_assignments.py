"""The course assignments: built from their sources, the checkers pass on the solutions and fail on the untouched
student notebooks, the student versions hold no solution, and the solution notebooks run end to end."""

import nbformat
import pytest

from mi_lib import assignments


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments")
    return {name: assignments.build(name, out) for name in assignments.names()}


def test_the_four_assignments_exist():
    assert assignments.names() == ["a_threshold_attack", "b_pgd", "c_train_and_measure", "d_new_eps"]


@pytest.mark.parametrize("name", ["a_threshold_attack", "b_pgd", "c_train_and_measure", "d_new_eps"])
def test_checker_passes_the_solution_and_fails_the_student_notebook(built, name):
    student, solution = built[name]
    assert assignments.grade(name, solution) == 0
    assert assignments.grade(name, student) != 0


def test_student_versions_hold_no_solution(built):
    for student, solution in built.values():
        text = "\n".join(c.source for c in nbformat.read(student, as_version=4).cells)
        assert "SOLUTION" not in text and "raise NotImplementedError()" in text and "*Your answer here.*" in text
        solved = "\n".join(c.source for c in nbformat.read(solution, as_version=4).cells)
        assert "SOLUTION" not in solved and "NotImplementedError" not in solved
        assert nbformat.read(student, as_version=4).cells[1].source.startswith("### ")  # the chapter's intro, demoted


def test_markers_become_stubs():
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert assignments.student_source(code) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert assignments.solution_source(code) == "def f(x):\n    return x\n"
    answer = "Q?\n\n<!-- BEGIN SOLUTION -->\nA.\n<!-- END SOLUTION -->"
    assert assignments.student_source(answer, markdown=True) == "Q?\n\n*Your answer here.*"
    assert assignments.solution_source(answer, markdown=True) == "Q?\n\nA."
    with pytest.raises(ValueError, match="chapter-intro: unknown chapter"):
        assignments.chapter_intro("no_such_chapter")


@pytest.mark.parametrize("name", ["a_threshold_attack", "b_pgd", "c_train_and_measure"])
def test_solution_notebooks_run_end_to_end(built, name, tmp_path):
    import papermill

    papermill.execute_notebook(
        str(built[name][1]),
        str(tmp_path / "out.ipynb"),
        cwd=str(assignments.REPO_ROOT),
        progress_bar=False,
        kernel_name="python3",
    )
