from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.kv_cache_dtype import KvCacheDtype, check_kv_cache_dtype
from ..types import UNSET, Unset

T = TypeVar("T", bound="AddInferenceEndpointRequest")


@_attrs_define
class AddInferenceEndpointRequest:
    """
    Attributes:
        host (str): Must pass the outbound allowlist; stored as the resolved IP literal.
        port (int): Checked by the server, not the model: outside 1-65535 -> 400 `"Endpoint port must be in [1, 65535],
            got <p>"`.
        worker_port (int | None | Unset): Port for LoRA load/unload and its health check (null -> `port`; same range
            rule).
        world_size (int | Unset): Replaced by `/server_info` `tp_size` when that is > 1. Default: 1.
        pool (str | Unset): Tag for selective sync (`pools`). Default: 'default'.
        receiver_kv_cache_dtype (KvCacheDtype | None | Unset): Require the receiver to report an FP8 KV cache.
        sync_weights (bool | Unset): Push weights right after registering. Default: False.
        master_address (None | str | Unset): NCCL rendezvous host for that push (null -> server FQDN).
        master_port (int | Unset): 0 = ephemeral. Default: 0.
        group_name (str | Unset):  Default: 'weight_sync_group'.
        buffer_size_mb (int | Unset):  Default: 1024.
    """

    host: str
    port: int
    worker_port: int | None | Unset = UNSET
    world_size: int | Unset = 1
    pool: str | Unset = "default"
    receiver_kv_cache_dtype: KvCacheDtype | None | Unset = UNSET
    sync_weights: bool | Unset = False
    master_address: None | str | Unset = UNSET
    master_port: int | Unset = 0
    group_name: str | Unset = "weight_sync_group"
    buffer_size_mb: int | Unset = 1024
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

        worker_port: int | None | Unset
        if isinstance(self.worker_port, Unset):
            worker_port = UNSET
        else:
            worker_port = self.worker_port

        world_size = self.world_size

        pool = self.pool

        receiver_kv_cache_dtype: None | str | Unset
        if isinstance(self.receiver_kv_cache_dtype, Unset):
            receiver_kv_cache_dtype = UNSET
        elif isinstance(self.receiver_kv_cache_dtype, str):
            receiver_kv_cache_dtype = self.receiver_kv_cache_dtype
        else:
            receiver_kv_cache_dtype = self.receiver_kv_cache_dtype

        sync_weights = self.sync_weights

        master_address: None | str | Unset
        if isinstance(self.master_address, Unset):
            master_address = UNSET
        else:
            master_address = self.master_address

        master_port = self.master_port

        group_name = self.group_name

        buffer_size_mb = self.buffer_size_mb

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "host": host,
                "port": port,
            }
        )
        if worker_port is not UNSET:
            field_dict["worker_port"] = worker_port
        if world_size is not UNSET:
            field_dict["world_size"] = world_size
        if pool is not UNSET:
            field_dict["pool"] = pool
        if receiver_kv_cache_dtype is not UNSET:
            field_dict["receiver_kv_cache_dtype"] = receiver_kv_cache_dtype
        if sync_weights is not UNSET:
            field_dict["sync_weights"] = sync_weights
        if master_address is not UNSET:
            field_dict["master_address"] = master_address
        if master_port is not UNSET:
            field_dict["master_port"] = master_port
        if group_name is not UNSET:
            field_dict["group_name"] = group_name
        if buffer_size_mb is not UNSET:
            field_dict["buffer_size_mb"] = buffer_size_mb

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        def _parse_worker_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        worker_port = _parse_worker_port(d.pop("worker_port", UNSET))

        world_size = d.pop("world_size", UNSET)

        pool = d.pop("pool", UNSET)

        def _parse_receiver_kv_cache_dtype(data: object) -> KvCacheDtype | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                receiver_kv_cache_dtype_type_0 = check_kv_cache_dtype(data)

                return receiver_kv_cache_dtype_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KvCacheDtype | None | Unset, data)

        receiver_kv_cache_dtype = _parse_receiver_kv_cache_dtype(d.pop("receiver_kv_cache_dtype", UNSET))

        sync_weights = d.pop("sync_weights", UNSET)

        def _parse_master_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        master_address = _parse_master_address(d.pop("master_address", UNSET))

        master_port = d.pop("master_port", UNSET)

        group_name = d.pop("group_name", UNSET)

        buffer_size_mb = d.pop("buffer_size_mb", UNSET)

        add_inference_endpoint_request = cls(
            host=host,
            port=port,
            worker_port=worker_port,
            world_size=world_size,
            pool=pool,
            receiver_kv_cache_dtype=receiver_kv_cache_dtype,
            sync_weights=sync_weights,
            master_address=master_address,
            master_port=master_port,
            group_name=group_name,
            buffer_size_mb=buffer_size_mb,
        )

        add_inference_endpoint_request.additional_properties = d
        return add_inference_endpoint_request

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
