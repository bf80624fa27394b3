from typing import Literal

CacheInvalidationMode = Literal["auto", "flush", "none"]

CACHE_INVALIDATION_MODE_VALUES: set[CacheInvalidationMode] = {
    "auto",
    "flush",
    "none",
}


def check_cache_invalidation_mode(value: str) -> CacheInvalidationMode:
    if value in CACHE_INVALIDATION_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CACHE_INVALIDATION_MODE_VALUES!r}")
