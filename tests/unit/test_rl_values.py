"""Skip-observation GAE and explained variance against hand computations."""

from __future__ import annotations

import math
from typing import Any

import pytest

from xorl_client.errors import DataValidationError
from xorl_client.rl import compute_skip_observation_gae, explained_variance

REWARDS = [0.0, 0.0, 0.0, 1.0]
VALUES = [0.5, 9.0, 0.25, 0.5]
MASK = [1, 0, 1, 1]


def textbook_gae(
    rewards: list[float], values: list[float], gamma: float, lam: float, bootstrap: float
) -> list[float]:
    """A_t = sum_k (gamma * lam)^k * delta_{t+k}, delta_t = r_t + gamma * V_{t+1} - V_t."""
    nxt = [*values[1:], bootstrap]
    deltas = [r + gamma * n - v for r, n, v in zip(rewards, nxt, values, strict=True)]
    return [
        sum((gamma * lam) ** k * d for k, d in enumerate(deltas[t:])) for t in range(len(deltas))
    ]


def test_skip_observation_gae_by_hand() -> None:
    advantages, returns = compute_skip_observation_gae(REWARDS, VALUES, MASK, gamma=0.5, lam=0.5)
    # t=3: delta = 1 + 0.5 * 0 - 0.5 = 0.5;           A = 0.5;                   R = 1.0
    # t=2: delta = 0 + 0.5 * 0.5 - 0.25 = 0;          A = 0 + 0.25 * 0.5 = 0.125; R = 0.375
    # t=0: delta = 0 + 0.5 * 0.25 - 0.5 = -0.375 (bootstraps from t=2, skipping the observation)
    #      A = -0.375 + 0.25 * 0.125 = -0.34375;      R = 0.15625
    assert advantages == [-0.34375, 0.0, 0.125, 0.5]
    assert returns == [0.15625, 0.0, 0.375, 1.0]


def test_observation_tokens_do_not_matter() -> None:
    base = compute_skip_observation_gae(REWARDS, VALUES, MASK, gamma=0.9, lam=0.7)
    other = compute_skip_observation_gae(
        [0.0, 123.0, 0.0, 1.0], [0.5, -50.0, 0.25, 0.5], MASK, gamma=0.9, lam=0.7
    )
    assert other == base
    # ... and skipping them equals GAE on the action tokens alone.
    actions = [0, 2, 3]
    alone = compute_skip_observation_gae(
        [REWARDS[t] for t in actions], [VALUES[t] for t in actions], gamma=0.9, lam=0.7
    )
    assert [base[0][t] for t in actions] == alone[0]
    assert [base[1][t] for t in actions] == alone[1]


@pytest.mark.parametrize(("gamma", "lam", "bootstrap"), [(1.0, 1.0, 0.0), (0.9, 0.95, 0.3)])
def test_without_a_mask_it_is_ordinary_gae(gamma: float, lam: float, bootstrap: float) -> None:
    rewards = [0.1, -0.2, 0.0, 0.7, 1.0]
    values = [0.3, 0.1, 0.4, 0.2, 0.6]
    advantages, returns = compute_skip_observation_gae(
        rewards, values, gamma=gamma, lam=lam, bootstrap_value=bootstrap
    )
    expected = textbook_gae(rewards, values, gamma, lam, bootstrap)
    assert advantages == pytest.approx(expected, rel=1e-12)
    assert returns == pytest.approx(
        [a + v for a, v in zip(expected, values, strict=True)], rel=1e-12
    )
    assert compute_skip_observation_gae(rewards, values, [1] * 5, gamma, lam, bootstrap) == (
        advantages,
        returns,
    )


def test_gamma_lam_one_gives_return_to_go_minus_value() -> None:
    advantages, returns = compute_skip_observation_gae([0.0, 0.0, 2.0], [0.5, 1.0, 1.5])
    assert advantages == [1.5, 1.0, 0.5]
    assert returns == [2.0, 2.0, 2.0]


