from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoadLoraAdapterRequest")


@_attrs_define
class LoadLoraAdapterRequest:
    """
    Attributes:
        lora_name (str): The name `lora_path` of `/generate` will use.
        lora_path (str): Where the adapter is, as the inference server sees its file system.
        pinned (bool | Unset): Keep it in memory (never evicted). Default: False.
    """

    lora_name: str
    lora_path: str
    pinned: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lora_name = self.lora_name

        lora_path = self.lora_path

        pinned = self.pinned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "lora_name": lora_name,
                "lora_path": lora_path,
            }
        )
        if pinned is not UNSET:
            field_dict["pinned"] = pinned

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        lora_name = d.pop("lora_name")

        lora_path = d.pop("lora_path")

        pinned = d.pop("pinned", UNSET)

        load_lora_adapter_request = cls(
            lora_name=lora_name,
            lora_path=lora_path,
            pinned=pinned,
        )

        load_lora_adapter_request.additional_properties = d
        return load_lora_adapter_request

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
