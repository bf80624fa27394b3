"""Results of pushing weights to inference endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SyncInferenceWeightsResult"]


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
