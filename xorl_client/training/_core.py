"""The machinery every TrainingClient call goes through: tickets, seq_ids, barriers, polling.

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

from xorl_client import _runtime
from xorl_client._ordering import SubmissionSequencer, Ticket
from xorl_client._polling import QueueStateEvent, wait_for_future
from xorl_client.chunking import merge_outputs, split_batch
from xorl_client.errors import XorlError
from xorl_client.futures import APIFuture
from xorl_client.tinker_compat import prepare_loss_request
from xorl_client.training.routing import check_routing, routing_fields
from xorl_client.training.wire import endpoint_for, request_model, wire_dict
from xorl_client.types import ForwardBackwardOutput

if TYPE_CHECKING:
    from xorl_client._transport import Endpoint, Transport

__all__ = ["TrainingCore"]

logger = logging.getLogger("xorl_client")

T = TypeVar("T")

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


class TrainingCore:
    """State and machinery shared by every :class:`~xorl_client.TrainingClient` method."""

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

    def _run_batch(
        self,
        operation: str,
        data: Sequence[Any],
        loss_fn: str,
        loss_fn_params: dict[str, Any] | None,
        loss_fn_config: dict[str, Any] | None,
    ) -> APIFuture[ForwardBackwardOutput]:
        datums, loss_name, params = prepare_loss_request(
            data, loss_fn, loss_fn_params, loss_fn_config
        )
        check_routing(datums)
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
            datum_input.update(routing_fields(chunk))  # MoE routing replay, per request
            requests.append(
                request_model(operation, {"model_id": self.model_id, input_key: datum_input})
            )
        slot = self._take(len(chunks))
        for request, seq_id in zip(requests, slot.seq_ids, strict=True):
            request.seq_id = seq_id
        endpoint = endpoint_for(operation)
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
            outputs = [ForwardBackwardOutput.from_wire(wire_dict(p)) for p in parsed]
            if len(outputs) == 1:
                return outputs[0]
            return merge_outputs(outputs, [len(c) for c in chunks])

        return self._launch(operation, slot, run())

    def _sequenced(
        self, operation: str, body: dict[str, Any], convert: Callable[[Any], T]
    ) -> APIFuture[T]:
        """One seq_id operation: submit in call order, then poll concurrently."""
        request = request_model(operation, body)
        slot = self._take(1)
        request.seq_id = slot.seq_ids[0]
        endpoint = endpoint_for(operation)
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
        request = request_model(operation, body)
        slot = self._take(0, barrier=True)
        endpoint = endpoint_for(operation)
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
