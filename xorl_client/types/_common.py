"""Helpers shared by the public types: numpy detection, number and token-id checks."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from xorl_client.errors import DataValidationError

__all__ = [
    "FLOAT32_KEYS",
    "INT64_KEYS",
    "Tokenizer",
    "check_number",
    "token_ids_of",
]

#: ``loss_fn_inputs`` keys whose lists are token ids (coerced to dtype ``int64``, like Tinker).
INT64_KEYS: frozenset[str] = frozenset({"target_tokens", "labels", "teacher_ids"})
#: ``loss_fn_inputs`` keys whose lists are real numbers (dtype ``float32``, like Tinker).
FLOAT32_KEYS: frozenset[str] = frozenset(
    {"weights", "advantages", "logprobs", "rollout_logprobs", "old_logprobs", "ref_logprobs"}
)

_INT_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})


def _numpy_module() -> Any:
    """numpy if the user already imported it, else ``None`` (never imports it)."""
    return sys.modules.get("numpy")


def _is_ndarray(value: object) -> bool:
    np = _numpy_module()
    return np is not None and isinstance(value, np.ndarray)


def _flatten_nested(value: list[Any], what: str) -> tuple[list[Any], list[int]]:
    """Flatten a rectangular nested list; return (flat, shape)."""
    shape: list[int] = []
    probe: Any = value
    while isinstance(probe, list | tuple):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    flat: list[Any] = list(value)
    for depth in range(1, len(shape)):
        nxt: list[Any] = []
        for row in flat:
            if not isinstance(row, list | tuple) or len(row) != shape[depth]:
                raise DataValidationError(
                    f"{what} is a ragged nested list; every row at depth {depth} must have "
                    f"{shape[depth]} entries",
                    field=what,
                    rule="tensors are rectangular",
                )
            nxt.extend(row)
        flat = nxt
    return flat, shape


def _dtype_name(raw: object, kind_hint: str | None = None) -> str:
    """Map a numpy/torch dtype to the wire names Tinker uses (``int64`` / ``float32``)."""
    text = str(raw).removeprefix("torch.")
    if kind_hint in ("i", "u", "b") or "int" in text or text == "bool":
        return "int64"
    if kind_hint in ("f",) or "float" in text:
        return "float32"
    return text


def _infer_dtype(values: Sequence[Any]) -> str:
    """``int64`` when every element is a Python int (bools excluded), else ``float32``."""
    if values and set(map(type, values)) <= {int}:
        return "int64"
    return "float32"


class Tokenizer(Protocol):
    """Anything with ``encode(text) -> list[int]`` (HF tokenizers, :class:`ByteTokenizer`)."""

    def encode(self, text: str, /) -> Any: ...


def _as_int_list(tokens: Any, what: str) -> list[int]:
    if type(tokens) is list:
        return tokens
    if _is_ndarray(tokens) or (hasattr(tokens, "tolist") and not isinstance(tokens, str)):
        raw = tokens.tolist()
        return raw if isinstance(raw, list) else [raw]
    if isinstance(tokens, str | bytes | Mapping) or not isinstance(tokens, Iterable):
        raise DataValidationError(
            f"{what} must be a list of token ids, not {type(tokens).__name__}",
            field=what,
            rule="token ids are non-negative integers",
        )
    return list(tokens)


def token_ids_of(value: Any, what: str) -> list[int]:
    """Token ids from a ``ModelInput`` (ours or Tinker's), an array or a sequence of ints.

    Text is refused: the caller must say which tokens it means (the tokenizer is not known
    here). Ids are not range-checked; :func:`~xorl_client.validation.validate_batch` does that.
    """
    to_ints = getattr(value, "to_ints", None)
    if callable(to_ints):  # ModelInput, and Tinker's ModelInput by duck typing
        return _as_int_list(to_ints(), what)
    return _as_int_list(value, what)


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    owner: str,
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataValidationError(
            f"{owner}.{name} must be a finite number, not {value!r}",
            field=f"{owner}.{name}",
            rule="values are finite numbers",
        )
    bad_low = low is not None and (value <= low if low_open else value < low)
    bad_high = high is not None and (value >= high if high_open else value > high)
    if bad_low or bad_high:
        lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
        rng = " and ".join(p for p in (lo, hi) if p)
        raise DataValidationError(
            f"{owner}.{name} must be {rng}, not {value!r}",
            field=f"{owner}.{name}",
            rule=f"{name} {rng}",
        )


def encodable_array(np: Any, flat: Any, kind: str) -> Any:
    """``flat`` as an array orjson encodes natively (C-contiguous, native order, a dtype it
    knows), or ``None`` when the values are not real numbers."""
    if kind in ("i", "u"):
        wanted = flat.dtype if flat.dtype.itemsize in (1, 2, 4, 8) else np.int64
    elif kind == "f":
        wanted = flat.dtype if flat.dtype.itemsize in (4, 8) else np.float32
    else:
        return None
    return np.ascontiguousarray(flat, dtype=np.dtype(wanted).newbyteorder("="))


class ListOverArray:
    """Values kept as the numpy array they came from until someone reads them as a list.

    The array goes on the wire as it is (orjson encodes it); reading the list builds it once
    and drops the array, since the list may then be changed in place and must be what is sent.
    The class using it declares the ``_values`` / ``_array`` slots.
    """

    __slots__ = ()

    _values: list[Any] | None
    _array: Any

    def _listed(self) -> list[Any]:
        if self._values is None:
            self._values = self._array.tolist()  # type: ignore[misc]  # the user's slot
            self._array = None
        return self._values

    def _set_values(self, values: Any, array: Any = None) -> None:
        # the slots are declared by the class that uses this
        self._values, self._array = (None, array) if array is not None else (values, None)  # type: ignore[misc]

    def _wire_values(self) -> Any:
        return self._array if self._values is None else self._values

    def _count(self) -> int:
        return len(self._values) if self._values is not None else int(self._array.shape[0])
