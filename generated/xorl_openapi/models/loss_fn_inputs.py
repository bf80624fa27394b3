from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tensor_data import TensorData


T = TypeVar("T", bound="LossFnInputs")


@_attrs_define
class LossFnInputs:
    """Loss inputs by name (`labels` or `target_tokens`, `weights` (0/1 only), `advantages`,
    `logprobs`, `rollout_logprobs`, `ref_logprobs`, teacher fields, ...). May be empty.

    """

    additional_properties: dict[str, list[float] | list[int] | list[str] | TensorData] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, list):
                field_dict[prop_name] = prop

            elif isinstance(prop, list):
                field_dict[prop_name] = prop

            elif isinstance(prop, list):
                field_dict[prop_name] = prop

            else:
                field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tensor_data import TensorData  # noqa: PLC0415

        d = dict(src_dict)
        loss_fn_inputs = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(data: object) -> list[float] | list[int] | list[str] | TensorData:
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    componentsschemas_input_type_type_0 = cast(list[int], data)

                    return componentsschemas_input_type_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    componentsschemas_input_type_type_1 = cast(list[float], data)

                    return componentsschemas_input_type_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    componentsschemas_input_type_type_2 = cast(list[str], data)

                    return componentsschemas_input_type_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_input_type_type_3 = TensorData.from_dict(data)

                return componentsschemas_input_type_type_3

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        loss_fn_inputs.additional_properties = additional_properties
        return loss_fn_inputs

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> list[float] | list[int] | list[str] | TensorData:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: list[float] | list[int] | list[str] | TensorData) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
