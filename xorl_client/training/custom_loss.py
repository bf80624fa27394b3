"""``forward_backward_custom``: any differentiable loss of the per-token logprobs, exactly.

Tinker's mechanism - the function never leaves the client - made exact on xorl:

1. **forward**: the datums with their targets only. No ``weights`` are sent, so every
   position with a target gets the model's logprob (xorl returns a ``0.0`` placeholder at
   weight-0 positions, Tinker the logprob).
2. **the user's loss** on float32 torch tensors of those logprobs; its backward gives
   ``g_t = dC/dlogprob_t``.
3. **surrogate backward**: a ``forward_backward`` of ``sum_t g_t * logprob_t``, whose parameter
   gradient equals ``dC/dtheta`` at the current parameters. Tinker sends it as cross-entropy
   with weights ``-g``; the xorl server takes weights of 0 or 1 only, so it goes in the exact
   per-token-coefficient form (:mod:`xorl_client.tinker_compat.weights`: CISPO with both ratio
   bounds at 1 and ``advantages = -g``), negative coefficients included.

Ordering and exactly-once: one submission ticket is taken and the surrogate joins the current
gradient epoch when the method is called; the client's turn is held from the forward's
submission until the surrogate's is accepted, so anything called afterwards (typically
``optim_step``) is submitted after both phases and nothing runs between them. The surrogate is
an ordinary held ``forward_backward`` of its epoch: replayed if its outcome is in doubt, and if
the custom call fails before it is sent (the forward failed, the loss raised), the epoch is
given up and its ``optim_step`` raises ``EpochAbortedError`` (``docs/reliability.md``).

Normalisation: like every ``forward_backward`` on xorl, the gradient is divided at
``optim_step`` by the valid tokens of the whole gradient epoch; for the surrogate those are the
positions with ``g_t != 0`` (see ``docs/tinker.md``).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from xorl_client.chunking import split_batch
from xorl_client.errors import DataValidationError, MissingDependencyError, XorlError
from xorl_client.futures import APIFuture
from xorl_client.tinker_compat import (
    COEFFICIENT_LOSS,
    COEFFICIENT_PARAMS,
    coefficient_datum,
    coerce_batch,
    trained_positions,
)
from xorl_client.training import _verdicts as verdicts
from xorl_client.training._core import TrainingCore
from xorl_client.training.epoch import EpochState
from xorl_client.training.wire import request_model
from xorl_client.types import Datum, ForwardBackwardOutput
from xorl_client.validation import validate_batch

__all__ = ["CustomLossMixin", "CustomLossResult"]

_TARGETS = ("labels", "target_tokens")


@dataclass(frozen=True)
class CustomLossResult:
    """A custom loss evaluated at the current logprobs.

    Attributes:
        value: the loss (reported as ``metrics["loss:sum"]``).
        gradients: ``dC/dlogprob`` per datum, aligned with that datum's logprobs.
        metrics: the user's metrics, merged into the result unchanged.
    """

    value: float
    gradients: list[list[float]]
    metrics: dict[str, Any] = field(default_factory=dict)


#: Logprobs per datum → the loss, its gradient wrt those logprobs, metrics.
CustomLossCompute = Callable[[list[list[float]]], CustomLossResult]


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("forward_backward_custom", "torch", "torch") from None
    return torch


def _torch_loss(
    torch: Any, loss_fn: Callable[..., Any], originals: list[Any], logprobs: list[list[float]]
) -> CustomLossResult:
    """Tinker's step 4: the user's function on leaf tensors, then backward."""
    leaves = [torch.tensor(lp, dtype=torch.float32).requires_grad_() for lp in logprobs]
    returned = loss_fn(originals, leaves)
    if not (isinstance(returned, tuple) and len(returned) == 2):
        raise DataValidationError(
            "the custom loss function must return (loss: torch.Tensor, metrics: dict[str, "
            f"float]), not {type(returned).__name__}",
            field="loss_fn",
            rule="a custom loss returns (loss, metrics)",
        )
    loss, metrics = returned
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        raise DataValidationError(
            "the custom loss must be a torch.Tensor computed from the logprob tensors it was "
            f"given (got a {type(loss).__name__} without a gradient)",
            field="loss_fn",
            rule="a custom loss depends on the logprobs",
        )
    total = loss.sum()
    value = float(total.detach())
    total.backward()
    gradients: list[list[float]] = []
    for index, leaf in enumerate(leaves):
        if leaf.grad is None:
            raise DataValidationError(
                f"datum {index}: no gradient computed for logprob tensor {index}; the custom "
                "loss must use every datum's logprobs",
                field="loss_fn",
                datum_index=index,
                rule="a custom loss depends on the logprobs",
            )
        gradients.append(leaf.grad.tolist())
    return CustomLossResult(value, gradients, dict(metrics or {}))


def _forward_datum(datum: Datum, index: int) -> Datum:
    """The datum with its targets only: every targeted position gets the model's logprob."""
    lfi = datum.loss_fn_inputs
    key = next((k for k in _TARGETS if k in lfi), None)
    if key is None:
        raise DataValidationError(
            f"datum {index}: forward_backward_custom needs loss_fn_inputs.target_tokens (or "
            "labels): the custom loss is a function of the logprobs of those targets",
            field="loss_fn_inputs.target_tokens",
            datum_index=index,
            rule="the loss function's required inputs are present",
        )
    return Datum(datum.model_input, {key: lfi[key]})


