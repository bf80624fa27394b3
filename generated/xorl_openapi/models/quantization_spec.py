from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="QuantizationSpec")


@_attrs_define
class QuantizationSpec:
    """Weight-sync quantization. `quant_method` bf16/bfloat16/none/"null" mean no quantization
    (normalized to null); `fp8` = sender-side block FP8 with `fmt` e4m3 (only), `activation_scheme`
    dynamic (only), `weight_block_size` (int or 1-2 positive ints, default [128, 128]),
    `modules_to_not_convert`. `scale_fmt` and other methods are rejected with 400.

        Attributes:
            quant_method (str | Unset):
            fmt (str | Unset):
            activation_scheme (str | Unset):
            weight_block_size (int | list[int] | Unset):
            modules_to_not_convert (list[str] | Unset):
    """

    quant_method: str | Unset = UNSET
    fmt: str | Unset = UNSET
    activation_scheme: str | Unset = UNSET
    weight_block_size: int | list[int] | Unset = UNSET
    modules_to_not_convert: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        quant_method = self.quant_method

        fmt = self.fmt

        activation_scheme = self.activation_scheme

        weight_block_size: int | list[int] | Unset
        if isinstance(self.weight_block_size, Unset):
            weight_block_size = UNSET
        elif isinstance(self.weight_block_size, list):
            weight_block_size = self.weight_block_size

        else:
            weight_block_size = self.weight_block_size

        modules_to_not_convert: list[str] | Unset = UNSET
        if not isinstance(self.modules_to_not_convert, Unset):
            modules_to_not_convert = self.modules_to_not_convert

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if quant_method is not UNSET:
            field_dict["quant_method"] = quant_method
        if fmt is not UNSET:
            field_dict["fmt"] = fmt
        if activation_scheme is not UNSET:
            field_dict["activation_scheme"] = activation_scheme
        if weight_block_size is not UNSET:
            field_dict["weight_block_size"] = weight_block_size
        if modules_to_not_convert is not UNSET:
            field_dict["modules_to_not_convert"] = modules_to_not_convert

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        quant_method = d.pop("quant_method", UNSET)

        fmt = d.pop("fmt", UNSET)

        activation_scheme = d.pop("activation_scheme", UNSET)

        def _parse_weight_block_size(data: object) -> int | list[int] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                weight_block_size_type_1 = cast(list[int], data)

                return weight_block_size_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(int | list[int] | Unset, data)

        weight_block_size = _parse_weight_block_size(d.pop("weight_block_size", UNSET))

        modules_to_not_convert = cast(list[str], d.pop("modules_to_not_convert", UNSET))

        quantization_spec = cls(
            quant_method=quant_method,
            fmt=fmt,
            activation_scheme=activation_scheme,
            weight_block_size=weight_block_size,
            modules_to_not_convert=modules_to_not_convert,
        )

        quantization_spec.additional_properties = d
        return quantization_spec

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
