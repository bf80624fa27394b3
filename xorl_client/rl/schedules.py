"""Learning-rate schedules computed on the client (the server takes one learning rate per step).

For a one-indexed optimizer ``step`` of ``total_steps``, with ``base = base_learning_rate``,
``low = min_learning_rate`` and ``W = warmup_steps``::

    warm-up (W > 0 and step <= W):  lr = base * step / W
    "constant" after warm-up:       lr = base
    "cosine" after warm-up:         progress = clamp((step - W) / max(1, total_steps - W), 0, 1)
                                    lr = low + 0.5 * (base - low) * (1 + cos(pi * progress))

The cosine reaches ``low`` at ``step == total_steps`` and stays there for later steps.

>>> learning_rate_at_step(base_learning_rate=1.0, step=1, total_steps=10, warmup_steps=4)
0.25
>>> learning_rate_at_step(base_learning_rate=1.0, step=7, total_steps=10, schedule="cosine",
...                       warmup_steps=4, min_learning_rate=0.1)
0.55
"""

from __future__ import annotations

import math
from typing import Literal, get_args

from xorl_client.errors import DataValidationError

from ._checks import integer, number

__all__ = ["Schedule", "learning_rate_at_step"]

Schedule = Literal["constant", "cosine"]
_SCHEDULES: tuple[str, ...] = get_args(Schedule)


def _refuse(name: str, message: str, rule: str) -> DataValidationError:
    return DataValidationError(message, field=name, rule=rule)


def learning_rate_at_step(
    *,
    base_learning_rate: float,
    step: int,
    total_steps: int,
    schedule: Schedule = "constant",
    warmup_steps: int = 0,
    min_learning_rate: float = 0.0,
) -> float:
    """The learning rate for one-indexed optimizer ``step`` (formulas in the module doc).

    Pass it to ``AdamParams(learning_rate=...)`` of that step's ``optim_step``.

    Raises:
        DataValidationError: (a ``ValueError``) ``step`` or ``total_steps`` below 1,
            ``warmup_steps`` outside ``[0, total_steps]``, ``min_learning_rate`` outside
            ``[0, base_learning_rate]``, a non-finite rate, or an unknown ``schedule``.
    """
    at = integer(step, "step", "step >= 1")
    total = integer(total_steps, "total_steps", "total_steps >= 1")
    warmup = integer(warmup_steps, "warmup_steps", "0 <= warmup_steps <= total_steps")
    base = number(base_learning_rate, "base_learning_rate")
    low = number(min_learning_rate, "min_learning_rate")
    if at < 1 or total < 1:
        name, value = ("step", at) if at < 1 else ("total_steps", total)
        raise _refuse(name, f"step and total_steps count from 1; {name} is {value}", f"{name} >= 1")
    if not 0 <= warmup <= total:
        raise _refuse(
            "warmup_steps",
            f"warmup_steps must be between 0 and total_steps ({total}), got {warmup}",
            "0 <= warmup_steps <= total_steps",
        )
    if not 0.0 <= low <= base:
        raise _refuse(
            "min_learning_rate",
            f"min_learning_rate must be between 0 and base_learning_rate ({base}), got {low}",
            "0 <= min_learning_rate <= base_learning_rate",
        )
    if schedule not in _SCHEDULES:
        raise _refuse(
            "schedule",
            f"unknown learning-rate schedule {schedule!r}; use one of {', '.join(_SCHEDULES)}",
            "schedule is constant or cosine",
        )
    if warmup and at <= warmup:
        return base * at / warmup
    if schedule == "constant":
        return base
    progress = min(1.0, max(0.0, (at - warmup) / max(1, total - warmup)))
    return low + 0.5 * (base - low) * (1.0 + math.cos(math.pi * progress))
