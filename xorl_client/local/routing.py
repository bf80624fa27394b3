"""Rollout routing replay (R3) on the local server: a fixed tiny expert layout.

The byte-level bigram has no experts, yet a client written for a MoE deployment must be able to
ask the sampler for the routing (``return_routed_experts``) and hand it back to training
(``routed_experts``). So the local server behaves as if its model had :data:`MOE_LAYERS` = 2
MoE layers, each choosing :data:`TOP_K` = 2 of :data:`NUM_EXPERTS` = 4 experts, decided only by
the token id ``x`` fed at that position::

    first(layer, x)  = (x + layer) mod 4
    second(layer, x) = (first + 1 + (x div 4) mod 3) mod 4      (never equal to first)

The routing has no effect on the numbers (the bigram has no experts to route to); it is
checked and carried, as a MoE server would carry it.

**Sampling side** (SGLang's format): ``meta_info.routed_experts`` is base64 of a little-endian
int32 C-order array ``[positions, 2, 2]`` for the fed positions ``[start,
prompt_tokens + completion_tokens - 1)`` (the last generated token is never fed).

**Training side** (the real server's rules, in its order):

1. ``routed_experts`` / ``routed_expert_logits`` must have one entry per datum; otherwise the
   operation fails with the real text ``R3 routed_experts count mismatch for input data:
   expected <n>, got <m>`` (also for the logits, and between the two lists).
2. xorl-sglang file / span descriptors need ``XORL_R3_SHARED_ROOTS`` on the real server; the
   local server has no shared roots, so they fail with the real server's texts.
3. Each inline entry is decoded like the real worker decodes it (a nested list as is; a
   ``{"data", "shape", "rows"}`` object or a bare base64 string as int32, float32 for logits).
   An entry that cannot be decoded is skipped with a warning, as the real worker does.
4. A MoE worker fails on what it cannot replay: the local server refuses, naming the datum,
   an entry that is not a rectangular ``[tokens][layers][top_k]`` array, has fewer than 2
   layers (extra layers are ignored, as the real worker ignores layers it does not have), a
   ``top_k`` other than 2, expert ids outside ``[0, 4)`` or non-finite weights. The token axis
   may have any length: the real server pads or truncates it to the packed micro-batch.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from xorl_client.local.engine import EngineError

__all__ = [
    "MOE_LAYERS",
    "NUM_EXPERTS",
    "TOP_K",
    "check_routing_payloads",
    "decode_routing",
    "encode_routing",
    "routing_for_tokens",
]

MOE_LAYERS = 2
TOP_K = 2
NUM_EXPERTS = 4

_SPANS_SCHEMA = "xorl.r3.spans.v1"
_SGLANG_FILE_SCHEMA = "sglang.routed_experts.file.v1"
_EXPERTS = "routed_experts"
_WEIGHTS = "routed_expert_logits"
#: The real worker tries the model's top-k first, then these, to infer a bare blob's shape.
_TOPK_CANDIDATES = (TOP_K, 10, 8, 6, 4, 1, 16)

logger = logging.getLogger("xorl_client.local")


def routing_for_tokens(token_ids: Sequence[int]) -> np.ndarray[Any, np.dtype[np.int32]]:
    """The expert ids chosen at each fed position: shape ``[len(token_ids), 2, 2]``.

    >>> routing_for_tokens([0, 5]).tolist()
    [[[0, 1], [1, 2]], [[1, 3], [2, 0]]]
    """
    x = np.asarray(list(token_ids), dtype=np.int64).reshape(-1, 1)
    layer = np.arange(MOE_LAYERS, dtype=np.int64).reshape(1, -1)
    first = (x + layer) % NUM_EXPERTS
    second = (first + 1 + (x // NUM_EXPERTS) % 3) % NUM_EXPERTS
    return np.stack([first, second], axis=-1).astype(np.int32)


def encode_routing(routing: np.ndarray[Any, Any]) -> str:
    """SGLang's wire form: base64 of the little-endian int32 C-order bytes."""
    return base64.b64encode(np.ascontiguousarray(routing, dtype="<i4").tobytes()).decode("ascii")


