from typing import Literal

OptimizerDtype = Literal["bf16", "fp32"]

OPTIMIZER_DTYPE_VALUES: set[OptimizerDtype] = {
    "bf16",
    "fp32",
}


def check_optimizer_dtype(value: str) -> OptimizerDtype:
    if value in OPTIMIZER_DTYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OPTIMIZER_DTYPE_VALUES!r}")
