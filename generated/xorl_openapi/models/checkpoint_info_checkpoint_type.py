from typing import Literal

CheckpointInfoCheckpointType = Literal["sampler", "training"]

CHECKPOINT_INFO_CHECKPOINT_TYPE_VALUES: set[CheckpointInfoCheckpointType] = {
    "sampler",
    "training",
}


def check_checkpoint_info_checkpoint_type(value: str) -> CheckpointInfoCheckpointType:
    if value in CHECKPOINT_INFO_CHECKPOINT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CHECKPOINT_INFO_CHECKPOINT_TYPE_VALUES!r}")
