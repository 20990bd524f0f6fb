"""Shared by the assignment checkers: ``--notebook PATH`` names the submission; the ``submission`` fixture is a
namespace holding what its ``task`` cells define (executed in order, nothing else of the notebook is run)."""
from __future__ import annotations

import types
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--notebook", required=True, help="the student's (or the solution) notebook to grade")


@pytest.fixture(scope="session")
def notebook_path(request) -> Path:
    return Path(request.config.getoption("--notebook"))


@pytest.fixture(scope="session")
def submission(notebook_path):
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    module = types.ModuleType("submission")
    for cell in nb.cells:
        if cell.cell_type == "code" and "task" in cell.metadata.get("tags", []):
            exec(compile(cell.source, f"{notebook_path.name}:{cell.get('id', '?')}", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="session")
def answers(notebook_path) -> list[str]:
    """The text of the notebook's markdown cells tagged ``answer``."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown" and "answer" in c.metadata.get("tags", [])]
