"""The course assignments: built from their sources, the checkers pass on the solutions and fail on the untouched
student notebooks, the student versions hold no solution, and the solution notebooks run end to end."""

import re

import nbformat
import papermill
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


def _outputs(path) -> tuple[list[str], str]:
    """(the text of every code cell's outputs, in order; the error of the first failing cell, or "")."""
    texts, error = [], ""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                error = error or f"{out.ename}: {out.evalue}"
            parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
        texts.append("".join(parts))
    return texts, error


def _checks_a(texts: list[str]) -> None:
    """Table 2 from the released outputs: each model's IB and IA equal the paper's (to its two decimals in %)."""
    table = texts[-1]
    for model in ("natural", "pgd", "dist", "diff"):
        row = re.search(rf"\b{model}\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)", table)
        assert row, f"no row for {model} in the last table:\n{table}"
        ib, ib_paper, ia, ia_paper = map(float, row.groups())
        assert abs(ib - ib_paper) <= 0.0051 and abs(ia - ia_paper) <= 0.0051, row.group(0)


def _checks_b(texts: list[str]) -> None:
    """The PGD of the solution lowers the natural model's accuracy as eps grows, and the clean accuracy is not 0."""
    accuracies = [float(a) for a in re.findall(r"eps [0-9.]+: accuracy ([0-9.]+)", "".join(texts))]
    assert len(accuracies) == 4, texts
    assert accuracies[0] > 0 and accuracies[-1] < accuracies[0]
    assert all(later <= earlier + 1e-9 for earlier, later in zip(accuracies, accuracies[1:]))


def _checks_c(texts: list[str]) -> None:
    """The solution trains both models and prints the advantage gap as a signed number in [-1, 1]."""
    gap = re.search(r"advantage gap robust − natural: ([+-][0-9.]+)", "".join(texts))
    assert gap and -1 <= float(gap.group(1)) <= 1, texts[-3:]


@pytest.mark.parametrize(
    "name, check",
    [("a_threshold_attack", _checks_a), ("b_pgd", _checks_b), ("c_train_and_measure", _checks_c)],
)
def test_solution_notebooks_run_end_to_end_and_produce_their_results(built, name, check, tmp_path):
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(built[name][1]), str(out), cwd=str(assignments.REPO_ROOT), progress_bar=False, kernel_name="python3"
    )
    texts, error = _outputs(out)
    assert not error, error
    check(texts)


def test_a_chapter_intro_leaves_the_book_only_directives_out():
    intro = assignments.chapter_intro("yale_released_outputs")
    assert "{glue" not in intro and intro.startswith("### Yale Face")


def test_student_only_builds_no_solution(tmp_path):
    (student,) = assignments.build("b_pgd", tmp_path, versions=("student",))
    assert student.exists() and not (tmp_path / "solution").exists()
