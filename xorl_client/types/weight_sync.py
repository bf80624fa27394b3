"""Results of pushing weights to inference endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from xorl_client.types._base import XorlModel

__all__ = [
    "EndpointSyncResult",
    "SyncInferenceWeightsResult",
    "SyncWeightsResponse",
    "with_raw",
]


@dataclass(slots=True)
class EndpointSyncResult(XorlModel):
    """How the push to one endpoint went (``result.endpoints_synced[i]``).

    Item access (``e["host"]``) works as well as attributes; every field the server sent is
    kept in ``raw``.
    """

    host: str
    port: int
    success: bool
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> EndpointSyncResult:
        """Parse an ``EndpointSyncResult`` object."""
        return cls(
            host=str(d.get("host", "")),
            port=int(d.get("port") or 0),
            success=bool(d.get("success", False)),
            message=str(d.get("message") or ""),
            raw=dict(d),
        )

    def __getitem__(self, key: str) -> Any:
        if key in self.raw:
            return self.raw[key]
        return getattr(self, key)

    def _dump_fields(self) -> dict[str, Any]:
        return with_raw(self)


@dataclass(slots=True)
class SyncInferenceWeightsResult(XorlModel):
    """Outcome of ``sync_inference_weights`` (``SyncWeightsResponse`` is the official name).

    ``success`` is false (with the reason in ``message``) when no endpoint was registered or
    none matched the requested pools; the server answers 200 in those cases. Every field the
    server sent is kept in ``raw``.
    """

    success: bool
    message: str
    transfer_time: float = 0.0
    total_bytes: int = 0
    num_parameters: int = 0
    num_buckets: int = 0
    endpoints_synced: list[EndpointSyncResult] = field(default_factory=list)
    timing_breakdown: dict[str, float] = field(default_factory=dict)
    p2p_rank_summaries: list[dict[str, Any]] = field(default_factory=list)
    flush_cache: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SyncInferenceWeightsResult:
        """Parse a ``SyncInferenceWeightsResponse`` body."""
        return cls(
            success=bool(d.get("success", False)),
            message=str(d.get("message", "")),
            transfer_time=float(d.get("transfer_time") or 0.0),
            total_bytes=int(d.get("total_bytes") or 0),
            num_parameters=int(d.get("num_parameters") or 0),
            num_buckets=int(d.get("num_buckets") or 0),
            endpoints_synced=[
                EndpointSyncResult.from_wire(e) for e in d.get("endpoints_synced") or []
            ],
            timing_breakdown={
                str(k): float(v) for k, v in (d.get("timing_breakdown") or {}).items()
            },
            p2p_rank_summaries=[dict(s) for s in d.get("p2p_rank_summaries") or []],
            flush_cache=bool(d.get("flush_cache", False)),
            raw=dict(d),
        )

    def _dump_fields(self) -> dict[str, Any]:
        return with_raw(self)

    @property
    def throughput_gbps(self) -> float:
        """Gigabytes per second of the transfer (0.0 when no time was measured)."""
        if self.transfer_time <= 0:
            return 0.0
        return self.total_bytes / 1e9 / self.transfer_time


SyncWeightsResponse = SyncInferenceWeightsResult


def with_raw(obj: Any) -> dict[str, Any]:
    """A type's dump: every key the server sent (its ``raw``), then its typed fields."""
    typed = {f.name: getattr(obj, f.name) for f in fields(obj) if f.name != "raw"}
    return {**obj.raw, **typed}
