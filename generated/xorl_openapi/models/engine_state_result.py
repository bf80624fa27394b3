from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="EngineStateResult")


@_attrs_define
class EngineStateResult:
    """Worker fields, e.g. `status` (`sleeping` / `awake`), `offload_time`, `load_time`, `execution_time`.

    Attributes:
        status (str | Unset):
        offload_time (float | Unset):
        load_time (float | Unset):
        execution_time (float | Unset):
    """

    status: str | Unset = UNSET
    offload_time: float | Unset = UNSET
    load_time: float | Unset = UNSET
    execution_time: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        offload_time = self.offload_time

        load_time = self.load_time

        execution_time = self.execution_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if offload_time is not UNSET:
            field_dict["offload_time"] = offload_time
        if load_time is not UNSET:
            field_dict["load_time"] = load_time
        if execution_time is not UNSET:
            field_dict["execution_time"] = execution_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status", UNSET)

        offload_time = d.pop("offload_time", UNSET)

        load_time = d.pop("load_time", UNSET)

        execution_time = d.pop("execution_time", UNSET)

        engine_state_result = cls(
            status=status,
            offload_time=offload_time,
            load_time=load_time,
            execution_time=execution_time,
        )

        engine_state_result.additional_properties = d
        return engine_state_result

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
