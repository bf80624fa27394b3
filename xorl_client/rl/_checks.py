"""Input coercion shared by the RL helpers: sequences of numbers and token ids, scalars.

Every helper accepts plain lists, tuples and numpy arrays (recognised by ``tolist()``, so numpy is
never imported here) and gives back plain Python lists. Bad input raises
:class:`~xorl_client.errors.DataValidationError` (a ``ValueError``) naming the argument, the
offending position and the rule.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sized
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types._common import token_ids_of

FINITE = "values are finite numbers"
TOKEN_IDS = "token ids are non-negative integers"


def _as_list(values: Any, name: str, what: str) -> list[Any]:
    if isinstance(values, str | bytes | Mapping):
        raise DataValidationError(
            f"{name} must be a sequence of {what}, not {type(values).__name__}",
            field=name,
            rule=f"{name} is a sequence",
        )
    tolist = getattr(values, "tolist", None)
    raw = tolist() if callable(tolist) else values
    try:
        return list(raw)
    except TypeError:
        raise DataValidationError(
            f"{name} must be a sequence of {what}, not {type(values).__name__}",
            field=name,
            rule=f"{name} is a sequence",
        ) from None


def number(value: Any, name: str, *, finite: bool = True) -> float:
    """``value`` as a float: a real number (not a bool), finite unless ``finite=False``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataValidationError(
            f"{name} must be a number, not {value!r} ({type(value).__name__})",
            field=name,
            rule=FINITE,
        )
    result = float(value)
    if finite and not math.isfinite(result):
        raise DataValidationError(
            f"{name} is {result!r}; it must be finite", field=name, rule=FINITE
        )
    return result


def numbers_list(values: Any, name: str) -> list[float]:
    """``values`` as a list of finite floats; the first bad entry is named (``name[i]``)."""
    out = _as_list(values, name, "numbers")
    if not all(isinstance(v, numbers.Real) for v in out):
        pos = next(i for i, v in enumerate(out) if not isinstance(v, numbers.Real))
        raise DataValidationError(
            f"{name}[{pos}] is {out[pos]!r} ({type(out[pos]).__name__}); expected a number",
            field=name,
            rule=FINITE,
        )
    floats = [float(v) for v in out]
    if not all(map(math.isfinite, floats)):
        pos = next(i for i, v in enumerate(floats) if not math.isfinite(v))
        raise DataValidationError(
            f"{name}[{pos}] is {floats[pos]!r}; {name} must be finite (no NaN or Inf)",
            field=name,
            rule=FINITE,
        )
    return floats


def token_ids(values: Any, name: str) -> list[int]:
    """``values`` (a list, array or ``ModelInput``) as a list of non-negative Python ints."""
    if isinstance(values, str | bytes):
        raise DataValidationError(
            f"{name} must be token ids, not text (tokenize it first: a datum needs exactly "
            "the tokens the sampler saw)",
            field=name,
            rule=TOKEN_IDS,
        )
    ids = list(token_ids_of(values, name))
    if ids and (not set(map(type, ids)) <= {int} or min(ids) < 0):
        pos = next(i for i, v in enumerate(ids) if type(v) is not int or v < 0)
        raise DataValidationError(
            f"{name}[{pos}] is {ids[pos]!r}; token ids must be non-negative Python ints",
            field=name,
            rule=TOKEN_IDS,
        )
    return ids


def one_each(items: Sized, name: str, count: int, of: str) -> None:
    """Refuse ``items`` unless it has exactly ``count`` entries, one for each of ``of``."""
    if len(items) != count:
        raise DataValidationError(
            f"{count} {of} but {len(items)} {name}; they must align one to one",
            field=name,
            rule=f"{name} align one to one with {of}",
        )


def integer(value: Any, name: str, rule: str) -> int:
    """``value`` as an int (numpy integers too, not bools); range checks are the caller's."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DataValidationError(
            f"{name} must be an integer, not {value!r} ({type(value).__name__})",
            field=name,
            rule=rule,
        )
    return int(value)


def sequence(values: Any, name: str) -> list[Any]:
    """``values`` as a list of arbitrary items (group ids, mask entries)."""
    return _as_list(values, name, "values")
