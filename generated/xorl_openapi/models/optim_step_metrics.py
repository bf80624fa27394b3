from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OptimStepMetrics")


@_attrs_define
class OptimStepMetrics:
    """Optimizer metrics; optional extras such as `optim_step_time`, `optim_empty_cache_skipped`.

    Attributes:
        grad_norm (float):
        learning_rate (float):
        step (int):
    """

    grad_norm: float
    learning_rate: float
    step: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        grad_norm = self.grad_norm

        learning_rate = self.learning_rate

        step = self.step

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "grad_norm": grad_norm,
                "learning_rate": learning_rate,
                "step": step,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        grad_norm = d.pop("grad_norm")

        learning_rate = d.pop("learning_rate")

        step = d.pop("step")

        optim_step_metrics = cls(
            grad_norm=grad_norm,
            learning_rate=learning_rate,
            step=step,
        )

        optim_step_metrics.additional_properties = d
        return optim_step_metrics

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
