"""Checks for settings sent as JSON numbers: a type and finiteness check before sending.

Why here and not left to the server: the SDK's JSON encoder writes NaN and infinities as
``null``, and the server reads ``null`` as "use my default". A ``learning_rate=nan`` would
train at the server's default rate without a word. Every number a caller hands over is
therefore checked for being a real, finite number of the right kind first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from xorl_client.errors import DataValidationError

__all__ = ["check_finite_tree", "check_int", "check_number"]


def check_number(
    name: str, value: Any, *, minimum: float | None = None, positive: bool = False
) -> float:
    """``value`` as a float if it is a finite real number (``bool`` excluded) in range.

    >>> check_number("learning_rate", 3e-4, positive=True)
    0.0003
    >>> check_number("learning_rate", float("1e309"))
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: learning_rate must be a finite number, not inf
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataValidationError(
            f"{name} must be a number, not {type(value).__name__} {value!r:.40}",
            field=name,
            rule=f"{name} is a number",
        )
    if not math.isfinite(value):
        raise DataValidationError(
            f"{name} must be a finite number, not {value!r}",
            field=name,
            rule=f"{name} is finite",
        )
    if positive and not value > 0:
        raise DataValidationError(
            f"{name} must be > 0, not {value!r}", field=name, rule=f"{name} > 0"
        )
    if minimum is not None and value < minimum:
        raise DataValidationError(
            f"{name} must be >= {minimum}, not {value!r}", field=name, rule=f"{name} >= {minimum}"
        )
    return float(value)


def check_int(name: str, value: Any, *, minimum: int) -> int:
    """``value`` if it is an ``int`` (not a ``bool``, not a numeric string) >= ``minimum``.

    >>> check_int("rank", "8", minimum=1)
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: rank must be an int, not str '8'
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataValidationError(
            f"{name} must be an int, not {type(value).__name__} {value!r:.40}",
            field=name,
            rule=f"{name} is an int",
        )
    if value < minimum:
        raise DataValidationError(
            f"{name} must be >= {minimum}, not {value}", field=name, rule=f"{name} >= {minimum}"
        )
    return value


def check_finite_tree(value: Any, path: str) -> None:
    """Every float inside a JSON-like value (dicts, lists, tuples) is finite.

    >>> check_finite_tree({"eps_clip": 0.2, "nested": [1.0, float("nan")]}, "loss_fn_params")
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: loss_fn_params.nested[1] is nan; only finite numbers can be sent (JSON has no NaN or infinity, and a null would mean the server's default)
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataValidationError(
                f"{path} is {value!r}; only finite numbers can be sent (JSON has no NaN or "
                "infinity, and a null would mean the server's default)",
                field=path,
                rule="numbers are finite",
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_finite_tree(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_finite_tree(item, f"{path}[{index}]")
