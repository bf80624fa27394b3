from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ForwardMetrics")


@_attrs_define
class ForwardMetrics:
    """Metrics of forward: `valid_tokens` and `execution_time` carry no `:sum` suffix; otherwise as
    ForwardBackwardMetrics.

        Attributes:
            valid_tokens (int):
            losssum (float | Unset):
            lossmean (float | Unset):
            execution_time (float | Unset):
    """

    valid_tokens: int
    losssum: float | Unset = UNSET
    lossmean: float | Unset = UNSET
    execution_time: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        valid_tokens = self.valid_tokens

        losssum = self.losssum

        lossmean = self.lossmean

        execution_time = self.execution_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "valid_tokens": valid_tokens,
            }
        )
        if losssum is not UNSET:
            field_dict["loss:sum"] = losssum
        if lossmean is not UNSET:
            field_dict["loss:mean"] = lossmean
        if execution_time is not UNSET:
            field_dict["execution_time"] = execution_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        valid_tokens = d.pop("valid_tokens")

        losssum = d.pop("loss:sum", UNSET)

        lossmean = d.pop("loss:mean", UNSET)

        execution_time = d.pop("execution_time", UNSET)

        forward_metrics = cls(
            valid_tokens=valid_tokens,
            losssum=losssum,
            lossmean=lossmean,
            execution_time=execution_time,
        )

        forward_metrics.additional_properties = d
        return forward_metrics

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
