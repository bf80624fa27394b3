from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SessionHeartbeatResponse")


@_attrs_define
class SessionHeartbeatResponse:
    """
    Attributes:
        type_ (Literal['session_heartbeat']):
        session_id (str):
    """

    type_: Literal["session_heartbeat"]
    session_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        session_id = self.session_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "session_id": session_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["session_heartbeat"], d.pop("type"))
        if type_ != "session_heartbeat":
            raise ValueError(f"type must match const 'session_heartbeat', got '{type_}'")

        session_id = d.pop("session_id")

        session_heartbeat_response = cls(
            type_=type_,
            session_id=session_id,
        )

        session_heartbeat_response.additional_properties = d
        return session_heartbeat_response

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
