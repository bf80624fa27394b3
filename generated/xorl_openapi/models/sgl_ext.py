from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SglExt")


@_attrs_define
class SglExt:
    """SGLang's extension fields of an OpenAI-compatible response.

    Attributes:
        routed_experts (str | Unset): With `return_routed_experts` (see `GenerateMetaInfo.routed_experts`).
    """

    routed_experts: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        routed_experts = self.routed_experts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if routed_experts is not UNSET:
            field_dict["routed_experts"] = routed_experts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        routed_experts = d.pop("routed_experts", UNSET)

        sgl_ext = cls(
            routed_experts=routed_experts,
        )

        sgl_ext.additional_properties = d
        return sgl_ext

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
