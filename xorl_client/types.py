"""Public data types: what users build (``Datum``) and what operations return.

The shapes follow Tinker's types so code written for Tinker reads naturally here
(``Datum``, ``ModelInput``, ``TensorData``, ``ForwardBackwardOutput``, ``AdamParams``,
``SamplingParams``, ``SampleResponse``), while ``to_wire()`` produces exactly what the
xorl server expects (``{"model_input": {"input_ids": [...]}, ...}``, see the API notes §8.1).

numpy is optional. Nothing here imports it at import time: arrays are recognised through
``sys.modules`` (an array can only exist if numpy was already imported) and numpy is
imported lazily by :meth:`TensorData.to_numpy`. Array inputs are converted once to Python
lists with ``ndarray.tolist()`` (C speed), so everything downstream - validation, chunking,
JSON encoding - works on plain lists.

Example, an SFT datum in the pre-shifted (Tinker) style::

    >>> d = Datum(
    ...     model_input=[1, 2, 3],
    ...     loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [0, 1, 1]},
    ... )
    >>> d.loss_fn_inputs["target_tokens"].dtype, d.loss_fn_inputs["weights"].dtype
    ('int64', 'float32')
    >>> d.to_wire()
    {'model_input': {'input_ids': [1, 2, 3]}, 'loss_fn_inputs': {'target_tokens': [2, 3, 4], 'weights': [0, 1, 1]}}
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol, Self, TypeAlias

from xorl_client.errors import DataValidationError, MissingDependencyError, XorlError

__all__ = [
    "FLOAT32_KEYS",
    "INT64_KEYS",
    "AbortGradientEpochOutput",
    "AdamParams",
    "CheckpointInfo",
    "CheckpointType",
    "Datum",
    "EncodedTextChunk",
    "ForwardBackwardOutput",
    "LoadWeightsResponse",
    "LossFnOutput",
    "ModelInput",
    "OptimStepOutput",
    "QueueState",
    "SampleResponse",
    "SampledSequence",
    "SamplingParams",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsResponse",
    "SessionInfo",
    "StopReason",
    "TensorData",
    "Tokenizer",
    "TrainingRun",
    "TrainingRunsPage",
    "SyncInferenceWeightsResult",
    "WeightsInfo",
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


@dataclass(slots=True, eq=False)
class TensorData:
    """A flat buffer plus dtype and shape: one ``loss_fn_inputs`` value or one output tensor.

    ``data`` is always a flat Python list (row-major). ``shape=None`` means rank 1
    (``[len(data)]``), as in Tinker. Nested lists, tuples and numpy arrays given to the
    constructor are flattened and their shape recorded.

    Indexing, ``len()`` and iteration work on the flat data:

    >>> t = TensorData([0.5, -1.0, 2.0])
    >>> len(t), t[1], list(t), t.to_wire()
    (3, -1.0, [0.5, -1.0, 2.0], {'data': [0.5, -1.0, 2.0], 'dtype': 'float32', 'shape': [3]})
    >>> TensorData([[1, 2], [3, 4]], dtype="int64").shape
    [2, 2]
    >>> TensorData.from_wire({"data": [1, 2], "dtype": "int64", "shape": [2]}) == TensorData.from_list([1, 2])
    True
    """

    data: list[int] | list[float]
    dtype: str = "float32"
    shape: list[int] | None = None

    def __post_init__(self) -> None:
        data: Any = self.data
        if type(data) is not list:
            if isinstance(data, tuple):
                data = list(data)
            elif _is_ndarray(data) or hasattr(data, "tolist"):
                src = TensorData.coerce(data, self.dtype)
                self.data, self.shape = src.data, self.shape or src.shape
                data = self.data
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
        self.data = data
        if not isinstance(self.dtype, str) or not self.dtype:
            raise DataValidationError(
                f"TensorData.dtype must be a non-empty string such as 'int64' or 'float32', "
                f"not {self.dtype!r}",
                field="dtype",
                rule="dtype is a string",
            )
        if self.shape is not None:
            shape = [int(s) for s in self.shape]
            if any(s < 0 for s in shape) or math.prod(shape) != len(data):
                raise DataValidationError(
                    f"TensorData shape {shape} does not match its {len(data)} data entries "
                    f"(prod(shape) must equal len(data))",
                    field="shape",
                    rule="prod(shape) == len(data)",
                )
            self.shape = shape

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_list(
        cls, data: Sequence[int] | Sequence[float], dtype: str | None = None
    ) -> TensorData:
        """A rank-1 tensor from a list; dtype inferred (ints → int64, else float32) when omitted."""
        values = list(data)
        return cls(values, dtype or _infer_dtype(values), None)

    @classmethod
    def from_numpy(cls, arr: Any, dtype: str | None = None) -> TensorData:
        """A tensor from a numpy array (any rank), converted once with ``tolist()``.

        ``dtype`` (e.g. ``"int64"``) overrides the recorded dtype; a float array asked to be
        ``int64`` must hold whole numbers. Bool arrays become 0/1 integers.

        >>> import numpy as np
        >>> TensorData.from_numpy(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32))
        TensorData(data=[1, 2, 3, 4, 5, 6], dtype='int64', shape=[2, 3])
        """
        np = _numpy_module()
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
        flat = arr.reshape(-1).tolist()
        return cls(flat, dtype or _dtype_name(arr.dtype, kind), shape if len(shape) >= 2 else None)

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
        return list(self.shape) if self.shape is not None else [len(self.data)]

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
        return np.asarray(self.data, dtype=np_dtype).reshape(self.effective_shape())

    def to_wire(self) -> dict[str, Any]:
        """The server's TensorData object: ``{"data", "dtype", "shape"}`` (shape always set)."""
        return {"data": self.data, "dtype": self.dtype, "shape": self.effective_shape()}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> int | float:
        return self.data[index]

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


