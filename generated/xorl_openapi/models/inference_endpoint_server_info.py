from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.quantization_config import QuantizationConfig


T = TypeVar("T", bound="InferenceEndpointServerInfo")


@_attrs_define
class InferenceEndpointServerInfo:
    """What the endpoint's `/server_info` reported (all members nullable).

    Attributes:
        model_path (None | str | Unset):
        served_model_name (None | str | Unset):
        tp_size (int | None | Unset):
        quantization (None | str | Unset):
        quantization_config (None | QuantizationConfig | Unset):
        dtype (None | str | Unset):
        kv_cache_dtype (None | str | Unset):
        fp8_kv_cache_enabled (bool | None | Unset):
        fp8_kv_cache_requires_postprocess (bool | None | Unset):
        fp8_kv_cache_static_scales (bool | None | Unset):
        cache_epoch (Any | Unset): Opaque cache epoch (any JSON).
        radix_cache_enabled (bool | None | Unset):
        enable_lora (bool | None | Unset):
        max_lora_rank (int | None | Unset):
        version (None | str | Unset):
    """

    model_path: None | str | Unset = UNSET
    served_model_name: None | str | Unset = UNSET
    tp_size: int | None | Unset = UNSET
    quantization: None | str | Unset = UNSET
    quantization_config: None | QuantizationConfig | Unset = UNSET
    dtype: None | str | Unset = UNSET
    kv_cache_dtype: None | str | Unset = UNSET
    fp8_kv_cache_enabled: bool | None | Unset = UNSET
    fp8_kv_cache_requires_postprocess: bool | None | Unset = UNSET
    fp8_kv_cache_static_scales: bool | None | Unset = UNSET
    cache_epoch: Any | Unset = UNSET
    radix_cache_enabled: bool | None | Unset = UNSET
    enable_lora: bool | None | Unset = UNSET
    max_lora_rank: int | None | Unset = UNSET
    version: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.quantization_config import QuantizationConfig  # noqa: PLC0415

        model_path: None | str | Unset
        if isinstance(self.model_path, Unset):
            model_path = UNSET
        else:
            model_path = self.model_path

        served_model_name: None | str | Unset
        if isinstance(self.served_model_name, Unset):
            served_model_name = UNSET
        else:
            served_model_name = self.served_model_name

        tp_size: int | None | Unset
        if isinstance(self.tp_size, Unset):
            tp_size = UNSET
        else:
            tp_size = self.tp_size

        quantization: None | str | Unset
        if isinstance(self.quantization, Unset):
            quantization = UNSET
        else:
            quantization = self.quantization

        quantization_config: dict[str, Any] | None | Unset
        if isinstance(self.quantization_config, Unset):
            quantization_config = UNSET
        elif isinstance(self.quantization_config, QuantizationConfig):
            quantization_config = self.quantization_config.to_dict()
        else:
            quantization_config = self.quantization_config

        dtype: None | str | Unset
        if isinstance(self.dtype, Unset):
            dtype = UNSET
        else:
            dtype = self.dtype

        kv_cache_dtype: None | str | Unset
        if isinstance(self.kv_cache_dtype, Unset):
            kv_cache_dtype = UNSET
        else:
            kv_cache_dtype = self.kv_cache_dtype

        fp8_kv_cache_enabled: bool | None | Unset
        if isinstance(self.fp8_kv_cache_enabled, Unset):
            fp8_kv_cache_enabled = UNSET
        else:
            fp8_kv_cache_enabled = self.fp8_kv_cache_enabled

        fp8_kv_cache_requires_postprocess: bool | None | Unset
        if isinstance(self.fp8_kv_cache_requires_postprocess, Unset):
            fp8_kv_cache_requires_postprocess = UNSET
        else:
            fp8_kv_cache_requires_postprocess = self.fp8_kv_cache_requires_postprocess

        fp8_kv_cache_static_scales: bool | None | Unset
        if isinstance(self.fp8_kv_cache_static_scales, Unset):
            fp8_kv_cache_static_scales = UNSET
        else:
            fp8_kv_cache_static_scales = self.fp8_kv_cache_static_scales

        cache_epoch = self.cache_epoch

        radix_cache_enabled: bool | None | Unset
        if isinstance(self.radix_cache_enabled, Unset):
            radix_cache_enabled = UNSET
        else:
            radix_cache_enabled = self.radix_cache_enabled

        enable_lora: bool | None | Unset
        if isinstance(self.enable_lora, Unset):
            enable_lora = UNSET
        else:
            enable_lora = self.enable_lora

        max_lora_rank: int | None | Unset
        if isinstance(self.max_lora_rank, Unset):
            max_lora_rank = UNSET
        else:
            max_lora_rank = self.max_lora_rank

        version: None | str | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if model_path is not UNSET:
            field_dict["model_path"] = model_path
        if served_model_name is not UNSET:
            field_dict["served_model_name"] = served_model_name
        if tp_size is not UNSET:
            field_dict["tp_size"] = tp_size
        if quantization is not UNSET:
            field_dict["quantization"] = quantization
        if quantization_config is not UNSET:
            field_dict["quantization_config"] = quantization_config
        if dtype is not UNSET:
            field_dict["dtype"] = dtype
        if kv_cache_dtype is not UNSET:
            field_dict["kv_cache_dtype"] = kv_cache_dtype
        if fp8_kv_cache_enabled is not UNSET:
            field_dict["fp8_kv_cache_enabled"] = fp8_kv_cache_enabled
        if fp8_kv_cache_requires_postprocess is not UNSET:
            field_dict["fp8_kv_cache_requires_postprocess"] = fp8_kv_cache_requires_postprocess
        if fp8_kv_cache_static_scales is not UNSET:
            field_dict["fp8_kv_cache_static_scales"] = fp8_kv_cache_static_scales
        if cache_epoch is not UNSET:
            field_dict["cache_epoch"] = cache_epoch
        if radix_cache_enabled is not UNSET:
            field_dict["radix_cache_enabled"] = radix_cache_enabled
        if enable_lora is not UNSET:
            field_dict["enable_lora"] = enable_lora
        if max_lora_rank is not UNSET:
            field_dict["max_lora_rank"] = max_lora_rank
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quantization_config import QuantizationConfig  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_model_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_path = _parse_model_path(d.pop("model_path", UNSET))

        def _parse_served_model_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        served_model_name = _parse_served_model_name(d.pop("served_model_name", UNSET))

        def _parse_tp_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        tp_size = _parse_tp_size(d.pop("tp_size", UNSET))

        def _parse_quantization(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        quantization = _parse_quantization(d.pop("quantization", UNSET))

        def _parse_quantization_config(data: object) -> None | QuantizationConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quantization_config_type_0 = QuantizationConfig.from_dict(data)

                return quantization_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuantizationConfig | Unset, data)

        quantization_config = _parse_quantization_config(d.pop("quantization_config", UNSET))

        def _parse_dtype(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        dtype = _parse_dtype(d.pop("dtype", UNSET))

        def _parse_kv_cache_dtype(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        kv_cache_dtype = _parse_kv_cache_dtype(d.pop("kv_cache_dtype", UNSET))

        def _parse_fp8_kv_cache_enabled(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        fp8_kv_cache_enabled = _parse_fp8_kv_cache_enabled(d.pop("fp8_kv_cache_enabled", UNSET))

        def _parse_fp8_kv_cache_requires_postprocess(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        fp8_kv_cache_requires_postprocess = _parse_fp8_kv_cache_requires_postprocess(
            d.pop("fp8_kv_cache_requires_postprocess", UNSET)
        )

        def _parse_fp8_kv_cache_static_scales(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        fp8_kv_cache_static_scales = _parse_fp8_kv_cache_static_scales(d.pop("fp8_kv_cache_static_scales", UNSET))

        cache_epoch = d.pop("cache_epoch", UNSET)

        def _parse_radix_cache_enabled(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        radix_cache_enabled = _parse_radix_cache_enabled(d.pop("radix_cache_enabled", UNSET))

        def _parse_enable_lora(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        enable_lora = _parse_enable_lora(d.pop("enable_lora", UNSET))

        def _parse_max_lora_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_lora_rank = _parse_max_lora_rank(d.pop("max_lora_rank", UNSET))

        def _parse_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        inference_endpoint_server_info = cls(
            model_path=model_path,
            served_model_name=served_model_name,
            tp_size=tp_size,
            quantization=quantization,
            quantization_config=quantization_config,
            dtype=dtype,
            kv_cache_dtype=kv_cache_dtype,
            fp8_kv_cache_enabled=fp8_kv_cache_enabled,
            fp8_kv_cache_requires_postprocess=fp8_kv_cache_requires_postprocess,
            fp8_kv_cache_static_scales=fp8_kv_cache_static_scales,
            cache_epoch=cache_epoch,
            radix_cache_enabled=radix_cache_enabled,
            enable_lora=enable_lora,
            max_lora_rank=max_lora_rank,
            version=version,
        )

        inference_endpoint_server_info.additional_properties = d
        return inference_endpoint_server_info

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
