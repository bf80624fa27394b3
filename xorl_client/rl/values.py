"""Value-based RL: skip-observation GAE over action tokens, and the critic's explained variance.

Sequences are target-aligned, like every per-token training field: index ``t`` describes the
``t``-th target token (the ``advantages`` / ``returns`` of a datum, the per-token values of a
``value_prediction`` forward).

**Skip-observation GAE.** Agentic trajectories interleave the model's tokens (actions) with
environment observations the model did not generate. The recursion runs over the action indices
``a_1 < ... < a_K`` only (the positions where ``action_mask`` is true; all positions when it is
``None``, which is ordinary token-level GAE), so an action bootstraps from the value of the
*next action*, across any observation tokens in between. Backwards from ``a_K``, with
``next_value = bootstrap_value`` and ``next_adv = 0`` to start::

    delta_t  = rewards[t] + gamma * next_value - values[t]
    A_t      = delta_t + gamma * lam * next_adv
    R_t      = A_t + values[t]
    next_adv, next_value = A_t, values[t]

Positions that are not actions get exactly 0.0 in both lists. The server masks positions whose
advantage is exactly 0.0, which is what the non-action positions need; an action whose
advantage is exactly 0.0 is masked too.

**Explained variance** of a critic, from the moment metrics a ``value_loss`` forward_backward
reports (so it composes across micro-batches)::

    EV = 1 - E[(R - V)^2] / Var(R),     Var(R) = E[R^2] - E[R]^2

It is NaN when ``Var(R)`` is not finite or ``<= 1e-12`` (constant returns: undefined). It
approaches 1 as the critic converges; near 0 the critic is no better than the mean return.

>>> compute_skip_observation_gae([0.0, 0.0, 0.0, 1.0], [0.5, 9.0, 0.25, 0.5], [1, 0, 1, 1])
([0.5, 0.0, 0.75, 0.5], [1.0, 0.0, 1.0, 1.0])
>>> explained_variance(0.25, 1.0, 2.0)
0.75
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xorl_client.errors import DataValidationError

from ._checks import number, numbers_list, one_each, sequence

__all__ = ["compute_skip_observation_gae", "explained_variance"]

#: ``Var(R)`` at or below this is treated as zero by :func:`explained_variance`.
MIN_RETURN_VARIANCE = 1e-12


def _action_indices(action_mask: Sequence[int] | None, n: int) -> list[int]:
    if action_mask is None:
        return list(range(n))
    mask = sequence(action_mask, "action_mask")
    one_each(mask, "action_mask", n, "rewards")
    for t, flag in enumerate(mask):
        if isinstance(flag, str | bytes) or flag not in (0, 1):
            raise DataValidationError(
                f"action_mask[{t}] is {flag!r}; the mask holds 1 (action) or 0 (observation)",
                field="action_mask",
                rule="mask entries are 0 or 1",
            )
    return [t for t, flag in enumerate(mask) if flag]


def compute_skip_observation_gae(
    rewards: Sequence[float],
    values: Sequence[float],
    action_mask: Sequence[int] | None = None,
    gamma: float = 1.0,
    lam: float = 1.0,
    bootstrap_value: float = 0.0,
) -> tuple[list[float], list[float]]:
    """Per-token ``(advantages, returns)`` chained over action tokens (formulas in the module doc).

    Args:
        rewards: per-token rewards, length ``T`` (usually 0 except at the last action).
        values: per-token value predictions ``V(s_t)``, length ``T``.
        action_mask: per-token 0/1 (or bools), length ``T``; 1 marks a token the model
            generated. ``None`` makes every token an action (ordinary token-level GAE).
        gamma: discount factor.
        lam: GAE lambda (for length-adaptive GAE pass ``1 - 1 / (alpha * num_actions)``).
        bootstrap_value: value after the last action (0.0 for a terminated trajectory).

    Returns:
        Two lists of length ``T``; 0.0 at non-action positions.

    Raises:
        DataValidationError: (a ``ValueError``) lengths differ, a mask entry is not 0/1, or a
            reward, value, ``gamma``, ``lam`` or ``bootstrap_value`` is not a finite number.
    """
    r = numbers_list(rewards, "rewards")
    v = numbers_list(values, "values")
    one_each(v, "values", len(r), "rewards")
    g = number(gamma, "gamma")
    discount = g * number(lam, "lam")
    next_value = number(bootstrap_value, "bootstrap_value")
    advantages = [0.0] * len(r)
    returns = [0.0] * len(r)
    next_adv = 0.0
    for t in reversed(_action_indices(action_mask, len(r))):
        delta = r[t] + g * next_value - v[t]
        advantage = delta + discount * next_adv
        advantages[t] = advantage
        returns[t] = advantage + v[t]
        next_adv, next_value = advantage, v[t]
    return advantages, returns


def explained_variance(
    value_error_sq_mean: float, return_mean: float, return_sq_mean: float
) -> float:
    """``1 - E[(R - V)^2] / (E[R^2] - E[R]^2)``; NaN when that variance is not finite or ``<= 1e-12``.

    The arguments are the ``value_error_sq_mean``, ``return_mean`` and ``return_sq_mean``
    metrics of a ``value_loss`` step. NaN in, NaN out (a diagnostic, not a check).

    Raises:
        DataValidationError: an argument is not a number.
    """
    err = number(value_error_sq_mean, "value_error_sq_mean", finite=False)
    mean = number(return_mean, "return_mean", finite=False)
    sq_mean = number(return_sq_mean, "return_sq_mean", finite=False)
    variance = sq_mean - mean * mean
    if not math.isfinite(variance) or variance <= MIN_RETURN_VARIANCE:
        return math.nan
    return 1.0 - err / variance
