"""``TrainingClient``: one training session (``model_id``) on an xorl server.

Every method returns an :class:`~xorl_client.futures.APIFuture` at once, so calls pipeline::

    fb = tc.forward_backward(batch, "cross_entropy")
    op = tc.optim_step(AdamParams(learning_rate=1e-4))   # leaves right behind fb
    fb.result(); op.result()

How order is kept: each call takes a submission ticket and its ``seq_id`` s synchronously, at call
time. Submissions leave in ticket order; the server runs queued ``seq_id`` requests lowest first,
so ``optim_step`` never overtakes the ``forward_backward`` called before it. Requests the server
schedules without a ``seq_id`` (save/load/export/sync/unload) are *barriers*: they wait until
everything called earlier on this client has finished, and everything called later waits for
them, so ``save_state()`` captures exactly the state the calls before it produced.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from . import _runtime
from ._ordering import SubmissionSequencer, Ticket
from ._polling import QueueStateEvent, wait_for_future
from .chunking import merge_outputs, split_batch
from .errors import DataValidationError, MissingDependencyError, XorlError
from .futures import APIFuture
from .tinker_compat import (
    coerce_adam_params,
    coerce_batch,
    resolve_loss_fn,
    resolve_loss_fn_params,
)
from .types import (
    AbortGradientEpochOutput,
    AdamParams,
    ForwardBackwardOutput,
    LoadWeightsResponse,
    OptimStepOutput,
    SaveWeightsForSamplerResponse,
    SaveWeightsResponse,
    SyncInferenceWeightsResult,
)
from .validation import validate_batch, validate_checkpoint_name, validate_checkpoint_path

if TYPE_CHECKING:
    from ._transport import Endpoint, Transport

__all__ = ["TrainingClient"]

logger = logging.getLogger("xorl_client")

T = TypeVar("T")

#: Base model served by the local reference server; its tokenizer ships with the SDK.
LOCAL_BASE_MODEL = "xorl-local/byte-bigram"

# seq_ids are unique per process, not per client: two clients of one session (or several
# sessions, whose seq_ids compete on the server's single queue) then never collide, and the
# server's "lowest seq_id first" matches call order across all of them.
_seq_ids = itertools.count(1)
_seq_lock = threading.Lock()


@dataclass(frozen=True)
class _Slot:
    """A call's place in line: its ticket, its seq_ids and its "done" marker.

    ``earlier`` (barriers only) holds the markers of every call taken before it.
    """

    ticket: Ticket
    seq_ids: list[int]
    done: concurrent.futures.Future[None]
    earlier: list[concurrent.futures.Future[None]]


class TrainingClient:
    """Drives one training session. Create it with :class:`~xorl_client.ServiceClient`.

    >>> import xorl_client as xc
    >>> service = xc.ServiceClient(base_url=start_local_server())
    >>> tc = service.create_training_client("xorl-local/byte-bigram")
    >>> ids = tc.get_tokenizer().encode("the cat sat on the mat")
    >>> datum = xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})
    >>> fb = tc.forward_backward([datum], "cross_entropy")   # returns at once
    >>> op = tc.optim_step(xc.AdamParams(learning_rate=0.1))  # queued right behind it
    >>> loss, step = fb.result().loss, op.result().step
    >>> step, round(loss, 2) == round(fb.result().metrics["loss:mean"], 2)
    (1, True)
    >>> tc.forward([datum]).result().loss < loss              # the step lowered the loss
    True
    >>> tc.save_state("doc-ckpt").result().path
    'xorl://default/weights/doc-ckpt'
    >>> service.close()

    Attributes:
        model_id: the server-side session id every call is addressed to.
        base_model: the model the session trains.
    """

    def __init__(
        self,
        *,
        transport: Transport,
        model_id: str,
        base_model: str,
        is_lora: bool = False,
        lora_rank: int | None = None,
        on_queue_state: Callable[[QueueStateEvent], object] | None = None,
    ) -> None:
        self._transport = transport
        self.model_id = model_id
        self.base_model = base_model
        self.is_lora = is_lora
        self.lora_rank = lora_rank
        self._on_queue_state = on_queue_state
        self._sequencer = SubmissionSequencer()
        # "done" markers of this client's calls that have not finished, by ticket
        self._pending: dict[Ticket, concurrent.futures.Future[None]] = {}
        self._tokenizer: Any = None

    def __repr__(self) -> str:
        return f"TrainingClient(model_id={self.model_id!r}, base_model={self.base_model!r})"

    # -- training ---------------------------------------------------------------------------

    def forward_backward(
        self,
        data: Sequence[Any],
        loss_fn: str = "cross_entropy",
        loss_fn_params: dict[str, Any] | None = None,
        *,
        loss_fn_config: dict[str, Any] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Run forward + backward on ``data`` and accumulate the gradients on the server.

        The whole batch is validated before anything is sent; a large batch is split into
        chunks (each its own ``seq_id``) and the outputs come back concatenated in order with
        metrics merged, as one future.

        Args:
            data: :class:`~xorl_client.Datum` objects, Tinker ``Datum`` objects or wire dicts.
            loss_fn: ``"cross_entropy"``/``"causallm_loss"``, ``"importance_sampling"``,
                ``"policy_loss"`` (Tinker's ``"ppo"``), ``"cispo"``, ...
            loss_fn_params: loss options (``loss_fn_config`` is Tinker's name for it).
        """
        return self._run_batch("forward_backward", data, loss_fn, loss_fn_params, loss_fn_config)

    def forward(
        self,
        data: Sequence[Any],
        loss_fn: str = "cross_entropy",
        loss_fn_params: dict[str, Any] | None = None,
        *,
        loss_fn_config: dict[str, Any] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Forward pass only (logprobs and loss; no gradient is accumulated)."""
        return self._run_batch("forward", data, loss_fn, loss_fn_params, loss_fn_config)

    def optim_step(
        self,
        adam_params: AdamParams | Any | None = None,
        *,
        learning_rate: float | None = None,
        gradient_clip: float | None = None,
    ) -> APIFuture[OptimStepOutput]:
        """Apply the gradients accumulated since the last step.

        Args:
            adam_params: :class:`~xorl_client.AdamParams` (or Tinker's); its betas and eps
                are applied to the optimizer, ``grad_clip_norm`` becomes the clip.
            learning_rate: overrides ``adam_params.learning_rate``.
            gradient_clip: max global L2 norm (``<= 0`` disables); overrides
                ``adam_params.grad_clip_norm``.
        """
        body: dict[str, Any] = {"model_id": self.model_id}
        if adam_params is not None:
            body["adam_params"] = coerce_adam_params(adam_params).to_wire()
        if learning_rate is not None:
            body["learning_rate"] = float(learning_rate)
        if gradient_clip is not None:
            body["gradient_clip"] = float(gradient_clip)
        return self._sequenced(
            "optim_step", body, lambda parsed: OptimStepOutput.from_wire(_wire(parsed))
        )

    def abort_gradient_epoch(self) -> APIFuture[AbortGradientEpochOutput]:
        """Discard every gradient accumulated since the last successful ``optim_step``.

        The recovery after an ambiguous ``forward_backward`` failure: abort, then replay the
        epoch's ``forward_backward`` calls.
        """
        return self._sequenced(
            "abort_gradient_epoch",
            {"model_id": self.model_id},
            lambda parsed: AbortGradientEpochOutput.from_wire(_wire(parsed)),
        )

    # -- weights ----------------------------------------------------------------------------

    def save_state(self, name: str | None = None) -> APIFuture[SaveWeightsResponse]:
        """Save model + optimizer state as ``xorl://<model_id>/weights/<name>``.

        ``name`` defaults to the server's ``checkpoint-<unix time>``. Saving over an existing
        name fails with a ``RequestFailedError`` (status 409): delete it first.
        """
        body: dict[str, Any] = {"model_id": self.model_id}
        if name is not None:
            body["path"] = validate_checkpoint_name(name, field="name")
        return self._barrier(
            "save_weights", body, lambda p: SaveWeightsResponse.from_wire(_wire(p))
        )

    def load_state(self, path: str) -> APIFuture[LoadWeightsResponse]:
        """Load model weights from a checkpoint (optimizer state is left as it is)."""
        return self._load(path, optimizer=False)

    def load_state_with_optimizer(self, path: str) -> APIFuture[LoadWeightsResponse]:
        """Load model weights and optimizer state, to resume a run exactly."""
        return self._load(path, optimizer=True)

    def _load(self, path: str, *, optimizer: bool) -> APIFuture[LoadWeightsResponse]:
        body = {
            "model_id": self.model_id,
            "path": validate_checkpoint_path(path),
            "optimizer": optimizer,
        }
        return self._barrier(
            "load_weights", body, lambda p: LoadWeightsResponse.from_wire(_wire(p))
        )

    def save_weights_for_sampler(self, name: str) -> APIFuture[SaveWeightsForSamplerResponse]:
        """Export inference weights as ``xorl://<model_id>/sampler_weights/<name>``."""
        body = {"model_id": self.model_id, "name": validate_checkpoint_name(name)}
        return self._barrier(
            "save_weights_for_sampler",
            body,
            lambda p: SaveWeightsForSamplerResponse.from_wire(_wire(p)),
        )

    def sync_inference_weights(
        self,
        *,
        master_address: str = "",
        master_port: int = 0,
        flush_cache: bool = False,
        pools: Sequence[str] | None = None,
        weight_version: str | None = None,
        **options: Any,
    ) -> APIFuture[SyncInferenceWeightsResult]:
        """Push this session's current weights to the registered inference endpoints.

        Extra keyword options (``cache_invalidation_mode``, ``pause_mode``, ``group_name``,
        ``buffer_size_mb``, ``quantization``) are passed to the server as given.
        """
        body: dict[str, Any] = {
            "model_id": self.model_id,
            "master_address": master_address,
            "master_port": master_port,
            "flush_cache": flush_cache,
            **options,
        }
        if pools is not None:
            body["pools"] = list(pools)
        if weight_version is not None:
            body["weight_version"] = weight_version
        return self._barrier(
            "sync_inference_weights",
            body,
            lambda p: SyncInferenceWeightsResult.from_wire(_wire(p)),
            asynchronous=False,
        )

    def unload(self) -> APIFuture[None]:
        """End the session on the server and release its resources (futures included)."""
        return self._barrier("unload_model", {"model_id": self.model_id}, lambda _p: None)

    # -- tokenizer ----------------------------------------------------------------------------

    def get_tokenizer(self) -> Any:
        """The tokenizer of ``base_model``.

        The local server's byte-level model uses the SDK's own ``ByteTokenizer``; any other
        model is loaded with Hugging Face ``transformers`` (extra ``tokenizer``) from a local
        path or the local Hugging Face cache, never downloaded at run time.
        """
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.base_model)
        return self._tokenizer

    # -- machinery ----------------------------------------------------------------------------

    def _run_batch(
        self,
        operation: str,
        data: Sequence[Any],
        loss_fn: str,
        loss_fn_params: dict[str, Any] | None,
        loss_fn_config: dict[str, Any] | None,
    ) -> APIFuture[ForwardBackwardOutput]:
        datums = coerce_batch(data)
        loss_name = resolve_loss_fn(loss_fn)
        params = resolve_loss_fn_params(loss_fn_params, loss_fn_config)
        validate_batch(datums, loss_name)
        config = self._transport.config
        chunks = split_batch(
            datums, max_items=config.max_chunk_items, max_bytes=config.max_chunk_bytes
        )
        input_key = "forward_backward_input" if operation == "forward_backward" else "forward_input"
        requests = []
        for chunk in chunks:
            datum_input: dict[str, Any] = {
                "data": [d.to_wire() for d in chunk],
                "loss_fn": loss_name,
            }
            if params is not None:
                datum_input["loss_fn_params"] = params
            requests.append(
                _request_model(operation, {"model_id": self.model_id, input_key: datum_input})
            )
        slot = self._take(len(chunks))
        for request, seq_id in zip(requests, slot.seq_ids, strict=True):
            request.seq_id = seq_id
        endpoint = _endpoint(operation)
        deadline = self._transport.deadline()

        async def run() -> ForwardBackwardOutput:
            request_ids: list[str] = []
            async with self._sequencer.slot(slot.ticket):
                for index, request in enumerate(requests):
                    try:
                        request_ids.append(
                            await self._submit(endpoint, operation, request, deadline)
                        )
                    except XorlError as exc:
                        if index and operation == "forward_backward":
                            exc.add_note(
                                f"{index} of {len(chunks)} chunks of this batch were already "
                                "accepted and their gradients will accumulate; call "
                                "abort_gradient_epoch() before replaying the batch."
                            )
                        raise
            polls = [
                asyncio.ensure_future(self._wait(rid, operation, deadline)) for rid in request_ids
            ]
            try:
                parsed = await asyncio.gather(*polls)
            except BaseException:
                for poll in polls:  # one chunk failed: stop waiting for the others
                    poll.cancel()
                raise
            outputs = [ForwardBackwardOutput.from_wire(_wire(p)) for p in parsed]
            if len(outputs) == 1:
                return outputs[0]
            return merge_outputs(outputs, [len(c) for c in chunks])

        return self._launch(operation, slot, run())

    def _sequenced(
        self, operation: str, body: dict[str, Any], convert: Callable[[Any], T]
    ) -> APIFuture[T]:
        """One seq_id operation: submit in call order, then poll concurrently."""
        request = _request_model(operation, body)
        slot = self._take(1)
        request.seq_id = slot.seq_ids[0]
        endpoint = _endpoint(operation)
        deadline = self._transport.deadline()

        async def run() -> T:
            async with self._sequencer.slot(slot.ticket):
                request_id = await self._submit(endpoint, operation, request, deadline)
            return convert(await self._wait(request_id, operation, deadline))

        return self._launch(operation, slot, run())

    def _barrier(
        self,
        operation: str,
        body: dict[str, Any],
        convert: Callable[[Any], T],
        *,
        asynchronous: bool = True,
    ) -> APIFuture[T]:
        """An operation the server schedules without seq_id: run it alone, in call order."""
        request = _request_model(operation, body)
        slot = self._take(0, barrier=True)
        endpoint = _endpoint(operation)
        deadline = self._transport.deadline()

        async def run() -> T:
            async with self._sequencer.slot(slot.ticket):
                if slot.earlier:
                    await asyncio.gather(
                        *(asyncio.wrap_future(f) for f in slot.earlier), return_exceptions=True
                    )
                if not asynchronous:
                    parsed = await self._transport.call(
                        endpoint,
                        operation=operation,
                        idempotent=False,
                        deadline=deadline,
                        body=request,
                    )
                    return convert(parsed)
                request_id = await self._submit(endpoint, operation, request, deadline)
                parsed = await self._wait(
                    request_id, operation, deadline, treat_404_as_done=operation == "unload_model"
                )
                return convert(parsed)

        return self._launch(operation, slot, run())

    def _take(self, n_seq_ids: int, *, barrier: bool = False) -> _Slot:
        """Reserve a submission ticket and seq_ids, in call order, under one lock.

        Every call also registers a "done" marker at this moment, so a barrier taken later
        sees every earlier call, even one whose caller thread has not launched it yet.
        """
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        with _seq_lock:
            ticket = self._sequencer.take()
            seq_ids = [next(_seq_ids) for _ in range(n_seq_ids)]
            earlier = list(self._pending.values()) if barrier else []
            self._pending[ticket] = done
        return _Slot(ticket, seq_ids, done, earlier)

    def _launch(self, operation: str, slot: _Slot, coro: Coroutine[Any, Any, T]) -> APIFuture[T]:
        cf = _runtime.run_coroutine(coro)
        self._sequencer.release_when_done(slot.ticket, cf)
        cf.add_done_callback(lambda _: self._finish(slot))
        return APIFuture(cf, operation=operation)

    def _finish(self, slot: _Slot) -> None:
        with _seq_lock:
            self._pending.pop(slot.ticket, None)
        slot.done.set_result(None)

    async def _submit(
        self, endpoint: Endpoint, operation: str, request: Any, deadline: float | None
    ) -> str:
        handle = await self._transport.call(
            endpoint, operation=operation, idempotent=False, deadline=deadline, body=request
        )
        return str(handle.request_id)

    async def _wait(
        self,
        request_id: str,
        operation: str,
        deadline: float | None,
        *,
        treat_404_as_done: bool = False,
    ) -> Any:
        from xorl_openapi.api.futures import retrieve_future

        return await wait_for_future(
            self._transport,
            request_id,
            operation=operation,
            deadline=deadline,
            retrieve_endpoint=retrieve_future,
            on_queue_state=self._on_queue_state,
            treat_404_as_done=treat_404_as_done,
        )


def _wire(parsed: Any) -> dict[str, Any]:
    """A generated result model (or an already-decoded dict) as its wire dict."""
    if isinstance(parsed, dict):
        return parsed
    result: dict[str, Any] = parsed.to_dict()
    return result


def _endpoint(operation: str) -> Endpoint:
    from xorl_openapi.api.inference import sync_inference_weights
    from xorl_openapi.api.models import unload_model
    from xorl_openapi.api.training import (
        abort_gradient_epoch,
        forward,
        forward_backward,
        optim_step,
    )
    from xorl_openapi.api.weights import load_weights, save_weights, save_weights_for_sampler

    endpoints: dict[str, Any] = {
        "forward_backward": forward_backward,
        "forward": forward,
        "optim_step": optim_step,
        "abort_gradient_epoch": abort_gradient_epoch,
        "save_weights": save_weights,
        "load_weights": load_weights,
        "save_weights_for_sampler": save_weights_for_sampler,
        "sync_inference_weights": sync_inference_weights,
        "unload_model": unload_model,
    }
    return endpoints[operation]  # type: ignore[no-any-return]


def _request_model(operation: str, body: dict[str, Any]) -> Any:
    """The generated request model for ``operation``, built from its wire dict at call time.

    Building it here, not on the SDK loop, turns an option the schema rejects (e.g. an
    unknown ``pause_mode``) into an immediate ``DataValidationError`` instead of a late,
    untyped failure of the future.
    """
    from xorl_openapi import models

    classes: dict[str, Any] = {
        "forward_backward": models.ForwardBackwardRequest,
        "forward": models.ForwardRequest,
        "optim_step": models.OptimStepRequest,
        "abort_gradient_epoch": models.AbortGradientEpochRequest,
        "save_weights": models.SaveWeightsRequest,
        "load_weights": models.LoadWeightsRequest,
        "save_weights_for_sampler": models.SaveWeightsForSamplerRequest,
        "sync_inference_weights": models.SyncInferenceWeightsRequest,
        "unload_model": models.UnloadModelRequest,
    }
    try:
        return classes[operation].from_dict(body)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DataValidationError(
            f"{operation}: the request does not match the server's schema: {exc!r}",
            rule="request schema",
        ) from exc


def load_tokenizer(base_model: str) -> Any:
    """Tokenizer for ``base_model``: the byte tokenizer locally, else ``transformers``."""
    if base_model == LOCAL_BASE_MODEL:
        from .byte_tokenizer import ByteTokenizer

        return ByteTokenizer()
    try:
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise MissingDependencyError(
            f"get_tokenizer() for {base_model!r}", "tokenizer", "transformers"
        ) from exc
    try:
        return AutoTokenizer.from_pretrained(base_model, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise XorlError(
            f"no local tokenizer found for {base_model!r}: pass a local directory as the base "
            "model, or download it once into the Hugging Face cache (the SDK never downloads "
            f"at run time). Loader said: {exc}"
        ) from exc
