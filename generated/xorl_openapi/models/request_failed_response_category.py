from typing import Literal

RequestFailedResponseCategory = Literal["server", "unknown", "user"]

REQUEST_FAILED_RESPONSE_CATEGORY_VALUES: set[RequestFailedResponseCategory] = {
    "server",
    "unknown",
    "user",
}


def check_request_failed_response_category(value: str) -> RequestFailedResponseCategory:
    if value in REQUEST_FAILED_RESPONSE_CATEGORY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {REQUEST_FAILED_RESPONSE_CATEGORY_VALUES!r}")
