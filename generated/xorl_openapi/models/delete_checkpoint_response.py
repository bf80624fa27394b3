from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeleteCheckpointResponse")


@_attrs_define
class DeleteCheckpointResponse:
    """
    Attributes:
        success (bool):
        deleted_path (None | str):
        error (None | str):
    """

    success: bool
    deleted_path: None | str
    error: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        deleted_path: None | str
        deleted_path = self.deleted_path

        error: None | str
        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "deleted_path": deleted_path,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        success = d.pop("success")

        def _parse_deleted_path(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deleted_path = _parse_deleted_path(d.pop("deleted_path"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        delete_checkpoint_response = cls(
            success=success,
            deleted_path=deleted_path,
            error=error,
        )

        delete_checkpoint_response.additional_properties = d
        return delete_checkpoint_response

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
