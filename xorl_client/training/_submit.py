"""Phase 1 and phase 2 of one training client's requests, and the requests still in flight.

``seq_id`` s are taken here, when a request is about to be sent (its client holds its turn in
the submission order), not when the user made the call. Turns follow call order, so the ids
still follow call order; and a recovery that runs in the middle (an abort and replayed
``forward_backward`` s) takes ids that sort before the ``optim_step`` waiting behind it.
Ids taken at call time could not do that: the step would already own a lower id than the
replays and the server, which runs the lowest queued ``seq_id`` first, could run it on half
an epoch.

Every accepted request is polled in a task registered in :attr:`Submitter.inflight` until its
poll ends; an abort waits for them (:meth:`Submitter.drain`) so that it lands on the server
after every request of this client that was accepted before it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from xorl_client._polling import QueueStateEvent, wait_for_future
from xorl_client.errors import APITimeoutError, Outcome, with_outcome
from xorl_client.training.wire import endpoint_for

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["Submitter", "next_seq_id"]

T = TypeVar("T")

# seq_ids are unique per process, not per client: two clients of one session (or several
# sessions, whose seq_ids compete on the server's single queue) then never collide.
_seq_ids = itertools.count(1)


def next_seq_id() -> int:
    """The next process-wide ``seq_id`` (thread-safe: ``count`` steps atomically)."""
    return next(_seq_ids)


def _after_fork_in_child() -> None:
    # A child shares no state with its parent but may talk to the same session: start its
    # ids far above the parent's so the two never reuse one (a reused id replaces the queued
    # request on the server).
    global _seq_ids
    _seq_ids = itertools.count(next(_seq_ids) + ((os.getpid() & 0x3FFFFF) + 1) * (1 << 36))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Submitter:
    """Sends one client's requests and keeps track of the ones the server accepted."""

    def __init__(
        self,
        transport: Transport,
        on_queue_state: Callable[[QueueStateEvent], object] | None,
    ) -> None:
        self.transport = transport
        self._on_queue_state = on_queue_state
        self.inflight: set[asyncio.Future[Any]] = set()

    async def submit(
        self,
        operation: str,
        request: Any,
        deadline: float | None,
        *,
        idempotent: bool = False,
    ) -> str:
        """Phase 1 with a fresh ``seq_id`` (when the request has the field): the request id."""
        if hasattr(request, "seq_id"):
            request.seq_id = next_seq_id()
        handle = await self.transport.call(
            endpoint_for(operation),
            operation=operation,
            idempotent=idempotent,
            retry_until_deadline=idempotent,
            deadline=deadline,
            body=request,
        )
        return str(handle.request_id)

    async def poll(
        self,
        request_id: str,
        operation: str,
        deadline: float | None,
        *,
        treat_404_as_done: bool = False,
    ) -> Any:
        """Phase 2: the parsed result of ``request_id``."""
        from xorl_openapi.api.futures import retrieve_future

        return await wait_for_future(
            self.transport,
            request_id,
            operation=operation,
            deadline=deadline,
            retrieve_endpoint=retrieve_future,
            on_queue_state=self._on_queue_state,
            treat_404_as_done=treat_404_as_done,
        )

    def track(self, work: Coroutine[Any, Any, T] | asyncio.Future[T]) -> asyncio.Future[T]:
        """Run ``work`` (polls of accepted requests) as a task that :meth:`drain` waits for."""
        task = asyncio.ensure_future(work)
        self.inflight.add(task)
        task.add_done_callback(self._untrack)
        return task

    def _untrack(self, task: asyncio.Future[Any]) -> None:
        self.inflight.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: whoever needs it awaits the task itself

    async def drain(self, deadline: float | None, operation: str) -> None:
        """Wait until every tracked request has finished, or fail at ``deadline``."""
        while self.inflight:
            left = self.transport.policy.remaining(deadline)
            if left is not None and left <= 0:
                raise with_outcome(APITimeoutError, Outcome.NOT_SENT)(
                    f"{operation}: the deadline passed while waiting for this client's earlier "
                    f"requests ({len(self.inflight)} still running on the server) to finish "
                    "before discarding the gradient epoch"
                )
            await asyncio.wait(set(self.inflight), timeout=left)
