from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WeightsInfoRequest")


@_attrs_define
class WeightsInfoRequest:
    """
    Attributes:
        xorl_path (str): Only `xorl://M/weights/N` is accepted, with M a model id and N a checkpoint name
            (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`); anything else -> 400.
    """

    xorl_path: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        xorl_path = self.xorl_path

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "xorl_path": xorl_path,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        xorl_path = d.pop("xorl_path")

        weights_info_request = cls(
            xorl_path=xorl_path,
        )

        weights_info_request.additional_properties = d
        return weights_info_request

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
