from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ForwardBackwardMetrics")


@_attrs_define
class ForwardBackwardMetrics:
    """Metrics of forward_backward. Keys follow `name:reduction` (`sum`, `mean`, `min`, `max`), which
    is how chunked results are merged. Besides the required keys: `execution_time:sum`,
    `is_*:mean` / `opd_*` (loss-specific), `executor_*` (packing/timing), optional timing keys and
    objects such as `expert_load_summary`.

        Attributes:
            losssum (float): Mean loss x valid tokens.
            lossmean (float):
            valid_tokenssum (int):
            execution_timesum (float | Unset):
    """

    losssum: float
    lossmean: float
    valid_tokenssum: int
    execution_timesum: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        losssum = self.losssum

        lossmean = self.lossmean

        valid_tokenssum = self.valid_tokenssum

        execution_timesum = self.execution_timesum

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "loss:sum": losssum,
                "loss:mean": lossmean,
                "valid_tokens:sum": valid_tokenssum,
            }
        )
        if execution_timesum is not UNSET:
            field_dict["execution_time:sum"] = execution_timesum

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        losssum = d.pop("loss:sum")

        lossmean = d.pop("loss:mean")

        valid_tokenssum = d.pop("valid_tokens:sum")

        execution_timesum = d.pop("execution_time:sum", UNSET)

        forward_backward_metrics = cls(
            losssum=losssum,
            lossmean=lossmean,
            valid_tokenssum=valid_tokenssum,
            execution_timesum=execution_timesum,
        )

        forward_backward_metrics.additional_properties = d
        return forward_backward_metrics

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
