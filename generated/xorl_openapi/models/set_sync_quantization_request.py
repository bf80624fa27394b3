from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.quantization_spec import QuantizationSpec


T = TypeVar("T", bound="SetSyncQuantizationRequest")


@_attrs_define
class SetSyncQuantizationRequest:
    """
    Attributes:
        quantization (None | QuantizationSpec | Unset): Absent or null = bf16 (no quantization).
    """

    quantization: None | QuantizationSpec | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.quantization_spec import QuantizationSpec  # noqa: PLC0415

        quantization: dict[str, Any] | None | Unset
        if isinstance(self.quantization, Unset):
            quantization = UNSET
        elif isinstance(self.quantization, QuantizationSpec):
            quantization = self.quantization.to_dict()
        else:
            quantization = self.quantization

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if quantization is not UNSET:
            field_dict["quantization"] = quantization

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quantization_spec import QuantizationSpec  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_quantization(data: object) -> None | QuantizationSpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quantization_type_0 = QuantizationSpec.from_dict(data)

                return quantization_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuantizationSpec | Unset, data)

        quantization = _parse_quantization(d.pop("quantization", UNSET))

        set_sync_quantization_request = cls(
            quantization=quantization,
        )

        set_sync_quantization_request.additional_properties = d
        return set_sync_quantization_request

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