def decode_routing(blob: str) -> np.ndarray[Any, np.dtype[np.int32]]:
    """The inverse of :func:`encode_routing` for this layout: ``[positions, 2, 2]``."""
    flat = np.frombuffer(base64.b64decode(blob), dtype="<i4")
    return flat.reshape(-1, MOE_LAYERS, TOP_K).astype(np.int32)


# -- training side ---------------------------------------------------------------------------


def check_routing_payloads(
    datum_count: int,
    routed_experts: list[Any] | None,
    routed_expert_logits: list[Any] | None,
) -> None:
    """Apply the real server's R3 checks (module docstring); raise :class:`EngineError`."""
    _check_counts(datum_count, routed_experts, routed_expert_logits)
    present = [items for items in (routed_experts, routed_expert_logits) if items is not None]
    if not present:
        return
    try:
        _check_descriptors(routed_experts, routed_expert_logits)
    except (ValueError, TypeError) as exc:  # e.g. int() of a bad "rows": the real text
        raise EngineError(str(exc)) from None
    if routed_experts is None:
        return  # the real worker replays nothing without expert ids, so weights are unused
    for kind, items, dtype in (
        (_EXPERTS, routed_experts, np.int32),
        (_WEIGHTS, routed_expert_logits, np.float32),
    ):
        for index, item in enumerate(items or []):
            decoded = _decode_item(item, dtype, kind)
            if decoded is not None:
                _check_replayable(decoded, kind, index)


def _check_counts(expected: int, experts: list[Any] | None, weights: list[Any] | None) -> None:
    if experts is not None and len(experts) != expected:
        raise EngineError(
            f"R3 routed_experts count mismatch for input data: expected {expected}, "
            f"got {len(experts)}"
        )
    if weights is not None and len(weights) != expected:
        raise EngineError(
            f"R3 routed_expert_logits count mismatch for input data: expected {expected}, "
            f"got {len(weights)}"
        )
    if experts is not None and weights is not None and len(experts) != len(weights):
        raise EngineError(
            "R3 routed_experts and routed_expert_logits count mismatch: "
            f"{len(experts)} != {len(weights)}"
        )


def _check_descriptors(experts: list[Any] | None, weights: list[Any] | None) -> None:
    """File / span descriptors, validated in the real server's order."""
    lists = [
        [_normalize_file_descriptor(item, kind) for item in items]
        for kind, items in ((_EXPERTS, experts), (_WEIGHTS, weights))
        if items is not None
    ]
    spans = [
        isinstance(item, dict) and item.get("schema") == _SPANS_SCHEMA
        for items in lists
        for item in items
    ]
    if not any(spans):
        return
    if not all(spans):
        raise EngineError("R3 span payloads cannot be mixed with inline routing payloads")
    for items in lists:
        for item in items:
            entries = item.get("spans")
            if not isinstance(entries, list):
                raise EngineError("R3 span payload must contain a spans list")
            covered = sum(int(s.get("rows", -1)) for s in entries if isinstance(s, dict))
            if covered != int(item.get("rows", -1)):
                raise EngineError("R3 span payload rows do not match its span coverage")
            for span in entries:
                if not isinstance(span, dict):
                    raise EngineError("R3 span entry must be an object")
                _refuse_source_path(span.get("path"))


def _normalize_file_descriptor(item: Any, kind: str) -> Any:
    """An xorl-sglang file descriptor becomes a span payload (the real server's conversion)."""
    if not isinstance(item, dict) or item.get("schema") != _SGLANG_FILE_SCHEMA:
        return item
    if item.get("field") != kind:
        raise EngineError(f"SGLang R3 descriptor field does not match {kind}")
    fields = item.get("fields")
    field = fields.get(kind) if isinstance(fields, dict) else None
    if not isinstance(field, dict):
        raise EngineError(f"SGLang R3 descriptor is missing {kind} metadata")
    shape = field.get("shape")
    if not isinstance(shape, list) or len(shape) != 3:
        raise EngineError(f"SGLang R3 descriptor has invalid {kind} shape")
    rows = int(item.get("rows", -1))
    row_bytes = math.prod(int(dim) for dim in shape[1:]) * 4
    if rows != int(shape[0]) or int(field.get("nbytes", -1)) != rows * row_bytes:
        raise EngineError(f"SGLang R3 descriptor has inconsistent {kind} geometry")
    return {
        "schema": _SPANS_SCHEMA,
        "rows": rows,
        "spans": [{"path": item.get("path"), "rows": rows}],
    }


