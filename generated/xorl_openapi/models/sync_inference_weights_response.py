from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cache_invalidation_mode import CacheInvalidationMode, check_cache_invalidation_mode

if TYPE_CHECKING:
    from ..models.endpoint_sync_result import EndpointSyncResult
    from ..models.p2p_rank_summary import P2PRankSummary
    from ..models.timing_breakdown import TimingBreakdown


T = TypeVar("T", bound="SyncInferenceWeightsResponse")


@_attrs_define
class SyncInferenceWeightsResponse:
    """
    Attributes:
        success (bool):
        message (str):
        transfer_time (float):
        total_bytes (int):
        num_parameters (int):
        num_buckets (int):
        timing_breakdown (TimingBreakdown): Seconds per sync phase.
        p2p_rank_summaries (list[P2PRankSummary]):
        cache_invalidation_mode (CacheInvalidationMode): `flush` forces a flush; `auto` flushes for FP8 weights + FP8 KV
            and whenever an endpoint has
            (or may have) the radix cache on; `none` keeps `flush_cache` as given.
        flush_cache (bool): The effective flush decision.
        fp8_kv_cache_enabled (bool):
        fp8_kv_cache_postprocess_requested (bool):
        fp8_kv_cache_static_scales (bool):
        cache_epoch (Any): Opaque cache epoch (any JSON).
        endpoints_synced (list[EndpointSyncResult]):
    """

    success: bool
    message: str
    transfer_time: float
    total_bytes: int
    num_parameters: int
    num_buckets: int
    timing_breakdown: TimingBreakdown
    p2p_rank_summaries: list[P2PRankSummary]
    cache_invalidation_mode: CacheInvalidationMode
    flush_cache: bool
    fp8_kv_cache_enabled: bool
    fp8_kv_cache_postprocess_requested: bool
    fp8_kv_cache_static_scales: bool
    cache_epoch: Any
    endpoints_synced: list[EndpointSyncResult]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        message = self.message

        transfer_time = self.transfer_time

        total_bytes = self.total_bytes

        num_parameters = self.num_parameters

        num_buckets = self.num_buckets

        timing_breakdown = self.timing_breakdown.to_dict()

        p2p_rank_summaries = []
        for p2p_rank_summaries_item_data in self.p2p_rank_summaries:
            p2p_rank_summaries_item = p2p_rank_summaries_item_data.to_dict()
            p2p_rank_summaries.append(p2p_rank_summaries_item)

        cache_invalidation_mode: str = self.cache_invalidation_mode

        flush_cache = self.flush_cache

        fp8_kv_cache_enabled = self.fp8_kv_cache_enabled

        fp8_kv_cache_postprocess_requested = self.fp8_kv_cache_postprocess_requested

        fp8_kv_cache_static_scales = self.fp8_kv_cache_static_scales

        cache_epoch = self.cache_epoch

        endpoints_synced = []
        for endpoints_synced_item_data in self.endpoints_synced:
            endpoints_synced_item = endpoints_synced_item_data.to_dict()
            endpoints_synced.append(endpoints_synced_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "message": message,
                "transfer_time": transfer_time,
                "total_bytes": total_bytes,
                "num_parameters": num_parameters,
                "num_buckets": num_buckets,
                "timing_breakdown": timing_breakdown,
                "p2p_rank_summaries": p2p_rank_summaries,
                "cache_invalidation_mode": cache_invalidation_mode,
                "flush_cache": flush_cache,
                "fp8_kv_cache_enabled": fp8_kv_cache_enabled,
                "fp8_kv_cache_postprocess_requested": fp8_kv_cache_postprocess_requested,
                "fp8_kv_cache_static_scales": fp8_kv_cache_static_scales,
                "cache_epoch": cache_epoch,
                "endpoints_synced": endpoints_synced,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_sync_result import EndpointSyncResult  # noqa: PLC0415
        from ..models.p2p_rank_summary import P2PRankSummary  # noqa: PLC0415
        from ..models.timing_breakdown import TimingBreakdown  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        message = d.pop("message")

        transfer_time = d.pop("transfer_time")

        total_bytes = d.pop("total_bytes")

        num_parameters = d.pop("num_parameters")

        num_buckets = d.pop("num_buckets")

        timing_breakdown = TimingBreakdown.from_dict(d.pop("timing_breakdown"))

        p2p_rank_summaries = []
        _p2p_rank_summaries = d.pop("p2p_rank_summaries")
        for p2p_rank_summaries_item_data in _p2p_rank_summaries:
            p2p_rank_summaries_item = P2PRankSummary.from_dict(p2p_rank_summaries_item_data)

            p2p_rank_summaries.append(p2p_rank_summaries_item)

        cache_invalidation_mode = check_cache_invalidation_mode(d.pop("cache_invalidation_mode"))

        flush_cache = d.pop("flush_cache")

        fp8_kv_cache_enabled = d.pop("fp8_kv_cache_enabled")

        fp8_kv_cache_postprocess_requested = d.pop("fp8_kv_cache_postprocess_requested")

        fp8_kv_cache_static_scales = d.pop("fp8_kv_cache_static_scales")

        cache_epoch = d.pop("cache_epoch")

        endpoints_synced = []
        _endpoints_synced = d.pop("endpoints_synced")
        for endpoints_synced_item_data in _endpoints_synced:
            endpoints_synced_item = EndpointSyncResult.from_dict(endpoints_synced_item_data)

            endpoints_synced.append(endpoints_synced_item)

        sync_inference_weights_response = cls(
            success=success,
            message=message,
            transfer_time=transfer_time,
            total_bytes=total_bytes,
            num_parameters=num_parameters,
            num_buckets=num_buckets,
            timing_breakdown=timing_breakdown,
            p2p_rank_summaries=p2p_rank_summaries,
            cache_invalidation_mode=cache_invalidation_mode,
            flush_cache=flush_cache,
            fp8_kv_cache_enabled=fp8_kv_cache_enabled,
            fp8_kv_cache_postprocess_requested=fp8_kv_cache_postprocess_requested,
            fp8_kv_cache_static_scales=fp8_kv_cache_static_scales,
            cache_epoch=cache_epoch,
            endpoints_synced=endpoints_synced,
        )

        sync_inference_weights_response.additional_properties = d
        return sync_inference_weights_response

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