def _output_length(datum: Datum) -> int:
    """Logprobs the server returns for ``datum``: one fewer than its tokens with ``labels``."""
    return datum.model_input.length - (1 if "labels" in datum.loss_fn_inputs else 0)


def _surrogate_datum(datum: Datum, gradient: Sequence[float], index: int) -> Datum:
    """Coefficients ``-g`` in the weights convention (one leading 0 for the labels shift)."""
    coefficients = [0.0 - g for g in gradient]  # no -0.0 on the wire
    if "labels" in datum.loss_fn_inputs:
        coefficients.insert(0, 0.0)
    return coefficient_datum(datum, coefficients, index=index)


def _check_gradients(result: CustomLossResult, logprobs: list[list[float]]) -> None:
    if not math.isfinite(result.value):
        raise DataValidationError(
            f"the custom loss is {result.value!r}; it must be finite",
            field="loss_fn",
            rule="a custom loss is finite",
        )
    if len(result.gradients) != len(logprobs):
        raise DataValidationError(
            f"the custom loss gave {len(result.gradients)} gradients for {len(logprobs)} datums",
            field="loss_fn",
            rule="one gradient per datum",
        )
    for index, (grad, lp) in enumerate(zip(result.gradients, logprobs, strict=True)):
        if len(grad) != len(lp) or not all(map(math.isfinite, grad)):
            raise DataValidationError(
                f"datum {index}: the gradient of the custom loss has {len(grad)} entries for "
                f"{len(lp)} logprobs, or is not finite",
                field="loss_fn",
                datum_index=index,
                rule="the gradient is finite and aligned with the logprobs",
            )


def _compose(
    forward: ForwardBackwardOutput,
    backward: ForwardBackwardOutput | None,
    result: CustomLossResult,
) -> ForwardBackwardOutput:
    """Tinker's result: the surrogate's metrics with ``loss:*`` renamed, the user's merged in.

    The carrier loss's own diagnostics (``is_*``: ratios against the zero sampling logprobs
    the coefficient form sends) mean nothing here and are dropped. The per-datum outputs are
    the forward's: the model's logprob at every targeted position.
    """
    metrics: dict[str, Any] = {}
    info: dict[str, Any] = {}
    if backward is not None:
        info = dict(backward.info)
        for key, value in backward.metrics.items():
            if key.startswith("is_"):
                continue
            name, sep, reduction = key.partition(":")
            metrics["surrogate_loss" + sep + reduction if name == "loss" else key] = value
    metrics.update(result.metrics)
    metrics["loss:sum"] = result.value
    return ForwardBackwardOutput(
        loss_fn_output_type=forward.loss_fn_output_type,
        loss_fn_outputs=forward.loss_fn_outputs,
        metrics=metrics,
        info=info,
        extras=forward.extras,
    )


