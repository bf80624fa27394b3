from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SaveWeightsRequest")


@_attrs_define
class SaveWeightsRequest:
    """
    Attributes:
        model_id (str | Unset): Session id (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`, no dots); an empty string is replaced
            by
            `default`. Violations -> 400. Must be registered (`default` always is).
             Default: 'default'.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
        path (None | str | Unset): Checkpoint name (joined onto `weights/<model_id>/` without sanitization - use
            `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`). Absent -> `checkpoint-<unix seconds>`.
        seq_id (int | None | Unset): Accepted and ignored.
    """

    model_id: str | Unset = "default"
    session_id: str | Unset = UNSET
    path: None | str | Unset = UNSET
    seq_id: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        session_id = self.session_id

        path: None | str | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        else:
            path = self.path

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if path is not UNSET:
            field_dict["path"] = path
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        def _parse_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        path = _parse_path(d.pop("path", UNSET))

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        save_weights_request = cls(
            model_id=model_id,
            session_id=session_id,
            path=path,
            seq_id=seq_id,
        )

        save_weights_request.additional_properties = d
        return save_weights_request

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
