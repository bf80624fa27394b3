"""Group-relative (GRPO) advantages: each reward against the statistics of its group.

For a group ``G`` (the rows sharing one group id, usually the samples of one prompt) with
``n = |G|`` rewards ``r_i``, the statistics are the population ones (divide by ``n``: every
member of the rollout group is present, nothing is estimated)::

    mean_G = sum(r_i) / n
    std_G  = sqrt(sum((r_i - mean_G) ** 2) / n)

and the advantage of row ``i`` of ``G`` is::

    centred = r_i - mean_G              if normalize else r_i
    A_i     = centred / (std_G + eps)   if std_normalization (0.0 when std_G == 0)
    A_i     = centred                   otherwise

A group whose rewards are all equal (a single-member group is one) therefore carries no
signal: ``mean_G`` is taken as that reward exactly and ``std_G`` as exactly 0, so its
advantages are exactly 0.0 - which the server treats as masked positions - rather than the
rounding noise ``sum / n`` can leave (``[0.1] * 3`` has ``sum / 3 != 0.1``). A batch in which
every advantage is 0.0 has nothing to train on; drop such groups before building datums.

:func:`compute_grpo_advantages` is the official client's function (same signature, defaults and
results). :func:`group_advantages` is this SDK's shorter form for the common layout of
consecutive equal-size groups; it is the same computation with ``group_ids = [i // group_size]``,
``normalize=True``, ``std_normalization=normalize_std`` (default ``False``, as in Dr. GRPO:
dividing by the std over-weights groups whose rewards barely differ) and ``eps=1e-6``.

>>> compute_grpo_advantages([1.0, 3.0, 2.0, 2.0], group_ids=["a", "a", "b", "b"], eps=0.0001)
[-0.9999000099990001, 0.9999000099990001, 0.0, 0.0]
>>> group_advantages([1.0, 0.0, 0.5, 0.5], group_size=2)
[0.5, -0.5, 0.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from xorl_client.errors import DataValidationError

from ._checks import integer, number, numbers_list, one_each, sequence

__all__ = ["GroupStatistics", "compute_grpo_advantages", "group_advantages"]

#: ``eps`` of :func:`group_advantages` (kept from its first release; the official default is 1e-8).
GROUP_ADVANTAGES_EPS = 1e-6


@dataclass(frozen=True)
class GroupStatistics:
    """Population statistics of one group of rewards.

    Attributes:
        count: number of rewards in the group.
        mean: their mean.
        std: their population standard deviation (divided by ``count``).
    """

    count: int
    mean: float
    std: float


def _statistics(values: list[float]) -> GroupStatistics:
    n = len(values)
    if min(values) == max(values):
        return GroupStatistics(count=n, mean=values[0], std=0.0)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / n
    return GroupStatistics(count=n, mean=mean, std=math.sqrt(variance))


def _group_keys(group_ids: Any, count: int) -> list[Hashable]:
    if isinstance(group_ids, str | bytes):
        raise DataValidationError(
            "group_ids must be a sequence with one group id per reward, not a string",
            field="group_ids",
            rule="one group id per reward",
        )
    keys = sequence(group_ids, "group_ids")
    one_each(keys, "group_ids", count, "rewards")
    for i, key in enumerate(keys):
        try:
            hash(key)
        except TypeError:
            raise DataValidationError(
                f"group_ids[{i}] is {key!r}, which is not hashable; use ints or strings",
                field="group_ids",
                rule="group ids are hashable",
            ) from None
    return keys


@overload
def compute_grpo_advantages(
    rewards: Sequence[float],
    *,
    group_ids: Sequence[Hashable],
    normalize: bool = ...,
    std_normalization: bool = ...,
    eps: float = ...,
    return_stats: Literal[False] = ...,
) -> list[float]: ...


@overload
def compute_grpo_advantages(
    rewards: Sequence[float],
    *,
    group_ids: Sequence[Hashable],
    normalize: bool = ...,
    std_normalization: bool = ...,
    eps: float = ...,
    return_stats: Literal[True],
) -> tuple[list[float], dict[Hashable, GroupStatistics]]: ...


@overload
def compute_grpo_advantages(
    rewards: Sequence[float],
    *,
    group_ids: Sequence[Hashable],
    normalize: bool = ...,
    std_normalization: bool = ...,
    eps: float = ...,
    return_stats: bool,
) -> list[float] | tuple[list[float], dict[Hashable, GroupStatistics]]: ...


def compute_grpo_advantages(
    rewards: Sequence[float],
    *,
    group_ids: Sequence[Hashable],
    normalize: bool = True,
    std_normalization: bool = True,
    eps: float = 1e-8,
    return_stats: bool = False,
) -> list[float] | tuple[list[float], dict[Hashable, GroupStatistics]]:
    """Group-relative advantages, in the order of ``rewards`` (formulas in the module doc).

    Args:
        rewards: one finite reward per row (a list or a numpy array; bools count as 0/1).
        group_ids: one hashable group id per row; the rows of a group need not be adjacent.
        normalize: subtract the group mean (otherwise the raw reward is used).
        std_normalization: divide by ``std + eps``; a group with ``std == 0`` gets 0.0.
        eps: added to the std before dividing; finite and positive.
        return_stats: also return ``{group_id: GroupStatistics}`` (groups in first-seen order).

    Returns:
        The advantages, or ``(advantages, stats)`` with ``return_stats``. Empty ``rewards``
        give ``[]`` (``([], {})``).

    Raises:
        DataValidationError: (a ``ValueError``) ``rewards`` and ``group_ids`` differ in length,
            a reward is not a finite number, a group id is not hashable, or ``eps`` is not
            finite and positive.
    """
    if number(eps, "eps") <= 0:
        raise DataValidationError(
            f"eps must be finite and positive, not {eps!r}",
            field="eps",
            rule="eps is finite and positive",
        )
    values = numbers_list(rewards, "rewards")
    keys = _group_keys(group_ids, len(values))
    members: dict[Hashable, list[float]] = {}
    for key, value in zip(keys, values, strict=True):
        members.setdefault(key, []).append(value)
    stats = {key: _statistics(group) for key, group in members.items()}

    advantages: list[float] = []
    for key, value in zip(keys, values, strict=True):
        group = stats[key]
        advantage = value - group.mean if normalize else value
        if std_normalization:
            advantage = 0.0 if group.std == 0.0 else advantage / (group.std + eps)
        advantages.append(advantage)
    return (advantages, stats) if return_stats else advantages


def group_advantages(
    rewards: Sequence[float], group_size: int, *, normalize_std: bool = False
) -> list[float]:
    """Advantages for consecutive groups of ``group_size`` rewards (``rewards[0:g]`` is group 0).

    Each advantage is the reward minus its group's mean; ``normalize_std=True`` divides by
    ``std + 1e-6`` (population std). This is :func:`compute_grpo_advantages` with
    ``group_ids = [i // group_size for i in range(len(rewards))]``,
    ``std_normalization=normalize_std`` and ``eps=1e-6`` (see the module doc for why the std
    is not divided by default). All-equal groups get exactly 0.0.

    >>> group_advantages([3.0, 1.0], group_size=2, normalize_std=True)  # doctest: +ELLIPSIS
    [0.999999..., -0.999999...]

    Raises:
        DataValidationError: ``group_size`` is not a positive integer, ``len(rewards)`` is not a
            multiple of it, or a reward is not a finite number.
    """
    size = integer(group_size, "group_size", "group_size >= 1")
    if size < 1:
        raise DataValidationError(
            f"group_size must be a positive integer, not {group_size!r}",
            field="group_size",
            rule="group_size >= 1",
        )
    values = numbers_list(rewards, "rewards")
    if len(values) % size:
        raise DataValidationError(
            f"{len(values)} rewards do not split into groups of {size}",
            field="rewards",
            rule="len(rewards) is a multiple of group_size",
        )
    return compute_grpo_advantages(
        values,
        group_ids=[i // size for i in range(len(values))],
        std_normalization=normalize_std,
        eps=GROUP_ADVANTAGES_EPS,
    )
