"""``sample_batch``: every prompt concurrently, stragglers cancelled at the deadline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from xorl_client.errors import DataValidationError, XorlError
from xorl_client.types import ModelInput, SampleResponse

__all__ = ["BatchSampleResult", "batch_limits", "check_prompts", "run_batch"]

R = TypeVar("R")

logger = logging.getLogger("xorl_client")


@dataclass(slots=True)
class BatchSampleResult:
    """What :meth:`SamplingClient.sample_batch` returns: every prompt lands in exactly one list.

    Attributes:
        completed: ``(prompt index, response)``, sorted by index.
        failed: ``(prompt index, error)``, sorted by index: the server refused or failed that
            prompt (e.g. a 400 for a prompt longer than the context, retries exhausted).
        cancelled: prompt indices still running (or not yet started) when the deadline
            passed; they were cancelled.

    >>> r = BatchSampleResult(cancelled=[2])
    >>> r.ok, len(r)
    (False, 1)
    """

    completed: list[tuple[int, SampleResponse]] = field(default_factory=list)
    failed: list[tuple[int, XorlError]] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every prompt completed."""
        return not self.failed and not self.cancelled

    def __len__(self) -> int:
        return len(self.completed) + len(self.failed) + len(self.cancelled)


def check_prompts(prompts: Any) -> None:
    """Refuse what is not a list of prompts (one string, one tokenized prompt, ...)."""
    if isinstance(prompts, str | bytes | ModelInput) or not isinstance(prompts, Sequence):
        raise DataValidationError(
            f"prompts must be a list of prompts, not {type(prompts).__name__}; for one "
            "prompt use sample()",
            field="prompts",
            rule="prompts is a list",
        )
    if prompts and all(isinstance(p, int) and not isinstance(p, bool) for p in prompts):
        raise DataValidationError(
            "prompts is a list of ints, i.e. one tokenized prompt; wrap it: [tokens]",
            field="prompts",
            rule="prompts is a list",
        )


def batch_limits(
    count: int,
    timeout: Any,
    max_concurrency: Any,
    *,
    default_seconds: float | None,
    max_connections: int,
) -> tuple[float | None, int]:
    """The batch deadline in seconds and the most requests in flight, checked."""
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0
    ):
        raise DataValidationError(
            f"timeout must be a positive number of seconds or None, not {timeout!r}",
            field="timeout",
            rule="timeout > 0",
        )
    limit = max_concurrency if max_concurrency is not None else min(max(count, 1), max_connections)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise DataValidationError(
            f"max_concurrency must be a positive integer, not {max_concurrency!r}",
            field="max_concurrency",
            rule="max_concurrency >= 1",
        )
    return (timeout if timeout is not None else default_seconds), limit


async def run_batch(
    send: Callable[[R], Awaitable[SampleResponse]],
    requests: Sequence[R],
    seconds: float | None,
    limit: int,
    sleep: Callable[[float], Any],
) -> BatchSampleResult:
    """Send ``requests`` (at most ``limit`` at once) until done or ``seconds`` have passed.

    ``sleep`` is the retry policy's (tests inject one that does not sleep); whatever is still
    running when it returns is cancelled and reported in ``cancelled``.
    """
    result = BatchSampleResult()
    if not requests:
        return result
    gate = asyncio.Semaphore(limit)

    async def one(request: R) -> SampleResponse:
        async with gate:
            # No per-request deadline: the batch deadline below cancels stragglers, so a
            # request is never reported "failed" merely because the deadline passed.
            return await send(request)

    tasks = [
        asyncio.create_task(one(request), name=f"xorl-sample-batch-{index}")
        for index, request in enumerate(requests)
    ]
    all_done = asyncio.Event()
    remaining = len(tasks)

    def finished(_: asyncio.Task[SampleResponse]) -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            all_done.set()

    for task in tasks:
        task.add_done_callback(finished)
    waiters: list[asyncio.Task[Any]] = [asyncio.create_task(all_done.wait())]
    if seconds is not None:
        waiters.append(asyncio.create_task(_as_coroutine(sleep(seconds))))
    stragglers: list[asyncio.Task[SampleResponse]] = []
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stragglers = [t for t in tasks if not t.done()]
        for pending in (*stragglers, *waiters):
            pending.cancel()
        await asyncio.gather(*stragglers, *waiters, return_exceptions=True)
    cancelled = {id(t) for t in stragglers}
    for index, task in enumerate(tasks):
        if id(task) in cancelled or task.cancelled():
            result.cancelled.append(index)
            continue
        exc = task.exception()
        if exc is None:
            result.completed.append((index, task.result()))
        elif isinstance(exc, XorlError):
            result.failed.append((index, exc))
        else:
            wrapped = XorlError(f"sample of prompt {index} failed: {type(exc).__name__}: {exc}")
            wrapped.__cause__ = exc
            result.failed.append((index, wrapped))
    if result.cancelled:
        logger.info(
            "sample_batch: deadline of %.3gs passed; cancelled %d of %d prompts",
            seconds or 0.0,
            len(result.cancelled),
            len(tasks),
        )
    return result


async def _as_coroutine(awaitable: Any) -> None:
    await awaitable
