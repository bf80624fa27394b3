from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.quantization_spec import QuantizationSpec


T = TypeVar("T", bound="SetSyncQuantizationResponse")


@_attrs_define
class SetSyncQuantizationResponse:
    """
    Attributes:
        quantization (None | QuantizationSpec): The normalized setting.
        message (str):
    """

    quantization: None | QuantizationSpec
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.quantization_spec import QuantizationSpec  # noqa: PLC0415

        quantization: dict[str, Any] | None
        if isinstance(self.quantization, QuantizationSpec):
            quantization = self.quantization.to_dict()
        else:
            quantization = self.quantization

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "quantization": quantization,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quantization_spec import QuantizationSpec  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_quantization(data: object) -> None | QuantizationSpec:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quantization_type_0 = QuantizationSpec.from_dict(data)

                return quantization_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuantizationSpec, data)

        quantization = _parse_quantization(d.pop("quantization"))

        message = d.pop("message")

        set_sync_quantization_response = cls(
            quantization=quantization,
            message=message,
        )

        set_sync_quantization_response.additional_properties = d
        return set_sync_quantization_response

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
