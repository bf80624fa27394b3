"""learning_rate_at_step against hand computations."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from xorl_client.errors import DataValidationError
from xorl_client.rl import learning_rate_at_step


def lr(step: int, **kwargs: Any) -> float:
    args: dict[str, Any] = {"base_learning_rate": 1.0, "total_steps": 10}
    return learning_rate_at_step(step=step, **{**args, **kwargs})


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_linear_warmup_from_base_over_warmup(schedule: str) -> None:
    got = [lr(s, base_learning_rate=0.4, warmup_steps=4, schedule=schedule) for s in (1, 2, 3, 4)]
    assert got == pytest.approx([0.1, 0.2, 0.3, 0.4], rel=1e-15)


def test_constant_is_base_after_warmup_and_past_the_end() -> None:
    assert [lr(s, base_learning_rate=3e-4) for s in (1, 5, 10, 11)] == [3e-4] * 4
    assert lr(5, base_learning_rate=3e-4, warmup_steps=4) == 3e-4


def test_cosine_by_hand() -> None:
    kw: dict[str, Any] = {"schedule": "cosine", "warmup_steps": 4, "min_learning_rate": 0.1}
    # decay over total - warmup = 6 steps: progress = (step - 4) / 6
    assert lr(5, **kw) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi / 6)), rel=1e-15)
    assert lr(7, **kw) == pytest.approx(0.55, rel=1e-15)  # half way
    assert lr(10, **kw) == pytest.approx(0.1, rel=1e-15)  # the end reaches min
    assert lr(25, **kw) == pytest.approx(0.1, rel=1e-15)  # and stays there
    got = [lr(s, **kw) for s in range(5, 11)]
    assert all(a > b for a, b in itertools.pairwise(got))


def test_cosine_without_warmup_starts_one_step_into_the_decay() -> None:
    assert lr(1, schedule="cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi / 10)))


def test_warmup_over_every_step() -> None:
    assert lr(10, schedule="cosine", warmup_steps=10) == 1.0
    # past the end the decay (of max(1, 0) = 1 step) is already complete
    assert lr(11, schedule="cosine", warmup_steps=10, min_learning_rate=0.2) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"step": 0}, "step"),
        ({"step": -3}, "step"),
        ({"step": 1, "total_steps": 0}, "total_steps"),
        ({"step": 1, "warmup_steps": -1}, "warmup_steps"),
        ({"step": 1, "warmup_steps": 11}, "warmup_steps"),
        ({"step": 1, "min_learning_rate": 1.5}, "min_learning_rate"),
        ({"step": 1, "min_learning_rate": -0.1}, "min_learning_rate"),
        ({"step": 1, "schedule": "linear"}, "schedule"),
        ({"step": 1.0}, "step"),
        ({"step": True}, "step"),
        ({"step": 1, "base_learning_rate": math.nan}, "base_learning_rate"),
        ({"step": 1, "base_learning_rate": math.inf}, "base_learning_rate"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"base_learning_rate": 1.0, "total_steps": 10}
    with pytest.raises(DataValidationError) as info:
        learning_rate_at_step(**{**args, **kwargs})
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_numpy_integers_are_steps() -> None:
    np = pytest.importorskip("numpy")
    assert lr(np.int64(2), warmup_steps=np.int32(4)) == 0.5
