"""``APIFuture[T]``: the one handle every SDK operation returns.

A sync call such as ``training_client.forward_backward(batch)`` schedules the operation on
the SDK's own event loop (see ``_runtime.py``) and returns an ``APIFuture`` at once, so a
caller can submit ``forward_backward`` and ``optim_step`` back to back and only then wait.
The same object works from sync and async code:

* ``future.result(timeout=None)`` blocks the calling thread;
* ``await future`` (or ``await future.result_async(timeout)``) suspends a coroutine on *any*
  event loop without tying up a thread (``asyncio.wrap_future``).

Waiting never changes the operation: a ``timeout`` expiring, or the awaiting task being
cancelled, leaves it running. Only :meth:`APIFuture.cancel` stops it, and then ``result()``
raises :class:`~xorl_client.errors.FutureCancelledError`.

>>> fut = APIFuture.from_value(21)
>>> fut.done(), fut.result()
(True, 21)
>>> fut.map(lambda x: x * 2).result()
42
>>> import asyncio
>>> async def main() -> int:
...     return await APIFuture.from_value(7)
>>> asyncio.run(main())
7
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

from . import _runtime
from .errors import APITimeoutError, FutureCancelledError

__all__ = ["APIFuture"]

logger = logging.getLogger("xorl_client")

T = TypeVar("T")
U = TypeVar("U")


class APIFuture(Generic[T]):
    """The eventual result of one SDK operation.

    Args:
        future: the ``concurrent.futures.Future`` of the operation's task on the SDK loop
            (what ``_runtime.run_coroutine`` returns).
        operation: name used in messages (``"forward_backward"``).

    >>> f = APIFuture.from_value({"loss": 1.5}, operation="forward")
    >>> f
    <APIFuture forward: finished>
    >>> f.result()["loss"]
    1.5
    >>> f.cancel()  # already finished: nothing to cancel
    False
    """

    __slots__ = ("_future", "operation")

    def __init__(self, future: concurrent.futures.Future[T], *, operation: str | None = None):
        self._future = future
        self.operation = operation

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def from_value(cls, value: T, *, operation: str | None = None) -> APIFuture[T]:
        """An already-finished future (for results known without a round trip).

        >>> APIFuture.from_value(3).result()
        3
        """
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        fut.set_result(value)
        return cls(fut, operation=operation)

    @classmethod
    def from_exception(cls, exc: BaseException, *, operation: str | None = None) -> APIFuture[T]:
        """An already-failed future: ``result()`` raises ``exc``.

        >>> from xorl_client.errors import XorlError
        >>> APIFuture.from_exception(XorlError("boom")).exception()
        XorlError('boom')
        """
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        fut.set_exception(exc)
        return cls(fut, operation=operation)

    # -- state --------------------------------------------------------------------------

    def done(self) -> bool:
        """True once the operation finished, failed or was cancelled."""
        return self._future.done()

    def cancelled(self) -> bool:
        """True if :meth:`cancel` stopped the operation."""
        return self._future.cancelled()

    def cancel(self) -> bool:
        """Stop the operation; return False if it had already finished.

        The SDK-side task is cancelled: no further request is sent and waiting stops. A
        request the server already accepted keeps running there (the server has no cancel
        route); e.g. a cancelled ``forward_backward`` whose submission went out may still
        accumulate gradients, which ``abort_gradient_epoch()`` discards.
        """
        return self._future.cancel()

    # -- sync waiting -------------------------------------------------------------------

    def result(self, timeout: float | None = None) -> T:
        """Block until the operation finishes and return its result.

        Args:
            timeout: seconds to wait; ``None`` waits until the operation's own deadline.

        Raises:
            XorlError: whatever the operation failed with.
            APITimeoutError: ``timeout`` passed; the operation keeps running, so calling
                ``result()`` again later is fine.
            FutureCancelledError: the future was cancelled.
            RuntimeError: called on the SDK loop's own thread while the future is not done
                (it would wait forever for work that needs that very thread).
        """
        self._check_not_on_sdk_loop()
        try:
            return self._future.result(timeout)
        except concurrent.futures.CancelledError:
            raise self._cancelled_error() from None
        except TimeoutError as exc:
            if self._future.done():  # the operation itself raised a TimeoutError
                raise
            raise APITimeoutError(
                f"{self._name} did not finish within result(timeout={timeout}); it is still "
                "running, call result() again or await the future to keep waiting"
            ) from exc

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Block like :meth:`result` and return the operation's exception (or ``None``)."""
        self._check_not_on_sdk_loop()
        try:
            return self._future.exception(timeout)
        except concurrent.futures.CancelledError:
            raise self._cancelled_error() from None
        except TimeoutError as exc:
            raise APITimeoutError(
                f"{self._name} did not finish within exception(timeout={timeout}); it is "
                "still running"
            ) from exc

    def add_done_callback(self, fn: Callable[[APIFuture[T]], object]) -> None:
        """Call ``fn(self)`` when the operation finishes (at once if it already has).

        The callback runs on the SDK loop's thread (or the caller's, if already done): keep
        it short and do not block in it. ``result()`` inside it is fine, the future is done.
        Exceptions it raises are logged, not propagated.
        """

        def _cb(_: concurrent.futures.Future[T]) -> None:
            try:
                fn(self)
            except Exception:
                logger.exception("done-callback of %s raised", self._name)

        self._future.add_done_callback(_cb)

    # -- async waiting ------------------------------------------------------------------

    def __await__(self) -> Generator[Any, None, T]:
        return self._wait().__await__()

    async def result_async(self, timeout: float | None = None) -> T:
        """``await`` with a timeout; the operation keeps running if the timeout passes."""
        try:
            async with asyncio.timeout(timeout) as scope:
                return await self._wait()
        except TimeoutError:
            if not scope.expired():
                raise  # the operation itself failed with a TimeoutError subclass
            raise APITimeoutError(
                f"{self._name} did not finish within result_async(timeout={timeout}); it is "
                "still running, await it again to keep waiting"
            ) from None

    async def _wait(self) -> T:
        # shield: cancelling the awaiting task (asyncio.wait_for, TaskGroup teardown, ...)
        # must not cancel the operation, which other callers may be waiting on too.
        wrapped = asyncio.wrap_future(self._future)
        try:
            return await asyncio.shield(wrapped)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            own_cancel = task is not None and task.cancelling() > 0
            if self._future.cancelled() and not own_cancel:
                raise self._cancelled_error() from None
            raise

    # -- composition --------------------------------------------------------------------

    def map(self, fn: Callable[[T], U]) -> APIFuture[U]:
        """A future of ``fn(result)``; failures and cancellation pass through unchanged.

        ``fn`` runs once, on the thread that completes this future. Cancelling the mapped
        future cancels this one (and so the operation).

        >>> APIFuture.from_value([1, 2, 3]).map(sum).result()
        6
        """
        source = self._future
        target: concurrent.futures.Future[U] = concurrent.futures.Future()

        def _forward(src: concurrent.futures.Future[T]) -> None:
            if src.cancelled():
                target.cancel()
                return
            if not target.set_running_or_notify_cancel():
                return  # the mapped future was cancelled first
            exc = src.exception()
            if exc is not None:
                target.set_exception(exc)
                return
            try:
                target.set_result(fn(src.result()))
            except BaseException as err:
                target.set_exception(err)

        def _backward(tgt: concurrent.futures.Future[U]) -> None:
            if tgt.cancelled():
                source.cancel()

        target.add_done_callback(_backward)
        source.add_done_callback(_forward)
        return APIFuture(target, operation=self.operation)

    # -- helpers ------------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return self.operation or "the operation"

    def _cancelled_error(self) -> FutureCancelledError:
        return FutureCancelledError(f"{self._name} was cancelled with APIFuture.cancel()")

    def _check_not_on_sdk_loop(self) -> None:
        if not self._future.done() and _runtime.in_sdk_loop():
            raise RuntimeError(
                f"APIFuture.result() was called on the xorl-client event loop thread while "
                f"{self._name} is still running; blocking here would deadlock. Inside a "
                "coroutine use `await future` (or `await future.result_async(timeout)`)."
            )

    def __repr__(self) -> str:
        f = self._future
        if f.cancelled():
            state = "cancelled"
        elif f.done():
            state = "failed" if f.exception() is not None else "finished"
        else:
            state = "pending"
        name = f" {self.operation}" if self.operation else ""
        return f"<APIFuture{name}: {state}>"
