"""The engine scheduler: one worker thread, operations strictly one at a time, ``seq_id`` first.

The real xorl engine executes one request at a time and picks the next one with
``SeqIdAwareFIFOPolicy`` (reference §5): among the requests queued when the engine becomes free,
the **lowest ``seq_id`` across all models** wins; only when no ``seq_id`` request is queued does
the oldest request without one run (plain FIFO: create/unload/save/load/sync/sleep...). There is
no waiting for gaps. A second queued request with the same ``(model_id, seq_id)`` replaces the
first, whose future then fails (the real server lets it time out after the operation timeout;
this one fails it at once with a ``504`` text that says why).

Running the work on a dedicated thread keeps the event loop free, so long-polls, health checks
and ``/generate`` are answered while a training step runs, and training state (``ModelSession``
gradients, optimizer, saves and loads) is changed by this thread only. (Deleting checkpoint
directories and loading sampler exports for ``/generate`` happen on other threads; they touch
files and immutable snapshots, not training state.)

Test hooks: :meth:`EngineScheduler.pause` / :meth:`resume` hold the queue,
:meth:`wait_for_queued` waits until jobs are queued, :attr:`history` records the execution order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import HTTPException

__all__ = ["EngineScheduler", "ExecutedJob"]

T = TypeVar("T")


@dataclass(frozen=True)
class ExecutedJob:
    """One entry of :attr:`EngineScheduler.history` (recorded when the job starts)."""

    name: str
    model_id: str
    seq_id: int | None


@dataclass
class _Job:
    fn: Callable[[], Any]
    name: str
    model_id: str
    seq_id: int | None
    order: int
    future: concurrent.futures.Future[Any] = field(default_factory=concurrent.futures.Future)


class EngineScheduler:
    """Serial executor with the real server's ``seq_id``-aware FIFO policy."""

    def __init__(
        self, *, thread_name: str = "xorl-local-engine", history_size: int = 10_000
    ) -> None:
        self._cond = threading.Condition()
        self._by_seq: dict[tuple[str, int], _Job] = {}
        self._fifo: deque[_Job] = deque()
        self._order = itertools.count()
        self._paused = False
        self._stopping = False
        self._running: _Job | None = None
        self.history: deque[ExecutedJob] = deque(maxlen=history_size)
        self._thread = threading.Thread(target=self._worker, name=thread_name, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the running job, fail the queued ones, stop the thread."""
        with self._cond:
            self._stopping = True
            pending = list(self._by_seq.values()) + list(self._fifo)
            self._by_seq.clear()
            self._fifo.clear()
            self._cond.notify_all()
        for job in pending:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(HTTPException(503, "API server not running"))
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- submission ------------------------------------------------------------------------

    def submit(
        self,
        fn: Callable[[], T],
        *,
        name: str,
        model_id: str,
        seq_id: int | None = None,
    ) -> concurrent.futures.Future[T]:
        """Queue ``fn`` (thread-safe); its outcome arrives in the returned future."""
        job = _Job(fn=fn, name=name, model_id=model_id, seq_id=seq_id, order=next(self._order))
        replaced: _Job | None = None
        with self._cond:
            if self._stopping:
                job.future.set_exception(HTTPException(503, "API server not running"))
                return job.future
            if seq_id is None:
                self._fifo.append(job)
            else:
                replaced = self._by_seq.get((model_id, seq_id))
                self._by_seq[(model_id, seq_id)] = job
            self._cond.notify_all()
        if replaced is not None and replaced.future.set_running_or_notify_cancel():
            replaced.future.set_exception(
                HTTPException(
                    504,
                    f"{replaced.name} timeout: replaced in the engine queue by a newer request "
                    f"with the same seq_id={seq_id} for model_id='{model_id}' before it ran",
                )
            )
        return job.future

    async def run(
        self,
        fn: Callable[[], T],
        *,
        name: str,
        model_id: str,
        seq_id: int | None = None,
    ) -> T:
        """``submit`` and await the outcome without blocking the event loop."""
        return await asyncio.wrap_future(
            self.submit(fn, name=name, model_id=model_id, seq_id=seq_id)
        )

    # -- worker ----------------------------------------------------------------------------

    def _next_job(self) -> _Job | None:
        """Lowest seq_id across all models first, else the oldest job without a seq_id."""
        if self._by_seq:
            key = min(self._by_seq, key=lambda k: (k[1], self._by_seq[k].order))
            return self._by_seq.pop(key)
        if self._fifo:
            return self._fifo.popleft()
        return None

    def _worker(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (self._paused or not self._has_jobs()):
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._next_job()
                if job is None:  # pragma: no cover - guarded by _has_jobs
                    continue
                self._running = job
            try:
                if not job.future.set_running_or_notify_cancel():
                    continue
                self.history.append(ExecutedJob(job.name, job.model_id, job.seq_id))
                try:
                    result = job.fn()
                except BaseException as exc:
                    job.future.set_exception(exc)
                else:
                    job.future.set_result(result)
            finally:
                with self._cond:
                    self._running = None
                    self._cond.notify_all()

    def _has_jobs(self) -> bool:
        return bool(self._by_seq or self._fifo)

    # -- test hooks ------------------------------------------------------------------------

    def pause(self) -> None:
        """Stop starting new jobs (the running one finishes). Queued work stays queued."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def queued(self) -> int:
        """Jobs waiting to start (not counting the running one)."""
        with self._cond:
            return len(self._by_seq) + len(self._fifo)

    def wait_for_queued(self, count: int, timeout: float = 10.0) -> bool:
        """Block until at least ``count`` jobs are queued; ``False`` on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: len(self._by_seq) + len(self._fifo) >= count, timeout
            )

    @property
    def alive(self) -> bool:
        """Whether the worker thread is running (``/health``'s ``engine_running``)."""
        return self._thread.is_alive() and not self._stopping
