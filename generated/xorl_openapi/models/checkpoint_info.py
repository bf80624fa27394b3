from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.checkpoint_info_checkpoint_type import CheckpointInfoCheckpointType, check_checkpoint_info_checkpoint_type

T = TypeVar("T", bound="CheckpointInfo")


@_attrs_define
class CheckpointInfo:
    """
    Attributes:
        checkpoint_id (str): `weights/M/N` or `sampler_weights/N` (the id for delete_checkpoint).
        checkpoint_type (CheckpointInfoCheckpointType):
        time (str): Directory mtime, local-time ISO 8601 without a timezone (e.g. `2026-11-29T05:43:12.491415`).
        path (str): `xorl://M/weights/N` for training checkpoints, `sampler_weights/N` (no scheme) for sampler exports.
        size_bytes (int | None):
    """

    checkpoint_id: str
    checkpoint_type: CheckpointInfoCheckpointType
    time: str
    path: str
    size_bytes: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_id = self.checkpoint_id

        checkpoint_type: str = self.checkpoint_type

        time = self.time

        path = self.path

        size_bytes: int | None
        size_bytes = self.size_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checkpoint_id": checkpoint_id,
                "checkpoint_type": checkpoint_type,
                "time": time,
                "path": path,
                "size_bytes": size_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        checkpoint_id = d.pop("checkpoint_id")

        checkpoint_type = check_checkpoint_info_checkpoint_type(d.pop("checkpoint_type"))

        time = d.pop("time")

        path = d.pop("path")

        def _parse_size_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes"))

        checkpoint_info = cls(
            checkpoint_id=checkpoint_id,
            checkpoint_type=checkpoint_type,
            time=time,
            path=path,
            size_bytes=size_bytes,
        )

        checkpoint_info.additional_properties = d
        return checkpoint_info

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