def _infer_dtype(values: Sequence[Any]) -> str:
    """``int64`` when every element is a Python int (bools excluded), else ``float32``."""
    if values and set(map(type, values)) <= {int}:
        return "int64"
    return "float32"


LossFnOutput: TypeAlias = dict[str, TensorData]
"""One output dict of a forward / forward_backward result (Tinker's ``LossFnOutput``)."""


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


@dataclass(slots=True)
class EncodedTextChunk:
    """A run of token ids (Tinker's ``encoded_text`` chunk)."""

    tokens: list[int]
    type: ClassVar[Literal["encoded_text"]] = "encoded_text"

    def __post_init__(self) -> None:
        self.tokens = _as_int_list(self.tokens, "EncodedTextChunk.tokens")

    @property
    def length(self) -> int:
        """Number of tokens."""
        return len(self.tokens)

    def to_wire(self) -> dict[str, Any]:
        """Tinker's chunk form ``{"type": "encoded_text", "tokens": [...]}``."""
        return {"type": "encoded_text", "tokens": self.tokens}


@dataclass(slots=True)
class ModelInput:
    """The model's input tokens as a list of chunks (only text chunks are supported).

    >>> mi = ModelInput.from_ints([5, 6]).append_int(7)
    >>> mi.to_ints(), mi.length, mi.to_wire()
    ([5, 6, 7], 3, {'input_ids': [5, 6, 7]})
    >>> ModelInput.empty().length
    0
    """

    chunks: list[EncodedTextChunk] = field(default_factory=list)

    @classmethod
    def from_ints(cls, tokens: Sequence[int] | Any) -> ModelInput:
        """One text chunk holding ``tokens`` (a list, tuple or integer array)."""
        return cls([EncodedTextChunk(_as_int_list(tokens, "model_input"))])

    @classmethod
    def empty(cls) -> ModelInput:
        """A model input with no tokens (build it up with :meth:`append_int`)."""
        return cls([])

    @classmethod
    def from_text(cls, text: str, tokenizer: Tokenizer) -> ModelInput:
        """Tokenize ``text`` with ``tokenizer.encode(text)`` (special tokens as that tokenizer adds them)."""
        return cls.from_ints(tokenizer.encode(text))

    def ids(self) -> list[int]:
        """The token ids; the chunk's own list (no copy) when there is a single chunk."""
        if len(self.chunks) == 1:
            return self.chunks[0].tokens
        out: list[int] = []
        for chunk in self.chunks:
            out.extend(chunk.tokens)
        return out

    def to_ints(self) -> list[int]:
        """A new list with all tokens of all chunks in order."""
        return list(self.ids())

    @property
    def length(self) -> int:
        """Total number of tokens."""
        return sum(len(c.tokens) for c in self.chunks)

    def append(self, chunk: EncodedTextChunk) -> ModelInput:
        """A new ModelInput with ``chunk`` added at the end (self is unchanged)."""
        return ModelInput([*self.chunks, chunk])

    def append_int(self, token: int) -> ModelInput:
        """A new ModelInput with one more token at the end (self is unchanged)."""
        if self.chunks:
            last = self.chunks[-1]
            return ModelInput([*self.chunks[:-1], EncodedTextChunk([*last.tokens, token])])
        return ModelInput([EncodedTextChunk([token])])

    def to_wire(self) -> dict[str, list[int]]:
        """The server's form ``{"input_ids": [...]}``."""
        return {"input_ids": self.ids()}


