"""Reinforcement-learning helpers: pure functions, no numpy or torch needed.

They take lists (or numpy arrays, read through ``tolist()``) and return plain lists, floats and
:class:`~xorl_client.types.Datum` objects. Each module writes its formulas in its docstring:

==============================  ===========================================================
:mod:`.advantages`              :func:`compute_grpo_advantages`, :class:`GroupStatistics`,
                                :func:`group_advantages` (consecutive equal-size groups)
:mod:`.datums`                  :data:`IGNORE_INDEX`, :func:`build_policy_loss_inputs`,
                                :func:`build_policy_datum`, :func:`build_rl_datum`
:mod:`.schedules`               :func:`learning_rate_at_step` (warm-up, constant, cosine)
:mod:`.values`                  :func:`compute_skip_observation_gae`,
                                :func:`explained_variance`
==============================  ===========================================================

The official client's names keep their signatures, defaults and results. This SDK's own two are
thin forms of them, so each formula lives in one place: :func:`group_advantages` is
:func:`compute_grpo_advantages` with consecutive group ids, no std division by default and
``eps=1e-6``; :func:`build_rl_datum` lays out the same loss inputs as
:func:`build_policy_datum` (it calls :func:`build_policy_loss_inputs`), from a
:class:`~xorl_client.types.SampledSequence`, adding ``weights`` and an HF ``labels`` form.

Errors: where the official helpers raise ``ValueError``, these raise
:class:`~xorl_client.errors.DataValidationError`, which is both an
:class:`~xorl_client.errors.XorlError` and a ``ValueError`` - ``except ValueError`` written for
the official client still catches it, and ``.field`` / ``.rule`` say what to fix. A few inputs
the official helpers let through are refused here because they can only produce garbage: a
non-number anywhere, NaN/Inf rewards or values in GAE, a mask entry that is not 0/1, a
non-integer step or token id, a bad ``eps`` even when ``rewards`` is empty. One result differs
on purpose: a group of equal rewards gets exactly 0.0 advantages even where ``sum / n`` would
leave rounding noise (:mod:`.advantages`).
"""

from __future__ import annotations

from .advantages import GroupStatistics, compute_grpo_advantages, group_advantages
from .datums import (
    IGNORE_INDEX,
    DatumForm,
    build_policy_datum,
    build_policy_loss_inputs,
    build_rl_datum,
)
from .schedules import Schedule, learning_rate_at_step
from .values import compute_skip_observation_gae, explained_variance

__all__ = [
    "IGNORE_INDEX",
    "DatumForm",
    "GroupStatistics",
    "Schedule",
    "build_policy_datum",
    "build_policy_loss_inputs",
    "build_rl_datum",
    "compute_grpo_advantages",
    "compute_skip_observation_gae",
    "explained_variance",
    "group_advantages",
    "learning_rate_at_step",
]
