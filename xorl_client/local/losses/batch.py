"""Wire datums -> ``PreparedBatch``: the server's shift rule, masks and checks, per sample."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from xorl_client.local.model import (
    IGNORE_INDEX,
    VOCAB_SIZE,
    EngineError,
    FloatArray,
    IntArray,
)

if TYPE_CHECKING:
    from xorl_client.local.losses.functions import LossSpec

__all__ = [
    "DEFAULT_MAX_SEQ_LEN",
    "PreparedBatch",
    "PreparedSample",
    "prepare_batch",
    "prepare_sample",
]

#: The real server's default ``sample_packing_sequence_len``.
DEFAULT_MAX_SEQ_LEN = 32000

#: Shifted together with ``labels``: given at length N, sliced ``[1:]``.
_SHIFTED_FIELDS = ("weights", "advantages")
#: Sampler metadata the server also shifts, but which may be given at N (sliced) or N-1.
_FLEXIBLE_FIELDS = ("logprob_temperatures", "logprob_top_ks", "logprob_top_ps", "logprob_min_ps")
#: Never shifted: with ``labels`` they must already have N-1 entries aligned with ``ids[1:]``.
_UNSHIFTED_FIELDS = ("logprobs", "rollout_logprobs", "old_logprobs", "ref_logprobs")
#: Float fields kept on a prepared sample (the losses read them).
_FLOAT_FIELDS = ("advantages", *_UNSHIFTED_FIELDS)


@dataclass(frozen=True)
class PreparedSample:
    """One datum after the shift rule: what the model reads and what it is scored against.

    Attributes:
        index: position of the datum in the request (error messages and outputs use it).
        inputs: model input ids, one per trained position.
        targets: target id per position; :data:`IGNORE_INDEX` where ``labels``/``target_tokens``
            said -100, ``weights`` said 0 or ``advantages`` said 0.0 (whatever the loss, as the
            real server's packer does).
        fields: float per-token loss inputs (``advantages``, ``logprobs``, ...), aligned with
            ``inputs``.
        shifted: whether the HF ``labels`` shift was applied (outputs then have N-1 entries).
    """

    index: int
    inputs: IntArray
    targets: IntArray
    fields: Mapping[str, FloatArray] = field(default_factory=dict)
    shifted: bool = False

    @property
    def num_positions(self) -> int:
        """Trained positions of this sample: the length of its per-token outputs."""
        return int(self.inputs.shape[0])


@dataclass(frozen=True)
class PreparedBatch:
    """The kept samples of one request, concatenated so the maths runs once per request.

    Attributes:
        samples: kept samples in request order (empty-``input_ids`` data are dropped, as the
            real server does, so outputs have one entry per kept sample).
        inputs, targets: concatenation of the samples' arrays.
        fields: concatenation of the float fields the loss needs (each kept sample has them).
        offsets: ``offsets[k]:offsets[k+1]`` is sample ``k``'s slice of the concatenation.
    """

    samples: tuple[PreparedSample, ...]
    inputs: IntArray
    targets: IntArray
    fields: Mapping[str, FloatArray]
    offsets: IntArray

    @property
    def num_positions(self) -> int:
        """Total positions across kept samples."""
        return int(self.inputs.shape[0])


# ----------------------------------------------------------------------------- wire parsing


def _values(raw: Any, *, name: str, index: int) -> Sequence[Any]:
    """The flat value list of a wire field: a JSON list, or a TensorData's ``data``."""
    if isinstance(raw, Mapping):
        if "data" not in raw:
            raise EngineError(
                f"Sample {index}: {name} is an object without 'data'; expected a list or a "
                "TensorData {data, dtype, shape}"
            )
        raw = raw["data"]
    if isinstance(raw, np.ndarray):
        raw = raw.reshape(-1).tolist()
    if not isinstance(raw, list | tuple):
        raise EngineError(
            f"Sample {index}: {name} must be a list or a TensorData object, got {type(raw).__name__}"
        )
    return raw


def _int_array(raw: Any, *, name: str, index: int) -> IntArray:
    values = _values(raw, name=name, index=index)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError) as exc:
        raise EngineError(f"Sample {index}: {name} must be a flat list of integers") from exc
    if arr.ndim != 1:
        raise EngineError(f"Sample {index}: {name} must be a flat list of integers")
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        integral = np.isfinite(arr) & (arr == np.round(arr))
        if not bool(np.all(integral)):
            j = int(np.argmin(integral))
            raise EngineError(f"Sample {index}: {name}[{j}]={values[j]} is not an integer")
        return arr.astype(np.int64)
    raise EngineError(f"Sample {index}: {name} must be a flat list of integers")


