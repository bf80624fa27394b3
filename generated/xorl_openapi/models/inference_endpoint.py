from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.inference_endpoint_server_info import InferenceEndpointServerInfo


T = TypeVar("T", bound="InferenceEndpoint")


@_attrs_define
class InferenceEndpoint:
    """
    Attributes:
        host (str):
        port (int):
        worker_port (int | None):
        world_size (int):
        healthy (bool):
        pool (str):
        server_info (InferenceEndpointServerInfo | None):
    """

    host: str
    port: int
    worker_port: int | None
    world_size: int
    healthy: bool
    pool: str
    server_info: InferenceEndpointServerInfo | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.inference_endpoint_server_info import InferenceEndpointServerInfo  # noqa: PLC0415

        host = self.host

        port = self.port

        worker_port: int | None
        worker_port = self.worker_port

        world_size = self.world_size

        healthy = self.healthy

        pool = self.pool

        server_info: dict[str, Any] | None
        if isinstance(self.server_info, InferenceEndpointServerInfo):
            server_info = self.server_info.to_dict()
        else:
            server_info = self.server_info

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "host": host,
                "port": port,
                "worker_port": worker_port,
                "world_size": world_size,
                "healthy": healthy,
                "pool": pool,
                "server_info": server_info,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.inference_endpoint_server_info import InferenceEndpointServerInfo  # noqa: PLC0415

        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        def _parse_worker_port(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        worker_port = _parse_worker_port(d.pop("worker_port"))

        world_size = d.pop("world_size")

        healthy = d.pop("healthy")

        pool = d.pop("pool")

        def _parse_server_info(data: object) -> InferenceEndpointServerInfo | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                server_info_type_0 = InferenceEndpointServerInfo.from_dict(data)

                return server_info_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InferenceEndpointServerInfo | None, data)

        server_info = _parse_server_info(d.pop("server_info"))

        inference_endpoint = cls(
            host=host,
            port=port,
            worker_port=worker_port,
            world_size=world_size,
            healthy=healthy,
            pool=pool,
            server_info=server_info,
        )

        inference_endpoint.additional_properties = d
        return inference_endpoint

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
