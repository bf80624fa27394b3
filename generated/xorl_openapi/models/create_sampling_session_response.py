from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreateSamplingSessionResponse")


@_attrs_define
class CreateSamplingSessionResponse:
    """
    Attributes:
        success (bool):
        model_path (str): Echo of the request.
        lora_name (str): Path relative to `sampler_weights/`; pass it as `lora_path` to `/generate`.
        message (str):
    """

    success: bool
    model_path: str
    lora_name: str
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        model_path = self.model_path

        lora_name = self.lora_name

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "model_path": model_path,
                "lora_name": lora_name,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        success = d.pop("success")

        model_path = d.pop("model_path")

        lora_name = d.pop("lora_name")

        message = d.pop("message")

        create_sampling_session_response = cls(
            success=success,
            model_path=model_path,
            lora_name=lora_name,
            message=message,
        )

        create_sampling_session_response.additional_properties = d
        return create_sampling_session_response

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
