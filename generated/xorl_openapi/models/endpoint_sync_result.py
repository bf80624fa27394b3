from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointSyncResult")


@_attrs_define
class EndpointSyncResult:
    """
    Attributes:
        host (str):
        port (int):
        success (bool):
        message (str | Unset):
        cache_epoch (Any | Unset): Opaque cache epoch (any JSON).
        fp8_kv_cache_postprocess_ran (bool | None | Unset):
        fp8_kv_cache_static_scales_updated (bool | None | Unset):
    """

    host: str
    port: int
    success: bool
    message: str | Unset = UNSET
    cache_epoch: Any | Unset = UNSET
    fp8_kv_cache_postprocess_ran: bool | None | Unset = UNSET
    fp8_kv_cache_static_scales_updated: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

        success = self.success

        message = self.message

        cache_epoch = self.cache_epoch

        fp8_kv_cache_postprocess_ran: bool | None | Unset
        if isinstance(self.fp8_kv_cache_postprocess_ran, Unset):
            fp8_kv_cache_postprocess_ran = UNSET
        else:
            fp8_kv_cache_postprocess_ran = self.fp8_kv_cache_postprocess_ran

        fp8_kv_cache_static_scales_updated: bool | None | Unset
        if isinstance(self.fp8_kv_cache_static_scales_updated, Unset):
            fp8_kv_cache_static_scales_updated = UNSET
        else:
            fp8_kv_cache_static_scales_updated = self.fp8_kv_cache_static_scales_updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "host": host,
                "port": port,
                "success": success,
            }
        )
        if message is not UNSET:
            field_dict["message"] = message
        if cache_epoch is not UNSET:
            field_dict["cache_epoch"] = cache_epoch
        if fp8_kv_cache_postprocess_ran is not UNSET:
            field_dict["fp8_kv_cache_postprocess_ran"] = fp8_kv_cache_postprocess_ran
        if fp8_kv_cache_static_scales_updated is not UNSET:
            field_dict["fp8_kv_cache_static_scales_updated"] = fp8_kv_cache_static_scales_updated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        success = d.pop("success")

        message = d.pop("message", UNSET)

        cache_epoch = d.pop("cache_epoch", UNSET)

        def _parse_fp8_kv_cache_postprocess_ran(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        fp8_kv_cache_postprocess_ran = _parse_fp8_kv_cache_postprocess_ran(d.pop("fp8_kv_cache_postprocess_ran", UNSET))

        def _parse_fp8_kv_cache_static_scales_updated(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        fp8_kv_cache_static_scales_updated = _parse_fp8_kv_cache_static_scales_updated(
            d.pop("fp8_kv_cache_static_scales_updated", UNSET)
        )

        endpoint_sync_result = cls(
            host=host,
            port=port,
            success=success,
            message=message,
            cache_epoch=cache_epoch,
            fp8_kv_cache_postprocess_ran=fp8_kv_cache_postprocess_ran,
            fp8_kv_cache_static_scales_updated=fp8_kv_cache_static_scales_updated,
        )

        endpoint_sync_result.additional_properties = d
        return endpoint_sync_result

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
