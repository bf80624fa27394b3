from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeleteCheckpointRequest")


@_attrs_define
class DeleteCheckpointRequest:
    """
    Attributes:
        checkpoint_id (str): `weights/M/N` or `sampler_weights/N`.
        model_id (str | Unset): Unused by the server. Default: 'default'.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
    """

    checkpoint_id: str
    model_id: str | Unset = "default"
    session_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_id = self.checkpoint_id

        model_id = self.model_id

        session_id = self.session_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checkpoint_id": checkpoint_id,
            }
        )
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        checkpoint_id = d.pop("checkpoint_id")

        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        delete_checkpoint_request = cls(
            checkpoint_id=checkpoint_id,
            model_id=model_id,
            session_id=session_id,
        )

        delete_checkpoint_request.additional_properties = d
        return delete_checkpoint_request

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