def _float_array(values: Sequence[Any], *, name: str, index: int) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise EngineError(f"Sample {index}: {name} must be a flat list of numbers") from exc
    if arr.ndim != 1:
        raise EngineError(f"Sample {index}: {name} must be a flat list of numbers")
    finite = np.isfinite(arr)
    if not bool(np.all(finite)):
        j = int(np.argmin(finite))
        raise EngineError(f"Sample {index}: {name}[{j}]={values[j]} is not a finite number")
    return arr


def _weights_array(weights: Sequence[Any], index: int) -> FloatArray:
    """Post-shift weights as floats; anything but 0/1 fails with the real server's text."""
    try:
        raw = np.asarray(weights)
    except (ValueError, TypeError):
        raw = np.zeros(0, dtype=object)
    # A numeric dtype proves every entry is a number (a "1" string would make it "<U").
    if raw.ndim == 1 and raw.dtype.kind in "biuf":
        arr = raw.astype(np.float64)
        if bool(np.all((arr == 0.0) | (arr == 1.0))):
            return arr
    for j, w in enumerate(weights):
        if not (isinstance(w, numbers.Real) and (w == 0 or w == 1)):
            raise EngineError(
                f"Sample {index}: weights[{j}]={w} is not supported. Only 0.0 and 1.0 are "
                "allowed. Weighted loss with arbitrary weights is not currently supported."
            )
    raise AssertionError("unreachable: a weight failed the vector check but not the scalar one")


