from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoRAConfigRequest")


@_attrs_define
class LoRAConfigRequest:
    """Per-session LoRA overrides. Only rank and alpha may differ from the server (other keys are
    rejected unless equal to the server value). rank > 0, alpha > 0, rank <= server
    `max_lora_rank`; checked when the session is built (create_model: inside the future;
    create_session: 400). Defaults: the server's `lora_rank` (32) / `lora_alpha` (16).

        Attributes:
            lora_rank (int | None | Unset):
            lora_alpha (int | None | Unset):
            rank (int | None | Unset): Tinker alias of `lora_rank`. Sent together with `lora_rank`, the server uses this one
                (only `lora_rank`'s type is checked at HTTP level; this value when the session is built).
            alpha (int | None | Unset): Tinker alias of `lora_alpha`. Sent together with `lora_alpha`, the server uses this
                one
                (only `lora_alpha`'s type is checked at HTTP level; this value when the session is built).
    """

    lora_rank: int | None | Unset = UNSET
    lora_alpha: int | None | Unset = UNSET
    rank: int | None | Unset = UNSET
    alpha: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lora_rank: int | None | Unset
        if isinstance(self.lora_rank, Unset):
            lora_rank = UNSET
        else:
            lora_rank = self.lora_rank

        lora_alpha: int | None | Unset
        if isinstance(self.lora_alpha, Unset):
            lora_alpha = UNSET
        else:
            lora_alpha = self.lora_alpha

        rank: int | None | Unset
        if isinstance(self.rank, Unset):
            rank = UNSET
        else:
            rank = self.rank

        alpha: int | None | Unset
        if isinstance(self.alpha, Unset):
            alpha = UNSET
        else:
            alpha = self.alpha

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if lora_rank is not UNSET:
            field_dict["lora_rank"] = lora_rank
        if lora_alpha is not UNSET:
            field_dict["lora_alpha"] = lora_alpha
        if rank is not UNSET:
            field_dict["rank"] = rank
        if alpha is not UNSET:
            field_dict["alpha"] = alpha

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_lora_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lora_rank = _parse_lora_rank(d.pop("lora_rank", UNSET))

        def _parse_lora_alpha(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lora_alpha = _parse_lora_alpha(d.pop("lora_alpha", UNSET))

        def _parse_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rank = _parse_rank(d.pop("rank", UNSET))

        def _parse_alpha(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        alpha = _parse_alpha(d.pop("alpha", UNSET))

        lo_ra_config_request = cls(
            lora_rank=lora_rank,
            lora_alpha=lora_alpha,
            rank=rank,
            alpha=alpha,
        )

        lo_ra_config_request.additional_properties = d
        return lo_ra_config_request

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
