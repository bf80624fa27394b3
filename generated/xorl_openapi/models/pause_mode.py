from typing import Literal

PauseMode = Literal["abort", "in_place", "retract"]

PAUSE_MODE_VALUES: set[PauseMode] = {
    "abort",
    "in_place",
    "retract",
}


def check_pause_mode(value: str) -> PauseMode:
    if value in PAUSE_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAUSE_MODE_VALUES!r}")
