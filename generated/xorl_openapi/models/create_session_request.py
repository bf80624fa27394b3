from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.lo_ra_config_request import LoRAConfigRequest


T = TypeVar("T", bound="CreateSessionRequest")


@_attrs_define
class CreateSessionRequest:
    """
    Attributes:
        session_id (None | str | Unset): Session id; absent -> the server generates a UUID4 string.
        model_id (str | Unset): Alias of `session_id`, used only when `session_id` is absent.
        base_model (None | str | Unset): Full-weight mode stores it as metadata (default the server base model or
            "unknown").
        lora_config (LoRAConfigRequest | None | Unset):
    """

    session_id: None | str | Unset = UNSET
    model_id: str | Unset = UNSET
    base_model: None | str | Unset = UNSET
    lora_config: LoRAConfigRequest | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.lo_ra_config_request import LoRAConfigRequest  # noqa: PLC0415

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        model_id = self.model_id

        base_model: None | str | Unset
        if isinstance(self.base_model, Unset):
            base_model = UNSET
        else:
            base_model = self.base_model

        lora_config: dict[str, Any] | None | Unset
        if isinstance(self.lora_config, Unset):
            lora_config = UNSET
        elif isinstance(self.lora_config, LoRAConfigRequest):
            lora_config = self.lora_config.to_dict()
        else:
            lora_config = self.lora_config

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if base_model is not UNSET:
            field_dict["base_model"] = base_model
        if lora_config is not UNSET:
            field_dict["lora_config"] = lora_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lo_ra_config_request import LoRAConfigRequest  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        model_id = d.pop("model_id", UNSET)

        def _parse_base_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        base_model = _parse_base_model(d.pop("base_model", UNSET))

        def _parse_lora_config(data: object) -> LoRAConfigRequest | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lora_config_type_0 = LoRAConfigRequest.from_dict(data)

                return lora_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LoRAConfigRequest | None | Unset, data)

        lora_config = _parse_lora_config(d.pop("lora_config", UNSET))

        create_session_request = cls(
            session_id=session_id,
            model_id=model_id,
            base_model=base_model,
            lora_config=lora_config,
        )

        create_session_request.additional_properties = d
        return create_session_request

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
