"""The papers' own numbers: one data file of every table (``reference/paper_tables.json``) and one of the
claims (``reference/claims.json``). Prose and tables read them from here; nothing is typed by hand."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

REFERENCE = Path(__file__).with_name("reference")


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / name).read_text())


def tables() -> dict[str, dict[str, Any]]:
    """Every paper table: {table_id: {paper, label, title, dataset, eps, source, notes, columns, rows}}."""
    return _load("paper_tables.json")["tables"]


def table(table_id: str) -> pd.DataFrame:
    """One paper table as a DataFrame (fractions, not percent). Raises KeyError listing the table ids."""
    all_tables = tables()
    if table_id not in all_tables:
        raise KeyError(f"table_id: unknown value {table_id!r}; accepted values: {', '.join(all_tables)}")
    return pd.DataFrame(all_tables[table_id]["rows"])


def table_info(table_id: str) -> dict[str, Any]:
    return {k: v for k, v in tables()[table_id].items() if k != "rows"}


def row(table_id: str, **match: Any) -> dict[str, Any]:
    """The single row of ``table_id`` whose fields equal ``match`` (e.g. ``method="pgd"``)."""
    rows = [r for r in tables()[table_id]["rows"] if all(r.get(k) == v for k, v in match.items())]
    if len(rows) != 1:
        raise KeyError(f"{table_id}: {len(rows)} rows match {match}")
    return rows[0]


def claims() -> list[dict[str, Any]]:
    """The papers' qualitative claims C1–C17 (id, claim, source, chapter, paper_value)."""
    return _load("claims.json")["claims"]


def claim(claim_id: str) -> dict[str, Any]:
    found = [c for c in claims() if c["id"] == claim_id]
    if not found:
        raise KeyError(f"claim_id: unknown value {claim_id!r}; accepted values: {', '.join(c['id'] for c in claims())}")
    return found[0]