class CustomLossMixin(TrainingCore):
    """``forward_backward_custom`` for :class:`~xorl_client.TrainingClient`."""

    def forward_backward_custom(
        self,
        data: Sequence[Any],
        loss_fn: Callable[[list[Any], list[Any]], tuple[Any, dict[str, float]]],
        *,
        loss_type_input: str | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Forward, ``loss_fn`` on the logprobs, then a backward with exactly its gradient.

        ``loss_fn(data, logprobs) -> (loss, metrics)`` receives the datums as given and one
        float32 torch tensor per datum (the logprob of each target: ``len(input_ids)`` entries
        for ``target_tokens``, one fewer for ``labels``) and returns a differentiable tensor
        and a ``dict[str, float]``. Needs torch (``pip install "xorl-client[torch]"``).

        The returned future's result holds the forward's per-datum ``logprobs``, the
        surrogate's server metrics as ``surrogate_loss:*``, the user's metrics and
        ``metrics["loss:sum"]`` = the custom loss. Calls made afterwards (``optim_step``)
        run after both phases. As for every ``forward_backward`` on xorl, ``optim_step``
        divides the accumulated gradient by the gradient epoch's valid tokens (here: the
        positions where ``dloss/dlogprob != 0``); ``docs/tinker.md`` has the conversion.

        Args:
            data: our ``Datum`` objects, Tinker ``Datum`` objects or wire dicts; each needs
                ``target_tokens`` (or ``labels``). Other inputs stay on the client, visible
                to ``loss_fn``.
            loss_fn: the custom loss.
            loss_type_input: Tinker's deprecated option; only ``"logprobs"`` (or ``None``).
        """
        if loss_type_input not in (None, "logprobs"):
            raise DataValidationError(
                f"loss_type_input must be 'logprobs' or None, not {loss_type_input!r}",
                field="loss_type_input",
                rule="custom losses read logprobs",
            )
        if not callable(loss_fn):
            raise DataValidationError(
                f"loss_fn must be a function (data, logprobs) -> (loss, metrics), not "
                f"{type(loss_fn).__name__}; xorl has no server-side custom losses",
                field="loss_fn",
                rule="a custom loss is a callable",
            )
        torch = _import_torch()
        originals = list(data)
        return self._custom_backward(originals, partial(_torch_loss, torch, loss_fn, originals))

    async def forward_backward_custom_async(
        self,
        data: Sequence[Any],
        loss_fn: Callable[[list[Any], list[Any]], tuple[Any, dict[str, float]]],
        *,
        loss_type_input: str | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Async twin of :meth:`forward_backward_custom`: ``await`` submits, the future waits."""
        return self.forward_backward_custom(data, loss_fn, loss_type_input=loss_type_input)

    def _custom_backward(
        self, data: Sequence[Any], compute: CustomLossCompute
    ) -> APIFuture[ForwardBackwardOutput]:
        """The two phases around ``compute`` (logprobs per datum → loss and its gradient)."""
        datums = coerce_batch(data)
        forward_data = [_forward_datum(d, i) for i, d in enumerate(datums)]
        validate_batch(forward_data, "cross_entropy")
        config = self._transport.config
        # Chunk by the larger surrogate datums so both phases keep the size cap with one seq_id
        # per chunk each (the estimate reads lengths only, so zeros stand in for the gradient).
        sizes = [
            len(chunk)
            for chunk in split_batch(
                [
                    _surrogate_datum(d, [0.0] * _output_length(d), i)
                    for i, d in enumerate(forward_data)
                ],
                max_items=config.max_chunk_items,
                max_bytes=config.max_chunk_bytes,
            )
        ]
        bounds = [0, *itertools.accumulate(sizes)]
        n_chunks = len(sizes)
        forward_requests = [
            request_model(
                "forward",
                {
                    "model_id": self.model_id,
                    "forward_input": {
                        "data": [d.to_wire() for d in forward_data[bounds[k] : bounds[k + 1]]],
                        "loss_fn": "cross_entropy",
                    },
                },
            )
            for k in range(n_chunks)
        ]
        deadline = self._transport.deadline()
        # Reserved only once nothing can fail before launch: a taken ticket must be released.
        # The surrogate joins the gradient epoch now, in call order (its payload is filled in
        # once the forward has run), so an optim_step called later closes the right epoch.
        with self._lock:
            slot = self._take()
            held = self._ledger.add_forward_backward([], [])

        async def run() -> ForwardBackwardOutput:
            settler = self._settler
            async with self._turn(slot):
                try:
                    await settler.before_send("forward_backward", deadline)
                    if held.epoch.state is EpochState.VOID:
                        raise verdicts.given_up("forward_backward", held.epoch, held)
                    ids = await self._submit_forwards(forward_requests, deadline)
                    forward = await self._collect_forwards(ids, sizes, deadline)
                    logprobs = _forward_logprobs(forward, len(forward_data))
                    result = await asyncio.to_thread(compute, logprobs)
                    _check_gradients(result, logprobs)
                except BaseException as exc:
                    # The surrogate was never sent: its epoch cannot be stepped as called.
                    reason = exc if isinstance(exc, XorlError) else _not_sent(exc)
                    settler.give_up(held.epoch, reason)
                    raise
                surrogates = [
                    _surrogate_datum(d, g, i)
                    for i, (d, g) in enumerate(zip(forward_data, result.gradients, strict=True))
                ]
                requests, backward_sizes = _surrogate_requests(self.model_id, surrogates, bounds)
                if not requests:  # every position masked: nothing to accumulate
                    with self._lock:
                        held.epoch.calls.remove(held)
                    return _compose(forward, None, result)
                held.requests, held.sizes = requests, backward_sizes
                try:
                    await settler.send_attempt(held, deadline)
                except XorlError as exc:
                    if not self._ledger.enabled:
                        raise
                    await self._repair_forward_backward(held, exc, deadline)
            return _compose(forward, await settler.output_of(held), result)

        return self._launch("forward_backward_custom", slot, run())


