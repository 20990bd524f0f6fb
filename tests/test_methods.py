"""The method registry and the library's import graph."""

import ast
import json
from pathlib import Path

import pytest

from mi_lib import config, methods, objectives
from mi_lib.config import ExperimentConfig

LIBRARY = Path(__file__).resolve().parents[1] / "mi_lib"
RESULTS = Path(__file__).resolve().parents[1] / "results"
# imports a function may make: packages only some commands need, each heavy to load (say why where they are imported)
LAZY = {"jupytext", "nbformat", "papermill", "yaml", "torchvision", "PIL", "matplotlib_inline", "IPython", "myst_nb"}
LAZY |= {"submitit", "ray"}  # the cluster extra: only ./run sweep's executors load them


def test_every_method_has_one_record_a_loss_and_its_adversary():
    assert config.METHODS == methods.METHODS
    assert set(objectives.LOSSES) == set(methods.METHODS)
    assert set(objectives.ADVERSARIES) == set(methods.EMPIRICAL_METHODS)
    for field in ("label", "short"):
        values = list(methods.labels(field).values())
        assert len(set(values)) == len(values), f"two methods share the {field} {values}"
    for record in methods.REGISTRY.values():
        for name in record.ignores:
            assert name in ExperimentConfig.__dataclass_fields__, f"{record.name} ignores unknown field {name}"


def test_every_method_describes_its_training_in_words():
    for name, record in methods.REGISTRY.items():
        model = "fmnist_cnn_dual" if name in methods.VERIFIABLE_METHODS else "fmnist_cnn"
        text = record.describe(ExperimentConfig(dataset="fmnist", model=model, method=name, eps=0.1))
        assert record.short.lower() in text.lower(), text


def test_an_unknown_method_is_refused_with_the_accepted_ones():
    with pytest.raises(ValueError, match="method: unknown value 'mixup'; accepted values: natural, pgd"):
        methods.method("mixup")
    with pytest.raises(ValueError, match="method: unknown value 'mixup'"):
        objectives.objective("mixup")


@pytest.mark.parametrize("tier", ["cpu", "long"])
def test_every_committed_run_keeps_its_run_id_and_train_id(tier):
    results = sorted((RESULTS / tier).glob("*/result.json"))
    if tier == "cpu":
        assert len(results) > 50
    for path in results:
        summary = json.loads(path.read_text())
        cfg = ExperimentConfig.from_dict(summary["config"])
        assert (cfg.run_id(), cfg.train_id()) == (summary["run_id"], summary["train_id"]), path.parent.name


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(mi_lib modules imported at the top level of ``path``, packages imported inside its functions). Imports under
    ``if TYPE_CHECKING`` are neither: they serve annotations only."""
    tree = ast.parse(path.read_text())
    top = {f"mi_lib.{name}" for node in tree.body for name in _names(node)}
    inner = {
        name.removeprefix("mi_lib.").split(".")[0] if name.startswith("mi_lib.") else name
        for fn in ast.walk(tree)
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(fn)
        for name in _names(node, external=True)
    }
    return {m for m in top if (LIBRARY / f"{m[7:]}.py").exists()}, inner


def _names(node: ast.AST, *, external: bool = False) -> list[str]:
    """The modules an import node reads: mi_lib's (relative imports), and with ``external`` the others' top packages."""
    if isinstance(node, ast.ImportFrom) and node.level == 1:
        return [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
    if not external:
        return []
    if isinstance(node, ast.ImportFrom):
        return [node.module.split(".")[0]]
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    return []


def test_the_library_has_no_import_cycle_and_no_hidden_imports():
    graph, hidden = {}, {}
    for path in LIBRARY.glob("*.py"):
        graph[f"mi_lib.{path.stem}"], inner = _imports(path)
        hidden.update({f"{path.stem}: {name}": name for name in inner if name not in LAZY and name != "__future__"})
    assert not hidden, f"imports inside functions (move them to the top): {sorted(hidden)}"
    state: dict[str, int] = {}

    def visit(module, stack):
        state[module] = 1
        for dep in graph.get(module, ()):
            assert state.get(dep) != 1, f"import cycle: {' -> '.join([*stack, module, dep])}"
            if dep not in state:
                visit(dep, [*stack, module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_chapter_methods_validates_and_orders():
    assert methods.chapter_methods(["diff", "pgd"]) == ["natural", "pgd", "diff"]
    assert methods.chapter_methods("dist") == ["natural", "dist"]
    with pytest.raises(ValueError, match="methods: unknown value.*accepted values: natural, pgd, dist, diff"):
        methods.chapter_methods(["pgd", "madry"])
