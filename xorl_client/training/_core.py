"""The machinery every TrainingClient call goes through: tickets, turns, epochs, barriers.

How order is kept: each call takes a submission ticket synchronously, at call time (and a
``forward_backward`` its place in the current gradient epoch, under the same lock).
Submissions leave in ticket order, each taking its ``seq_id`` s when its turn comes
(``_submit.py`` says why not earlier); the server runs queued ``seq_id`` requests lowest
first, so ``optim_step`` never overtakes the ``forward_backward`` called before it. Requests
the server schedules without a ``seq_id`` (save/load/export/sync/unload) are *barriers*: they
wait until everything called earlier on this client has finished, and everything called
later waits for them, so ``save_state()`` captures exactly the state the calls before it
produced.

How every batch counts once (``docs/reliability.md``): an ``optim_step`` is only sent once
every ``forward_backward`` of its epoch has been accepted and the previous step is settled;
a doubt is repaired in the turn where it arises (``_settle.py``) before anything later
leaves. On the fault-free path none of this costs a round trip.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from xorl_client import _runtime
from xorl_client._ordering import SubmissionSequencer, Ticket
from xorl_client._polling import QueueStateEvent
from xorl_client.chunking import split_batch
from xorl_client.errors import (
    ClientForkedError,
    DataValidationError,
    Outcome,
    SessionStateError,
    XorlError,
)
from xorl_client.futures import APIFuture
from xorl_client.tinker_compat import has_trained_position, prepare_loss_request
from xorl_client.training import _verdicts as verdicts
from xorl_client.training._settle import Settler
from xorl_client.training._step import StepRunner
from xorl_client.training._submit import Submitter
from xorl_client.training.epoch import EpochLedger, EpochState, HeldCall, StepCall
from xorl_client.training.routing import check_routing, routing_fields
from xorl_client.training.wire import endpoint_for, request_model, wire_dict
from xorl_client.types import ForwardBackwardOutput, OptimStepOutput

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["TrainingCore"]

logger = logging.getLogger("xorl_client")

T = TypeVar("T")


@dataclass(frozen=True)
class _Slot:
    """A call's place in line: its ticket and its "done" marker.

    ``earlier`` (barriers only) holds the markers of every call taken before it.
    """

    ticket: Ticket
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
        self._pid = os.getpid()
        self._sequencer = SubmissionSequencer()
        # "done" markers of this client's calls that have not finished, by ticket
        self._pending: dict[Ticket, concurrent.futures.Future[None]] = {}
        self._ledger = EpochLedger(enabled=transport.config.exactly_once)
        self._lock = self._ledger.lock  # a ticket and an epoch place are taken together
        self._submitter = Submitter(transport, on_queue_state)
        self._settler = Settler(
            self._submitter,
            self._ledger,
            self._sequencer,
            model_id=model_id,
            settle_timeout=transport.config.settle_timeout,
        )
        self._steps = StepRunner(self._settler, transport)
        self._tokenizer: Any = None

    def __repr__(self) -> str:
        return f"TrainingClient(model_id={self.model_id!r}, base_model={self.base_model!r})"

    # -- forward / forward_backward -------------------------------------------------------

    def _run_batch(
        self,
        operation: str,
        data: Sequence[Any],
        loss_fn: str,
        loss_fn_params: dict[str, Any] | None,
        loss_fn_config: dict[str, Any] | None,
    ) -> APIFuture[ForwardBackwardOutput]:
        self._check_process()
        datums, loss_name, params = prepare_loss_request(
            data, loss_fn, loss_fn_params, loss_fn_config, operation=operation
        )
        check_routing(datums)
        config = self._transport.config
        chunks = split_batch(
            datums, max_items=config.max_chunk_items, max_bytes=config.max_chunk_bytes
        )
        _check_chunks_train(chunks, operation)
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
        sizes = [len(c) for c in chunks]
        deadline = self._transport.deadline()
        if operation == "forward":
            slot = self._take()
            return self._launch(operation, slot, self._forward(slot, requests, sizes, deadline))
        with self._lock:
            slot = self._take()
            held = self._ledger.add_forward_backward(requests, sizes)
        return self._launch(operation, slot, self._forward_backward(slot, held, deadline))

    async def _forward_backward(
        self, slot: _Slot, held: HeldCall, deadline: float | None
    ) -> ForwardBackwardOutput:
        settler = self._settler
        async with self._turn(slot):
            epoch = held.epoch
            try:
                await settler.before_send("forward_backward", deadline)
            except XorlError as exc:
                settler.give_up(epoch, exc)
                raise
            if epoch.state is EpochState.VOID:
                raise verdicts.given_up("forward_backward", epoch, held)
            try:
                await settler.send_attempt(held, deadline)
            except XorlError as exc:
                if not self._ledger.enabled:
                    raise
                await self._repair_forward_backward(held, exc, deadline)
        return await settler.output_of(held)

    async def _repair_forward_backward(
        self, held: HeldCall, error: XorlError, deadline: float | None
    ) -> None:
        """``held`` s submission failed: replay its epoch if the server may hold part of it
        and time is left; otherwise give the epoch up (and discard it on the server)."""
        settler, ledger, epoch = self._settler, self._ledger, held.epoch
        if error.outcome is not Outcome.UNKNOWN:
            # Its own failure says what went wrong (its class is kept); the epoch is lost.
            ledger.void(epoch, error)
            await settler.settle_now("forward_backward", deadline)
            error.add_note(verdicts.epoch_void_note(epoch))
            raise error
        cause: XorlError = error
        if settler.time_left(deadline):
            ledger.owes_abort = True
            ledger.flag()
            try:
                await settler.reconcile("forward_backward", deadline)
            except SessionStateError:
                raise  # the session itself is not what this client built: that is the news
            except XorlError as repair:
                cause = repair
            else:
                if epoch.state is EpochState.OPEN and held.attempt is not None:
                    return  # replayed: the attempt that counts is in place
                cause = epoch.reason or error
        ledger.void(epoch, cause)
        await settler.settle_now("forward_backward", deadline)
        raise verdicts.epoch_aborted(
            "forward_backward",
            epoch,
            why=f"its outcome was unknown and could not be repaired in time "
            f"({verdicts.summary(cause)})",
            outcome=Outcome.FAILED,
            server_step=epoch.server_step,
            held=held,
        ) from cause

    async def _forward(
        self, slot: _Slot, requests: list[Any], sizes: list[int], deadline: float | None
    ) -> ForwardBackwardOutput:
        async with self._turn(slot):
            await self._settler.before_send("forward", deadline)
            ids = await self._submit_forwards(requests, deadline)
        return await self._collect_forwards(ids, sizes, deadline)

    async def _submit_forwards(self, requests: list[Any], deadline: float | None) -> list[str]:
        """Submit ``forward`` chunks (within the caller's turn); their request ids, in order."""
        ids = []
        for request in requests:
            while True:
                try:
                    ids.append(await self._submitter.submit("forward", request, deadline))
                    break
                except XorlError as exc:
                    # A forward changes nothing on the server: one in doubt is resent.
                    if exc.outcome is not Outcome.UNKNOWN or not self._settler.time_left(deadline):
                        raise
        return ids

    async def _collect_forwards(
        self, ids: list[str], sizes: list[int], deadline: float | None
    ) -> ForwardBackwardOutput:
        """Wait for submitted ``forward`` chunks; their outputs merged in order."""
        from xorl_client.chunking import merge_outputs

        parsed = await asyncio.gather(
            *(self._submitter.poll(rid, "forward", deadline) for rid in ids)
        )
        outputs = [ForwardBackwardOutput.from_wire(wire_dict(p)) for p in parsed]
        return outputs[0] if len(outputs) == 1 else merge_outputs(outputs, sizes)

    # -- optim_step -------------------------------------------------------------------------

    def _optim_step(self, body: dict[str, Any]) -> APIFuture[OptimStepOutput]:
        self._check_process()
        request = request_model("optim_step", body)
        deadline = self._transport.deadline()
        with self._lock:
            slot = self._take()
            step = self._ledger.close_with_step(request)
        return self._launch("optim_step", slot, self._run_step(slot, step, deadline))

    async def _run_step(
        self, slot: _Slot, step: StepCall, deadline: float | None
    ) -> OptimStepOutput:
        step.done = asyncio.get_running_loop().create_future()
        try:
            async with self._turn(slot):
                early = await self._steps.send(step, deadline)
            if early is not None:
                return early
            return await self._steps.result(step, deadline)
        finally:
            if not step.done.done():
                step.done.set_result(None)

    # -- abort_gradient_epoch -----------------------------------------------------------------

    def _abort_epoch(self, convert: Callable[[Any], T]) -> APIFuture[T]:
        """A user's abort: it ends the current epoch and accepts the server's state."""
        self._check_process()
        request = request_model("abort_gradient_epoch", {"model_id": self.model_id})
        deadline = self._transport.deadline()
        with self._lock:
            slot = self._take()
            epoch = self._ledger.end_current()

        async def run() -> T:
            async with self._turn(slot):
                await self._settler.before_send("abort_gradient_epoch", deadline, accept_state=True)
                request_id = await self._submitter.submit(
                    "abort_gradient_epoch", request, deadline, idempotent=True
                )
                parsed = await self._submitter.poll(request_id, "abort_gradient_epoch", deadline)
                ledger = self._ledger
                ledger.close(epoch)
                step = wire_dict(parsed).get("step")
                if isinstance(step, int) and ledger.unsettled_step is None:
                    ledger.known_step = step
                ledger.diverged = None
                return convert(parsed)

        return self._launch("abort_gradient_epoch", slot, run())

    # -- barriers -----------------------------------------------------------------------------

    def _barrier(
        self,
        operation: str,
        body: dict[str, Any],
        convert: Callable[[Any], T],
        *,
        asynchronous: bool = True,
    ) -> APIFuture[T]:
        """An operation the server schedules without seq_id: run it alone, in call order.

        It sends no gradient-bearing request, so it does not wait for an owed abort; but it
        waits for every earlier call, and so for the fate of an ``optim_step`` in doubt.
        """
        self._check_process()
        request = request_model(operation, body)
        loads = operation == "load_weights"
        with self._lock:
            slot = self._take(barrier=True)
            # the checkpoint replaces whatever the epochs called before it accumulated
            replaced = self._ledger.end_current() if loads else None
        endpoint = endpoint_for(operation)
        deadline = self._transport.deadline()

        async def run() -> T:
            async with self._turn(slot):
                if slot.earlier:
                    earlier = asyncio.gather(
                        *(asyncio.wrap_future(f) for f in slot.earlier), return_exceptions=True
                    )
                    await self._settler.hold(earlier, operation, deadline)
                if not asynchronous:
                    parsed = await self._transport.call(
                        endpoint,
                        operation=operation,
                        idempotent=False,
                        deadline=deadline,
                        body=request,
                    )
                    return convert(parsed)
                request_id = await self._submitter.submit(operation, request, deadline)
                parsed = await self._submitter.poll(
                    request_id, operation, deadline, treat_404_as_done=operation == "unload_model"
                )
                if replaced is not None:
                    self._ledger.reset(replaced)
                return convert(parsed)

        return self._launch(operation, slot, run())

    # -- tickets and turns --------------------------------------------------------------------

    def _check_process(self) -> None:
        """Refuse use in a forked child (before touching any lock the fork may have copied
        while held): its turns would wait for tickets that belong to the parent."""
        if os.getpid() != self._pid:
            raise ClientForkedError(
                f"{self!r} was created in process {self._pid} and cannot be used in its forked "
                f"child {os.getpid()}: its call order and gradient epoch belong to the parent. "
                "Create a new ServiceClient (and training session) in the child."
            )

    def _take(self, *, barrier: bool = False) -> _Slot:
        """Reserve a submission ticket, in call order.

        Every call also registers a "done" marker at this moment, so a barrier taken later
        sees every earlier call, even one whose caller thread has not launched it yet.
        """
        self._check_process()
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._lock:
            ticket = self._sequencer.take()
            earlier = list(self._pending.values()) if barrier else []
            self._pending[ticket] = done
        return _Slot(ticket, done, earlier)

    @asynccontextmanager
    async def _turn(self, slot: _Slot) -> AsyncIterator[None]:
        async with self._sequencer.slot(slot.ticket):
            yield

    def _launch(self, operation: str, slot: _Slot, coro: Coroutine[Any, Any, T]) -> APIFuture[T]:
        cf = _runtime.run_coroutine(coro)
        self._sequencer.release_when_done(slot.ticket, cf)
        cf.add_done_callback(lambda _: self._finish(slot))
        return APIFuture(cf, operation=operation)

    def _finish(self, slot: _Slot) -> None:
        with self._lock:
            self._pending.pop(slot.ticket, None)
        slot.done.set_result(None)


def _check_chunks_train(chunks: Sequence[Sequence[Any]], operation: str) -> None:
    """Refuse, before anything is sent, a request the server would refuse inside its future.

    The server masks every position whose target is -100 or whose weight or advantage is 0,
    and fails a request in which no position is left ("Invalid batch structure after
    packing"). A whole batch like that is pointless; one chunk like that among others would
    leave the batch half applied, so it is refused here instead.
    """
    for index, chunk in enumerate(chunks):
        if any(has_trained_position(d) for d in chunk):
            continue
        what = "the batch" if len(chunks) == 1 else f"chunk {index + 1} of {len(chunks)}"
        raise DataValidationError(
            f"{operation}: no datum of {what} has a position the server would compute the loss "
            "at (every target is -100 or has weight 0 or advantage 0), and the server refuses "
            "such a request. Drop datums that train nothing (e.g. groups whose rewards are all "
            "equal get advantage 0), or raise the chunk limits so they travel with others",
            field="loss_fn_inputs",
            rule="a request trains at least one position",
        )
