from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cache_invalidation_mode import CacheInvalidationMode, check_cache_invalidation_mode
from ..models.pause_mode import PauseMode, check_pause_mode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.quantization_spec import QuantizationSpec


T = TypeVar("T", bound="SyncInferenceWeightsRequest")


@_attrs_define
class SyncInferenceWeightsRequest:
    """`quantization` is left out unless given: its mere presence (even null) overrides the default.

    Attributes:
        model_id (None | str | Unset): Session whose weights are synced (not checked against the registry).
        master_address (str | Unset): "" or "localhost" -> the server FQDN. Default: ''.
        master_port (int | Unset): 0 = ephemeral. Default: 0.
        group_name (str | Unset):  Default: 'weight_sync_group'.
        buffer_size_mb (int | Unset):  Default: 1024.
        flush_cache (bool | Unset): Request a receiver KV/prefix-cache flush. Default: False.
        cache_invalidation_mode (CacheInvalidationMode | Unset): `flush` forces a flush; `auto` flushes for FP8 weights
            + FP8 KV and whenever an endpoint has
            (or may have) the radix cache on; `none` keeps `flush_cache` as given.
        pause_mode (PauseMode | Unset): `in_place` becomes `retract` whenever a flush happens.
        weight_version (None | str | Unset): Metadata only.
        quantization (None | QuantizationSpec | Unset): When the key is present (even null) it overrides the default set
            by
            `set_sync_quantization` / auto-detection; validated like set_sync_quantization (400).
        pools (list[str] | None | Unset): Only endpoints whose `pool` is listed (null = all).
    """

    model_id: None | str | Unset = UNSET
    master_address: str | Unset = ""
    master_port: int | Unset = 0
    group_name: str | Unset = "weight_sync_group"
    buffer_size_mb: int | Unset = 1024
    flush_cache: bool | Unset = False
    cache_invalidation_mode: CacheInvalidationMode | Unset = UNSET
    pause_mode: PauseMode | Unset = UNSET
    weight_version: None | str | Unset = UNSET
    quantization: None | QuantizationSpec | Unset = UNSET
    pools: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.quantization_spec import QuantizationSpec  # noqa: PLC0415

        model_id: None | str | Unset
        if isinstance(self.model_id, Unset):
            model_id = UNSET
        else:
            model_id = self.model_id

        master_address = self.master_address

        master_port = self.master_port

        group_name = self.group_name

        buffer_size_mb = self.buffer_size_mb

        flush_cache = self.flush_cache

        cache_invalidation_mode: str | Unset = UNSET
        if not isinstance(self.cache_invalidation_mode, Unset):
            cache_invalidation_mode = self.cache_invalidation_mode

        pause_mode: str | Unset = UNSET
        if not isinstance(self.pause_mode, Unset):
            pause_mode = self.pause_mode

        weight_version: None | str | Unset
        if isinstance(self.weight_version, Unset):
            weight_version = UNSET
        else:
            weight_version = self.weight_version

        quantization: dict[str, Any] | None | Unset
        if isinstance(self.quantization, Unset):
            quantization = UNSET
        elif isinstance(self.quantization, QuantizationSpec):
            quantization = self.quantization.to_dict()
        else:
            quantization = self.quantization

        pools: list[str] | None | Unset
        if isinstance(self.pools, Unset):
            pools = UNSET
        elif isinstance(self.pools, list):
            pools = self.pools

        else:
            pools = self.pools

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if master_address is not UNSET:
            field_dict["master_address"] = master_address
        if master_port is not UNSET:
            field_dict["master_port"] = master_port
        if group_name is not UNSET:
            field_dict["group_name"] = group_name
        if buffer_size_mb is not UNSET:
            field_dict["buffer_size_mb"] = buffer_size_mb
        if flush_cache is not UNSET:
            field_dict["flush_cache"] = flush_cache
        if cache_invalidation_mode is not UNSET:
            field_dict["cache_invalidation_mode"] = cache_invalidation_mode
        if pause_mode is not UNSET:
            field_dict["pause_mode"] = pause_mode
        if weight_version is not UNSET:
            field_dict["weight_version"] = weight_version
        if quantization is not UNSET:
            field_dict["quantization"] = quantization
        if pools is not UNSET:
            field_dict["pools"] = pools

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quantization_spec import QuantizationSpec  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_model_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_id = _parse_model_id(d.pop("model_id", UNSET))

        master_address = d.pop("master_address", UNSET)

        master_port = d.pop("master_port", UNSET)

        group_name = d.pop("group_name", UNSET)

        buffer_size_mb = d.pop("buffer_size_mb", UNSET)

        flush_cache = d.pop("flush_cache", UNSET)

        _cache_invalidation_mode = d.pop("cache_invalidation_mode", UNSET)
        cache_invalidation_mode: CacheInvalidationMode | Unset
        if isinstance(_cache_invalidation_mode, Unset):
            cache_invalidation_mode = UNSET
        else:
            cache_invalidation_mode = check_cache_invalidation_mode(_cache_invalidation_mode)

        _pause_mode = d.pop("pause_mode", UNSET)
        pause_mode: PauseMode | Unset
        if isinstance(_pause_mode, Unset):
            pause_mode = UNSET
        else:
            pause_mode = check_pause_mode(_pause_mode)

        def _parse_weight_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        weight_version = _parse_weight_version(d.pop("weight_version", UNSET))

        def _parse_quantization(data: object) -> None | QuantizationSpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quantization_type_0 = QuantizationSpec.from_dict(data)

                return quantization_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuantizationSpec | Unset, data)

        quantization = _parse_quantization(d.pop("quantization", UNSET))

        def _parse_pools(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                pools_type_0 = cast(list[str], data)

                return pools_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        pools = _parse_pools(d.pop("pools", UNSET))

        sync_inference_weights_request = cls(
            model_id=model_id,
            master_address=master_address,
            master_port=master_port,
            group_name=group_name,
            buffer_size_mb=buffer_size_mb,
            flush_cache=flush_cache,
            cache_invalidation_mode=cache_invalidation_mode,
            pause_mode=pause_mode,
            weight_version=weight_version,
            quantization=quantization,
            pools=pools,
        )

        sync_inference_weights_request.additional_properties = d
        return sync_inference_weights_request

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
