from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.generate_meta_info import GenerateMetaInfo


T = TypeVar("T", bound="GenerateOutput")


@_attrs_define
class GenerateOutput:
    """
    Attributes:
        meta_info (GenerateMetaInfo):
        text (str | Unset): Decoded completion.
        output_ids (list[int] | Unset): Generated token ids (completion only).
    """

    meta_info: GenerateMetaInfo
    text: str | Unset = UNSET
    output_ids: list[int] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        meta_info = self.meta_info.to_dict()

        text = self.text

        output_ids: list[int] | Unset = UNSET
        if not isinstance(self.output_ids, Unset):
            output_ids = self.output_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "meta_info": meta_info,
            }
        )
        if text is not UNSET:
            field_dict["text"] = text
        if output_ids is not UNSET:
            field_dict["output_ids"] = output_ids

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.generate_meta_info import GenerateMetaInfo  # noqa: PLC0415

        d = dict(src_dict)
        meta_info = GenerateMetaInfo.from_dict(d.pop("meta_info"))

        text = d.pop("text", UNSET)

        output_ids = cast(list[int], d.pop("output_ids", UNSET))

        generate_output = cls(
            meta_info=meta_info,
            text=text,
            output_ids=output_ids,
        )

        generate_output.additional_properties = d
        return generate_output

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
