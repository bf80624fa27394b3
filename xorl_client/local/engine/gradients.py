"""``loss_and_gradients``: the loss of a prepared batch and its raw gradient, as a pure function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from xorl_client.local.losses import LossEvaluation, LossSpec, PreparedBatch, evaluate_loss
from xorl_client.local.model import (
    IGNORE_INDEX,
    FloatArray,
    IntArray,
    coefficient_gradient,
    lora_gradients,
    lora_table,
    target_logprobs,
)

__all__ = ["loss_and_gradients"]


def loss_and_gradients(
    base: FloatArray,
    params: Mapping[str, FloatArray],
    lora_scale: float | None,
    batch: PreparedBatch,
    loss: LossSpec,
    loss_fn_params: Mapping[str, Any] | None = None,
    *,
    with_gradients: bool = True,
) -> tuple[LossEvaluation, dict[str, FloatArray]]:
    """The loss of ``batch`` and its raw (unnormalised) gradient wrt ``params``.

    ``params`` is ``{"W"}`` for a full-weight model (``lora_scale`` None) or ``{"A", "B"}`` for
    LoRA on top of ``base``. Pure function of its inputs: sessions use it for every
    ``forward``/``forward_backward``, and the tests differentiate it numerically.
    """
    if lora_scale is None:
        table = params["W"]
    else:
        table = lora_table(base, params["A"], params["B"], lora_scale)
    # Ignored targets are scored against token 0 and zeroed by the loss: one gather for all.
    safe_targets: IntArray = np.where(batch.targets == IGNORE_INDEX, 0, batch.targets)
    # Overflow (e.g. exp of a huge log-ratio) is not an accident to warn about: outputs are
    # sanitised like the server's, and non-finite gradients are refused by the caller.
    with np.errstate(over="ignore", invalid="ignore"):
        logprobs = target_logprobs(table, batch.inputs, safe_targets)
        evaluation = evaluate_loss(batch, loss, logprobs, loss_fn_params)
        if not with_gradients:
            return evaluation, {}
        table_grad = coefficient_gradient(table, batch.inputs, safe_targets, evaluation.coeff)
    if lora_scale is None:
        return evaluation, {"W": table_grad}
    grad_a, grad_b = lora_gradients(table_grad, params["A"], params["B"], lora_scale)
    return evaluation, {"A": grad_a, "B": grad_b}
