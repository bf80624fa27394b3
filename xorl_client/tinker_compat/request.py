"""One forward/forward_backward request as the xorl server must see it to mean what Tinker means.

:func:`prepare_loss_request` is the single step between what a user passes (our or Tinker's
datums, a Tinker or xorl loss name, ``loss_fn_params`` or ``loss_fn_config``) and what is sent:
datums coerced, the loss name mapped (or refused), the options checked and converted per
loss, the whole batch validated, and cross-entropy with weights other than 0/1 rewritten into
the exact per-token-coefficient form (:mod:`xorl_client.tinker_compat.weights`).

>>> from xorl_client.types import Datum
>>> req = prepare_loss_request([Datum([1, 2], {"target_tokens": [2, 3], "weights": [1, 1]})], "cross_entropy")
>>> req.loss_fn, req.params
('cross_entropy', None)
>>> req = prepare_loss_request([Datum([1, 2], {"target_tokens": [2, 3], "weights": [0.5, 0.5]})], "cross_entropy")
>>> req.loss_fn, req.params, req.data[0].to_wire()["loss_fn_inputs"]["advantages"]
('cispo', {'clip_low_threshold': 1.0, 'clip_high_threshold': 1.0}, [0.5, 0.5])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from xorl_client._checks import check_finite_tree
from xorl_client.loss_names import check_loss_fn
from xorl_client.tinker_compat.coerce import coerce_batch
from xorl_client.tinker_compat.losses import (
    CROSS_ENTROPY_LOSSES,
    resolve_loss_fn,
    resolve_loss_fn_params,
    translate_loss_params,
)
from xorl_client.tinker_compat.weights import (
    COEFFICIENT_LOSS,
    COEFFICIENT_PARAMS,
    coefficient_datum,
    has_fractional_weights,
)
from xorl_client.types import Datum
from xorl_client.validation import validate_batch

__all__ = ["LossRequest", "prepare_loss_request"]


class LossRequest(NamedTuple):
    """What to send: the datums, the server's loss name and its ``loss_fn_params``."""

    data: list[Datum]
    loss_fn: str
    params: dict[str, Any] | None


def prepare_loss_request(
    data: Any,
    loss_fn: str,
    loss_fn_params: Mapping[str, Any] | None = None,
    loss_fn_config: Mapping[str, Any] | None = None,
    *,
    operation: str = "forward_backward",
) -> LossRequest:
    """Coerce, map, check and (for fractional cross-entropy weights) rewrite one request.

    Raises :class:`~xorl_client.errors.DataValidationError` before anything is sent when a
    datum breaks a rule, the loss does not exist on xorl, or an option is one the server
    would ignore for that loss.
    """
    datums = coerce_batch(data)
    server_loss = check_loss_fn(resolve_loss_fn(loss_fn), operation)
    source = "loss_fn_params" if loss_fn_params is not None else "loss_fn_config"
    given = resolve_loss_fn_params(loss_fn_params, loss_fn_config)
    if given is not None:  # a NaN anywhere would be sent as null: "use the server's default"
        check_finite_tree(given, "loss_fn_params")
    params = translate_loss_params(loss_fn, server_loss, given, source=source)
    weighted_ce = server_loss in CROSS_ENTROPY_LOSSES
    validate_batch(datums, server_loss, fractional_weights=weighted_ce)
    if not (weighted_ce and has_fractional_weights(datums)):
        return LossRequest(datums, server_loss, params)
    rewritten = [coefficient_datum(d, index=i) for i, d in enumerate(datums)]
    return LossRequest(rewritten, COEFFICIENT_LOSS, {**(params or {}), **COEFFICIENT_PARAMS})
