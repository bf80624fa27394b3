from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.health_check_response_status import HealthCheckResponseStatus, check_health_check_response_status

T = TypeVar("T", bound="HealthCheckResponse")


@_attrs_define
class HealthCheckResponse:
    """
    Attributes:
        status (HealthCheckResponseStatus): `healthy` from the engine; `timeout` = engine silent for 5 s.
        engine_running (bool):
        active_requests (int):
        total_requests (int):
    """

    status: HealthCheckResponseStatus
    engine_running: bool
    active_requests: int
    total_requests: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        engine_running = self.engine_running

        active_requests = self.active_requests

        total_requests = self.total_requests

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "engine_running": engine_running,
                "active_requests": active_requests,
                "total_requests": total_requests,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = check_health_check_response_status(d.pop("status"))

        engine_running = d.pop("engine_running")

        active_requests = d.pop("active_requests")

        total_requests = d.pop("total_requests")

        health_check_response = cls(
            status=status,
            engine_running=engine_running,
            active_requests=active_requests,
            total_requests=total_requests,
        )

        health_check_response.additional_properties = d
        return health_check_response

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
