from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="KillSessionResponse")


@_attrs_define
class KillSessionResponse:
    """
    Attributes:
        success (bool):
        message (str):
        checkpoint_path (None | str): `xorl://M/weights/N` in LoRA mode when saved inside the session dir, else the raw
            path.
    """

    success: bool
    message: str
    checkpoint_path: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        message = self.message

        checkpoint_path: None | str
        checkpoint_path = self.checkpoint_path

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "message": message,
                "checkpoint_path": checkpoint_path,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        success = d.pop("success")

        message = d.pop("message")

        def _parse_checkpoint_path(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        checkpoint_path = _parse_checkpoint_path(d.pop("checkpoint_path"))

        kill_session_response = cls(
            success=success,
            message=message,
            checkpoint_path=checkpoint_path,
        )

        kill_session_response.additional_properties = d
        return kill_session_response

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
