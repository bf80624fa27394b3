from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UnloadModelRequest")


@_attrs_define
class UnloadModelRequest:
    """`model_id` (or its alias `session_id`) is required; without either the server answers 422.

    Attributes:
        model_id (str | Unset): Session to unload (no syntax check). Required unless `session_id` is given.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
        type_ (Literal['unload_model'] | Unset): Any other value -> 422. Default: 'unload_model'.
    """

    model_id: str | Unset = UNSET
    session_id: str | Unset = UNSET
    type_: Literal["unload_model"] | Unset = "unload_model"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        session_id = self.session_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        type_ = cast(Literal["unload_model"] | Unset, d.pop("type", UNSET))
        if type_ != "unload_model" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'unload_model', got '{type_}'")

        unload_model_request = cls(
            model_id=model_id,
            session_id=session_id,
            type_=type_,
        )

        unload_model_request.additional_properties = d
        return unload_model_request

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
