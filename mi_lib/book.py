"""Executing the chapters: jupytext sources in ``notebooks/`` -> papermill -> executed ``.ipynb``.

A chapter is a source plus fixed parameters (:data:`CHAPTERS`): one source per paper section, executed once
per dataset where the section covers several. ``{{name}}`` placeholders in a chapter's Markdown (its title)
are filled from the chapter's ``labels`` after execution.

``book/<name>.ipynb`` are executed at the cpu tier (what the rendered book shows) and
``tests/notebooks/<name>.ipynb`` at the smoke tier (what ``pytest --nbval-lax`` re-executes). Each executed
copy records the SHA256 of its source and of the library modules it imports (:func:`source_hash`), so a stale copy is detected
(:func:`stale`) and re-executed.
Volatile metadata (timestamps, durations) is stripped (execution counts stay: nbval needs them) so that re-executing unchanged code changes no bytes.

Command line: ``python -m mi_lib.book {execute,stale} ...`` (used by ``./run``).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import hashlib
import html
import json
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .config import ConfigError
from .methods import REGISTRY, chapter_methods
from .parameters import declared, validate
from .tiers import PAGE_OVERRIDES, TIER_NAMES

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES = REPO_ROOT / "notebooks"
TARGETS = {
    "cpu": REPO_ROOT / "book",
    "smoke": REPO_ROOT / "tests" / "notebooks",
}  # where each published tier's copies live
SOURCE_KEY = "mi_lib_source_sha256"
PARAMETERS_KEY = "mi_lib_parameters"  # a rerun's own parameters (absent on the book's copies)
FAILED_DIR = REPO_ROOT / "_build" / "failed"  # notebooks whose execution failed, with their traceback


@dataclasses.dataclass(frozen=True)
class Chapter:
    """An executed notebook of the book: ``source`` (a stem in notebooks/) run with ``parameters``."""

    name: str
    source: str
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    # False: a chapter in progress, executed at the smoke tier (so nbval checks it) but not yet at the cpu tier,
    # hence not in the book's table of contents until the runs its book copy shows exist (the cpu tier's; a long-tier
    # page's, the long tier's: `./run campaign`); `./run notebook NAME` runs it.
    in_book: bool = True
    # A summary page (landing page, scoreboard) reads the verdicts other chapters record: it is executed after them,
    # and its executed copy is stale when those records change.
    summary: bool = False
    # The tier of the runs the book's copy shows: "cpu" for most pages; "long" for a page of the long tier's runs
    # (trained by `./run campaign`, never by the book). Its smoke copy runs at the smoke tier like every page.
    book_tier: str = "cpu"

    @property
    def path(self) -> Path:
        return SOURCES / f"{self.source}.py"


_DEFENCE_LABELS = {
    "yale": ("Yale Face", "Table 2"),
    "fmnist": ("Fashion-MNIST", "Table 3"),
    "cifar10-jpeg": ("CIFAR-10 (JPEG stand-in)", "Table 4, Fig. 1; DLS Table I, Fig. 2"),
}


def _defence_page(
    name: str, dataset: str, method: str, *, book_tier: str = "cpu", in_book: bool = True, **parameters: Any
) -> Chapter:
    """A page of ``empirical_defences.py``: the natural model against one robust ``method`` on ``dataset``."""
    dataset_name, paper_table = _DEFENCE_LABELS[dataset]
    return Chapter(
        name,
        "empirical_defences",
        {"dataset": dataset, "methods": ["natural", method], **parameters},
        {
            "dataset_name": dataset_name,
            "robust": REGISTRY[method].adjective,
            "paper_table": paper_table + ("" if book_tier == "cpu" else f", {book_tier} tier"),
        },
        in_book=in_book,
        book_tier=book_tier,
    )


CHAPTERS = [
    Chapter("intro", "intro", summary=True),
    Chapter("yale_released_outputs", "yale_released_outputs"),
    _defence_page("yale_natural_vs_pgd", "yale", "pgd"),
    _defence_page("yale_dist", "yale", "dist", other_seeds=3),
    _defence_page("yale_diff", "yale", "diff", other_seeds=3),
    _defence_page("fmnist_natural_vs_pgd", "fmnist", "pgd"),
    _defence_page("fmnist_dist", "fmnist", "dist", other_seeds=3),
    _defence_page("fmnist_diff", "fmnist", "diff", other_seeds=3),
    _defence_page("cifar10_jpeg_natural_vs_pgd", "cifar10-jpeg", "pgd"),
    # Table 3 at the long tier, at the in-regime point of its map with the highest ratio (20,000 members, ¼ width, 80
    # epochs, bfloat16 training): natural and PGD at seeds 0-2 (`./run campaign fmnist --precision bf16 --methods
    # natural,pgd --seeds 3 --point n_members=20000,width=0.25,epochs=80`: ~16 min per natural and ~80-90 min per PGD
    # model on 2 AMX cores, stops 46-48). Dist and Diff stay at the float32 map's first point (10,000 members, ¼ width,
    # 40 epochs) where they trained at seeds 0-2 (`--precision fp32 --methods dist,diff --seeds 3`; seed 0 on an H200
    # in stop 42, seeds 1-2 in stop 43), each page against the natural models of its own point.
    _defence_page("fmnist_natural_vs_pgd_long", "fmnist", "pgd", book_tier="long", n_members=20000, epochs=80),
    _defence_page("fmnist_dist_long", "fmnist", "dist", book_tier="long", precision="fp32", other_seeds=3),
    _defence_page("fmnist_diff_long", "fmnist", "diff", book_tier="long", precision="fp32", other_seeds=3),
    # Table 4 at the long tier, on the CIFAR-10 JPEG stand-in, at the first point of its map that meets all three
    # targets (20,000 members, WRN-16-2, 60 epochs, no augmentation, bfloat16 training; depth 16 is the long preset's):
    # natural and PGD at seeds 0-2 (`./run campaign cifar10-jpeg --precision bf16 --methods natural,pgd --seeds 3
    # --point n_members=20000,width=2,augment=false`: ~25 min per natural and ~3.5 h per PGD model on 2 AMX cores,
    # stops 51-57; seed 2 trained on two CPU kinds with pauses, so its recorded time overstates its cost).
    _defence_page(
        "cifar10_jpeg_natural_vs_pgd_long",
        "cifar10-jpeg",
        "pgd",
        book_tier="long",
        n_members=20000,
        width=2,
        augment=False,
    ),
    Chapter("claims_scoreboard", "claims_scoreboard", summary=True),
    # Why robust models leak (CCS §5.2).
    Chapter("yale_perturbation_budget", "perturbation_budget", {"dataset": "yale", "seeds": 3}),
    Chapter("yale_mixed_training", "mixed_training", {"dataset": "yale", "seeds": 3}),
    Chapter("yale_training_dynamics", "training_dynamics", {"dataset": "yale", "seeds": 3}),
    Chapter("yale_sensitivity", "sensitivity", {"dataset": "yale"}),
    Chapter("yale_model_capacity", "model_capacity", {"dataset": "yale", "seeds": 3}),
    Chapter("yale_targeted_attack", "targeted_attack", {"dataset": "yale", "seeds": 3}),
    Chapter("yale_attack_eps", "attack_eps", {"dataset": "yale", "seeds": 3}),
    # Verifiable defences (CCS §6) and the PixelDP noise layer (App. E).
    Chapter(
        "yale_verifiable",
        "verifiable_defences",
        {"dataset": "yale", "seeds": 3},
        {"title": "Verifiable defences on Yale Face (CCS §6, Table 8 layout)"},
    ),
    Chapter(
        "fmnist_verifiable",
        "verifiable_defences",
        {"dataset": "fmnist", "seeds": 3},
        {"title": "Verifiable defences on Fashion-MNIST (CCS §6, Table 9 layout)"},
    ),
    Chapter(
        "cifar10_jpeg_provable",
        "verifiable_defences",
        {"dataset": "cifar10-jpeg", "methods": ["natural", "duality"], "eps": "2/255"},
        {"title": "Provable vs natural training on the CIFAR-10 JPEG stand-in (DLS Table III)"},
    ),
    Chapter("cifar10_jpeg_pixeldp", "pixeldp", {"dataset": "cifar10-jpeg"}),
    # PINEAT (PRCV 2023): the three bases on both datasets.
    Chapter(
        "fmnist_pineat",
        "pineat",
        {"dataset": "fmnist", "seeds": 3, "pineat_seeds": 3},
        {"dataset": "Fashion-MNIST", "bases": "PGD-based training and its n/m variants", "figure": ", Fig. 1"},
    ),
    Chapter(
        "fmnist_pineat_other_bases",
        "pineat",
        {
            "dataset": "fmnist",
            "bases": ["dist", "diff"],
            "variants": [],
            "trace_figure": False,
            "seeds": 3,
            "pineat_seeds": 3,
        },
        {"dataset": "Fashion-MNIST", "bases": "Dist- and Diff-based training", "figure": ""},
    ),
    Chapter(
        "cifar10_jpeg_pineat",
        "pineat",
        {"dataset": "cifar10-jpeg", "bases": ["pgd", "dist", "diff"], "variants": [], "trace_figure": False},
        {"dataset": "the CIFAR-10 JPEG stand-in", "bases": "PGD-, Dist- and Diff-based training", "figure": ""},
    ),
    # Beyond the papers: modern membership-inference evaluation of the natural-vs-PGD runs (no new training).
    Chapter(
        "yale_modern_evaluation",
        "modern_evaluation",
        {"dataset": "yale", "early_stopping": True, "weight_decays": [1e-4, 1e-3], "weight_decay_seeds": 3},
        {"dataset": "Yale Face"},
    ),
    Chapter("fmnist_modern_evaluation", "modern_evaluation", {"dataset": "fmnist"}, {"dataset": "Fashion-MNIST"}),
    Chapter(
        "cifar10_jpeg_modern_evaluation",
        "modern_evaluation",
        {"dataset": "cifar10-jpeg"},
        {"dataset": "the CIFAR-10 JPEG stand-in"},
    ),
    Chapter("yale_lira", "lira", {"dataset": "yale"}, {"dataset": "Yale Face"}),
    Chapter("fmnist_lira", "lira", {"dataset": "fmnist"}, {"dataset": "Fashion-MNIST"}),
    Chapter("appendix_cpu_tier_calibration", "appendix_cpu_tier_calibration"),
]


def chapters() -> list[Chapter]:
    """Every chapter, in the book's order: a new list (sorting it must not reorder :data:`CHAPTERS`, whose order the
    summary pages' hashes read)."""
    missing = sorted({s.stem for s in SOURCES.glob("*.py")} - {c.source for c in CHAPTERS})
    if missing:
        raise RuntimeError(f"notebooks/{missing[0]}.py is not a chapter: add it to mi_lib.book.CHAPTERS")
    return list(CHAPTERS)


