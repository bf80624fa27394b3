from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.lo_ra_config_request import LoRAConfigRequest
    from ..models.optimizer_config_request import OptimizerConfigRequest


T = TypeVar("T", bound="CreateModelRequest")


@_attrs_define
class CreateModelRequest:
    """
    Attributes:
        base_model (str): Must equal the server's model (`model_name` or `model_path`); HF-cache paths
            `.../models--ORG--NAME/snapshots/...` are compared as `ORG/NAME`.
        model_id (str | Unset): Session to create (syntax checked synchronously; empty -> `default`). Full-weight
            servers accept only `default`. Default: 'default'.
        session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
            from
            this spec always send `model_id` when it has a default, which then wins: set `model_id`.
        lora_config (LoRAConfigRequest | None | Unset): LoRA mode only (full-weight mode fails the future).
        optimizer_config (None | OptimizerConfigRequest | Unset): LoRA mode only (full-weight mode fails the future).
    """

    base_model: str
    model_id: str | Unset = "default"
    session_id: str | Unset = UNSET
    lora_config: LoRAConfigRequest | None | Unset = UNSET
    optimizer_config: None | OptimizerConfigRequest | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.lo_ra_config_request import LoRAConfigRequest  # noqa: PLC0415
        from ..models.optimizer_config_request import OptimizerConfigRequest  # noqa: PLC0415

        base_model = self.base_model

        model_id = self.model_id

        session_id = self.session_id

        lora_config: dict[str, Any] | None | Unset
        if isinstance(self.lora_config, Unset):
            lora_config = UNSET
        elif isinstance(self.lora_config, LoRAConfigRequest):
            lora_config = self.lora_config.to_dict()
        else:
            lora_config = self.lora_config

        optimizer_config: dict[str, Any] | None | Unset
        if isinstance(self.optimizer_config, Unset):
            optimizer_config = UNSET
        elif isinstance(self.optimizer_config, OptimizerConfigRequest):
            optimizer_config = self.optimizer_config.to_dict()
        else:
            optimizer_config = self.optimizer_config

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "base_model": base_model,
            }
        )
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if lora_config is not UNSET:
            field_dict["lora_config"] = lora_config
        if optimizer_config is not UNSET:
            field_dict["optimizer_config"] = optimizer_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lo_ra_config_request import LoRAConfigRequest  # noqa: PLC0415
        from ..models.optimizer_config_request import OptimizerConfigRequest  # noqa: PLC0415

        d = dict(src_dict)
        base_model = d.pop("base_model")

        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

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

        def _parse_optimizer_config(data: object) -> None | OptimizerConfigRequest | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                optimizer_config_type_0 = OptimizerConfigRequest.from_dict(data)

                return optimizer_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OptimizerConfigRequest | Unset, data)

        optimizer_config = _parse_optimizer_config(d.pop("optimizer_config", UNSET))

        create_model_request = cls(
            base_model=base_model,
            model_id=model_id,
            session_id=session_id,
            lora_config=lora_config,
            optimizer_config=optimizer_config,
        )

        create_model_request.additional_properties = d
        return create_model_request

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
