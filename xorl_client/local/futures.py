"""The future store: phase 2 of the xorl two-phase protocol (reference §4).

Every async route creates a future here and answers ``{"request_id", "model_id"}`` at once; the
operation runs in the background and ``retrieve_future`` long-polls for its outcome.

Design points, each copied from the real server because clients depend on them:

* Request ids are ``future_`` + 12 lowercase hex characters.
* A poll parks on an :class:`asyncio.Event` of the future, so it answers the moment the result
  is stored (not on the next tick of a sleep loop), and answers ``try_again`` after
  ``long_poll_timeout`` seconds with ``queue_state`` ``active`` (admitted) or
  ``paused_capacity`` (more than ``max_concurrent`` futures in flight; not started yet).
* Failures are stored as ``{"error": str, "category": str}``: an ``HTTPException`` raised by the
  operation becomes ``"<status>: <detail>"`` (Starlette's ``str()``), other exceptions their
  message (the app supplies the exact mapping); ``category`` is the real server's heuristic.
* Reads are non-destructive. A future whose TTL has passed answers
  ``{"error": "Request <id> expired", "category": "server"}`` until the periodic sweep deletes
  it, then 404. Session cleanup deletes every future of that model id at once (finished or not),
  which wakes parked polls so they answer 404 immediately.
* Results are cleaned like the real server's serializer: NaN/±Inf become ``0.0`` anywhere and
  ``null`` members of objects are dropped.

All mutation happens on the event loop thread, except :meth:`FutureStore.sweep`, which only
drops finished futures and is safe to call from another thread (tests use it to trigger the
sweep deterministically); the table itself is guarded by a lock for that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = [
    "FutureNotFoundError",
    "FutureStore",
    "EncodedResult",
    "clean_result",
    "encode_result",
    "failure_category",
    "new_request_id",
]

#: Substrings that make the real server label a failure ``"user"`` rather than ``"server"``.
_USER_ERROR_MARKERS = ("invalid", "bad request", "validation", "missing")


def new_request_id() -> str:
    """``future_`` + 12 lowercase hex characters, the real server's format.

    >>> rid = new_request_id()
    >>> rid.startswith("future_") and len(rid) == 19 and rid[7:] == rid[7:].lower()
    True
    """
    return f"future_{secrets.token_hex(6)}"


def failure_category(message: str) -> str:
    """The real server's heuristic: ``user`` when the text smells like a client mistake.

    >>> failure_category("400: Invalid checkpoint name '..'")
    'user'
    >>> failure_category("409: Checkpoint already exists: xorl://default/weights/a")
    'server'
    """
    lowered = message.lower()
    return "user" if any(marker in lowered for marker in _USER_ERROR_MARKERS) else "server"


def clean_result(value: Any) -> Any:
    """NaN/±Inf → ``0.0`` everywhere, ``None`` members of objects dropped (lists keep ``None``).

    >>> clean_result({"a": float("nan"), "b": None, "c": [1.0, float("inf"), None]})
    {'a': 0.0, 'c': [1.0, 0.0, None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else 0.0
    if isinstance(value, dict):
        return {k: clean_result(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [clean_result(v) for v in value]
    return value


class EncodedResult(bytes):
    """A finished result, already cleaned and serialised to JSON."""


def encode_result(value: Any) -> EncodedResult:
    """:func:`clean_result` + orjson, for the thread that produced the result."""
    return EncodedResult(orjson.dumps(clean_result(value)))


class FutureNotFoundError(KeyError):
    """Unknown, purged or session-cleaned request id (the route turns it into a 404)."""

    def __init__(self, request_id: str) -> None:
        super().__init__(request_id)
        self.request_id = request_id

    def __str__(self) -> str:
        return f"Request {self.request_id} not found"


@dataclass
class _Future:
    request_id: str
    model_id: str
    created: float
    done: asyncio.Event = field(default_factory=asyncio.Event)
    queue_state: str = "active"
    result: dict[str, Any] | EncodedResult | None = None
    deleted: bool = False
    waiters: int = 0
    task: asyncio.Task[None] | None = None


Starter = Callable[[], Awaitable[dict[str, Any] | EncodedResult]]


class FutureStore:
    """In-memory futures with long-poll, TTL, capacity admission and per-model cleanup.

    Args:
        long_poll_timeout: seconds a poll is held before ``try_again``.
        ttl: seconds from creation after which a future reports itself expired.
        max_concurrent: futures admitted at once; later ones wait as ``paused_capacity``.
        describe_error: turns an operation's exception into the stored ``error`` text.
        clock: monotonic clock for TTLs (tests may substitute one).

    A successful operation should finish with :func:`encode_result` applied where it ran (the
    engine thread): the store then keeps the JSON bytes and every poll answers them as they
    are, so a result with millions of floats is never re-serialised on the event loop.
    """

    def __init__(
        self,
        *,
        long_poll_timeout: float,
        ttl: float,
        max_concurrent: int,
        describe_error: Callable[[BaseException], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.long_poll_timeout = long_poll_timeout
        self.ttl = ttl
        self.max_concurrent = max_concurrent
        self._describe_error = describe_error
        self.clock = clock
        self._futures: dict[str, _Future] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self._waiting: deque[tuple[_Future, Starter]] = deque()
        self.total_requests = 0
        self._closing = False

    # -- phase 1 ---------------------------------------------------------------------------

    def submit(self, model_id: str, start: Starter) -> str:
        """Create a future for ``start()`` and return its request id (call on the event loop).

        When capacity is free, ``start`` is called synchronously, before this returns: a
        ``start`` that queues engine work in a plain (non-async) function therefore has its job
        in the engine queue by the time the client gets its request id, so submission order is
        preserved for the scheduler.
        """
        request_id = new_request_id()
        while request_id in self._futures:  # pragma: no cover - 48 random bits
            request_id = new_request_id()
        record = _Future(request_id=request_id, model_id=model_id, created=self.clock())
        with self._lock:
            self._futures[request_id] = record
        self.total_requests += 1
        if self._in_flight < self.max_concurrent:
            self._admit(record, start)
        else:
            record.queue_state = "paused_capacity"
            self._waiting.append((record, start))
        return request_id

    def _admit(self, record: _Future, start: Starter) -> None:
        self._in_flight += 1
        record.queue_state = "active"
        try:
            awaitable = start()
        except Exception as exc:  # a synchronous failure still belongs in the future
            awaitable = _raising(exc)
        record.task = asyncio.ensure_future(self._finish(record, awaitable))

    async def _finish(
        self, record: _Future, awaitable: Awaitable[dict[str, Any] | EncodedResult]
    ) -> None:
        try:
            result = await awaitable
        except asyncio.CancelledError:
            record.result = {
                "error": "Request cancelled: server shutting down",
                "category": "server",
            }
            raise
        except Exception as exc:
            message = self._describe_error(exc)
            record.result = {"error": message, "category": failure_category(message)}
        else:
            record.result = result if isinstance(result, EncodedResult) else clean_result(result)
        finally:
            record.done.set()
            self._in_flight -= 1
            self._admit_waiting()

    def _admit_waiting(self) -> None:
        while not self._closing and self._waiting and self._in_flight < self.max_concurrent:
            record, start = self._waiting.popleft()
            if not record.deleted:
                self._admit(record, start)

    # -- phase 2 ---------------------------------------------------------------------------

    def _expired_body(self, record: _Future) -> dict[str, Any] | None:
        if self.clock() - record.created >= self.ttl:
            return {"error": f"Request {record.request_id} expired", "category": "server"}
        return None

    async def retrieve(self, request_id: str) -> dict[str, Any] | EncodedResult:
        """The poll: result, failure, expired failure, or ``try_again`` after the long-poll."""
        record = self._futures.get(request_id)
        if record is None:
            raise FutureNotFoundError(request_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.long_poll_timeout
        while True:
            if record.deleted:
                raise FutureNotFoundError(request_id)
            expired = self._expired_body(record)
            if expired is not None:
                return expired
            if record.result is not None:
                return record.result
            remaining = min(deadline - loop.time(), record.created + self.ttl - self.clock())
            if deadline - loop.time() <= 0:
                return {
                    "type": "try_again",
                    "request_id": request_id,
                    "queue_state": record.queue_state,
                    "queue_state_reason": (
                        "Request is queued, waiting for worker capacity"
                        if record.queue_state == "paused_capacity"
                        else None
                    ),
                }
            record.waiters += 1
            try:
                await asyncio.wait_for(record.done.wait(), timeout=max(remaining, 0.0))
            except TimeoutError:
                pass
            finally:
                record.waiters -= 1

    # -- lifetime --------------------------------------------------------------------------

    def ids_of(self, model_id: str) -> set[str]:
        """Request ids of every future of ``model_id`` that exists now."""
        with self._lock:
            return {r.request_id for r in self._futures.values() if r.model_id == model_id}

    def delete_model(self, model_id: str, *, only: set[str] | None = None) -> int:
        """Delete the futures of ``model_id`` (session cleanup); parked polls answer 404.

        ``only`` limits the deletion to those ids: an unload deletes the futures that existed
        when it was submitted, not those of a session recreated right after it.
        """
        with self._lock:
            doomed = [
                r
                for r in self._futures.values()
                if r.model_id == model_id and (only is None or r.request_id in only)
            ]
            for record in doomed:
                del self._futures[record.request_id]
        for record in doomed:
            record.deleted = True
            record.done.set()
        return len(doomed)

    def sweep(self, now: float | None = None) -> int:
        """Delete finished futures past their TTL (afterwards 404). Thread-safe.

        Unfinished expired futures stay (their engine work is still running); they keep
        answering the expired failure and are swept once finished, like the real store.
        """
        current = self.clock() if now is None else now
        with self._lock:
            doomed = [
                r
                for r in self._futures.values()
                if r.result is not None and current - r.created >= self.ttl
            ]
            for record in doomed:
                del self._futures[record.request_id]
                record.deleted = True
        return len(doomed)

    # -- introspection (health, tests) -----------------------------------------------------

    def waiters(self, request_id: str) -> int:
        """How many polls are parked on ``request_id`` right now (0 if unknown)."""
        record = self._futures.get(request_id)
        return 0 if record is None else record.waiters

    @property
    def active_requests(self) -> int:
        """Futures not finished yet (admitted or waiting for capacity)."""
        with self._lock:
            return sum(1 for r in self._futures.values() if r.result is None)

    def __contains__(self, request_id: object) -> bool:
        return request_id in self._futures

    def __len__(self) -> int:
        return len(self._futures)

    async def aclose(self) -> None:
        """Cancel background tasks (server shutdown)."""
        self._closing = True
        self._waiting.clear()
        with self._lock:
            tasks = [r.task for r in self._futures.values() if r.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _raising(exc: BaseException) -> dict[str, Any]:
    raise exc
