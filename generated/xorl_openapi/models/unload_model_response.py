from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UnloadModelResponse")


@_attrs_define
class UnloadModelResponse:
    """Result of unload_model (usually unreachable - the future deletes itself).

    Attributes:
        model_id (str):
        type_ (Literal['unload_model']):
    """

    model_id: str
    type_: Literal["unload_model"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model_id": model_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model_id = d.pop("model_id")

        type_ = cast(Literal["unload_model"], d.pop("type"))
        if type_ != "unload_model":
            raise ValueError(f"type must match const 'unload_model', got '{type_}'")

        unload_model_response = cls(
            model_id=model_id,
            type_=type_,
        )

        unload_model_response.additional_properties = d
        return unload_model_response

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
