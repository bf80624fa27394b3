"""GRPO advantages against hand computations, including the degenerate groups."""

from __future__ import annotations

import math
from typing import Any

import pytest

import xorl_client as xc
from xorl_client.errors import DataValidationError
from xorl_client.rl import GroupStatistics, compute_grpo_advantages, group_advantages

EPS = 1e-8
SQRT_8_9 = math.sqrt(8 / 9)  # population std of [4, 2, 2]


def test_interleaved_groups_by_hand() -> None:
    rewards = [1.0, 4.0, 3.0, 2.0, 2.0, 7.0]
    ids = ["a", "b", "a", "b", "b", "c"]
    # a = [1, 3]: mean 2, std 1.  b = [4, 2, 2]: mean 8/3, std sqrt(8/9).  c = [7]: std 0.
    advantages, stats = compute_grpo_advantages(rewards, group_ids=ids, return_stats=True)
    assert advantages == pytest.approx(
        [
            -1 / (1 + EPS),
            (4 - 8 / 3) / (SQRT_8_9 + EPS),
            1 / (1 + EPS),
            (2 - 8 / 3) / (SQRT_8_9 + EPS),
            (2 - 8 / 3) / (SQRT_8_9 + EPS),
            0.0,
        ],
        rel=1e-12,
    )
    assert advantages[-1] == 0.0  # single-member group
    assert list(stats) == ["a", "b", "c"]  # first-seen order
    assert stats["a"] == GroupStatistics(count=2, mean=2.0, std=1.0)
    assert stats["b"].count == 3
    assert stats["b"].mean == pytest.approx(8 / 3, rel=1e-15)
    assert stats["b"].std == pytest.approx(SQRT_8_9, rel=1e-15)
    assert stats["c"] == GroupStatistics(count=1, mean=7.0, std=0.0)
    assert compute_grpo_advantages(rewards, group_ids=ids) == advantages


@pytest.mark.parametrize(
    ("normalize", "std_normalization", "expected"),
    [
        (True, True, [-1 / (1 + EPS), 1 / (1 + EPS), 0.0]),
        (True, False, [-1.0, 1.0, 0.0]),
        (False, True, [1 / (1 + EPS), 3 / (1 + EPS), 0.0]),  # std 0 gives 0.0, not 5 / eps
        (False, False, [1.0, 3.0, 5.0]),
    ],
)
def test_the_two_switches(normalize: bool, std_normalization: bool, expected: list[float]) -> None:
    got = compute_grpo_advantages(
        [1.0, 3.0, 5.0],
        group_ids=[0, 0, 1],
        normalize=normalize,
        std_normalization=std_normalization,
    )
    assert got == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("reward", [0.1, 1 / 3, -2.7, 1e300, 0.0])
def test_all_equal_rewards_give_exactly_zero(reward: float) -> None:
    rewards = [reward] * 3
    for std_normalization in (True, False):
        got, stats = compute_grpo_advantages(
            rewards,
            group_ids=[0, 0, 0],
            std_normalization=std_normalization,
            return_stats=True,
        )
        assert got == [0.0, 0.0, 0.0]  # exact: the server masks exactly 0.0
        assert stats[0] == GroupStatistics(count=3, mean=reward, std=0.0)
    assert group_advantages(rewards, 3) == [0.0, 0.0, 0.0]


def test_all_equal_is_exact_where_the_naive_mean_is_not() -> None:
    assert sum([0.1] * 3) / 3 != 0.1  # what makes the case worth a rule
    assert compute_grpo_advantages([0.1, 0.1, 0.1, 0.2], group_ids=[1, 1, 1, 2]) == [0.0] * 4


def test_bool_rewards_count_as_zero_and_one() -> None:
    got = compute_grpo_advantages([True, False], group_ids=[0, 0], std_normalization=False)
    assert got == [0.5, -0.5]


def test_each_group_is_centred_and_scaled_to_unit_std() -> None:
    rewards = [0.3, 0.9, 0.1, 0.5, 2.0, -1.0, 4.0, 0.25]
    ids = [i % 3 for i in range(len(rewards))]
    got = compute_grpo_advantages(rewards, group_ids=ids)
    for group in range(3):
        members = [a for a, g in zip(got, ids, strict=True) if g == group]
        mean = sum(members) / len(members)
        std = math.sqrt(sum((a - mean) ** 2 for a in members) / len(members))
        assert mean == pytest.approx(0.0, abs=1e-12)
        assert std == pytest.approx(1.0, rel=1e-6)


