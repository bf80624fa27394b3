from typing import Literal

OptimizerType = Literal["adamw", "anyprecision_adamw", "muon", "sgd", "signsgd"]

OPTIMIZER_TYPE_VALUES: set[OptimizerType] = {
    "adamw",
    "anyprecision_adamw",
    "muon",
    "sgd",
    "signsgd",
}


def check_optimizer_type(value: str) -> OptimizerType:
    if value in OPTIMIZER_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OPTIMIZER_TYPE_VALUES!r}")
