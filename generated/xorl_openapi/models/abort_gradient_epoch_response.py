from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.operation_info import OperationInfo


T = TypeVar("T", bound="AbortGradientEpochResponse")


@_attrs_define
class AbortGradientEpochResponse:
    """Result of abort_gradient_epoch.

    Attributes:
        success (bool):
        model_id (str):
        step (int):
        forward_backward_step (int):
        info (OperationInfo | Unset): Free-form information about an operation, e.g. `auto_loaded` / `auto_load_path`
            (adapter
            auto-restored from a checkpoint), `teacher_hidden_cache`, `forward_backward_*` keys.
    """

    success: bool
    model_id: str
    step: int
    forward_backward_step: int
    info: OperationInfo | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        model_id = self.model_id

        step = self.step

        forward_backward_step = self.forward_backward_step

        info: dict[str, Any] | Unset = UNSET
        if not isinstance(self.info, Unset):
            info = self.info.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "model_id": model_id,
                "step": step,
                "forward_backward_step": forward_backward_step,
            }
        )
        if info is not UNSET:
            field_dict["info"] = info

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.operation_info import OperationInfo  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        model_id = d.pop("model_id")

        step = d.pop("step")

        forward_backward_step = d.pop("forward_backward_step")

        _info = d.pop("info", UNSET)
        info: OperationInfo | Unset
        if isinstance(_info, Unset):
            info = UNSET
        else:
            info = OperationInfo.from_dict(_info)

        abort_gradient_epoch_response = cls(
            success=success,
            model_id=model_id,
            step=step,
            forward_backward_step=forward_backward_step,
            info=info,
        )

        abort_gradient_epoch_response.additional_properties = d
        return abort_gradient_epoch_response

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
