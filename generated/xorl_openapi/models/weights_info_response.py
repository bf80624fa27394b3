from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.checkpoint_lo_ra_config import CheckpointLoRAConfig
    from ..models.checkpoint_optimizer_config import CheckpointOptimizerConfig


T = TypeVar("T", bound="WeightsInfoResponse")


@_attrs_define
class WeightsInfoResponse:
    """
    Attributes:
        base_model (str):
        is_lora (bool):
        lora_rank (int | None | Unset): Mirrors `lora_config.lora_rank`.
        lora_config (CheckpointLoRAConfig | None | Unset):
        optimizer_config (CheckpointOptimizerConfig | None | Unset):
    """

    base_model: str
    is_lora: bool
    lora_rank: int | None | Unset = UNSET
    lora_config: CheckpointLoRAConfig | None | Unset = UNSET
    optimizer_config: CheckpointOptimizerConfig | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.checkpoint_lo_ra_config import CheckpointLoRAConfig  # noqa: PLC0415
        from ..models.checkpoint_optimizer_config import CheckpointOptimizerConfig  # noqa: PLC0415

        base_model = self.base_model

        is_lora = self.is_lora

        lora_rank: int | None | Unset
        if isinstance(self.lora_rank, Unset):
            lora_rank = UNSET
        else:
            lora_rank = self.lora_rank

        lora_config: dict[str, Any] | None | Unset
        if isinstance(self.lora_config, Unset):
            lora_config = UNSET
        elif isinstance(self.lora_config, CheckpointLoRAConfig):
            lora_config = self.lora_config.to_dict()
        else:
            lora_config = self.lora_config

        optimizer_config: dict[str, Any] | None | Unset
        if isinstance(self.optimizer_config, Unset):
            optimizer_config = UNSET
        elif isinstance(self.optimizer_config, CheckpointOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        else:
            optimizer_config = self.optimizer_config

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "base_model": base_model,
                "is_lora": is_lora,
            }
        )
        if lora_rank is not UNSET:
            field_dict["lora_rank"] = lora_rank
        if lora_config is not UNSET:
            field_dict["lora_config"] = lora_config
        if optimizer_config is not UNSET:
            field_dict["optimizer_config"] = optimizer_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checkpoint_lo_ra_config import CheckpointLoRAConfig  # noqa: PLC0415
        from ..models.checkpoint_optimizer_config import CheckpointOptimizerConfig  # noqa: PLC0415

        d = dict(src_dict)
        base_model = d.pop("base_model")

        is_lora = d.pop("is_lora")

        def _parse_lora_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lora_rank = _parse_lora_rank(d.pop("lora_rank", UNSET))

        def _parse_lora_config(data: object) -> CheckpointLoRAConfig | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lora_config_type_0 = CheckpointLoRAConfig.from_dict(data)

                return lora_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckpointLoRAConfig | None | Unset, data)

        lora_config = _parse_lora_config(d.pop("lora_config", UNSET))

        def _parse_optimizer_config(data: object) -> CheckpointOptimizerConfig | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                optimizer_config_type_0 = CheckpointOptimizerConfig.from_dict(data)

                return optimizer_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckpointOptimizerConfig | None | Unset, data)

        optimizer_config = _parse_optimizer_config(d.pop("optimizer_config", UNSET))

        weights_info_response = cls(
            base_model=base_model,
            is_lora=is_lora,
            lora_rank=lora_rank,
            lora_config=lora_config,
            optimizer_config=optimizer_config,
        )

        weights_info_response.additional_properties = d
        return weights_info_response

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
