from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OutputTensor")


@_attrs_define
class OutputTensor:
    """A TensorData the server returns (loss, logprobs, elementwise_loss): always numbers. Kept apart
    from the request-side TensorData, whose items may also be strings, so that the generated
    parser can take the list as it is instead of checking every element of large results.

        Attributes:
            data (list[float]):
            shape (list[int]):
            dtype (str | Unset):  Default: 'float32'.
    """

    data: list[float]
    shape: list[int]
    dtype: str | Unset = "float32"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data

        shape = self.shape

        dtype = self.dtype

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "shape": shape,
            }
        )
        if dtype is not UNSET:
            field_dict["dtype"] = dtype

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        data = cast(list[float], d.pop("data"))

        shape = cast(list[int], d.pop("shape"))

        dtype = d.pop("dtype", UNSET)

        output_tensor = cls(
            data=data,
            shape=shape,
            dtype=dtype,
        )

        output_tensor.additional_properties = d
        return output_tensor

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