LIBRARY = Path(__file__).resolve().parent


def _imported_modules(path: Path, *, relative: bool) -> set[str]:
    """The ``mi_lib`` modules ``path`` imports: a chapter's ``from mi_lib import x`` / ``from mi_lib.x import y``, or
    (``relative``) a library module's ``from .x import y`` / ``from . import x``, at its top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if relative and node.level == 1:
                found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif not relative and node.level == 0 and node.module and node.module.split(".")[0] == "mi_lib":
                parts = node.module.split(".")
                found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import) and not relative:
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("mi_lib."))
    return {name for name in found if (LIBRARY / f"{name}.py").exists()}


def library_dependencies(source: Path) -> list[Path]:
    """The library files a chapter's ``source`` computes with: the modules it imports, every module those import in
    turn, ``__init__.py``, and the papers' reference data when :mod:`mi_lib.paper` is among them. ``book.py`` is left
    out (what it holds for a chapter, its parameters and labels, is hashed by :func:`source_hash`)."""
    seen: set[str] = set()
    todo = sorted(_imported_modules(source, relative=False))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(_imported_modules(LIBRARY / f"{name}.py", relative=True) - seen)
    files = [LIBRARY / "__init__.py", *(LIBRARY / f"{name}.py" for name in sorted(seen - {"book"}))]
    if "paper" in seen:
        files += sorted((LIBRARY / "reference").glob("*.json"))
    return files


def page_parameters(chapter: Chapter, tier: str) -> dict[str, Any]:
    """Every parameter of the book's copy of ``chapter`` at ``tier``: its notebook's declared defaults, overridden by
    its own parameters at that tier (:func:`tier_parameters`)."""
    return {**declared(chapter.path), **tier_parameters(chapter, tier)}


def page_methods(chapter: Chapter, tier: str, parameters: dict[str, Any] | None = None) -> list[str]:
    """The methods a natural-vs-robust page compares at ``tier``, checked (:func:`mi_lib.methods.chapter_methods`:
    natural first, the robust methods in the paper's order), from :func:`page_parameters` (or ``parameters``, those
    already read). The one reader of a page's methods (its runs, the regime check, the landing page's ratios, the long
    pages)."""
    return chapter_methods((page_parameters(chapter, tier) if parameters is None else parameters)["methods"])


def long_pages(dataset: str, robust: Iterable[str] | None = None) -> list[Chapter]:
    """The chapters that show ``dataset``'s tables at the long tier (``book_tier="long"``), in book order; with
    ``robust``, those whose robust method (the last of their ``methods``) is one of them."""
    return [
        c
        for c in CHAPTERS
        if c.book_tier == "long"
        and c.parameters.get("dataset") == dataset
        and (robust is None or page_methods(c, "cpu")[-1] in robust)
    ]


def long_page(dataset: str) -> Chapter:
    """The first chapter that shows ``dataset``'s tables at the long tier: its natural-vs-PGD page (Table 3's for
    Fashion-MNIST, Table 4's for the CIFAR-10 stand-in)."""
    return long_pages(dataset)[0]


