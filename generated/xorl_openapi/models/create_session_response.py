from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreateSessionResponse")


@_attrs_define
class CreateSessionResponse:
    """
    Attributes:
        type_ (Literal['create_session']):
        session_id (str):
        info_message (str): `"Session '<id>' registered successfully."` or `"... refreshed successfully."`.
        warning_message (None | str): Set when the id already existed.
        error_message (None | str): Always null.
    """

    type_: Literal["create_session"]
    session_id: str
    info_message: str
    warning_message: None | str
    error_message: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        session_id = self.session_id

        info_message = self.info_message

        warning_message: None | str
        warning_message = self.warning_message

        error_message: None | str
        error_message = self.error_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "session_id": session_id,
                "info_message": info_message,
                "warning_message": warning_message,
                "error_message": error_message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["create_session"], d.pop("type"))
        if type_ != "create_session":
            raise ValueError(f"type must match const 'create_session', got '{type_}'")

        session_id = d.pop("session_id")

        info_message = d.pop("info_message")

        def _parse_warning_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        warning_message = _parse_warning_message(d.pop("warning_message"))

        def _parse_error_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_message = _parse_error_message(d.pop("error_message"))

        create_session_response = cls(
            type_=type_,
            session_id=session_id,
            info_message=info_message,
            warning_message=warning_message,
            error_message=error_message,
        )

        create_session_response.additional_properties = d
        return create_session_response

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
