from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.checkpoint_info import CheckpointInfo
    from ..models.user_metadata import UserMetadata


T = TypeVar("T", bound="TrainingRun")


@_attrs_define
class TrainingRun:
    """
    Attributes:
        training_run_id (str): The model id.
        base_model (str):
        model_owner (str): Always `local`.
        is_lora (bool):
        corrupted (bool):
        lora_rank (int | None):
        last_request_time (str): ISO 8601 without timezone; always the time of this request.
        last_checkpoint (CheckpointInfo | None): Newest training checkpoint in `weights/<model_id>/`.
        last_sampler_checkpoint (CheckpointInfo | None): Newest sampler export (global, not per model).
        user_metadata (None | UserMetadata):
    """

    training_run_id: str
    base_model: str
    model_owner: str
    is_lora: bool
    corrupted: bool
    lora_rank: int | None
    last_request_time: str
    last_checkpoint: CheckpointInfo | None
    last_sampler_checkpoint: CheckpointInfo | None
    user_metadata: None | UserMetadata
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.checkpoint_info import CheckpointInfo  # noqa: PLC0415
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        training_run_id = self.training_run_id

        base_model = self.base_model

        model_owner = self.model_owner

        is_lora = self.is_lora

        corrupted = self.corrupted

        lora_rank: int | None
        lora_rank = self.lora_rank

        last_request_time = self.last_request_time

        last_checkpoint: dict[str, Any] | None
        if isinstance(self.last_checkpoint, CheckpointInfo):
            last_checkpoint = self.last_checkpoint.to_dict()
        else:
            last_checkpoint = self.last_checkpoint

        last_sampler_checkpoint: dict[str, Any] | None
        if isinstance(self.last_sampler_checkpoint, CheckpointInfo):
            last_sampler_checkpoint = self.last_sampler_checkpoint.to_dict()
        else:
            last_sampler_checkpoint = self.last_sampler_checkpoint

        user_metadata: dict[str, Any] | None
        if isinstance(self.user_metadata, UserMetadata):
            user_metadata = self.user_metadata.to_dict()
        else:
            user_metadata = self.user_metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "training_run_id": training_run_id,
                "base_model": base_model,
                "model_owner": model_owner,
                "is_lora": is_lora,
                "corrupted": corrupted,
                "lora_rank": lora_rank,
                "last_request_time": last_request_time,
                "last_checkpoint": last_checkpoint,
                "last_sampler_checkpoint": last_sampler_checkpoint,
                "user_metadata": user_metadata,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checkpoint_info import CheckpointInfo  # noqa: PLC0415
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        d = dict(src_dict)
        training_run_id = d.pop("training_run_id")

        base_model = d.pop("base_model")

        model_owner = d.pop("model_owner")

        is_lora = d.pop("is_lora")

        corrupted = d.pop("corrupted")

        def _parse_lora_rank(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        lora_rank = _parse_lora_rank(d.pop("lora_rank"))

        last_request_time = d.pop("last_request_time")

        def _parse_last_checkpoint(data: object) -> CheckpointInfo | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_checkpoint_type_0 = CheckpointInfo.from_dict(data)

                return last_checkpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckpointInfo | None, data)

        last_checkpoint = _parse_last_checkpoint(d.pop("last_checkpoint"))

        def _parse_last_sampler_checkpoint(data: object) -> CheckpointInfo | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_sampler_checkpoint_type_0 = CheckpointInfo.from_dict(data)

                return last_sampler_checkpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckpointInfo | None, data)

        last_sampler_checkpoint = _parse_last_sampler_checkpoint(d.pop("last_sampler_checkpoint"))

        def _parse_user_metadata(data: object) -> None | UserMetadata:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_metadata_type_0 = UserMetadata.from_dict(data)

                return user_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UserMetadata, data)

        user_metadata = _parse_user_metadata(d.pop("user_metadata"))

        training_run = cls(
            training_run_id=training_run_id,
            base_model=base_model,
            model_owner=model_owner,
            is_lora=is_lora,
            corrupted=corrupted,
            lora_rank=lora_rank,
            last_request_time=last_request_time,
            last_checkpoint=last_checkpoint,
            last_sampler_checkpoint=last_sampler_checkpoint,
            user_metadata=user_metadata,
        )

        training_run.additional_properties = d
        return training_run

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
