"""The chapters' papermill parameters: every name a chapter takes, checked before anything runs.

A chapter's parameters are the names its source assigns in the cell tagged ``parameters``
(:func:`declared`). A rerun passes some of them (``./run notebook NAME -p eps 0.05``); :func:`validate`
refuses an unknown name or a bad value with one line naming the parameter and the accepted values, before
papermill starts a kernel, so a typo never trains at the default. ``tier`` is set with ``--tier`` and
``chapter`` by the book itself (its verdict records), never by ``-p``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import (
    DATASETS,
    METHODS,
    PRECISIONS,
    STRATEGIES,
    ConfigError,
    ExperimentConfig,
    parse_eps,
    parse_fraction,
)

RESERVED = {"tier": "set the tier with --tier, not -p", "chapter": "set by the book for its own pages only, not by -p"}
ROBUST_BASES = ("pgd", "dist", "diff")


class ParameterError(ConfigError):
    """A chapter parameter that does not exist, or a value outside its accepted set or range."""


def check_target_models(count: int, shadows: int) -> None:
    """LiRA and RMIA take up to ``shadows`` + 1 target models per method (the seed-0 target, then each shadow playing
    the target): a one-line :class:`ParameterError` otherwise, raised before anything trains."""
    if not 1 <= count <= shadows + 1:
        raise ParameterError(
            f"target_models: {count} is out of range; accepted values: 1 to {shadows + 1} (shadows + 1)"
        )


def declared(source: Path) -> dict[str, Any]:
    """The parameters of a jupytext percent script: name -> default, from the cell tagged ``parameters``."""
    lines = Path(source).read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("# %%") and '"parameters"' in line), None)
    if start is None:
        return {}
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# %%")), len(lines))
    tree = ast.parse("\n".join(lines[start + 1 : end]))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }


# --------------------------------------------------------------------------- value checks
def _whole(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name}: expected a whole number >= {minimum}, got {value!r}")


def _count(name: str, value: Any) -> None:
    _whole(name, value, minimum=1)


def _optional_whole(minimum: int) -> Callable[[str, Any], None]:
    return lambda name, value: value is None or _whole(name, value, minimum=minimum)


def _flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ParameterError(f"{name}: expected true or false, got {value!r}")


def _choice(accepted: tuple[str, ...]) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if value not in accepted:
            raise ParameterError(f"{name}: unknown value {value!r}; accepted values: {', '.join(accepted)}")

    return check


def _list_of(item: Callable[[str, Any], None], *, allow_empty: bool = False) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if not isinstance(value, list) or (not value and not allow_empty):
            raise ParameterError(
                f"{name}: expected a {'' if allow_empty else 'non-empty '}list such as '[...]', got {value!r}"
            )
        for element in value:
            item(name, element)
        if len({repr(element) for element in value}) != len(value):
            raise ParameterError(f"{name}: each value once, got {value!r}")

    return check


def _eps(name: str, value: Any) -> None:
    try:
        parse_eps(value, field=name)
    except ConfigError as err:
        raise ParameterError(str(err)) from None


def _fraction(name: str, value: Any) -> None:
    try:
        parse_fraction(value, field=name)
    except ConfigError as err:
        raise ParameterError(str(err)) from None


def _optional(check: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    return lambda name, value: value is None or check(name, value)


def _number(*, positive: bool) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value == 0):
            raise ParameterError(f"{name}: expected numbers {'> 0' if positive else '>= 0'}, got {value!r}")

    return check


def _variant(name: str, value: Any) -> None:
    parts = value.split("/") if isinstance(value, str) else []
    if len(parts) != 2 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise ParameterError(
            f"{name}: expected PINEAT-n/m variants written 'n/m' with n, m >= 1 (e.g. '2/1'), got {value!r}"
        )


def _point(name: str, value: Any) -> None:
    fields = {f for f in ExperimentConfig.__dataclass_fields__ if f not in ("dataset", "tier", "method", "seed")}
    if not isinstance(value, dict) or not value or not set(value) <= fields:
        raise ParameterError(
            f"{name}: expected preset overrides such as {{n_members: 5000, width: 0.25}} with keys among "
            f"{', '.join(sorted(fields))}; got {value!r}"
        )


CHECKS: dict[str, Callable[[str, Any], None]] = {
    "dataset": _choice(DATASETS),
    "eps": _optional(_eps),
    "methods": _list_of(_choice(METHODS)),
    "method": _choice(ROBUST_BASES),
    "bases": _list_of(_choice(ROBUST_BASES)),
    "strategies": _list_of(_choice(STRATEGIES)),
    "variants": _list_of(_variant, allow_empty=True),
    **{
        name: _count
        for name in (
            "seeds",
            "other_seeds",
            "pineat_seeds",
            "weight_decay_seeds",
            "shadows",
            "target_models",
            "rounds",
            "every",
            "n_boot",
        )
    },
    "n_members": _optional_whole(0),  # 0: the whole official training split
    "epochs": _optional_whole(1),
    "precision": _optional(_choice(PRECISIONS)),  # None: the tier's
    "width": _optional(_number(positive=True)),  # None: the tier's
    "augment": _optional(_flag),  # None: the tier's
    "progress": _flag,
    "early_stopping": _flag,
    "trace_figure": _flag,
    "attack_eps": _optional(_list_of(_eps)),
    "eps_values": _optional(_list_of(_eps)),
    "fractions": _list_of(_fraction),  # fractions in [0, 1] ("3/4" or 0.75)
    "widths": _list_of(_number(positive=True)),
    "weight_decays": _list_of(_number(positive=False), allow_empty=True),
    "points": _optional(_list_of(_point)),
}


def validate(source: Path, parameters: dict[str, Any], *, chapter: str) -> None:
    """Check ``parameters`` (name -> value, as papermill will inject them) against chapter ``chapter``'s source.

    Raises :class:`ParameterError` with one line naming the parameter and the accepted names or values."""
    accepted = [name for name in declared(source) if name not in RESERVED]
    for name, value in parameters.items():
        if name in RESERVED:
            raise ParameterError(f"{name}: {RESERVED[name]}")
        if name not in accepted:
            raise ParameterError(
                f"unknown parameter {name!r} for chapter {chapter}; accepted parameters: {', '.join(accepted)}"
            )
        CHECKS[name](name, value)
