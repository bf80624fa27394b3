"""APIFuture on the SDK loop: blocking, awaiting, timeouts, cancellation, callbacks, map."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

import pytest

from xorl_client import _runtime
from xorl_client.errors import APITimeoutError, FutureCancelledError, XorlError
from xorl_client.futures import APIFuture

WAIT = 5.0  # generous bound for thread hand-offs; never a pacing sleep


class Gate:
    """Coroutines that block until ``open()`` is called from the test thread (no sleeping)."""

    def __init__(self) -> None:
        self._opened = False
        self._waiter: asyncio.Future[None] | None = None
        self.started = threading.Event()
        self.cancelled = threading.Event()

    def open(self) -> None:
        self._opened = True
        _runtime.get_loop().call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait_then(self, value: Any) -> Any:
        self._waiter = asyncio.get_running_loop().create_future()
        if self._opened:  # open() ran first; _wake and this both run on the SDK loop
            self._waiter.set_result(None)
        self.started.set()
        try:
            await self._waiter
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        if isinstance(value, BaseException):
            raise value
        return value


def submit(coro_fn: Callable[[], Any], *, operation: str = "op") -> APIFuture[Any]:
    return APIFuture(_runtime.run_coroutine(coro_fn()), operation=operation)


def test_runs_on_named_daemon_thread() -> None:
    async def where() -> tuple[str, bool, bool]:
        t = threading.current_thread()
        return t.name, t.daemon, _runtime.in_sdk_loop()

    assert submit(where).result(WAIT) == ("xorl-client-loop", True, True)
    assert not _runtime.in_sdk_loop()


def test_result() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then(42))
    assert not fut.done()
    gate.open()
    assert fut.result(WAIT) == 42
    assert fut.done() and not fut.cancelled()
    assert fut.exception() is None
    assert "finished" in repr(fut)


def test_result_raises_operation_error() -> None:
    fut = submit(lambda: _raise(XorlError("bad")))
    with pytest.raises(XorlError, match="bad"):
        fut.result(WAIT)
    assert isinstance(fut.exception(), XorlError)
    assert "failed" in repr(fut)


async def _raise(exc: BaseException) -> Any:
    raise exc


def test_result_timeout_does_not_cancel() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then("late"), operation="forward_backward")
    with pytest.raises(APITimeoutError, match="forward_backward") as info:
        fut.result(timeout=0)
    assert isinstance(info.value, TimeoutError)
    assert not fut.done() and not fut.cancelled()
    gate.open()
    assert fut.result(WAIT) == "late"


def test_cancel_raises_future_cancelled() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then(1), operation="optim_step")
    assert gate.started.wait(WAIT)
    assert fut.cancel() is True
    assert fut.cancelled() and fut.done()
    with pytest.raises(FutureCancelledError, match="optim_step"):
        fut.result(WAIT)
    with pytest.raises(FutureCancelledError):
        fut.exception()
    assert gate.cancelled.wait(WAIT), "the SDK-side task was not cancelled"
    assert fut.cancel() is False or fut.cancelled()


def test_cancel_after_done_returns_false() -> None:
    fut = APIFuture.from_value(1)
    assert fut.cancel() is False
    assert fut.result() == 1


async def test_await_from_user_loop() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then("ok"))
    threads_before = threading.active_count()
    waiter = asyncio.ensure_future(_await(fut))
    await asyncio.sleep(0)
    assert threading.active_count() == threads_before  # no thread per await
    gate.open()
    assert await asyncio.wait_for(waiter, WAIT) == "ok"


async def _await(fut: APIFuture[Any]) -> Any:
    return await fut


async def test_await_raises_operation_error() -> None:
    fut = submit(lambda: _raise(XorlError("nope")))
    with pytest.raises(XorlError, match="nope"):
        await fut


async def test_await_cancelled_future_raises_future_cancelled() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then(1))
    waiter = asyncio.ensure_future(_await(fut))
    await asyncio.sleep(0)
    fut.cancel()
    with pytest.raises(FutureCancelledError):
        await asyncio.wait_for(waiter, WAIT)


async def test_cancelling_the_awaiting_task_leaves_the_operation_running() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then("still here"))
    waiter = asyncio.ensure_future(_await(fut))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not fut.cancelled()
    gate.open()
    assert await fut == "still here"


async def test_result_async_timeout_does_not_cancel() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then(5), operation="save_weights")
    with pytest.raises(APITimeoutError, match="save_weights"):
        await fut.result_async(timeout=0)
    assert not fut.done()
    gate.open()
    assert await fut.result_async(timeout=WAIT) == 5


async def test_result_async_passes_operation_timeouts_through() -> None:
    fut = submit(lambda: _raise(APITimeoutError("server deadline")))
    with pytest.raises(APITimeoutError, match="server deadline"):
        await fut.result_async(timeout=WAIT)


def test_add_done_callback_receives_the_api_future() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then(3))
    seen: concurrent.futures.Future[tuple[APIFuture[Any], Any, str]] = concurrent.futures.Future()
    # result() inside the callback is allowed: the future is done, nothing can deadlock.
    fut.add_done_callback(
        lambda f: seen.set_result((f, f.result(), threading.current_thread().name))
    )
    gate.open()
    got, value, thread = seen.result(WAIT)
    assert got is fut and value == 3 and thread == "xorl-client-loop"
    # already done: runs at once in the caller's thread
    again: list[APIFuture[Any]] = []
    fut.add_done_callback(again.append)
    assert again == [fut]


def test_done_callback_errors_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    fut = APIFuture.from_value(1, operation="forward")

    def boom(_: APIFuture[int]) -> None:
        raise ValueError("callback bug")

    fut.add_done_callback(boom)
    assert "callback bug" in caplog.text


def test_result_on_sdk_loop_raises_instead_of_deadlocking() -> None:
    gate = Gate()
    pending = submit(lambda: gate.wait_then(1), operation="forward_backward")

    async def misuse() -> str:
        try:
            pending.result()
        except RuntimeError as exc:
            return str(exc)
        return "no error"

    message = submit(misuse).result(WAIT)
    assert "await future" in message and "deadlock" in message
    gate.open()
    assert pending.result(WAIT) == 1


def test_map_transforms_result() -> None:
    gate = Gate()
    fut = submit(lambda: gate.wait_then({"loss": 2.0}), operation="forward")
    mapped = fut.map(lambda d: d["loss"] * 10)
    assert mapped.operation == "forward"
    gate.open()
    assert mapped.result(WAIT) == 20.0


def test_map_passes_errors_and_mapper_errors() -> None:
    failed = APIFuture[int].from_exception(XorlError("server said no")).map(lambda x: x + 1)
    with pytest.raises(XorlError, match="server said no"):
        failed.result()
    bad = APIFuture.from_value(1).map(lambda x: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        bad.result()


def test_cancel_on_mapped_future_cancels_source() -> None:
    gate = Gate()
    source = submit(lambda: gate.wait_then(1))
    mapped = source.map(str)
    assert gate.started.wait(WAIT)
    assert mapped.cancel()
    assert source.cancelled()
    assert gate.cancelled.wait(WAIT)
    with pytest.raises(FutureCancelledError):
        mapped.result()


def test_cancel_source_cancels_mapped() -> None:
    gate = Gate()
    source = submit(lambda: gate.wait_then(1))
    mapped = source.map(str)
    source.cancel()
    with pytest.raises(FutureCancelledError):
        mapped.result(WAIT)


async def test_await_mapped_from_value() -> None:
    assert await APIFuture.from_value(2).map(lambda x: x**5) == 32


def test_call_soon_runs_on_sdk_loop() -> None:
    done: concurrent.futures.Future[bool] = concurrent.futures.Future()
    _runtime.call_soon(lambda: done.set_result(_runtime.in_sdk_loop()))
    assert done.result(WAIT) is True


def test_cancel_before_start_never_runs_the_coroutine() -> None:
    ran: list[str] = []
    loop_blocked, unblock = threading.Event(), threading.Event()

    def block() -> None:
        loop_blocked.set()
        unblock.wait(WAIT)

    async def op() -> None:
        ran.append("started")  # e.g. would send the request

    _runtime.call_soon(block)
    assert loop_blocked.wait(WAIT)
    fut = APIFuture(_runtime.run_coroutine(op()), operation="forward_backward")
    assert fut.cancel()
    unblock.set()
    with pytest.raises(FutureCancelledError):
        fut.result(WAIT)
    # the loop has moved on (and the coroutine was closed, not leaked)
    assert submit(lambda: _raise_or(None)).result(WAIT) is None
    assert ran == []


async def _raise_or(value: Any) -> Any:
    return value


def test_interpreter_exit_with_pending_operations_is_clean() -> None:
    """atexit shutdown cancels pending tasks: no 'Task was destroyed' or other warnings."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import asyncio
        from xorl_client import _runtime
        from xorl_client.futures import APIFuture

        async def forever():
            await asyncio.Event().wait()

        async def agen():
            yield 1
            await asyncio.Event().wait()

        async def use_agen():
            async for _ in agen():
                pass

        closed = []
        async def close():
            closed.append(True)

        _runtime.add_shutdown_callback(close)
        pending = [APIFuture(_runtime.run_coroutine(forever())) for _ in range(3)]
        _runtime.run_coroutine(use_agen())
        assert APIFuture.from_value(1).result() == 1
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    assert proc.stderr == ""
