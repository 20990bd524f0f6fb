import importlib
import os
import sys
from pathlib import Path

import pytest

DATA_DIR = Path(os.environ.get("MI_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not available (set MI_DATA_DIR to the offline data folder)")
    return path


@pytest.fixture
def data_dir() -> Path:
    return require(DATA_DIR)


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """Fresh cache and results folders, so a test never reads or writes the user's artifacts."""
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MI_RESULTS_DIR", str(tmp_path / "results"))
    return tmp_path


@pytest.fixture
def benchmark_module():
    """Imports a script of ``benchmarks/`` by name (they are scripts, not a package)."""

    def load(name: str):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
        try:
            return importlib.import_module(name)
        finally:
            sys.path.pop(0)

    return load
