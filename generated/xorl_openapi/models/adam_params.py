from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AdamParams")


@_attrs_define
class AdamParams:
    """Tinker AdamParams. Server-side defaults (not sent by this client unless set): learning_rate
    1e-4, beta1 0.9, beta2 0.95, eps 1e-12, weight_decay 0.0 (unused), grad_clip_norm 0.0.
    `learning_rate` / `grad_clip_norm` fill the request's `learning_rate` / `gradient_clip` when
    those are absent.

        Attributes:
            learning_rate (float | Unset):
            beta1 (float | Unset):
            beta2 (float | Unset):
            eps (float | Unset):
            weight_decay (float | Unset):
            grad_clip_norm (float | Unset):
    """

    learning_rate: float | Unset = UNSET
    beta1: float | Unset = UNSET
    beta2: float | Unset = UNSET
    eps: float | Unset = UNSET
    weight_decay: float | Unset = UNSET
    grad_clip_norm: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        learning_rate = self.learning_rate

        beta1 = self.beta1

        beta2 = self.beta2

        eps = self.eps

        weight_decay = self.weight_decay

        grad_clip_norm = self.grad_clip_norm

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if beta1 is not UNSET:
            field_dict["beta1"] = beta1
        if beta2 is not UNSET:
            field_dict["beta2"] = beta2
        if eps is not UNSET:
            field_dict["eps"] = eps
        if weight_decay is not UNSET:
            field_dict["weight_decay"] = weight_decay
        if grad_clip_norm is not UNSET:
            field_dict["grad_clip_norm"] = grad_clip_norm

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        learning_rate = d.pop("learning_rate", UNSET)

        beta1 = d.pop("beta1", UNSET)

        beta2 = d.pop("beta2", UNSET)

        eps = d.pop("eps", UNSET)

        weight_decay = d.pop("weight_decay", UNSET)

        grad_clip_norm = d.pop("grad_clip_norm", UNSET)

        adam_params = cls(
            learning_rate=learning_rate,
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay=weight_decay,
            grad_clip_norm=grad_clip_norm,
        )

        adam_params.additional_properties = d
        return adam_params

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
