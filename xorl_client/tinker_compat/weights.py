"""Per-token coefficients the xorl server computes exactly, and which positions it trains.

Tinker's ``weights`` are multipliers: ``cross_entropy`` is ``sum_t -w_t * logprob_t`` for any
real ``w_t`` (the cookbook's default SFT datums carry weights like 0.021, and
``forward_backward_custom`` sends ``w = -dC/dlogprob``, negative values included). The xorl
server's packer accepts weights of exactly 0 or 1 (``packing.py``
``apply_weights_to_labels``), so those requests cannot be sent as they are.

The exact form: the server's CISPO loss is, per valid token,
``stopgrad(clamp(ratio, lo, hi)) * A_t * (-logprob_t)`` (``ops/loss/cispo_loss.py``). With
``lo = hi = 1`` the clamp is exactly ``1.0`` whatever the ratio, so the loss - value *and*
gradient - is ``sum_t -A_t * logprob_t``: cross-entropy with weights ``A_t``. No forward pass
is needed (the sampling logprobs only enter the ratio, which the clamp discards; zeros are
sent). A zero coefficient masks the position, exactly as weight 0 does (``advantages == 0``
masks the target, ``apply_advantages_to_labels``), so the valid-token count the server divides
by is the same as for 0/1 weights.

>>> from xorl_client.types import Datum
>>> d = coefficient_datum(Datum([1, 2, 3], {"target_tokens": [2, 3, 4], "weights": [0.0, 0.25, -1.5]}))
>>> d.to_wire()["loss_fn_inputs"]
{'target_tokens': [2, 3, 4], 'advantages': [0.0, 0.25, -1.5], 'logprobs': [0.0, 0.0, 0.0]}
>>> trained_positions(Datum([1, 2, 3], {"labels": [1, 2, 3], "weights": [1, 0, 1]}))
[False, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types import Datum, TensorData

__all__ = [
    "COEFFICIENT_LOSS",
    "COEFFICIENT_PARAMS",
    "coefficient_datum",
    "has_fractional_weights",
    "has_trained_position",
    "trained_positions",
]

#: The server loss that carries arbitrary per-token coefficients exactly ...
COEFFICIENT_LOSS = "cispo"
#: ... with its ratio clamp pinned to exactly 1.
COEFFICIENT_PARAMS: dict[str, float] = {"clip_low_threshold": 1.0, "clip_high_threshold": 1.0}

#: Inputs the coefficient form writes itself; a datum that already carries them is refused.
_WRITTEN = ("advantages", "logprobs", "rollout_logprobs", "old_logprobs", "ref_logprobs")
_IGNORE_INDEX = -100


def has_fractional_weights(data: Sequence[Datum]) -> bool:
    """Whether any datum has a weight other than 0 or 1 (one C-level set test per datum)."""
    binary = {0, 1}
    return any(
        not set(d.loss_fn_inputs["weights"].data) <= binary
        for d in data
        if "weights" in d.loss_fn_inputs
    )


def coefficient_datum(
    datum: Datum, coefficients: Sequence[float] | None = None, *, index: int = 0
) -> Datum:
    """``datum`` rewritten so the server's loss on it is exactly ``sum_t -c_t * logprob_t``.

    Send the result with :data:`COEFFICIENT_LOSS` and :data:`COEFFICIENT_PARAMS`.
    ``coefficients`` follow the ``weights`` convention (``len(input_ids)`` entries, shifted with
    ``labels``); they default to the datum's ``weights`` (or all 1). Targets and every other
    input (sampler metadata, ...) are kept; ``weights`` are replaced.
    """
    lfi = datum.loss_fn_inputs
    target_key = "labels" if "labels" in lfi else "target_tokens"
    if target_key not in lfi:
        raise DataValidationError(
            f"datum {index}: weighted cross-entropy needs loss_fn_inputs.target_tokens (or labels)",
            field="loss_fn_inputs.target_tokens",
            datum_index=index,
            rule="the loss function's required inputs are present",
        )
    clash = [k for k in _WRITTEN if k in lfi]
    if clash:
        raise DataValidationError(
            f"datum {index}: cross-entropy with weights other than 0/1 is sent to xorl as "
            "per-token coefficients through the server's CISPO loss, which uses "
            f"loss_fn_inputs.{clash[0]} itself; remove {', '.join(clash)} from cross-entropy "
            "datums (cross-entropy does not read them)",
            field=f"loss_fn_inputs.{clash[0]}",
            datum_index=index,
            rule="fractional cross-entropy weights come without RL inputs",
        )
    n = datum.model_input.length
    if coefficients is None:
        coeffs: list[Any] = list(lfi["weights"].data) if "weights" in lfi else [1.0] * n
    else:
        coeffs = [float(c) for c in coefficients]
    if len(coeffs) != n:
        raise DataValidationError(
            f"datum {index}: {len(coeffs)} per-token coefficients for {n} input tokens",
            field="loss_fn_inputs.weights",
            datum_index=index,
            rule="per-token field lengths follow the shift rule",
        )
    sampled = n - 1 if target_key == "labels" else n
    inputs: dict[str, TensorData] = {k: v for k, v in lfi.items() if k != "weights"}
    inputs["advantages"] = TensorData(coeffs, "float32")
    inputs["logprobs"] = TensorData([0.0] * sampled, "float32")
    # Routing replay data belongs to the tokens, not to the loss: carry it over unchanged.
    return Datum(
        datum.model_input,
        inputs,
        routed_experts=datum.routed_experts,
        routed_expert_logits=datum.routed_expert_logits,
    )


def trained_positions(datum: Datum) -> list[bool]:
    """Which per-token outputs of ``datum`` the server actually computed.

    The xorl server drops a position from the loss when its target is ``-100``, its weight is
    0 or its advantage is 0 (for every loss: ``packing.py`` masks the target), and at dropped
    positions it returns ``0.0`` as the logprob - a placeholder, not the model's logprob
    (Tinker returns the model's logprob everywhere). Aligned with the outputs: ``N - 1``
    entries for ``labels``, ``N`` for ``target_tokens``. To get the model's logprob at every
    position, run ``forward`` on datums without ``weights``/``advantages``.
    """
    lfi = datum.loss_fn_inputs
    n = datum.model_input.length
    shifted = "labels" in lfi and "target_tokens" not in lfi
    start = 1 if shifted else 0
    targets = lfi["labels"] if "labels" in lfi else lfi.get("target_tokens")
    if targets is None:
        return [False] * (n - start)
    keep = [t != _IGNORE_INDEX for t in targets.data[start:]]
    for name in ("weights", "advantages"):
        values = lfi.get(name)
        if values is not None:
            keep = [k and v != 0 for k, v in zip(keep, values.data[start:], strict=False)]
    return keep


def has_trained_position(datum: Datum) -> bool:
    """Whether the server computes the loss at one position of ``datum`` at least.

    The same rule as :func:`trained_positions`, stopping at the first position that counts. A
    datum without ``labels`` / ``target_tokens`` (a loss that reads other inputs) counts as
    trained: the rule cannot say otherwise.
    """
    lfi = datum.loss_fn_inputs
    targets = lfi["labels"] if "labels" in lfi else lfi.get("target_tokens")
    if targets is None:
        return True
    start = 1 if "labels" in lfi and "target_tokens" not in lfi else 0
    masks = [lfi[name].data[start:] for name in ("weights", "advantages") if name in lfi]
    columns = zip(targets.data[start:], *masks, strict=False)
    return any(t != _IGNORE_INDEX and all(m != 0 for m in rest) for t, *rest in columns)
