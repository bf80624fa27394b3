"""Submissions leave in call order: ``SubmissionSequencer``.

Why: the server runs the lowest queued ``seq_id`` first but never waits for a missing one
(API reference §5). If ``optim_step`` (seq 2) reached the engine's queue before the
``forward_backward`` (seq 1) it depends on, the step would run on no gradients. So the
phase-1 POSTs of one training client must leave in the order the user called the methods,
even though each call runs as its own task on the SDK loop and tasks start in no
particular order. Polling (phase 2) needs no ordering and runs concurrently.

How: a ticket is taken synchronously when the user calls the method (any thread; tickets
are numbered in call order). The operation's coroutine awaits :meth:`turn` before
sending and calls :meth:`release` right after its submission is accepted (or failed), so
the next submission can go while this one is still being polled.

Why ``release`` must *also* be wired to the operation's ``concurrent.futures.Future``
(``release_when_done``) instead of living only inside the coroutine: a future cancelled
before its task ever ran never executes a single line of its coroutine -- no ``finally``
runs -- so a release written only in the coroutine would never happen and every later
submission would wait forever. That is the deadlock users of xorl-client 0.1.0 hit when
they cancelled one queued request. The done-callback fires in every case (result,
exception, cancellation), and releasing is idempotent, so doing it in both places is safe.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NewType

__all__ = ["SubmissionSequencer", "Ticket"]

Ticket = NewType("Ticket", int)


class SubmissionSequencer:
    """FIFO gate for phase-1 submissions of one training client.

    >>> import asyncio
    >>> seq = SubmissionSequencer()
    >>> first, second = seq.take(), seq.take()
    >>> order = []
    >>> async def submit(ticket, name):
    ...     async with seq.slot(ticket):
    ...         order.append(name)
    >>> async def main():
    ...     await asyncio.gather(submit(second, "optim_step"), submit(first, "forward_backward"))
    >>> asyncio.run(main())
    >>> order
    ['forward_backward', 'optim_step']
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._head = 0  # lowest ticket not yet released
        self._released: set[int] = set()  # released tickets above the head
        self._waiters: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = {}

    def take(self) -> Ticket:
        """Reserve the next place in line. Call it synchronously, at call time."""
        with self._lock:
            ticket = self._next
            self._next += 1
            return Ticket(ticket)

    def is_turn(self, ticket: Ticket) -> bool:
        """True once every earlier ticket has been released."""
        with self._lock:
            return self._head >= ticket

    async def turn(self, ticket: Ticket) -> None:
        """Wait until every ticket taken before ``ticket`` has been released."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._head >= ticket:
                return
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters[ticket] = (loop, fut)
        try:
            await fut
        finally:
            with self._lock:
                entry = self._waiters.get(ticket)
                if entry is not None and entry[1] is fut:
                    del self._waiters[ticket]

    def release(self, ticket: Ticket) -> None:
        """Let the tickets after ``ticket`` go. Thread-safe; a second call does nothing."""
        with self._lock:
            if ticket < self._head or ticket in self._released or ticket >= self._next:
                return
            self._released.add(ticket)
            while self._head in self._released:
                self._released.discard(self._head)
                self._head += 1
            head = self._head
            ready = [t for t in self._waiters if t <= head]
            wake = [self._waiters.pop(t) for t in ready]
        for loop, fut in wake:
            _wake(loop, fut)

    def release_when_done(self, ticket: Ticket, future: concurrent.futures.Future[Any]) -> None:
        """Release ``ticket`` when ``future`` finishes in any way, cancellation included."""
        future.add_done_callback(lambda _: self.release(ticket))

    @asynccontextmanager
    async def slot(self, ticket: Ticket) -> AsyncIterator[None]:
        """``async with seq.slot(t):`` waits for the turn, then releases on exit.

        Put only the submission (phase 1) inside the block so the next submission can leave
        while this operation is polled.
        """
        await self.turn(ticket)
        try:
            yield
        finally:
            self.release(ticket)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"<SubmissionSequencer next={self._next} head={self._head} "
                f"waiting={len(self._waiters)}>"
            )


def _set_done(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _wake(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[None]) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _set_done(fut)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(_set_done, fut)
