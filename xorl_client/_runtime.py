"""The SDK's own event loop, running in one daemon thread per process.

Why a private loop: the synchronous API must return an :class:`~xorl_client.futures.APIFuture`
at once and keep many requests in flight (pipelined ``forward_backward`` + ``optim_step``)
without the user running an event loop, and the async API must never block an event loop the
user owns. One loop in one background thread gives both: sync code schedules coroutines with
:func:`run_coroutine`; async code awaits the resulting futures through ``asyncio.wrap_future``.

The loop starts lazily on first use (importing the SDK starts no thread), survives ``fork``
(the child starts its own loop on first use), and is shut down at interpreter exit: pending
tasks are cancelled and awaited so Python does not print "Task was destroyed but it is pending".
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

__all__ = [
    "THREAD_NAME",
    "add_shutdown_callback",
    "call_soon",
    "get_loop",
    "in_sdk_loop",
    "run_coroutine",
    "shutdown",
]

logger = logging.getLogger("xorl_client")

THREAD_NAME = "xorl-client-loop"

T = TypeVar("T")


class _LoopThread:
    """One started loop + its thread. Replaced wholesale after fork or shutdown."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        try:
            self.loop.run_forever()
        finally:
            with contextlib.suppress(Exception):  # best effort at exit
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _drain(self, callbacks: list[Callable[[], Awaitable[object]]]) -> None:
        # Cancel operations first (they stop using the transports), then close transports.
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for cb in callbacks:
            try:
                await cb()
            except Exception:  # pragma: no cover - best effort at exit
                logger.debug("xorl-client shutdown callback failed", exc_info=True)

    def stop(self, callbacks: list[Callable[[], Awaitable[object]]], timeout: float) -> None:
        if not self.thread.is_alive() or self.loop.is_closed():
            return
        try:
            drained = asyncio.run_coroutine_threadsafe(self._drain(callbacks), self.loop)
            drained.result(timeout)
        except Exception:  # pragma: no cover - timeout or loop already gone
            logger.debug("xorl-client loop did not drain cleanly", exc_info=True)
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:  # pragma: no cover - loop closed meanwhile
            return
        self.thread.join(timeout)


_lock = threading.Lock()
_current: _LoopThread | None = None
_shutdown_callbacks: list[Callable[[], Awaitable[object]]] = []
_atexit_registered = False


def get_loop() -> asyncio.AbstractEventLoop:
    """The SDK loop, starting its thread on first use."""
    global _current, _atexit_registered
    lt = _current
    if lt is not None and lt.thread.is_alive():
        return lt.loop
    with _lock:
        if _current is None or not _current.thread.is_alive():
            _current = _LoopThread()
            if not _atexit_registered:
                atexit.register(shutdown)
                _atexit_registered = True
        return _current.loop


def in_sdk_loop() -> bool:
    """True when called on the SDK loop's thread (where blocking would deadlock)."""
    lt = _current
    return lt is not None and threading.get_ident() == lt.thread.ident


def run_coroutine(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    """Schedule ``coro`` on the SDK loop from any thread; return its future at once.

    Cancelling the returned future cancels the task. A future cancelled before its task
    took its first step never runs a line of ``coro``: ``asyncio.run_coroutine_threadsafe``
    alone does not promise that (the cancel reaches the task one loop iteration after the
    task's first step, which for an SDK operation may already send the request).
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()
    loop = get_loop()

    def start() -> None:
        if future.cancelled():
            coro.close()
            return
        task = loop.create_task(_guarded(future, coro))
        _chain(task, future, loop)

    loop.call_soon_threadsafe(start)
    return future


async def _guarded(future: concurrent.futures.Future[T], coro: Coroutine[Any, Any, T]) -> T:
    # First step of the task: the user may have cancelled between start() and now.
    if future.cancelled():
        coro.close()
        raise asyncio.CancelledError
    return await coro


def _chain(
    task: asyncio.Task[T], future: concurrent.futures.Future[T], loop: asyncio.AbstractEventLoop
) -> None:
    def task_done(t: asyncio.Task[T]) -> None:
        if future.cancelled():
            if not t.cancelled():
                t.exception()  # mark retrieved: nobody will read it
            return
        try:
            if t.cancelled():
                future.cancel()
            elif (exc := t.exception()) is not None:
                future.set_exception(exc)
            else:
                future.set_result(t.result())
        except concurrent.futures.InvalidStateError:
            pass  # cancelled from another thread a moment ago

    def future_done(f: concurrent.futures.Future[T]) -> None:
        if f.cancelled() and not task.done():
            if in_sdk_loop():
                task.cancel()
            else:
                with contextlib.suppress(RuntimeError):  # loop closed at exit
                    loop.call_soon_threadsafe(task.cancel)

    task.add_done_callback(task_done)
    future.add_done_callback(future_done)


def call_soon(fn: Callable[..., object], *args: Any) -> None:
    """Run ``fn(*args)`` on the SDK loop soon (thread-safe)."""
    loop = get_loop()
    if in_sdk_loop():
        loop.call_soon(fn, *args)
    else:
        loop.call_soon_threadsafe(fn, *args)


def add_shutdown_callback(fn: Callable[[], Awaitable[object]]) -> None:
    """Await ``fn()`` on the SDK loop at shutdown, after pending tasks were cancelled.

    For resources that must be closed at exit (tasks go first so nothing still uses them).
    """
    with _lock:
        _shutdown_callbacks.append(fn)


def shutdown(timeout: float = 5.0) -> None:
    """Close shared resources, cancel pending operations and stop the loop thread.

    Registered with :mod:`atexit`; safe to call more than once. A later
    :func:`run_coroutine` starts a fresh loop.
    """
    global _current
    with _lock:
        lt, _current = _current, None
        callbacks = list(_shutdown_callbacks)
        _shutdown_callbacks.clear()
    if lt is None:
        return
    if threading.get_ident() == lt.thread.ident:
        raise RuntimeError("xorl_client._runtime.shutdown() cannot run on the SDK loop thread")
    lt.stop(callbacks, timeout)


def _after_fork_in_child() -> None:
    # The parent's loop thread does not exist in the child; start a new one lazily.
    global _current, _lock
    _current = None
    _lock = threading.Lock()
    _shutdown_callbacks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
