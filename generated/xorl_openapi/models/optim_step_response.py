from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.operation_info import OperationInfo
    from ..models.optim_step_metrics import OptimStepMetrics


T = TypeVar("T", bound="OptimStepResponse")


@_attrs_define
class OptimStepResponse:
    """Result of optim_step.

    Attributes:
        metrics (OptimStepMetrics): Optimizer metrics; optional extras such as `optim_step_time`,
            `optim_empty_cache_skipped`.
        info (OperationInfo | Unset): Free-form information about an operation, e.g. `auto_loaded` / `auto_load_path`
            (adapter
            auto-restored from a checkpoint), `teacher_hidden_cache`, `forward_backward_*` keys.
    """

    metrics: OptimStepMetrics
    info: OperationInfo | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metrics = self.metrics.to_dict()

        info: dict[str, Any] | Unset = UNSET
        if not isinstance(self.info, Unset):
            info = self.info.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "metrics": metrics,
            }
        )
        if info is not UNSET:
            field_dict["info"] = info

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.operation_info import OperationInfo  # noqa: PLC0415
        from ..models.optim_step_metrics import OptimStepMetrics  # noqa: PLC0415

        d = dict(src_dict)
        metrics = OptimStepMetrics.from_dict(d.pop("metrics"))

        _info = d.pop("info", UNSET)
        info: OperationInfo | Unset
        if isinstance(_info, Unset):
            info = UNSET
        else:
            info = OperationInfo.from_dict(_info)

        optim_step_response = cls(
            metrics=metrics,
            info=info,
        )

        optim_step_response.additional_properties = d
        return optim_step_response

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
