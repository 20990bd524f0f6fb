"""Executing the chapters: jupytext sources in ``notebooks/`` -> papermill -> executed ``.ipynb``.

``book/<name>.ipynb`` are executed at the cpu tier (what the rendered book shows) and
``tests/notebooks/<name>.ipynb`` at the smoke tier (what ``pytest --nbval-lax`` re-executes). Each executed
copy records the SHA256 of its source and of the library (:func:`source_hash`), so a stale copy is detected
(:func:`stale`) and re-executed.
Volatile metadata (timestamps, durations) is stripped (execution counts stay: nbval needs them) so that re-executing unchanged code changes no bytes.

Command line: ``python -m mi_lib.book {execute,stale} ...`` (used by ``./run``).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES = REPO_ROOT / "notebooks"
TARGETS = {"cpu": REPO_ROOT / "book", "smoke": REPO_ROOT / "tests" / "notebooks"}
SOURCE_KEY = "mi_lib_source_sha256"


def sources() -> list[Path]:
    return sorted(SOURCES.glob("*.py"))


def source_hash(source: Path) -> str:
    """SHA256 of the chapter source and of everything it computes with (``mi_lib`` code and reference data),
    so a library change marks every executed copy stale until it is re-executed (from cached runs: seconds)."""
    library = Path(__file__).resolve().parent
    h = hashlib.sha256(source.read_bytes())
    for path in sorted([*library.rglob("*.py"), *library.rglob("*.json")]):
        h.update(path.relative_to(library).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def target_for(source: Path, tier: str) -> Path:
    return TARGETS[tier] / f"{source.stem}.ipynb"


def stale(tier: str) -> list[Path]:
    """Sources whose executed copy at ``tier`` is missing or was executed from a different source."""
    import nbformat

    out = []
    for source in sources():
        target = target_for(source, tier)
        if not target.exists() or nbformat.read(target, as_version=4).metadata.get(SOURCE_KEY) != source_hash(source):
            out.append(source)
    return out


def _strip_volatile(nb: Any) -> None:
    nb.metadata.pop("papermill", None)
    nb.metadata.get("widgets", None) and nb.metadata.pop("widgets")
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)


def execute(source: Path, *, tier: str, output: Path | None = None, parameters: dict[str, Any] | None = None) -> Path:
    """Execute ``source`` with papermill at ``tier`` (plus ``parameters``) into ``output`` (default: the tier's copy)."""
    import jupytext
    import nbformat
    import papermill

    output = output or target_for(source, tier)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src_nb = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(jupytext.read(source), src_nb)
        papermill.execute_notebook(str(src_nb), str(src_nb), parameters={"tier": tier, **(parameters or {})},
                                   cwd=str(REPO_ROOT), progress_bar=False, kernel_name="python3")
        nb = nbformat.read(src_nb, as_version=4)
    _strip_volatile(nb)
    nb.metadata[SOURCE_KEY] = source_hash(source)
    nbformat.write(nb, output)
    return output


def _parse_value(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mi_lib.book")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="execute notebooks (default: the stale ones) at a tier")
    ex.add_argument("names", nargs="*", help="notebook names (stems in notebooks/); default: every stale one")
    ex.add_argument("--tier", default="cpu", choices=sorted(TARGETS))
    ex.add_argument("--all", action="store_true", help="re-execute every notebook, stale or not")
    ex.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ex.add_argument("-o", "--output", type=Path, help="output notebook (only with one name)")
    st = sub.add_parser("stale", help="list notebooks whose executed copy is missing or out of date")
    st.add_argument("--tier", default="cpu", choices=sorted(TARGETS))
    args = parser.parse_args(argv)

    if args.command == "stale":
        names = [s.stem for s in stale(args.tier)]
        print("\n".join(names) if names else f"all {args.tier} notebooks are up to date")
        return 1 if names else 0
    by_name = {s.stem: s for s in sources()}
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        parser.error(f"unknown notebook(s) {unknown}; accepted: {', '.join(by_name)}")
    chosen = [by_name[n] for n in args.names] or (sources() if args.all else stale(args.tier))
    if args.output and len(chosen) != 1:
        parser.error("--output needs exactly one notebook name")
    parameters = {name: _parse_value(value) for name, value in args.parameter}
    for source in chosen:
        print(f"executing {source.name} at tier {args.tier} {parameters or ''}", flush=True)
        print(f"  -> {execute(source, tier=args.tier, output=args.output, parameters=parameters)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