@dataclass(slots=True, init=False)
class Datum:
    """One training example: input tokens plus per-token loss inputs.

    Lists, tuples and arrays in ``loss_fn_inputs`` are coerced to :class:`TensorData` by
    key, like Tinker: ``target_tokens``, ``labels``, ``teacher_ids`` → ``int64``;
    ``weights``, ``advantages`` and the ``*logprobs`` keys → ``float32``; other keys keep
    the given dtype or get one inferred. ``model_input`` may be a plain list of ints.

    Nothing is checked here beyond the types; :func:`xorl_client.validation.validate_batch`
    checks lengths (the shift rule), values and required inputs for the whole batch at once.

    >>> Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], "logprobs": [0.0, -0.5, -0.7]}).to_wire()
    {'model_input': {'input_ids': [1, 2, 3, 4]}, 'loss_fn_inputs': {'labels': [1, 2, 3, 4], 'logprobs': [0.0, -0.5, -0.7]}}
    """

    model_input: ModelInput
    loss_fn_inputs: dict[str, TensorData]

    def __init__(
        self,
        model_input: ModelInput | Sequence[int] | Any,
        loss_fn_inputs: Mapping[str, TensorData | Sequence[Any] | Any] | None = None,
    ) -> None:
        # Typed loosely on purpose: lists, tuples and arrays are accepted (and converted),
        # while the attributes are always ModelInput / dict[str, TensorData].
        self.model_input = (
            model_input
            if isinstance(model_input, ModelInput)
            else ModelInput.from_ints(model_input)
        )
        lfi: Any = {} if loss_fn_inputs is None else loss_fn_inputs
        if not isinstance(lfi, Mapping):
            raise DataValidationError(
                f"loss_fn_inputs must be a dict of name -> tensor, not {type(lfi).__name__}",
                field="loss_fn_inputs",
                rule="loss_fn_inputs is a dict",
            )
        coerced: dict[str, TensorData] = {}
        for key, value in lfi.items():
            if not isinstance(key, str):
                raise DataValidationError(
                    f"loss_fn_inputs keys must be strings, got {key!r}",
                    field="loss_fn_inputs",
                    rule="loss_fn_inputs is a dict",
                )
            if isinstance(value, TensorData):
                coerced[key] = value
                continue
            hint = "int64" if key in INT64_KEYS else "float32" if key in FLOAT32_KEYS else None
            coerced[key] = TensorData.coerce(value, hint, field=f"loss_fn_inputs.{key}")
        self.loss_fn_inputs = coerced

    def to_wire(self) -> dict[str, Any]:
        """The server's Datum: rank-1 tensors as plain lists (smallest), others as objects."""
        return {
            "model_input": {"input_ids": self.model_input.ids()},
            "loss_fn_inputs": {
                k: (v.data if v.shape is None or len(v.shape) == 1 else v.to_wire())
                for k, v in self.loss_fn_inputs.items()
            },
        }


