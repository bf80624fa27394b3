from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.engine_state_result import EngineStateResult


T = TypeVar("T", bound="SleepResponse")


@_attrs_define
class SleepResponse:
    """
    Attributes:
        success (bool):
        result (EngineStateResult): Worker fields, e.g. `status` (`sleeping` / `awake`), `offload_time`, `load_time`,
            `execution_time`.
    """

    success: bool
    result: EngineStateResult
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "result": result,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.engine_state_result import EngineStateResult  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        result = EngineStateResult.from_dict(d.pop("result"))

        sleep_response = cls(
            success=success,
            result=result,
        )

        sleep_response.additional_properties = d
        return sleep_response

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
