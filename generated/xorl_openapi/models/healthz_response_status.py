from typing import Literal

HealthzResponseStatus = Literal["not_initialized", "not_ready", "ok"]

HEALTHZ_RESPONSE_STATUS_VALUES: set[HealthzResponseStatus] = {
    "not_initialized",
    "not_ready",
    "ok",
}


def check_healthz_response_status(value: str) -> HealthzResponseStatus:
    if value in HEALTHZ_RESPONSE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HEALTHZ_RESPONSE_STATUS_VALUES!r}")
