from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="KillSessionRequest")


@_attrs_define
class KillSessionRequest:
    """`model_id` (or its alias `session_id`) is required; without either the server answers 422.

    Attributes:
        model_id (str | Unset): Session to kill. Required unless `session_id` is given.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
        save_checkpoint (bool | Unset): Ask the workers to save a checkpoint before dropping the session. Default: True.
        reset_weights (bool | Unset): Accepted but not forwarded to the workers (no effect). Default: False.
    """

    model_id: str | Unset = UNSET
    session_id: str | Unset = UNSET
    save_checkpoint: bool | Unset = True
    reset_weights: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        session_id = self.session_id

        save_checkpoint = self.save_checkpoint

        reset_weights = self.reset_weights

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if save_checkpoint is not UNSET:
            field_dict["save_checkpoint"] = save_checkpoint
        if reset_weights is not UNSET:
            field_dict["reset_weights"] = reset_weights

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        save_checkpoint = d.pop("save_checkpoint", UNSET)

        reset_weights = d.pop("reset_weights", UNSET)

        kill_session_request = cls(
            model_id=model_id,
            session_id=session_id,
            save_checkpoint=save_checkpoint,
            reset_weights=reset_weights,
        )

        kill_session_request.additional_properties = d
        return kill_session_request

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