def _refuse_source_path(raw: Any) -> None:
    path = Path(str(raw or ""))
    if not path.is_absolute() or path.name.startswith("."):
        raise EngineError(f"R3 source path must be an absolute payload path: {path}")
    # The local server never trusts a side-channel directory (XORL_R3_SHARED_ROOTS unset).
    raise EngineError("XORL_R3_SHARED_ROOTS must name the trusted SGLang side-channel root")


def _decode_item(item: Any, dtype: type[np.generic], kind: str) -> np.ndarray[Any, Any] | None:
    """Decode like the real worker; ``None`` (with a warning) for what it would skip."""
    try:
        if isinstance(item, list):
            return _rectangular(item, kind)
        if isinstance(item, dict):
            if "data" not in item:
                raise ValueError(f"object without 'data' (keys {sorted(item)})")
            flat = np.frombuffer(base64.b64decode(item["data"]), dtype=dtype)
            shape = item.get("shape")
            if not shape:
                return _infer_shape(flat)
            array = flat.reshape(shape)
            rows = item.get("rows", shape[0])
            if isinstance(rows, bool) or not isinstance(rows, int) or not 0 <= rows <= shape[0]:
                raise ValueError(f"invalid rows view {rows!r} for shape {shape}")
            return array[:rows]
        if isinstance(item, str):
            return _infer_shape(np.frombuffer(base64.b64decode(item), dtype=dtype))
        raise ValueError(f"unknown item type {type(item).__name__}")
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error) as exc:
        logger.warning("R3: skipping a %s entry that cannot be decoded: %s", kind, exc)
        return None


def _infer_shape(flat: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    for top_k in _TOPK_CANDIDATES:
        if flat.size % (MOE_LAYERS * top_k) == 0:
            return flat.reshape(-1, MOE_LAYERS, top_k)
    raise ValueError(f"cannot infer [tokens, {MOE_LAYERS}, top_k] from {flat.size} values")


def _rectangular(item: list[Any], kind: str) -> np.ndarray[Any, Any]:
    """A nested list as an array; a ragged or non-numeric list is a worker failure."""
    try:
        return np.asarray(item, dtype=np.float64)
    except (ValueError, TypeError):
        raise EngineError(
            f"R3 {kind} entry is not a rectangular [tokens][layers][top_k] array of numbers"
        ) from None


def _check_replayable(array: np.ndarray[Any, Any], kind: str, index: int) -> None:
    where = f"R3 {kind}[{index}]"
    if array.shape[0] == 0:
        return
    if array.ndim != 3:
        raise EngineError(f"{where} must be [tokens][layers][top_k], got shape {list(array.shape)}")
    _, layers, top_k = array.shape
    if layers < MOE_LAYERS:
        raise EngineError(
            f"{where} has {layers} layer(s) per token; the model has {MOE_LAYERS} MoE layers"
        )
    if top_k != TOP_K:
        raise EngineError(f"{where} has top_k={top_k}; the model routes each token to {TOP_K}")
    values = np.asarray(array[:, :MOE_LAYERS, :], dtype=np.float64)
    if not bool(np.all(np.isfinite(values))):
        raise EngineError(f"{where} holds a non-finite value")
    if kind == _EXPERTS:
        bad = (values < 0) | (values >= NUM_EXPERTS) | (values != np.round(values))
        if bool(np.any(bad)):
            token, layer, slot = (int(i) for i in np.argwhere(bad)[0])
            raise EngineError(
                f"{where}[{token}][{layer}][{slot}]={float(values[token, layer, slot]):g} is not "
                f"an expert id in [0, {NUM_EXPERTS})"
            )