def test_bootstrap_value_after_the_last_action() -> None:
    assert compute_skip_observation_gae([0.0], [0.5], gamma=0.5, bootstrap_value=2.0) == (
        [0.5],
        [1.0],
    )


def test_masks_of_bools_arrays_and_no_actions() -> None:
    as_bools = compute_skip_observation_gae(REWARDS, VALUES, [True, False, True, True])
    assert as_bools == compute_skip_observation_gae(REWARDS, VALUES, MASK)
    assert compute_skip_observation_gae(REWARDS, VALUES, [0, 0, 0, 0]) == ([0.0] * 4, [0.0] * 4)
    np = pytest.importorskip("numpy")
    got = compute_skip_observation_gae(
        np.array(REWARDS), np.array(VALUES, dtype=np.float32), np.array(MASK, dtype=bool)
    )
    assert got == as_bools


def test_empty_trajectory() -> None:
    assert compute_skip_observation_gae([], []) == ([], [])
    assert compute_skip_observation_gae([], [], []) == ([], [])


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        (([0.0, 1.0], [0.5]), {}, "values"),
        (([0.0], [0.5], [1, 1]), {}, "action_mask"),
        (([0.0], [0.5], [2]), {}, "action_mask"),
        (([0.0], [0.5], [0.5]), {}, "action_mask"),
        (([0.0], [0.5], ["1"]), {}, "action_mask"),
        (([math.nan], [0.5]), {}, "rewards"),
        (([0.0], [math.inf]), {}, "values"),
        (([0.0], [0.5]), {"gamma": math.nan}, "gamma"),
        (([0.0], [0.5]), {"lam": "0.9"}, "lam"),
        (([0.0], [0.5]), {"bootstrap_value": math.inf}, "bootstrap_value"),
    ],
)
def test_gae_refuses_bad_input(args: tuple[Any, ...], kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(DataValidationError) as info:
        compute_skip_observation_gae(*args, **kwargs)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


# -- explained variance -----------------------------------------------------------------------


def test_explained_variance_from_data_by_hand() -> None:
    returns = [1.0, 2.0, 3.0, 4.0]
    values = [1.5, 2.0, 2.5, 4.5]
    # E[(R-V)^2] = (0.25 + 0 + 0.25 + 0.25) / 4 = 0.1875; E[R] = 2.5; E[R^2] = 7.5; Var = 1.25
    ev = explained_variance(0.1875, 2.5, 7.5)
    assert ev == pytest.approx(1 - 0.1875 / 1.25, rel=1e-15)
    assert ev == pytest.approx(0.85, rel=1e-12)
    n = len(returns)
    moments = (
        sum((r - v) ** 2 for r, v in zip(returns, values, strict=True)) / n,
        sum(returns) / n,
        sum(r * r for r in returns) / n,
    )
    assert explained_variance(*moments) == pytest.approx(0.85, rel=1e-12)


def test_explained_variance_landmarks() -> None:
    assert explained_variance(0.0, 1.0, 2.0) == 1.0  # perfect critic
    assert explained_variance(1.0, 1.0, 2.0) == 0.0  # no better than the mean return
    assert explained_variance(2.0, 1.0, 2.0) == -1.0  # worse than the mean


@pytest.mark.parametrize(
    ("err", "mean", "sq_mean"),
    [
        (0.1, 2.0, 4.0),  # constant returns: Var = 0
        (0.1, 1.0, 1.0 + 1e-13),  # Var at the threshold
        (0.1, 2.0, 3.0),  # negative Var (rounding of the moments)
        (0.1, math.inf, 1.0),
        (0.1, 1.0, math.nan),
        (math.nan, 1.0, 2.0),  # NaN in, NaN out
    ],
)
def test_explained_variance_is_nan_where_undefined(err: float, mean: float, sq_mean: float) -> None:
    assert math.isnan(explained_variance(err, mean, sq_mean))


def test_explained_variance_refuses_non_numbers() -> None:
    with pytest.raises(DataValidationError) as info:
        explained_variance(0.1, "1.0", 2.0)  # type: ignore[arg-type]
    assert info.value.field == "return_mean"