def _check_number(
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


@dataclass(slots=True)
class AdamParams:
    """Optimizer settings sent with ``optim_step`` (Tinker's ``AdamParams``; server defaults).

    Note (API notes §14.15): when ``adam_params`` is sent, the server pushes ``beta1``,
    ``beta2`` and ``eps`` into the optimizer even when they are the defaults, and
    ``weight_decay`` is accepted but not used. ``grad_clip_norm <= 0`` disables clipping.

    >>> AdamParams(learning_rate=3e-5).to_wire()
    {'learning_rate': 3e-05, 'beta1': 0.9, 'beta2': 0.95, 'eps': 1e-12, 'weight_decay': 0.0, 'grad_clip_norm': 0.0}
    """

    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0

    def __post_init__(self) -> None:
        o = "adam_params"
        _check_number("learning_rate", self.learning_rate, low=0.0, owner=o)
        _check_number("beta1", self.beta1, low=0.0, high=1.0, high_open=True, owner=o)
        _check_number("beta2", self.beta2, low=0.0, high=1.0, high_open=True, owner=o)
        _check_number("eps", self.eps, low=0.0, owner=o)
        _check_number("weight_decay", self.weight_decay, low=0.0, owner=o)
        _check_number("grad_clip_norm", self.grad_clip_norm, owner=o)

    def to_wire(self) -> dict[str, float]:
        """The server's ``AdamParams`` object."""
        return {
            "learning_rate": self.learning_rate,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "grad_clip_norm": self.grad_clip_norm,
        }


# -- results ---------------------------------------------------------------------------------


def _parse_loss_fn_output(raw: Mapping[str, Any]) -> tuple[LossFnOutput, dict[str, Any]]:
    tensors: LossFnOutput = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping) and "data" in value:
            tensors[key] = TensorData.from_wire(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            # Per-sample scalars such as ``k3`` become 1-element tensors (Tinker's shape).
            tensors[key] = TensorData([value], "float32", None)
        elif value is not None:
            extra[key] = value
    return tensors, extra


@dataclass(slots=True)
class ForwardBackwardOutput:
    """The result of ``forward`` and ``forward_backward`` (Tinker-shaped).

    Attributes:
        loss_fn_output_type: ``"CrossEntropyLossReturn"`` (per-token outputs, one dict per
            kept datum) or ``"single_loss"`` (one dict for the whole request holding ``loss``).
        loss_fn_outputs: per-datum dicts of :class:`TensorData` (``logprobs``,
            ``elementwise_loss``, ``loss``, ``k3`` as a 1-element tensor).
        metrics: server metrics by ``name:reduction`` (numbers, plus a few nested objects).
        info: extra information (e.g. ``auto_loaded``).
        extras: non-tensor members of each output dict (e.g. ``token_diagnostics``),
            aligned with ``loss_fn_outputs`` when present, else empty.

    >>> out = ForwardBackwardOutput.from_wire({
    ...     "loss_fn_output_type": "CrossEntropyLossReturn",
    ...     "loss_fn_outputs": [{"logprobs": {"data": [-0.5, -1.5], "dtype": "float32", "shape": [2]}}],
    ...     "metrics": {"loss:sum": 2.0, "loss:mean": 1.0, "valid_tokens:sum": 2},
    ... })
    >>> out.loss, out.per_datum_logprobs()
    (1.0, [[-0.5, -1.5]])
    """

    loss_fn_output_type: str
    loss_fn_outputs: list[LossFnOutput]
    metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    extras: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> ForwardBackwardOutput:
        """Parse a ``ForwardBackwardResponse`` / ``ForwardResponse`` body."""
        outputs: list[LossFnOutput] = []
        extras: list[dict[str, Any]] = []
        for raw in d.get("loss_fn_outputs") or []:
            tensors, extra = _parse_loss_fn_output(raw)
            outputs.append(tensors)
            extras.append(extra)
        if not any(extras):
            extras = []
        return cls(
            loss_fn_output_type=str(d.get("loss_fn_output_type") or "CrossEntropyLossReturn"),
            loss_fn_outputs=outputs,
            metrics=dict(d.get("metrics") or {}),
            info=dict(d.get("info") or {}),
            extras=extras,
        )

    @property
    def is_single_loss(self) -> bool:
        """True when the server returned one loss for the whole request, not per-datum tensors."""
        return self.loss_fn_output_type == "single_loss"

    @property
    def loss(self) -> float:
        """THE way to read the loss, whatever the output shape.

        ``metrics["loss:mean"]`` (mean loss per valid token) when present - it is in both
        shapes; otherwise the ``single_loss`` value ``loss_fn_outputs[0]["loss"][0]``.
        """
        value = self.metrics.get("loss:mean")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if self.loss_fn_outputs and "loss" in self.loss_fn_outputs[0]:
            tensor = self.loss_fn_outputs[0]["loss"]
            if len(tensor):
                return float(tensor[0])
        raise XorlError(
            "this result carries no loss: neither metrics['loss:mean'] nor a 'loss' output "
            f"is present (loss_fn_output_type={self.loss_fn_output_type!r}, "
            f"metrics keys: {sorted(self.metrics)[:10]})"
        )

    def per_datum_logprobs(self) -> list[list[float]]:
        """One list of target logprobs per (kept) datum, in input order.

        Lengths follow the shift rule: ``len(input_ids) - 1`` for ``labels``,
        ``len(input_ids)`` for ``target_tokens``. Raises :class:`XorlError` for
        ``single_loss`` results, which have no per-token outputs.
        """
        if self.is_single_loss:
            raise XorlError(
                "per-datum logprobs are not available: the server returned a 'single_loss' "
                "result (one loss for the whole request, no per-token tensors). Ask for "
                "per-token outputs with loss_fn_params={'return_per_token': True} and a loss "
                "that produces them (e.g. causallm_loss, importance_sampling, policy_loss)."
            )
        result: list[list[float]] = []
        for i, out in enumerate(self.loss_fn_outputs):
            tensor = out.get("logprobs")
            if tensor is None:
                raise XorlError(
                    f"loss_fn_outputs[{i}] has no 'logprobs' (keys: {sorted(out)}); this loss "
                    "did not return per-token logprobs"
                )
            result.append([float(x) for x in tensor.data])
        return result


@dataclass(slots=True)
class OptimStepOutput:
    """The result of ``optim_step``: ``metrics`` (``grad_norm``, ``learning_rate``, ``step``, ...)."""

    metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> OptimStepOutput:
        """Parse an ``OptimStepResponse`` body."""
        return cls(metrics=dict(d.get("metrics") or {}), info=dict(d.get("info") or {}))

    def _number(self, key: str) -> float | None:
        value = self.metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None

    @property
    def grad_norm(self) -> float | None:
        """Gradient L2 norm before clipping, if the server reported it."""
        return self._number("grad_norm")

    @property
    def learning_rate(self) -> float | None:
        """The learning rate that was applied, if reported."""
        return self._number("learning_rate")

    @property
    def step(self) -> int | None:
        """The session's optimizer step count after this step, if reported."""
        value = self._number("step")
        return None if value is None else int(value)


@dataclass(slots=True)
class _CheckpointPath:
    """A ``{"path": ...}`` result; the three subclasses keep Tinker's names apart."""

    path: str

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Self:
        """Parse ``{"path": ...}``."""
        return cls(path=str(d["path"]))


@dataclass(slots=True)
class SaveWeightsResponse(_CheckpointPath):
    """Result of ``save_weights``: ``path`` is ``xorl://<model_id>/weights/<name>``."""


@dataclass(slots=True)
class LoadWeightsResponse(_CheckpointPath):
    """Result of ``load_weights``: ``path`` echoes the path exactly as it was sent."""


@dataclass(slots=True)
class SaveWeightsForSamplerResponse(_CheckpointPath):
    """Result of ``save_weights_for_sampler``: ``xorl://<model_id>/sampler_weights/<name>``."""


@dataclass(slots=True)
class AbortGradientEpochOutput:
    """Result of ``abort_gradient_epoch``: gradients since the last optim_step were dropped."""

    success: bool
    model_id: str
    step: int
    forward_backward_step: int
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> AbortGradientEpochOutput:
        """Parse an ``AbortGradientEpochResponse`` body."""
        return cls(
            success=bool(d.get("success")),
            model_id=str(d.get("model_id", "")),
            step=int(d.get("step") or 0),
            forward_backward_step=int(d.get("forward_backward_step") or 0),
            info=dict(d.get("info") or {}),
        )


CheckpointType: TypeAlias = Literal["training", "sampler"]


@dataclass(slots=True)
class CheckpointInfo:
    """One entry of ``list_checkpoints``.

    ``checkpoint_id`` is ``weights/<M>/<N>`` or ``sampler_weights/<N>`` (what
    ``delete_checkpoint`` takes); ``path`` is ``xorl://<M>/weights/<N>`` for training
    checkpoints but ``sampler_weights/<N>`` (no scheme) for sampler exports; ``time`` is the
    server's local time, ISO 8601 without a timezone.
    """

    checkpoint_id: str
    checkpoint_type: str
    time: str
    path: str
    size_bytes: int | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> CheckpointInfo:
        """Parse a ``CheckpointInfo`` object."""
        size = d.get("size_bytes")
        return cls(
            checkpoint_id=str(d["checkpoint_id"]),
            checkpoint_type=str(d.get("checkpoint_type", "training")),
            time=str(d.get("time", "")),
            path=str(d.get("path", "")),
            size_bytes=int(size) if size is not None else None,
        )


@dataclass(slots=True)
class WeightsInfo:
    """Checkpoint metadata from ``weights_info`` (enough to recreate the session)."""

    base_model: str
    is_lora: bool = True
    lora_rank: int | None = None
    lora_config: dict[str, Any] | None = None
    optimizer_config: dict[str, Any] | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> WeightsInfo:
        """Parse a ``WeightsInfoResponse`` body."""
        rank = d.get("lora_rank")
        lora = d.get("lora_config")
        opt = d.get("optimizer_config")
        return cls(
            base_model=str(d.get("base_model", "")),
            is_lora=bool(d.get("is_lora", True)),
            lora_rank=int(rank) if rank is not None else None,
            lora_config=dict(lora) if lora is not None else None,
            optimizer_config=dict(opt) if opt is not None else None,
        )


@dataclass(slots=True)
class TrainingRun:
    """One entry of ``training_runs`` (one per registered session id).

    ``last_request_time`` is always "now" on the current server (not a real timestamp).
    """

    training_run_id: str
    base_model: str
    model_owner: str = "local"
    is_lora: bool = False
    corrupted: bool = False
    lora_rank: int | None = None
    last_request_time: str = ""
    last_checkpoint: CheckpointInfo | None = None
    last_sampler_checkpoint: CheckpointInfo | None = None
    user_metadata: dict[str, Any] | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TrainingRun:
        """Parse a ``TrainingRun`` object."""
        last = d.get("last_checkpoint")
        last_sampler = d.get("last_sampler_checkpoint")
        rank = d.get("lora_rank")
        meta = d.get("user_metadata")
        return cls(
            training_run_id=str(d["training_run_id"]),
            base_model=str(d.get("base_model", "")),
            model_owner=str(d.get("model_owner", "local")),
            is_lora=bool(d.get("is_lora", False)),
            corrupted=bool(d.get("corrupted", False)),
            lora_rank=int(rank) if rank is not None else None,
            last_request_time=str(d.get("last_request_time", "")),
            last_checkpoint=CheckpointInfo.from_wire(last) if last else None,
            last_sampler_checkpoint=CheckpointInfo.from_wire(last_sampler)
            if last_sampler
            else None,
            user_metadata=dict(meta) if meta is not None else None,
        )


@dataclass(slots=True)
class SessionInfo:
    """The server's session registry (``GET /api/v1/session_info``).

    The last three fields come from the workers and may be empty when they did not answer.
    """

    registered_models: list[str] = field(default_factory=list)
    active_sessions: int = 0
    session_activity: dict[str, float] = field(default_factory=dict)
    idle_timeout_seconds: float = 0.0
    loaded_sampling_adapters: dict[str, int] = field(default_factory=dict)
    loaded_training_adapters: list[str] = field(default_factory=list)
    max_training_adapters: int = 0
    current_training_adapter: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SessionInfo:
        """Parse a ``SessionInfoResponse`` body."""
        current = d.get("current_training_adapter")
        return cls(
            registered_models=[str(m) for m in d.get("registered_models") or []],
            active_sessions=int(d.get("active_sessions") or 0),
            session_activity={
                str(k): float(v) for k, v in (d.get("session_activity") or {}).items()
            },
            idle_timeout_seconds=float(d.get("idle_timeout_seconds") or 0.0),
            loaded_sampling_adapters={
                str(k): int(v) for k, v in (d.get("loaded_sampling_adapters") or {}).items()
            },
            loaded_training_adapters=[str(m) for m in d.get("loaded_training_adapters") or []],
            max_training_adapters=int(d.get("max_training_adapters") or 0),
            current_training_adapter=str(current) if current is not None else None,
        )


@dataclass(slots=True)
class TrainingRunsPage:
    """One page of ``GET /api/v1/training_runs``: the runs and where the page sits."""

    training_runs: list[TrainingRun] = field(default_factory=list)
    offset: int = 0
    limit: int = 0
    total_count: int = 0

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TrainingRunsPage:
        """Parse a ``TrainingRunsResponse`` body."""
        cursor = d.get("cursor") or {}
        return cls(
            training_runs=[TrainingRun.from_wire(r) for r in d.get("training_runs") or []],
            offset=int(cursor.get("offset") or 0),
            limit=int(cursor.get("limit") or 0),
            total_count=int(cursor.get("total_count") or 0),
        )


@dataclass(slots=True)
class SyncInferenceWeightsResult:
    """Outcome of ``sync_inference_weights``.

    ``success`` is false (with the reason in ``message``) when no endpoint was registered or
    none matched the requested pools; the server answers 200 in those cases.
    """

    success: bool
    message: str
    flush_cache: bool = False
    endpoints_synced: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SyncInferenceWeightsResult:
        """Parse a ``SyncInferenceWeightsResponse`` body (every field kept in ``raw``)."""
        return cls(
            success=bool(d.get("success", False)),
            message=str(d.get("message", "")),
            flush_cache=bool(d.get("flush_cache", False)),
            endpoints_synced=[dict(e) for e in d.get("endpoints_synced") or []],
            raw=dict(d),
        )


class QueueState(StrEnum):
    """Where a pending future stands (``try_again.queue_state``)."""

    ACTIVE = "active"
    """Being processed."""
    PAUSED_CAPACITY = "paused_capacity"
    """Not started yet: more than 128 futures are in flight on the server."""
    PAUSED_RATE_LIMIT = "paused_rate_limit"
    """Declared by the server, never set by the current version."""


# -- sampling --------------------------------------------------------------------------------

StopReason: TypeAlias = Literal["length", "stop"]


@dataclass(slots=True)
class SamplingParams:
    """How to sample (Tinker's ``SamplingParams``), mapped to SGLang by :meth:`to_sglang`.

    ``stop`` may be a string, a list of strings or a list of token ids.

    >>> SamplingParams(max_tokens=16, temperature=0.7, stop=["\\n"], seed=1).to_sglang()
    {'temperature': 0.7, 'top_p': 1.0, 'top_k': -1, 'min_p': 0.0, 'max_new_tokens': 16, 'stop': ['\\n'], 'sampling_seed': 1}
    >>> SamplingParams(stop=[2]).to_sglang()["stop_token_ids"]
    [2]
    """

    max_tokens: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    min_p: float = 0.0
    stop: str | list[str] | list[int] | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        o = "sampling_params"
        if self.max_tokens is not None and (
            isinstance(self.max_tokens, bool)
            or not isinstance(self.max_tokens, int)
            or self.max_tokens < 1
        ):
            raise DataValidationError(
                f"sampling_params.max_tokens must be a positive integer or None, not {self.max_tokens!r}",
                field="sampling_params.max_tokens",
                rule="max_tokens >= 1",
            )
        _check_number("temperature", self.temperature, low=0.0, owner=o)
        _check_number("top_p", self.top_p, low=0.0, high=1.0, low_open=True, owner=o)
        _check_number("min_p", self.min_p, low=0.0, high=1.0, owner=o)
        if (
            isinstance(self.top_k, bool)
            or not isinstance(self.top_k, int)
            or (self.top_k < 1 and self.top_k != -1)
        ):
            raise DataValidationError(
                f"sampling_params.top_k must be -1 (off) or a positive integer, not {self.top_k!r}",
                field="sampling_params.top_k",
                rule="top_k == -1 or top_k >= 1",
            )
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise DataValidationError(
                f"sampling_params.seed must be an integer or None, not {self.seed!r}",
                field="sampling_params.seed",
                rule="seed is an integer",
            )
        stop: Any = self.stop
        if stop is not None and not isinstance(stop, str):
            stop = list(stop)
            kinds = set(map(type, stop))
            if not (kinds <= {str} or kinds <= {int}):
                raise DataValidationError(
                    "sampling_params.stop must be a string, a list of strings or a list of token "
                    f"ids (not a mix), got {self.stop!r}",
                    field="sampling_params.stop",
                    rule="stop is str | list[str] | list[int]",
                )
            self.stop = stop

    def to_sglang(self) -> dict[str, Any]:
        """SGLang ``sampling_params``: ``max_new_tokens``, ``stop`` / ``stop_token_ids``, ``sampling_seed``."""
        out: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "min_p": self.min_p,
        }
        if self.max_tokens is not None:
            out["max_new_tokens"] = self.max_tokens
        if isinstance(self.stop, str):
            out["stop"] = [self.stop]
        elif self.stop:
            if isinstance(self.stop[0], str):
                out["stop"] = list(self.stop)
            else:
                out["stop_token_ids"] = list(self.stop)
        if self.seed is not None:
            out["sampling_seed"] = self.seed
        return out


@dataclass(slots=True)
class SampledSequence:
    """One generated completion: its tokens (completion only), logprobs and why it stopped."""

    tokens: list[int]
    logprobs: list[float] | None
    stop_reason: StopReason
    text: str | None = None


@dataclass(slots=True)
class SampleResponse:
    """The sequences generated for one prompt, plus prompt logprobs when requested.

    ``prompt_logprobs[0]`` is ``None`` (the first token has no prediction).
    """

    sequences: list[SampledSequence]
    prompt_logprobs: list[float | None] | None = None
