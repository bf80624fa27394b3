from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.forward_metrics import ForwardMetrics
    from ..models.loss_fn_output import LossFnOutput
    from ..models.operation_info import OperationInfo


T = TypeVar("T", bound="ForwardResponse")


@_attrs_define
class ForwardResponse:
    """Result of forward (same shape as ForwardBackwardResponse; metric names differ).

    Attributes:
        metrics (ForwardMetrics): Metrics of forward: `valid_tokens` and `execution_time` carry no `:sum` suffix;
            otherwise as
            ForwardBackwardMetrics.
        loss_fn_output_type (str): `CrossEntropyLossReturn` or `single_loss` (see ForwardBackwardResponse).
        loss_fn_outputs (list[LossFnOutput]):
        info (OperationInfo | Unset): Free-form information about an operation, e.g. `auto_loaded` / `auto_load_path`
            (adapter
            auto-restored from a checkpoint), `teacher_hidden_cache`, `forward_backward_*` keys.
    """

    metrics: ForwardMetrics
    loss_fn_output_type: str
    loss_fn_outputs: list[LossFnOutput]
    info: OperationInfo | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metrics = self.metrics.to_dict()

        loss_fn_output_type = self.loss_fn_output_type

        loss_fn_outputs = []
        for loss_fn_outputs_item_data in self.loss_fn_outputs:
            loss_fn_outputs_item = loss_fn_outputs_item_data.to_dict()
            loss_fn_outputs.append(loss_fn_outputs_item)

        info: dict[str, Any] | Unset = UNSET
        if not isinstance(self.info, Unset):
            info = self.info.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "metrics": metrics,
                "loss_fn_output_type": loss_fn_output_type,
                "loss_fn_outputs": loss_fn_outputs,
            }
        )
        if info is not UNSET:
            field_dict["info"] = info

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forward_metrics import ForwardMetrics  # noqa: PLC0415
        from ..models.loss_fn_output import LossFnOutput  # noqa: PLC0415
        from ..models.operation_info import OperationInfo  # noqa: PLC0415

        d = dict(src_dict)
        metrics = ForwardMetrics.from_dict(d.pop("metrics"))

        loss_fn_output_type = d.pop("loss_fn_output_type")

        loss_fn_outputs = []
        _loss_fn_outputs = d.pop("loss_fn_outputs")
        for loss_fn_outputs_item_data in _loss_fn_outputs:
            loss_fn_outputs_item = LossFnOutput.from_dict(loss_fn_outputs_item_data)

            loss_fn_outputs.append(loss_fn_outputs_item)

        _info = d.pop("info", UNSET)
        info: OperationInfo | Unset
        if isinstance(_info, Unset):
            info = UNSET
        else:
            info = OperationInfo.from_dict(_info)

        forward_response = cls(
            metrics=metrics,
            loss_fn_output_type=loss_fn_output_type,
            loss_fn_outputs=loss_fn_outputs,
            info=info,
        )

        forward_response.additional_properties = d
        return forward_response

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