def test_empty_input() -> None:
    assert compute_grpo_advantages([], group_ids=[]) == []
    assert compute_grpo_advantages([], group_ids=[], return_stats=True) == ([], {})
    assert group_advantages([], 4) == []


def test_numpy_arrays_are_accepted() -> None:
    np = pytest.importorskip("numpy")
    rewards = [1.0, 3.0, 2.0, 2.5]
    ids = [7, 7, 9, 9]
    expected = compute_grpo_advantages(rewards, group_ids=ids)
    got = compute_grpo_advantages(np.array(rewards, dtype=np.float32), group_ids=np.array(ids))
    assert got == pytest.approx(expected, rel=1e-7)
    assert all(type(a) is float for a in got)
    assert group_advantages(np.array(rewards), 2) == group_advantages(rewards, 2)


@pytest.mark.parametrize(
    ("rewards", "ids", "field", "match"),
    [
        ([1.0, 2.0], [0], "group_ids", "2 rewards but 1 group_ids"),
        ([1.0], [0, 0], "group_ids", "1 rewards but 2 group_ids"),
        ([1.0, math.nan], [0, 0], "rewards", r"rewards\[1\] is nan"),
        ([math.inf, 1.0], [0, 0], "rewards", r"rewards\[0\] is inf"),
        ([1.0, -math.inf], [0, 0], "rewards", "finite"),
        ([1.0, "2.0"], [0, 0], "rewards", r"rewards\[1\] is '2.0'"),
        ([None], [0], "rewards", "expected a number"),
        ("12", [0, 0], "rewards", "sequence of numbers"),
        ([1.0, 2.0], "ab", "group_ids", "not a string"),
        ([1.0], [[0]], "group_ids", "not hashable"),
    ],
)
def test_bad_input_is_refused(rewards: Any, ids: Any, field: str, match: str) -> None:
    with pytest.raises(DataValidationError, match=match) as info:
        compute_grpo_advantages(rewards, group_ids=ids)
    assert info.value.field == field


@pytest.mark.parametrize("eps", [0.0, -1e-8, math.nan, math.inf, "1e-8", None, True])
def test_eps_must_be_finite_and_positive(eps: Any) -> None:
    for rewards in ([1.0, 2.0], []):
        with pytest.raises(DataValidationError) as info:
            compute_grpo_advantages(rewards, group_ids=[0] * len(rewards), eps=eps)
        assert info.value.field == "eps"


def test_errors_are_value_errors_for_code_written_against_the_official_client() -> None:
    with pytest.raises(ValueError):
        compute_grpo_advantages([1.0], group_ids=[0, 1])
    with pytest.raises(ValueError):
        group_advantages([1.0, 2.0, 3.0], 2)


# -- group_advantages: the consecutive-groups form -----------------------------------------------


def test_group_advantages_by_hand() -> None:
    assert group_advantages([1.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.25, 0.75], 4) == [
        0.75,
        -0.25,
        -0.25,
        -0.25,
        0.0,
        0.0,
        -0.25,
        0.25,
    ]
    assert group_advantages([2.0, 0.0, 5.0, 5.0], 2, normalize_std=True) == pytest.approx(
        [1 / (1 + 1e-6), -1 / (1 + 1e-6), 0.0, 0.0], rel=1e-15
    )
    assert group_advantages([3.0], 1, normalize_std=True) == [0.0]  # single-member groups


@pytest.mark.parametrize("normalize_std", [False, True])
def test_group_advantages_is_compute_grpo_advantages_on_consecutive_groups(
    normalize_std: bool,
) -> None:
    rewards = [0.3, 0.9, 0.1, 0.5, 2.0, -1.0, 4.0, 4.0, 0.25]
    official = compute_grpo_advantages(
        rewards,
        group_ids=[i // 3 for i in range(len(rewards))],
        std_normalization=normalize_std,
        eps=1e-6,
    )
    assert group_advantages(rewards, 3, normalize_std=normalize_std) == official


@pytest.mark.parametrize(
    ("rewards", "size", "match"),
    [
        ([1.0, 2.0, 3.0], 2, "do not split into groups of 2"),
        ([1.0], 0, "group_size"),
        ([1.0], -2, "group_size"),
        ([1.0], True, "group_size"),
        ([1.0], 1.0, "group_size"),
        ([1.0, math.nan], 2, "finite"),
    ],
)
def test_group_advantages_refuse_bad_input(rewards: list[float], size: Any, match: str) -> None:
    with pytest.raises(DataValidationError, match=match):
        group_advantages(rewards, size)


def test_top_level_names_are_the_package_ones() -> None:
    assert xc.group_advantages is group_advantages