def source_hash(chapter: Chapter, parameters: dict[str, Any] | None = None, *, tier: str) -> str:
    """SHA256 of the chapter (source, parameters, labels) and of what it computes with (:func:`library_dependencies`:
    the ``mi_lib`` modules it imports, transitively, and the reference data), so a change to one of them marks the
    executed copy stale until it is re-executed (from cached runs: seconds), and a change to a module the chapter
    does not import leaves it current. The summary pages also hash the list of chapters in the book and the verdict
    records they read; the PINEAT pages, the committed timings they judge C13 from; the pages whose summary box reads
    the campaign, the committed GPU projections of ``benchmarks/gpu_check.py``; the natural-vs-robust pages and the
    appendix, the long-tier pages they read: the boxes, those of their dataset in the book (they link to them and say
    whether their models are in the regime); the appendix, every one, in the book or not, with its point. The
    chapter's parameters are those of ``tier`` (:func:`tier_parameters`); a rerun's ``parameters`` enter the hash
    too."""
    h = hashlib.sha256(chapter.path.read_bytes())
    h.update(
        json.dumps(
            [tier_parameters(chapter, tier, parameters), chapter.labels, run_tier(chapter, tier)], sort_keys=True
        ).encode()
    )
    if parameters:  # a rerun's own parameters: its copy is never current as the book's page
        h.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    dependencies = library_dependencies(chapter.path)
    for path in dependencies:
        h.update(path.relative_to(LIBRARY).as_posix().encode() + b"\0" + path.read_bytes())
    if LIBRARY / "pineat_runtime.py" in dependencies:  # the committed timings C13 is judged from
        for path in sorted((REPO_ROOT / "results" / "cpu" / "timing").glob("*.json")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    if LIBRARY / "campaign.py" in dependencies:  # the GPU projections the CIFAR-10 summary box reads
        for path in sorted((REPO_ROOT / "benchmarks" / "results").glob("gpu-check*.json")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    if chapter.source == "empirical_defences":  # its summary box links to its dataset's long-tier pages in the book
        linked = [[c.name, tier_parameters(c, "cpu")] for c in long_pages(chapter.parameters["dataset"]) if c.in_book]
        h.update(json.dumps(linked, sort_keys=True).encode())
    if chapter.name == "appendix_cpu_tier_calibration":  # it reads every long-tier page, in the book or not
        pages = [[c.name, c.in_book, tier_parameters(c, "cpu")] for c in CHAPTERS if c.book_tier == "long"]
        h.update(json.dumps(pages, sort_keys=True).encode())
    if chapter.summary:  # the committed verdict records of the cpu tier (see mi_lib.scoreboard.record)
        # the chapters in the book with their parameters (the scoreboard reads the seeds each page uses)
        h.update(
            json.dumps(
                [[c.name, tier_parameters(c, tier), run_tier(c, tier)] for c in CHAPTERS if c.in_book], sort_keys=True
            ).encode()
        )
        for path in sorted((REPO_ROOT / "results" / "cpu" / "verdicts").glob("*.json")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def title(chapter: Chapter) -> str:
    """The chapter's page title: the first heading of its source, its ``{{label}}`` placeholders filled."""

    heading = next(
        (line[4:] for line in chapter.path.read_text().splitlines() if line.startswith("# # ")), chapter.name
    )
    return re.sub(r"\{\{(\w+)\}\}", lambda m: chapter.labels.get(m.group(1), m.group(0)), heading).strip()


def link(chapter: str) -> str:
    """An HTML link to a chapter's page in the built book (pages sit side by side in book/), named by its title."""
    if not chapter:
        return "—"
    by_name = {c.name: c for c in CHAPTERS}
    name = title(by_name[chapter]) if chapter in by_name else chapter.replace("_", " ")
    return f'<a href="{html.escape(chapter)}.html">{html.escape(name)}</a>'


# Seed counts at the smoke tier (CI's nbval copies) stop at two: two still exercise every multi-seed path of a page
# (means, spreads, per-seed tables), and a smoke verdict is inconclusive at any count; a third seed only cost CI time.
SMOKE_MAX_SEEDS = 2
SEED_PARAMETERS = ("seeds", "other_seeds", "pineat_seeds", "weight_decay_seeds")


def tier_parameters(
    chapter: Chapter, tier: str, rerun: dict[str, Any] | None = None, *, book_copy: bool = True
) -> dict[str, Any]:
    """The chapter's own parameters at ``tier``: the paper tier trains the CIFAR-10 pages on the real CIFAR-10
    (torchvision's download), never on the JPEG stand-in the other tiers use offline; the smoke tier runs at most
    :data:`SMOKE_MAX_SEEDS` seeds, unless a ``rerun`` sets a seed count (then it runs the chapter's counts, so that
    ``-p weight_decay_seeds 3`` still fits under ``seeds``). ``tier`` names the book's copy (``cpu``: the book's,
    whose runs are :func:`run_tier`'s) or, with ``book_copy=False``, the tier a rerun or a plan trains at. A long-tier
    page's point on its map (members, epochs, width, augmentation, arithmetic: :data:`~mi_lib.tiers.PAGE_OVERRIDES`) applies at the
    long tier only: at any other (CI's smoke copy, a rerun at ``--tier cpu``) the page runs that tier's preset. A
    rerun's own values are the caller's to merge."""
    parameters = dict(chapter.parameters)
    runs_at = run_tier(chapter, tier) if book_copy else tier
    if chapter.book_tier != "cpu" and runs_at != chapter.book_tier:
        parameters = {k: v for k, v in parameters.items() if k not in PAGE_OVERRIDES}
    if tier == "paper" and parameters.get("dataset") == "cifar10-jpeg":
        parameters["dataset"] = "cifar10"
    if tier == "smoke" and not any(name in (rerun or {}) for name in SEED_PARAMETERS):
        defaults = declared(chapter.path)
        for name in SEED_PARAMETERS:
            if parameters.get(name, defaults.get(name, 0)) > SMOKE_MAX_SEEDS:
                parameters[name] = SMOKE_MAX_SEEDS
    return parameters


def run_tier(chapter: Chapter, tier: str) -> str:
    """The tier of the runs that ``chapter``'s copy at ``tier`` shows: the book's copy (``cpu``) of a long-tier page
    shows the long tier's runs; every other copy, ``tier``'s."""
    return chapter.book_tier if tier == "cpu" else tier


def target_for(chapter: Chapter, tier: str) -> Path:
    return TARGETS[tier] / f"{chapter.name}.ipynb"


def stale(tier: str) -> list[Chapter]:
    """Chapters whose executed copy at ``tier`` is missing or was executed from a different source or library."""
    import nbformat

    out = []
    for chapter in chapters():
        if tier == "cpu" and not chapter.in_book:
            continue
        target = target_for(chapter, tier)
        if not target.exists() or nbformat.read(target, as_version=4).metadata.get(SOURCE_KEY) != source_hash(
            chapter, tier=tier
        ):
            out.append(chapter)
    return out


def _strip_volatile(nb: Any) -> None:
    hide = any(
        "remove-cell" in c.metadata.get("tags", []) for c in nb.cells if "parameters" in c.metadata.get("tags", [])
    )
    for cell in nb.cells:  # a hidden parameters cell hides papermill's injected one too
        if hide and "injected-parameters" in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], "remove-cell"]
    nb.metadata.pop("papermill", None)
    nb.metadata.get("widgets", None) and nb.metadata.pop("widgets")
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.id = f"cell-{i}"  # jupytext draws random ids; fixed ones keep re-execution byte-stable


def _fill_labels(nb: Any, labels: dict[str, str]) -> None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for key, value in labels.items():
                cell.source = cell.source.replace("{{" + key + "}}", value)


class RerunError(ValueError):
    """A rerun that would write where the book's own copies or verdict records live."""


def _tracked(path: Path) -> bool:
    """Whether ``path`` lies where the book keeps its executed copies (``book/``, ``tests/notebooks/``)."""
    path = path.resolve()
    return any(path.is_relative_to(folder.resolve()) for folder in TARGETS.values())


def execute(
    chapter: Chapter,
    *,
    tier: str,
    output: Path | None = None,
    parameters: dict[str, Any] | None = None,
    failed_dir: Path | None = None,
) -> Path:
    """Execute ``chapter`` with papermill at ``tier`` (plus ``parameters``) into ``output`` (default: the tier's copy).

    The book's own execution (no ``parameters``, the tier's copy) writes ``book/`` or ``tests/notebooks/`` and the
    chapter's verdict records. A rerun with ``parameters`` must name an ``output`` outside those folders, records no
    verdict, and its copy is stamped with its parameters (so it is stale as a book page). Parameters are validated
    before any kernel starts (:mod:`mi_lib.parameters`). A failing execution keeps its notebook in ``failed_dir``.
    """
    import jupytext
    import nbformat
    import papermill

    parameters = dict(parameters or {})
    validate(chapter.path, parameters, chapter=chapter.name)
    own = target_for(chapter, tier) if tier in TARGETS else None
    if parameters and output is None:
        raise RerunError(
            f"-o: a rerun with parameters ({', '.join(parameters)}) writes only where you say; add "
            f"-o OUT.ipynb outside book/ and tests/notebooks/"
        )
    output = Path(output or own or "")
    if output == Path(""):
        raise RerunError(f"-o: tier {tier!r} has no executed copy in the book; add -o OUT.ipynb")
    if _tracked(output) and (parameters or own is None or output.resolve() != own.resolve()):
        raise RerunError(
            f"-o: {output} is one of the book's executed copies; write a rerun elsewhere (e.g. -o /tmp/{chapter.name}.ipynb)"
        )
    book_copy = own is not None and output.resolve() == own.resolve()
    shown_tier = run_tier(chapter, tier) if book_copy else tier
    injected = {**tier_parameters(chapter, tier, parameters, book_copy=book_copy), "tier": shown_tier, **parameters}
    if book_copy and "chapter" in declared(chapter.path):  # only the book's own page records its verdicts
        injected["chapter"] = chapter.name
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src_nb = Path(tmp) / f"{chapter.name}.ipynb"
        jupytext.write(jupytext.read(chapter.path), src_nb)
        try:
            papermill.execute_notebook(
                str(src_nb),
                str(src_nb),
                parameters=injected,
                cwd=str(REPO_ROOT),
                progress_bar=False,
                kernel_name="python3",
            )
        except papermill.PapermillExecutionError:
            if failed_dir is not None:
                failed_dir.mkdir(parents=True, exist_ok=True)
                src_nb.replace(failed_dir / src_nb.name)
            raise
        nb = nbformat.read(src_nb, as_version=4)
    _strip_volatile(nb)
    _fill_labels(nb, chapter.labels)
    nb.metadata[SOURCE_KEY] = source_hash(chapter, parameters, tier=tier)
    if parameters:
        nb.metadata[PARAMETERS_KEY] = parameters
    nbformat.write(nb, output)
    return output


def _parse_value(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:

    parser = argparse.ArgumentParser(prog="python -m mi_lib.book")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser(
        "execute", help="the book's own execution: chapters (default: the stale ones) into their copies at a tier"
    )
    ex.add_argument("names", nargs="*", help="chapter names (see mi_lib.book.CHAPTERS); default: every stale one")
    ex.add_argument("--tier", default="cpu", choices=sorted(TARGETS))
    ex.add_argument("--all", action="store_true", help="re-execute every notebook, stale or not")
    nb = sub.add_parser("notebook", help="execute one chapter, with papermill parameters into -o OUT.ipynb")
    nb.add_argument("name", help="a chapter name (see mi_lib.book.CHAPTERS)")
    nb.add_argument(
        "--tier", choices=TIER_NAMES, help="default: the tier the book shows the chapter at (cpu; long for a long page)"
    )
    nb.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    nb.add_argument(
        "-o", "--output", type=Path, help="output notebook (needed with -p: a rerun never replaces the book's copy)"
    )
    st = sub.add_parser("stale", help="list notebooks whose executed copy is missing or out of date")
    st.add_argument("--tier", default="cpu", choices=sorted(TARGETS))
    args = parser.parse_args(argv)

    if args.command == "stale":
        names = [c.name for c in stale(args.tier)]
        print("\n".join(names) if names else f"all {args.tier} notebooks are up to date")
        return 1 if names else 0
    by_name = {c.name: c for c in chapters()}
    names = [args.name] if args.command == "notebook" else args.names
    unknown = [n for n in names if n not in by_name]
    if unknown:
        return _fail(f"unknown chapter {unknown[0]!r}; accepted: {', '.join(by_name)}")
    chosen = [by_name[n] for n in names] or (chapters() if args.all else stale(args.tier))
    chosen = sorted(chosen, key=lambda c: c.summary)  # summary pages last: they read what the others record
    parameters = {name: _parse_value(value) for name, value in getattr(args, "parameter", [])}
    output = getattr(args, "output", None)
    import papermill

    try:  # every parameter checked before anything runs
        for chapter in chosen:
            validate(chapter.path, parameters, chapter=chapter.name)
    except ConfigError as err:
        return _fail(str(err))
    for chapter in chosen:
        # `notebook` without --tier: the book's copy (whose runs are of the chapter's book tier), or with -o a notebook
        # of yours at that tier
        tier = args.tier or (run_tier(chapter, "cpu") if output is not None else "cpu")
        print(f"executing {chapter.name} ({chapter.source}.py) at tier {tier} {parameters or ''}", flush=True)
        try:
            path = execute(chapter, tier=tier, output=output, parameters=parameters, failed_dir=FAILED_DIR)
        except (ConfigError, RerunError) as err:
            return _fail(str(err))
        except papermill.PapermillExecutionError as err:
            return _fail(
                f"{chapter.name} failed in cell {err.exec_count}: {err.ename}: {err.evalue} "
                f"(the notebook with its traceback: {FAILED_DIR / (chapter.name + '.ipynb')})",
                code=1,
            )
        print(f"  -> {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
