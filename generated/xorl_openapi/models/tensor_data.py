from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TensorData")


@_attrs_define
class TensorData:
    """Tinker tensor: flat `data` plus `shape`. Rank 1 is flattened to `data`; rank >= 2 is re-nested.
    The server checks neither `dtype` nor `len(data) == prod(shape)`.

        Attributes:
            data (list[float | int | str]):
            shape (list[int]):
            dtype (str | Unset): E.g. `float32`, `int64` (not checked by the server). Default: 'float32'.
    """

    data: list[float | int | str]
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
        data = cast(list[float | int | str], d.pop("data"))

        shape = cast(list[int], d.pop("shape"))

        dtype = d.pop("dtype", UNSET)

        tensor_data = cls(
            data=data,
            shape=shape,
            dtype=dtype,
        )

        tensor_data.additional_properties = d
        return tensor_data

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
