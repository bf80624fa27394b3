"""The inference-endpoint registry: what ``add_/list_/remove_inference_endpoint`` return.

Field names and defaults are the official client's (``types/weight_sync.py``); the xorl server
also sends ``pool`` (the tag ``sync_inference_weights(pools=...)`` selects by), kept here. Every
key the server sent stays in ``raw``. ``ConnectEndpointResponse`` / ``DisconnectResponse`` are
the official results of routes xorl does not have (see
:mod:`xorl_client.compat.not_on_xorl`); they exist so code naming them imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xorl_client.types._base import XorlModel
from xorl_client.types.weight_sync import with_raw

__all__ = [
    "AddInferenceEndpointResponse",
    "ConnectEndpointResponse",
    "ConnectedEndpoint",
    "DisconnectResponse",
    "InferenceEndpoint",
    "InferenceEndpointServerInfo",
    "ListInferenceEndpointsResponse",
    "RemoveInferenceEndpointResponse",
    "SetSyncQuantizationResponse",
]


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else kind(value)


@dataclass(slots=True)
class InferenceEndpointServerInfo(XorlModel):
    """What an endpoint's SGLang ``/server_info`` reported when it was registered."""

    model_path: str | None = None
    served_model_name: str | None = None
    tp_size: int | None = None
    enable_lora: bool | None = None
    max_lora_rank: int | None = None
    version: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> InferenceEndpointServerInfo:
        """Parse the server-info object (unknown keys are kept in ``raw``)."""
        return cls(
            model_path=_optional(d.get("model_path"), str),
            served_model_name=_optional(d.get("served_model_name"), str),
            tp_size=_optional(d.get("tp_size"), int),
            enable_lora=_optional(d.get("enable_lora"), bool),
            max_lora_rank=_optional(d.get("max_lora_rank"), int),
            version=_optional(d.get("version"), str),
            raw=dict(d),
        )

    def _dump_fields(self) -> dict[str, Any]:
        return with_raw(self)


@dataclass(slots=True)
class InferenceEndpoint(XorlModel):
    """One registered inference server. ``host`` is the address the server stored (resolved).

    Pass ``host`` and ``port`` from here to ``remove_inference_endpoint``: the server matches
    them verbatim (``"localhost"`` is stored as ``"127.0.0.1"``).
    """

    host: str
    port: int
    worker_port: int | None = None
    world_size: int = 1
    healthy: bool = True
    server_info: InferenceEndpointServerInfo | None = None
    pool: str = "default"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.worker_port is None:  # the official default: the SGLang port itself
            self.worker_port = self.port

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> InferenceEndpoint:
        """Parse an ``InferenceEndpoint`` object."""
        info = d.get("server_info")
        return cls(
            host=str(d["host"]),
            port=int(d["port"]),
            worker_port=_optional(d.get("worker_port"), int),
            world_size=int(d.get("world_size") or 1),
            healthy=bool(d.get("healthy", True)),
            server_info=(
                InferenceEndpointServerInfo.from_wire(info) if isinstance(info, Mapping) else None
            ),
            pool=str(d.get("pool") or "default"),
            raw=dict(d),
        )

    def _dump_fields(self) -> dict[str, Any]:
        return with_raw(self)


@dataclass(slots=True)
class AddInferenceEndpointResponse(XorlModel):
    """The outcome of ``add_inference_endpoint``.

    ``success`` is false (with the reason in ``message``) for a duplicate, a failed health
    check or a configuration mismatch: the server answers 200 in those cases.
    """

    success: bool
    message: str
    endpoint: InferenceEndpoint | None = None
    weights_synced: bool = False
    sync_message: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> AddInferenceEndpointResponse:
        """Parse an ``AddInferenceEndpointResponse`` body."""
        endpoint = d.get("endpoint")
        return cls(
            success=bool(d["success"]),
            message=str(d["message"]),
            endpoint=InferenceEndpoint.from_wire(endpoint)
            if isinstance(endpoint, Mapping)
            else None,
            weights_synced=bool(d.get("weights_synced", False)),
            sync_message=_optional(d.get("sync_message"), str),
        )


@dataclass(slots=True)
class ListInferenceEndpointsResponse(XorlModel):
    """The registered endpoints (the server health-checks them and drops failed ones first)."""

    endpoints: list[InferenceEndpoint] = field(default_factory=list)
    count: int | None = None

    def __post_init__(self) -> None:
        if self.count is None:
            self.count = len(self.endpoints)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> ListInferenceEndpointsResponse:
        """Parse a ``ListInferenceEndpointsResponse`` body."""
        endpoints = [InferenceEndpoint.from_wire(e) for e in d.get("endpoints") or []]
        count = d.get("count")
        return cls(endpoints=endpoints, count=len(endpoints) if count is None else int(count))


@dataclass(slots=True)
class RemoveInferenceEndpointResponse(XorlModel):
    """The outcome of ``remove_inference_endpoint`` (``success`` false: it was not registered)."""

    success: bool
    message: str


@dataclass(slots=True)
class DisconnectResponse(XorlModel):
    """The official result of ``disconnect_inference_endpoint`` (not served by xorl)."""

    success: bool
    message: str


@dataclass(slots=True)
class ConnectedEndpoint(XorlModel):
    """One endpoint of the official ``ConnectEndpointResponse``."""

    host: str
    port: int
    world_size: int = 1


@dataclass(slots=True)
class ConnectEndpointResponse(XorlModel):
    """The official result of ``connect_inference_endpoint`` (not served by xorl)."""

    success: bool
    message: str
    connected_endpoints: list[ConnectedEndpoint] = field(default_factory=list)


@dataclass(slots=True)
class SetSyncQuantizationResponse(XorlModel):
    """The server-wide default quantization of weight syncs after ``set_sync_quantization``.

    ``quantization`` is the server's normalized setting (``None``: bf16, no quantization).
    """

    quantization: dict[str, Any] | None
    message: str

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SetSyncQuantizationResponse:
        """Parse a ``SetSyncQuantizationResponse`` body."""
        quantization = d.get("quantization")
        return cls(
            quantization=dict(quantization) if isinstance(quantization, Mapping) else None,
            message=str(d.get("message", "")),
        )
