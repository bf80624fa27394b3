from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_input_chunk import ModelInputChunk
    from ..models.tensor_data import TensorData


T = TypeVar("T", bound="ModelInput")


@_attrs_define
class ModelInput:
    """Model inputs. `input_ids` is the xorl form; Tinker's `chunks` form is accepted too: when `chunks`
    is present the server replaces the whole `model_input` with `{"input_ids": <tokens of every chunk
    that has them, concatenated>}` (any `input_ids` and other keys are discarded; image chunks are
    dropped). Send one form, not both. Other keys map a per-token field name to an `InputType`.

        Attributes:
            input_ids (list[int] | Unset):
            chunks (list[ModelInputChunk] | Unset):
    """

    input_ids: list[int] | Unset = UNSET
    chunks: list[ModelInputChunk] | Unset = UNSET
    additional_properties: dict[str, list[float] | list[int] | list[str] | TensorData] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:
        input_ids: list[int] | Unset = UNSET
        if not isinstance(self.input_ids, Unset):
            input_ids = self.input_ids

        chunks: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.chunks, Unset):
            chunks = []
            for chunks_item_data in self.chunks:
                chunks_item = chunks_item_data.to_dict()
                chunks.append(chunks_item)

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, list):
                field_dict[prop_name] = prop

            elif isinstance(prop, list):
                field_dict[prop_name] = prop

            elif isinstance(prop, list):
                field_dict[prop_name] = prop

            else:
                field_dict[prop_name] = prop.to_dict()

        field_dict.update({})
        if input_ids is not UNSET:
            field_dict["input_ids"] = input_ids
        if chunks is not UNSET:
            field_dict["chunks"] = chunks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_input_chunk import ModelInputChunk  # noqa: PLC0415
        from ..models.tensor_data import TensorData  # noqa: PLC0415

        d = dict(src_dict)
        input_ids = cast(list[int], d.pop("input_ids", UNSET))

        _chunks = d.pop("chunks", UNSET)
        chunks: list[ModelInputChunk] | Unset = UNSET
        if _chunks is not UNSET:
            chunks = []
            for chunks_item_data in _chunks:
                chunks_item = ModelInputChunk.from_dict(chunks_item_data)

                chunks.append(chunks_item)

        model_input = cls(
            input_ids=input_ids,
            chunks=chunks,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(data: object) -> list[float] | list[int] | list[str] | TensorData:
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    componentsschemas_input_type_type_0 = cast(list[int], data)

                    return componentsschemas_input_type_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    componentsschemas_input_type_type_1 = cast(list[float], data)

                    return componentsschemas_input_type_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, list):
                        raise TypeError()
                    componentsschemas_input_type_type_2 = cast(list[str], data)

                    return componentsschemas_input_type_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_input_type_type_3 = TensorData.from_dict(data)

                return componentsschemas_input_type_type_3

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        model_input.additional_properties = additional_properties
        return model_input

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> list[float] | list[int] | list[str] | TensorData:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: list[float] | list[int] | list[str] | TensorData) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
