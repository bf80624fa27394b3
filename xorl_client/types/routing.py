"""MoE routing replay (R3) data: the forms a datum may carry, their checks, and SGLang's codec.

A sampler asked for ``return_routed_experts`` answers, per sequence, SGLang's compact form: base64
of a little-endian int32 C-order array ``[positions, layers, top_k]`` (the expert ids chosen at
every fed position). The SDK keeps that string as it came (``SampledSequence.routed_experts``):
it is exactly what ``Datum(routed_experts=...)`` sends back to the trainer, and only the model
knows ``layers`` and ``top_k``. :func:`decode_routed_experts` turns it into nested lists when
you know them (to inspect or edit it); both forms train the same.

What a datum's ``routed_experts`` / ``routed_expert_logits`` entry may be (the xorl worker's
forms), checked by :func:`check_routing_entry` before anything is sent:

* a nested list ``[tokens][layers][top_k]``: expert ids are non-negative ints, logits finite
  numbers; the list must be rectangular (``[]`` = no positions);
* SGLang's base64 string (int32 ids, float32 logits);
* an inline object ``{"data": <base64>, "shape": [tokens, layers, top_k], "rows"?: n}``;
* an xorl-sglang file or span descriptor (an object with a ``"schema"``), passed through: only
  the server can check the files it names.

>>> blob = encode_routed_experts([[[0, 1], [2, 3]], [[1, 2], [3, 0]]])
>>> blob
'AAAAAAEAAAACAAAAAwAAAAEAAAACAAAAAwAAAAAAAAA='
>>> decode_routed_experts(blob, num_layers=2, top_k=2)
[[[0, 1], [2, 3]], [[1, 2], [3, 0]]]
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from collections.abc import Sequence
from typing import Any, Final

from xorl_client.errors import DataValidationError

__all__ = [
    "ROUTED_EXPERT_LOGITS",
    "ROUTED_EXPERTS",
    "check_routing_entry",
    "decode_routed_experts",
    "encode_routed_experts",
]

ROUTED_EXPERTS: Final = "routed_experts"
ROUTED_EXPERT_LOGITS: Final = "routed_expert_logits"
_RULE = "routing data is [tokens][layers][top_k], SGLang base64, {data, shape} or a descriptor"


def encode_routed_experts(routing: Sequence[Sequence[Sequence[int]]]) -> str:
    """SGLang's form of nested expert ids: base64 of little-endian int32 ``[positions, layers, top_k]``."""
    flat = [int(e) for position in routing for layer in position for e in layer]
    return base64.b64encode(struct.pack(f"<{len(flat)}i", *flat)).decode("ascii")


def decode_routed_experts(blob: str, *, num_layers: int, top_k: int) -> list[list[list[int]]]:
    """SGLang's base64 routing as nested lists ``[positions][num_layers][top_k]``.

    Raises:
        DataValidationError: ``blob`` is not base64 of int32 values, or its length is not a
            whole number of ``num_layers * top_k`` positions.
    """
    for name, value in (("num_layers", num_layers), ("top_k", top_k)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DataValidationError(
                f"{name} must be a positive integer, not {value!r}",
                field=name,
                rule=f"{name} >= 1",
            )
    raw = _b64(blob, ROUTED_EXPERTS)
    per_position = num_layers * top_k
    if len(raw) % (4 * per_position):
        raise DataValidationError(
            f"routed_experts holds {len(raw)} bytes, not a whole number of positions of "
            f"{num_layers} layers x top-{top_k} int32 ids ({4 * per_position} bytes each)",
            field=ROUTED_EXPERTS,
            rule="routed_experts is [positions, layers, top_k] int32",
        )
    flat = struct.unpack(f"<{len(raw) // 4}i", raw)
    return [
        [list(flat[p + layer * top_k : p + (layer + 1) * top_k]) for layer in range(num_layers)]
        for p in range(0, len(flat), per_position)
    ]


def check_routing_entry(value: Any, kind: str, index: int) -> None:
    """Refuse a datum's routing entry the xorl worker could not replay (see the module doc).

    ``kind`` is ``"routed_experts"`` or ``"routed_expert_logits"``; ``index`` the datum's.
    """
    where = f"datum {index}: {kind}"
    if isinstance(value, str):
        _b64(value, kind, index)
        return
    if isinstance(value, dict):
        if "schema" in value:
            return  # a file / span descriptor: the server checks the files it names
        if "data" not in value:
            raise _bad(f"{where} is an object without 'data' or 'schema'", kind, index)
        raw = _b64(value["data"], kind, index)
        shape = value.get("shape")
        if shape is not None:
            if not (
                isinstance(shape, list)
                and len(shape) == 3
                and all(type(d) is int and d >= 0 for d in shape)
            ):
                raise _bad(
                    f"{where}.shape must be [tokens, layers, top_k], not {shape!r}", kind, index
                )
            if math.prod(shape) * 4 != len(raw):
                raise _bad(
                    f"{where}.data holds {len(raw)} bytes but shape {shape} needs "
                    f"{math.prod(shape) * 4}",
                    kind,
                    index,
                )
        return
    if isinstance(value, list | tuple):
        _check_nested(value, kind, index)
        return
    raise _bad(f"{where} is a {type(value).__name__}; {_RULE}", kind, index)


def _check_nested(value: Sequence[Any], kind: str, index: int) -> None:
    where = f"datum {index}: {kind}"
    shape: tuple[int, int] | None = None
    for t, position in enumerate(value):
        if not isinstance(position, list | tuple) or not all(
            isinstance(layer, list | tuple) for layer in position
        ):
            raise _bad(f"{where}[{t}] is not a [layers][top_k] list", kind, index)
        widths = {len(layer) for layer in position}
        here = (len(position), widths.pop() if len(widths) == 1 else -1)
        if here[1] < 1 or (shape is not None and here != shape):
            raise _bad(
                f"{where} is not rectangular: position {t} has {here[0]} layers of widths "
                f"{sorted({len(layer) for layer in position})}",
                kind,
                index,
            )
        shape = here
        for layer_index, layer in enumerate(position):
            for slot, item in enumerate(layer):
                if not _valid_item(item, kind):
                    rule = (
                        "a non-negative integer expert id"
                        if kind == ROUTED_EXPERTS
                        else "a finite number"
                    )
                    raise _bad(
                        f"{where}[{t}][{layer_index}][{slot}] is {item!r}, not {rule}",
                        kind,
                        index,
                    )


def _valid_item(item: Any, kind: str) -> bool:
    if isinstance(item, bool):
        return False
    if kind == ROUTED_EXPERTS:
        return isinstance(item, int) and item >= 0
    return isinstance(item, int | float) and math.isfinite(item)


def _b64(blob: Any, kind: str, index: int | None = None) -> bytes:
    where = f"datum {index}: {kind}" if index is not None else kind
    if not isinstance(blob, str):
        raise _bad(f"{where} data must be a base64 string, not {type(blob).__name__}", kind, index)
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(f"{where} is not valid base64 text", kind, index) from None
    if len(raw) % 4:
        raise _bad(f"{where} holds {len(raw)} bytes, not whole 4-byte values", kind, index)
    return raw


def _bad(message: str, kind: str, index: int | None) -> DataValidationError:
    return DataValidationError(message, field=kind, datum_index=index, rule=_RULE)
