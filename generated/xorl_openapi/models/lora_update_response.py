from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.loaded_lora_adapters import LoadedLoraAdapters


T = TypeVar("T", bound="LoraUpdateResponse")


@_attrs_define
class LoraUpdateResponse:
    """SGLang's answer to an adapter load or unload.

    Attributes:
        success (bool):
        error_message (None | str | Unset):
        loaded_adapters (LoadedLoraAdapters | None | Unset):
    """

    success: bool
    error_message: None | str | Unset = UNSET
    loaded_adapters: LoadedLoraAdapters | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.loaded_lora_adapters import LoadedLoraAdapters  # noqa: PLC0415

        success = self.success

        error_message: None | str | Unset
        if isinstance(self.error_message, Unset):
            error_message = UNSET
        else:
            error_message = self.error_message

        loaded_adapters: dict[str, Any] | None | Unset
        if isinstance(self.loaded_adapters, Unset):
            loaded_adapters = UNSET
        elif isinstance(self.loaded_adapters, LoadedLoraAdapters):
            loaded_adapters = self.loaded_adapters.to_dict()
        else:
            loaded_adapters = self.loaded_adapters

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
            }
        )
        if error_message is not UNSET:
            field_dict["error_message"] = error_message
        if loaded_adapters is not UNSET:
            field_dict["loaded_adapters"] = loaded_adapters

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.loaded_lora_adapters import LoadedLoraAdapters  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        def _parse_error_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_message = _parse_error_message(d.pop("error_message", UNSET))

        def _parse_loaded_adapters(data: object) -> LoadedLoraAdapters | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                loaded_adapters_type_0 = LoadedLoraAdapters.from_dict(data)

                return loaded_adapters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LoadedLoraAdapters | None | Unset, data)

        loaded_adapters = _parse_loaded_adapters(d.pop("loaded_adapters", UNSET))

        lora_update_response = cls(
            success=success,
            error_message=error_message,
            loaded_adapters=loaded_adapters,
        )

        lora_update_response.additional_properties = d
        return lora_update_response

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