def _input_ids(datum: Mapping[str, Any], index: int) -> IntArray:
    model_input = datum.get("model_input")
    if model_input is None:
        return np.zeros(0, dtype=np.int64)
    if not isinstance(model_input, Mapping):
        raise EngineError(f"Sample {index}: model_input must be an object")
    if "input_ids" in model_input:
        return _int_array(model_input["input_ids"], name="input_ids", index=index)
    chunks = model_input.get("chunks")
    if chunks is None:
        return np.zeros(0, dtype=np.int64)
    if not isinstance(chunks, list):
        raise EngineError(f"Sample {index}: model_input.chunks must be a list")
    # Tinker form: tokens of every chunk that has tokens, concatenated; image chunks vanish,
    # as on the real server.
    parts = [
        _int_array(chunk["tokens"], name=f"model_input.chunks[{k}].tokens", index=index)
        for k, chunk in enumerate(chunks)
        if isinstance(chunk, Mapping) and chunk.get("tokens") is not None
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _check_token_range(ids: IntArray, *, name: str, index: int, vocab_size: int) -> None:
    bad = (ids < 0) | (ids >= vocab_size)
    if bool(np.any(bad)):
        j = int(np.argmax(bad))
        raise EngineError(
            f"Sample {index}: {name}[{j}]={int(ids[j])} is outside the vocabulary [0, {vocab_size})"
        )


def _check_target_range(ids: IntArray, *, name: str, index: int, vocab_size: int) -> None:
    bad = ((ids < 0) | (ids >= vocab_size)) & (ids != IGNORE_INDEX)
    if bool(np.any(bad)):
        j = int(np.argmax(bad))
        raise EngineError(
            f"Sample {index}: {name}[{j}]={int(ids[j])} is outside the vocabulary "
            f"[0, {vocab_size}) and is not the ignore index {IGNORE_INDEX}"
        )


def prepare_sample(
    datum: Mapping[str, Any],
    *,
    index: int = 0,
    vocab_size: int = VOCAB_SIZE,
    max_seq_len: int = DEFAULT_MAX_SEQ_LEN,
) -> PreparedSample | None:
    """Apply the server's shift rule to one wire datum; ``None`` when the datum is dropped.

    * ``labels`` (length N) without ``target_tokens``: inputs ``input_ids[:-1]``, targets
      ``labels[1:]``; ``weights``/``advantages`` (length N) are sliced ``[1:]``;
      ``logprob_temperatures``-style metadata may be N (sliced) or N-1; ``logprobs``,
      ``rollout_logprobs``, ``old_logprobs``, ``ref_logprobs`` are not shifted and must be N-1.
    * ``target_tokens`` (length N): no shift, every per-token field has length N. When
      ``labels`` is present too, its values are the targets (still no shift), as on the server.
    * neither: N positions, none trained.
    * ``weights`` must be exactly 0 or 1 (checked after the shift, like the server); 0 masks.
    * an ``advantages`` entry of exactly 0.0 masks its position, whatever the loss (the server
      turns those targets into -100 too).

    A datum with missing or empty ``input_ids`` is dropped (``None``), as the server does.

    >>> s = prepare_sample({"model_input": {"input_ids": [5, 6, 7]},
    ...                     "loss_fn_inputs": {"labels": [5, 6, 7], "weights": [1, 0, 1],
    ...                                        "logprobs": [-1.0, -2.0]}})
    >>> s.targets.tolist(), s.fields["logprobs"].tolist()
    ([-100, 7], [-1.0, -2.0])
    >>> prepare_sample({"model_input": {"input_ids": []}, "loss_fn_inputs": {}}) is None
    True
    """
    if not isinstance(datum, Mapping):
        raise EngineError(f"Sample {index}: a datum must be an object, got {type(datum).__name__}")
    ids = _input_ids(datum, index)
    n = int(ids.shape[0])
    if n == 0:
        return None
    if n > max_seq_len:
        raise EngineError(
            f"Sample {index} has {n} tokens, exceeding max_seq_len {max_seq_len}. "
            "Refusing to silently drop training data. Increase sample_packing_sequence_len, "
            "or set on_oversized='truncate'/'skip' to allow clipping/dropping."
        )
    _check_token_range(ids, name="input_ids", index=index, vocab_size=vocab_size)

    raw_inputs = datum.get("loss_fn_inputs") or {}
    if not isinstance(raw_inputs, Mapping):
        raise EngineError(f"Sample {index}: loss_fn_inputs must be an object")
    has_labels = raw_inputs.get("labels") is not None
    has_target_tokens = raw_inputs.get("target_tokens") is not None
    shifted = has_labels and not has_target_tokens
    t = n - 1 if shifted else n
    style = (
        "with labels (HF style, shifted by the server)"
        if shifted
        else "with target_tokens (pre-shifted)"
        if has_target_tokens
        else "without labels or target_tokens"
    )

    # Targets.
    if has_labels or has_target_tokens:
        key = "labels" if has_labels else "target_tokens"
        targets_full = _int_array(raw_inputs[key], name=key, index=index)
        if has_labels and has_target_tokens:
            tt = _int_array(raw_inputs["target_tokens"], name="target_tokens", index=index)
            if tt.shape[0] != n:
                raise EngineError(
                    f"Sample {index}: target_tokens has {tt.shape[0]} entries but input_ids has "
                    f"{n}; they must have the same length"
                )
        if targets_full.shape[0] != n:
            raise EngineError(
                f"Sample {index}: {key} has {targets_full.shape[0]} entries but input_ids has {n}; "
                f"{key} must have exactly len(input_ids) entries (the real server would silently "
                "misalign the packed row)"
            )
        targets = targets_full[1:].copy() if shifted else targets_full.copy()
        _check_target_range(
            targets,
            name=f"{key}[1:]" if shifted else key,
            index=index,
            vocab_size=vocab_size,
        )
    else:
        targets = np.full(t, IGNORE_INDEX, dtype=np.int64)
    inputs = ids[:-1].copy() if shifted else ids

    def per_token(name: str, allowed_lengths: dict[int, int]) -> Sequence[Any] | None:
        """The field's values aligned with the trained positions (slice start per length)."""
        raw = raw_inputs.get(name)
        if raw is None:
            return None
        values = _values(raw, name=name, index=index)
        start = allowed_lengths.get(len(values))
        if start is None:
            expected = " or ".join(str(k) for k in sorted(allowed_lengths))
            detail = (
                "it is shifted with the labels, so give it at len(input_ids)"
                if shifted and name in _SHIFTED_FIELDS
                else "it is not shifted, so with labels it must align with input_ids[1:]"
                if shifted and name in _UNSHIFTED_FIELDS
                else "every per-token field has len(input_ids) entries"
            )
            raise EngineError(
                f"Sample {index}: {name} has {len(values)} entries but {expected} are required "
                f"{style} (input_ids has {n}; {detail})"
            )
        return values[start:]

    if shifted:
        shifted_lengths = {n: 1}
        flexible_lengths = {n: 1, n - 1: 0}
        unshifted_lengths = {n - 1: 0}
    else:
        shifted_lengths = flexible_lengths = unshifted_lengths = {n: 0}

    weights = per_token("weights", shifted_lengths)
    if weights is not None:
        weight_arr = _weights_array(weights, index)
        targets[weight_arr == 0] = IGNORE_INDEX

    fields: dict[str, FloatArray] = {}
    advantages = per_token("advantages", shifted_lengths)
    if advantages is not None:
        fields["advantages"] = _float_array(advantages, name="advantages", index=index)
        targets[fields["advantages"] == 0.0] = IGNORE_INDEX
    for name in _UNSHIFTED_FIELDS:
        values = per_token(name, unshifted_lengths)
        if values is not None:
            fields[name] = _float_array(values, name=name, index=index)
    # Sampler metadata is validated for alignment only: the local model always scores at
    # temperature 1 without filtering, which is also what its sampler reports, so trainer and
    # sampler logprobs agree (the property RL correctness depends on).
    for name in _FLEXIBLE_FIELDS:
        per_token(name, flexible_lengths)

    return PreparedSample(
        index=index, inputs=inputs, targets=targets, fields=fields, shifted=shifted
    )


def prepare_batch(
    data: Sequence[Mapping[str, Any]],
    loss: LossSpec,
    *,
    vocab_size: int = VOCAB_SIZE,
    max_seq_len: int = DEFAULT_MAX_SEQ_LEN,
) -> PreparedBatch:
    """Prepare every datum of a request, check the loss's required inputs, concatenate.

    The whole request is validated before anything is computed, so a refused request leaves
    no partial gradient behind.
    """
    if not isinstance(data, list | tuple) or len(data) == 0:
        raise EngineError("data or datum_list must be provided")
    samples: list[PreparedSample] = []
    for i, datum in enumerate(data):
        sample = prepare_sample(datum, index=i, vocab_size=vocab_size, max_seq_len=max_seq_len)
        if sample is None:
            continue
        for key in loss.required_inputs:
            if key not in sample.fields:
                raise EngineError(
                    f"Sample {i}: loss_fn '{loss.name}' requires loss_fn_inputs['{key}'] "
                    f"(required: {', '.join(loss.required_inputs)})"
                )
        samples.append(sample)
    if not samples:
        raise EngineError(
            "data or datum_list must be provided (every datum had empty or missing input_ids)"
        )
    lengths = np.array([s.num_positions for s in samples], dtype=np.int64)
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)])
    fields = {key: np.concatenate([s.fields[key] for s in samples]) for key in loss.required_inputs}
    return PreparedBatch(
        samples=tuple(samples),
        inputs=np.concatenate([s.inputs for s in samples]),
        targets=np.concatenate([s.targets for s in samples]),
        fields=fields,
        offsets=offsets,
    )
