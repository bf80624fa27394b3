"""MoE routing replay (R3): moving ``Datum.routed_experts`` to where the server reads it.

The server takes routing data per request, not per datum:
``forward_backward_input.routed_experts`` (and ``routed_expert_logits``) hold one entry per
datum of that request, in order. So either every datum of a batch carries routing data or none
does; a batch that mixes them is refused before anything is sent (the official client instead
drops the routing of a chunk where some datum lacks it, silently), and so is an entry the
worker could not replay (a ragged list, a negative expert id, text that is not base64).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types import Datum
from xorl_client.types.routing import check_routing_entry

__all__ = ["check_routing", "routing_fields"]

_FIELDS = ("routed_experts", "routed_expert_logits")


def check_routing(datums: Sequence[Datum]) -> None:
    """Refuse a batch where some datums carry routing data and others do not, or bad entries.

    Each entry must be a form the xorl worker can replay (:mod:`xorl_client.types.routing`).
    """
    for name in _FIELDS:
        have = [i for i, d in enumerate(datums) if getattr(d, name, None) is not None]
        for index in have:
            check_routing_entry(getattr(datums[index], name), name, index)
        if have and len(have) != len(datums):
            missing = next(i for i in range(len(datums)) if i not in set(have))
            raise DataValidationError(
                f"datum {missing} has no {name} but datum {have[0]} has: routing replay data "
                "is sent per request, so every datum of the batch needs it (or none)",
                field=name,
                datum_index=missing,
                rule=f"{name} on every datum or on none",
            )
    logits = any(getattr(d, "routed_expert_logits", None) is not None for d in datums)
    experts = any(getattr(d, "routed_experts", None) is not None for d in datums)
    if logits and not experts:
        raise DataValidationError(
            "routed_expert_logits were given without routed_experts; the server needs the "
            "expert ids to replay the routing",
            field="routed_experts",
            rule="routed_expert_logits need routed_experts",
        )


def routing_fields(chunk: Sequence[Datum]) -> dict[str, list[Any]]:
    """The request-level routing lists for ``chunk`` (empty when it has none)."""
    out: dict[str, list[Any]] = {}
    for name in _FIELDS:
        values = [getattr(d, name, None) for d in chunk]
        if values and all(v is not None for v in values):
            out[name] = values
    return out
