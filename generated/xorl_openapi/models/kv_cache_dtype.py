from typing import Literal

KvCacheDtype = Literal["auto", "fp8", "fp8_e4m3"]

KV_CACHE_DTYPE_VALUES: set[KvCacheDtype] = {
    "auto",
    "fp8",
    "fp8_e4m3",
}


def check_kv_cache_dtype(value: str) -> KvCacheDtype:
    if value in KV_CACHE_DTYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KV_CACHE_DTYPE_VALUES!r}")
