from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoraRef")


@_attrs_define
class LoraRef:
    """
    Attributes:
        lora_id (None | str | Unset):
        lora_name (str | Unset):
        lora_path (str | Unset):
        pinned (bool | Unset):
    """

    lora_id: None | str | Unset = UNSET
    lora_name: str | Unset = UNSET
    lora_path: str | Unset = UNSET
    pinned: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lora_id: None | str | Unset
        if isinstance(self.lora_id, Unset):
            lora_id = UNSET
        else:
            lora_id = self.lora_id

        lora_name = self.lora_name

        lora_path = self.lora_path

        pinned = self.pinned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if lora_id is not UNSET:
            field_dict["lora_id"] = lora_id
        if lora_name is not UNSET:
            field_dict["lora_name"] = lora_name
        if lora_path is not UNSET:
            field_dict["lora_path"] = lora_path
        if pinned is not UNSET:
            field_dict["pinned"] = pinned

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_lora_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lora_id = _parse_lora_id(d.pop("lora_id", UNSET))

        lora_name = d.pop("lora_name", UNSET)

        lora_path = d.pop("lora_path", UNSET)

        pinned = d.pop("pinned", UNSET)

        lora_ref = cls(
            lora_id=lora_id,
            lora_name=lora_name,
            lora_path=lora_path,
            pinned=pinned,
        )

        lora_ref.additional_properties = d
        return lora_ref

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