def _forward_logprobs(forward: ForwardBackwardOutput, count: int) -> list[list[float]]:
    outputs = forward.loss_fn_outputs
    if len(outputs) != count or any("logprobs" not in o for o in outputs):
        raise XorlError(
            "the forward pass returned no per-token logprobs for every datum "
            f"(loss_fn_output_type={forward.loss_fn_output_type!r}, "
            f"{len(outputs)} outputs for {count} datums); the custom "
            "loss needs them. Nothing was accumulated"
        )
    return [o["logprobs"].tolist() for o in outputs]


def _not_sent(exc: BaseException) -> XorlError:
    return XorlError(
        f"forward_backward_custom stopped before its backward was sent: {type(exc).__name__}: {exc}"
    )


def _surrogate_requests(
    model_id: str, surrogates: list[Datum], bounds: list[int]
) -> tuple[list[Any], list[int]]:
    """One ``forward_backward`` request per forward chunk; a chunk whose every position is
    masked (zero gradient or no target) would add nothing and the server refuses it, so it is
    left out."""
    requests: list[Any] = []
    sizes: list[int] = []
    for lo, hi in itertools.pairwise(bounds):
        if not any(any(trained_positions(d)) for d in surrogates[lo:hi]):
            continue
        body = {
            "model_id": model_id,
            "forward_backward_input": {
                "data": [d.to_wire() for d in surrogates[lo:hi]],
                "loss_fn": COEFFICIENT_LOSS,
                "loss_fn_params": dict(COEFFICIENT_PARAMS),
            },
        }
        requests.append(request_model("forward_backward", body))
        sizes.append(hi - lo)
    return requests, sizes
