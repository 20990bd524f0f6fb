"""Course assignments generated from the book: one source per assignment in ``assignments/src/`` (a jupytext
script), built into a student notebook (solution regions replaced by a stub) and a solution notebook, and graded
by a pytest checker in ``assignments/checks/`` against known answers (the authors' released Yale outputs, the
library's own functions).

In a source:

* ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` (in code cells) delimit what the student writes; the student
  version has ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` in their place, indented alike.
* A markdown cell ``<!-- chapter-intro: NAME -->`` becomes the introduction of the book's chapter NAME (its first
  markdown cell, labels filled), so an assignment opens with the chapter's own text, never a copy of it.
* Code cells tagged ``task`` hold what the checker grades (the functions the student implements and their
  imports); a markdown cell tagged ``answer`` is the student's written answer.

Command line: ``python -m mi_lib.assignments build [--out DIR]`` and
``python -m mi_lib.assignments grade NAME NOTEBOOK`` (``./run assignments``, ``./run grade``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from .book import CHAPTERS, REPO_ROOT

ROOT = REPO_ROOT / "assignments"
SOURCES = ROOT / "src"
CHECKS = ROOT / "checks"
DEFAULT_OUT = REPO_ROOT / "_build" / "assignments"
SOLUTION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)", re.M | re.S
)
STUB = "{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()\n"
ANSWER = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)
ANSWER_STUB = "*Your answer here.*"
INTRO = re.compile(r"^<!--\s*chapter-intro:\s*(\S+)\s*-->\s*$")
GLUED = re.compile(r"^```\{glue:?\}[^\n]*\n```\n*", re.M)  # a MyST glue directive and the blank lines after it
VERSIONS = ("student", "solution")


def names() -> list[str]:
    """The assignments, by source name (e.g. ``a_threshold_attack``)."""
    return sorted(p.stem for p in SOURCES.glob("*.py"))


def chapter_intro(name: str) -> str:
    """The first markdown cell of the book's chapter ``name``, with its title labels filled."""
    import jupytext

    chapter = next((c for c in CHAPTERS if c.name == name), None)
    if chapter is None:
        raise ValueError(
            f"chapter-intro: unknown chapter {name!r}; accepted values: {', '.join(c.name for c in CHAPTERS)}"
        )
    text = next(c.source for c in jupytext.read(chapter.path).cells if c.cell_type == "markdown")
    text = GLUED.sub("", text)  # the book's computed boxes ({glue:} directives) mean nothing outside the book
    for key, value in chapter.labels.items():
        text = text.replace("{{" + key + "}}", value)
    return re.sub(r"^(#+) ", r"\1## ", text, flags=re.M)  # two levels down: the assignment keeps its own title


def student_source(text: str, *, markdown: bool = False) -> str:
    """``text`` with every solution region replaced by the stub (code) or the answer placeholder (markdown)."""
    if markdown:
        return ANSWER.sub(ANSWER_STUB, text)
    return SOLUTION.sub(lambda m: STUB.format(indent=m.group("indent")), text)


def solution_source(text: str, *, markdown: bool = False) -> str:
    """``text`` without the solution markers."""
    if markdown:
        return re.sub(r"\n?<!-- (BEGIN|END) SOLUTION -->\n?", "\n", text).strip()
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", "", text, flags=re.M)


def build(name: str, out: Path = DEFAULT_OUT, *, versions: tuple[str, ...] = VERSIONS) -> tuple[Path, ...]:
    """Build the ``versions`` (student, solution) notebooks of assignment ``name`` into ``out/<version>/``; returns
    their paths in that order."""
    import jupytext
    import nbformat

    paths = []
    transforms = {"student": student_source, "solution": solution_source}
    for version, transform in ((v, transforms[v]) for v in versions):
        nb = jupytext.read(SOURCES / f"{name}.py")
        for i, cell in enumerate(nb.cells):
            cell.id = f"cell-{i}"
            if cell.cell_type == "markdown":
                match = INTRO.match(cell.source.strip())
                cell.source = chapter_intro(match.group(1)) if match else transform(cell.source, markdown=True)
            elif cell.cell_type == "code":
                cell.source = transform(cell.source)
        nb.metadata["assignment"] = {"name": name, "version": version}
        path = out / version / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        paths.append(path)
    return tuple(paths)


def grade(name: str, notebook: Path) -> int:
    """Run assignment ``name``'s checker on ``notebook``; returns pytest's exit code (0: every check passed)."""
    if name not in names():
        raise ValueError(f"assignment: unknown value {name!r}; accepted values: {', '.join(names())}")
    _readable_notebook(Path(notebook))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        str(CHECKS / f"test_{name}.py"),
        f"--notebook={Path(notebook).resolve()}",
        "--rootdir",
        str(CHECKS),
    ]
    return subprocess.run(command, cwd=REPO_ROOT).returncode


def _readable_notebook(path: Path) -> None:
    """Raise ValueError (one line) unless ``path`` is a Jupyter notebook that can be read."""
    import nbformat

    if not path.is_file():
        raise ValueError(f"notebook: {path} does not exist; give the path of the .ipynb file to grade")
    try:
        nbformat.read(path, as_version=4)
    except Exception as err:  # not JSON, not a notebook, unreadable
        raise ValueError(
            f"notebook: {path} is not a readable Jupyter notebook (.ipynb): {type(err).__name__}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mi_lib.assignments")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build student and solution notebooks of every assignment")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT)
    b.add_argument("--student-only", action="store_true", help="only the student notebooks (to publish with the book)")
    g = sub.add_parser("grade", help="grade a notebook with an assignment's checker")
    g.add_argument("name", choices=names())
    g.add_argument("notebook", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        versions = ("student",) if args.student_only else VERSIONS
        for name in names():
            print(f"{name}: {' | '.join(map(str, build(name, args.out, versions=versions)))}")
        return 0
    try:
        return grade(args.name, args.notebook)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
