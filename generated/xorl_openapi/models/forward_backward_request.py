from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.datum_input import DatumInput


T = TypeVar("T", bound="ForwardBackwardRequest")


@_attrs_define
class ForwardBackwardRequest:
    """
    Attributes:
        forward_backward_input (DatumInput): A batch of datums and the loss to apply.
        model_id (str | Unset): Session id (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`, no dots); an empty string is replaced
            by
            `default`. Violations -> 400. Must be registered (`default` always is).
             Default: 'default'.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
        seq_id (int | None | Unset): Ordering key: among queued requests the engine runs the lowest `seq_id` first
            (across all
            sessions). Use a per-session increasing counter; never reuse one (a queued duplicate is
            silently replaced and times out).
    """

    forward_backward_input: DatumInput
    model_id: str | Unset = "default"
    session_id: str | Unset = UNSET
    seq_id: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        forward_backward_input = self.forward_backward_input.to_dict()

        model_id = self.model_id

        session_id = self.session_id

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "forward_backward_input": forward_backward_input,
            }
        )
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.datum_input import DatumInput  # noqa: PLC0415

        d = dict(src_dict)
        forward_backward_input = DatumInput.from_dict(d.pop("forward_backward_input"))

        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        forward_backward_request = cls(
            forward_backward_input=forward_backward_input,
            model_id=model_id,
            session_id=session_id,
            seq_id=seq_id,
        )

        forward_backward_request.additional_properties = d
        return forward_backward_request

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
