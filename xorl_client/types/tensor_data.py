"""``TensorData``: a flat buffer plus dtype and shape (one loss input or one output tensor)."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from xorl_client.errors import DataValidationError, MissingDependencyError
from xorl_client.types._base import XorlModel
from xorl_client.types._common import (
    _INT_DTYPES,
    ListOverArray,
    _dtype_name,
    _flatten_nested,
    _infer_dtype,
    _is_ndarray,
    _numpy_module,
    encodable_array,
)

__all__ = ["TensorData"]


class TensorData(ListOverArray, XorlModel):
    """A flat buffer plus dtype and shape: one ``loss_fn_inputs`` value or one output tensor.

    ``data`` is always a flat Python list (row-major). ``shape=None`` means rank 1
    (``[len(data)]``), as in Tinker; :meth:`from_list` and :meth:`from_numpy` record the
    shape explicitly (``[len]`` for rank 1, like the official client). Either way a rank-1
    tensor goes on the wire as a plain list. Nested lists, tuples and numpy arrays given to
    the constructor are flattened and their shape recorded.

    A tensor made from a numpy array keeps the array and goes on the wire straight from it
    (orjson encodes arrays natively: no Python list is built, and float32 values are written
    in their own shortest form); ``data`` builds the list the first time it is read, and from
    then on the list is what is sent, so changing it in place is never lost.

    Indexing, ``len()`` and iteration work on the flat data:

    >>> t = TensorData([0.5, -1.0, 2.0])
    >>> len(t), t[1], list(t), t.to_wire()
    (3, -1.0, [0.5, -1.0, 2.0], {'data': [0.5, -1.0, 2.0], 'dtype': 'float32', 'shape': [3]})
    >>> TensorData([[1, 2], [3, 4]], dtype="int64").shape
    [2, 2]
    >>> TensorData.from_wire({"data": [1, 2], "dtype": "int64", "shape": [2]}) == TensorData.from_list([1, 2])
    True
    """

    __slots__ = ("_array", "_values", "dtype", "shape")

    dtype: str
    shape: list[int] | None

    def __init__(
        self,
        data: list[int] | list[float] | Any,
        dtype: str = "float32",
        shape: list[int] | None = None,
    ) -> None:
        self._set_values(None)
        self.dtype = dtype
        self.shape = shape
        if type(data) is not list:
            if isinstance(data, tuple):
                data = list(data)
            elif _is_ndarray(data) or hasattr(data, "tolist"):
                src = TensorData.coerce(data, self.dtype)
                self._set_values(src._values, src._array)
                self.shape = self.shape or src.shape
                self._check(len(src))
                return
            else:
                raise DataValidationError(
                    f"TensorData.data must be a list, tuple or array, not {type(data).__name__}",
                    field="data",
                    rule="tensor data is a list",
                )
        if data and isinstance(data[0], list | tuple):
            data, nested_shape = _flatten_nested(data, "TensorData.data")
            if self.shape is None:
                self.shape = nested_shape
        self._set_values(data)
        self._check(len(data))

    @classmethod
    def _of_array(cls, flat: Any, dtype: str, shape: list[int] | None) -> TensorData:
        """A tensor over a flat, C-contiguous array that orjson can encode (no checks)."""
        tensor = cls.__new__(cls)
        tensor._set_values(None, flat)
        tensor.dtype, tensor.shape = dtype, shape
        return tensor

    def _check(self, count: int) -> None:
        if not isinstance(self.dtype, str) or not self.dtype:
            raise DataValidationError(
                f"TensorData.dtype must be a non-empty string such as 'int64' or 'float32', "
                f"not {self.dtype!r}",
                field="dtype",
                rule="dtype is a string",
            )
        if self.shape is not None:
            shape = [int(s) for s in self.shape]
            if any(s < 0 for s in shape) or math.prod(shape) != count:
                raise DataValidationError(
                    f"TensorData shape {shape} does not match its {count} data entries "
                    f"(prod(shape) must equal len(data))",
                    field="shape",
                    rule="prod(shape) == len(data)",
                )
            self.shape = shape

    @property
    def data(self) -> list[Any]:
        """The flat values as a Python list (built from the array on first use)."""
        return self._listed()

    @data.setter
    def data(self, values: list[Any]) -> None:
        self._set_values(values)

    @property
    def array(self) -> Any:
        """The numpy array this tensor was made from (flat), or ``None``; never copied."""
        return self._array

    def wire_data(self) -> Any:
        """What goes on the wire as ``data``: the flat list, or the flat array it came from."""
        return self._wire_values()

    def __repr__(self) -> str:
        return f"TensorData(data={self.data!r}, dtype={self.dtype!r}, shape={self.shape!r})"

    def _dump_fields(self) -> dict[str, Any]:
        return {"data": self.data, "dtype": self.dtype, "shape": self.shape}

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.wire_data(), self.dtype, self.shape)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        values, self.dtype, self.shape = state
        self._set_values(values, None if type(values) is list else values)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_list(
        cls, data: Sequence[int] | Sequence[float], dtype: str | None = None
    ) -> TensorData:
        """A rank-1 tensor from a list, ``shape=[len(data)]``.

        ``dtype`` is inferred when omitted: all ints → ``int64``, else ``float32`` (the
        official client always says ``float32``, which mislabels token ids).

        >>> TensorData.from_list([1.0, 2.0]).shape, TensorData.from_list([7, 8]).dtype
        ([2], 'int64')
        """
        values = list(data)
        return cls(values, dtype or _infer_dtype(values), [len(values)])

    @classmethod
    def from_numpy(cls, array: Any, dtype: str | None = None) -> TensorData:
        """A tensor from a numpy array (any rank), kept as a flat array (see the class doc).

        ``dtype`` (e.g. ``"int64"``) overrides the recorded dtype; a float array asked to be
        ``int64`` must hold whole numbers. Bool arrays become 0/1 integers.

        >>> import numpy as np
        >>> TensorData.from_numpy(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32))
        TensorData(data=[1, 2, 3, 4, 5, 6], dtype='int64', shape=[2, 3])
        """
        np = _numpy_module()
        arr = array
        if np is None or not isinstance(arr, np.ndarray):
            raise DataValidationError(
                f"TensorData.from_numpy() needs a numpy.ndarray, not {type(arr).__name__}",
                field="data",
                rule="tensor data is a list",
            )
        kind = arr.dtype.kind
        if kind == "b":
            arr = arr.astype(np.int64)
            kind = "i"
        if dtype in _INT_DTYPES and kind == "f":
            if not bool(np.all(np.isfinite(arr))) or not bool(np.all(arr == np.trunc(arr))):
                raise DataValidationError(
                    "a float array with non-integer values was given where integer token ids "
                    "(int64) are expected",
                    field="data",
                    rule="token ids are integers",
                )
            arr = arr.astype(np.int64)
            kind = "i"
        shape = [int(s) for s in arr.shape]
        name = dtype or _dtype_name(arr.dtype, kind)
        flat = encodable_array(np, arr.reshape(-1), kind)
        if flat is None:  # complex, object, strings...: as Python values
            values = arr.reshape(-1).tolist()
            return cls(values, name, shape or [len(values)])
        return cls._of_array(flat, name, shape or [int(flat.shape[0])])

    @classmethod
    def from_torch(cls, tensor: Any, dtype: str | None = None) -> TensorData:
        """A tensor from a ``torch.Tensor`` (detached, moved to CPU; any rank).

        torch is never imported by the SDK itself: a torch tensor can only exist if the caller
        already imported torch. Integer and bool tensors become ``int64``, floating ones
        ``float32`` (bfloat16/float16 values are widened exactly).
        """
        torch = sys.modules.get("torch")
        if torch is None or not isinstance(tensor, torch.Tensor):
            raise DataValidationError(
                f"TensorData.from_torch() needs a torch.Tensor, not {type(tensor).__name__}",
                field="data",
                rule="tensor data is a list",
            )
        t = tensor.detach().cpu()
        if t.dtype == torch.bool:
            t = t.to(torch.int64)
        kind = "f" if t.is_floating_point() else "i"
        if kind == "f" and t.dtype not in (torch.float32, torch.float64):
            t = t.to(torch.float32)
        shape = [int(s) for s in t.shape]
        flat = t.reshape(-1).tolist()
        return cls(flat, dtype or _dtype_name(t.dtype, kind), shape or [len(flat)])

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TensorData:
        """Parse the wire form ``{"data": [...], "dtype": "float32", "shape": [n]}``."""
        try:
            data = d["data"]
        except (KeyError, TypeError):
            raise DataValidationError(
                f"a TensorData object needs a 'data' list; got {d!r:.80}",
                field="data",
                rule="tensor data is a list",
            ) from None
        shape = d.get("shape")
        return cls(data, d.get("dtype") or "float32", list(shape) if shape is not None else None)

    @classmethod
    def coerce(
        cls, value: Any, dtype_hint: str | None = None, *, field: str | None = None
    ) -> TensorData:
        """Turn whatever a user passed for a loss input into a :class:`TensorData`.

        Accepted: our ``TensorData`` (returned as is), lists and tuples (nested ones are
        flattened), numpy arrays, Tinker-style tensors (any object with ``.data`` list,
        ``.dtype`` and ``.shape``), other array-likes with ``tolist()`` (e.g. torch
        tensors), wire dicts ``{"data", "dtype", "shape"}`` and plain numbers (one-element
        tensor, for scalar metadata). ``dtype_hint`` is used when the value carries no dtype
        of its own. Lists are never copied or scanned beyond dtype inference.

        >>> TensorData.coerce([1, 2, 3], "float32")
        TensorData(data=[1, 2, 3], dtype='float32', shape=None)
        >>> TensorData.coerce((0.5, 1.5)).dtype
        'float32'
        """
        where = field or "value"
        if isinstance(value, TensorData):
            return value
        if type(value) is list:
            if value and isinstance(value[0], list | tuple):
                flat, shape = _flatten_nested(value, where)
                return cls(flat, dtype_hint or _infer_dtype(flat), shape)
            return cls(value, dtype_hint or _infer_dtype(value), None)
        if isinstance(value, tuple):
            return cls.coerce(list(value), dtype_hint, field=field)
        if _is_ndarray(value):
            try:
                return cls.from_numpy(value, dtype_hint)
            except DataValidationError as exc:
                raise DataValidationError(f"{where}: {exc}", field=where, rule=exc.rule) from None
        if isinstance(value, Mapping):
            if "data" not in value:
                raise DataValidationError(
                    f"{where} is a dict without a 'data' key; give a list or "
                    '{"data": [...], "dtype": ..., "shape": [...]}',
                    field=where,
                    rule="tensor data is a list",
                )
            return cls.from_wire(value)
        inner = getattr(value, "data", None)
        if isinstance(inner, list | tuple) and hasattr(value, "dtype"):
            # Tinker's TensorData (pydantic): flat data, dtype literal, optional shape.
            tshape = getattr(value, "shape", None)
            return cls(
                list(inner),
                _dtype_name(getattr(value, "dtype", None) or dtype_hint or "float32"),
                list(tshape) if tshape is not None else None,
            )
        if isinstance(value, bool):
            raise DataValidationError(
                f"{where} is a bool; give a list of numbers",
                field=where,
                rule="values are numbers",
            )
        if isinstance(value, int | float):
            return cls([value], dtype_hint or _infer_dtype([value]), None)
        tolist = getattr(value, "tolist", None)
        if callable(tolist) and not isinstance(value, str | bytes):
            raw = tolist()
            if not isinstance(raw, list):
                raw = [raw]
            td = cls.coerce(raw, None, field=field)
            src_dtype = getattr(value, "dtype", None)
            dtype = dtype_hint or (_dtype_name(src_dtype) if src_dtype is not None else td.dtype)
            return cls(td.data, dtype, td.shape)
        raise DataValidationError(
            f"{where} has unsupported type {type(value).__name__}; give a list, a numpy "
            "array or a TensorData",
            field=where,
            rule="tensor data is a list",
        )

    # -- conversion ---------------------------------------------------------------------

    @property
    def rank(self) -> int:
        """Number of dimensions (1 when ``shape`` is ``None``)."""
        return 1 if self.shape is None else len(self.shape)

    def effective_shape(self) -> list[int]:
        """``shape``, or ``[len(data)]`` when the shape was left implicit."""
        return list(self.shape) if self.shape is not None else [len(self)]

    def tolist(self) -> list[Any]:
        """A new (nested, per ``shape``) Python list, like ``ndarray.tolist()``."""
        if self.shape is None or len(self.shape) <= 1:
            return list(self.data)
        out: list[Any] = list(self.data)
        for dim in reversed(self.shape[1:]):
            out = [out[i : i + dim] for i in range(0, len(out), dim)] if dim else []
        return out

    def to_numpy(self) -> Any:
        """A numpy array with this dtype and shape (needs the optional numpy extra)."""
        try:
            import numpy as np
        except ImportError:
            raise MissingDependencyError("TensorData.to_numpy()", "numpy", "numpy") from None
        try:
            np_dtype = np.dtype(self.dtype)
        except TypeError:
            np_dtype = None
        values = self._wire_values()
        return np.array(values, dtype=np_dtype).reshape(self.effective_shape())

    def to_torch(self) -> Any:
        """A ``torch.Tensor`` with this dtype and shape (needs torch, extra ``torch``).

        A dtype torch does not know (e.g. ``uint32`` on old versions) becomes ``int64`` for
        integer names and ``float32`` otherwise.
        """
        try:
            import torch
        except ImportError:
            raise MissingDependencyError("TensorData.to_torch()", "torch", "torch") from None
        torch_dtype = getattr(torch, self.dtype, None)
        if not isinstance(torch_dtype, torch.dtype):
            torch_dtype = torch.int64 if self.dtype in _INT_DTYPES else torch.float32
        return torch.tensor(self.data, dtype=torch_dtype).reshape(self.effective_shape())

    def to_wire(self) -> dict[str, Any]:
        """The server's TensorData object: ``{"data", "dtype", "shape"}`` (shape always set)."""
        return {"data": self.wire_data(), "dtype": self.dtype, "shape": self.effective_shape()}

    def to_dict(self) -> dict[str, Any]:
        """The official client's form, ``{"data", "dtype", "shape"}`` (same as :meth:`to_wire`)."""
        return self.to_wire()

    def __len__(self) -> int:
        return self._count()

    def __getitem__(self, index: int) -> int | float:
        value: int | float = self.data[index]
        return value

    def __iter__(self) -> Iterator[int | float]:
        return iter(self.data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TensorData):
            return NotImplemented
        return (
            self.dtype == other.dtype
            and self.effective_shape() == other.effective_shape()
            and self.data == other.data
        )

    __hash__ = None  # type: ignore[assignment]  # mutable value type
