from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoadWeightsRequest")


@_attrs_define
class LoadWeightsRequest:
    """
    Attributes:
        path (str): `xorl://M/weights/N`, `weights/M/N`, `weights/N` (request model), `M/N`, or `N` (request
            model). Cross-session loads are allowed.
        model_id (str | Unset): The session that receives the weights (empty -> `default`). Default: 'default'.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
        optimizer (bool | Unset): Also restore the optimizer state. Default: True.
        seq_id (int | None | Unset): Accepted and ignored.
    """

    path: str
    model_id: str | Unset = "default"
    session_id: str | Unset = UNSET
    optimizer: bool | Unset = True
    seq_id: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        model_id = self.model_id

        session_id = self.session_id

        optimizer = self.optimizer

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
            }
        )
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if optimizer is not UNSET:
            field_dict["optimizer"] = optimizer
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        optimizer = d.pop("optimizer", UNSET)

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        load_weights_request = cls(
            path=path,
            model_id=model_id,
            session_id=session_id,
            optimizer=optimizer,
            seq_id=seq_id,
        )

        load_weights_request.additional_properties = d
        return load_weights_request

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
