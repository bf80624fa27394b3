"""The one place that decides whether a failed HTTP request is sent again, and when.

The xorl server has no idempotency keys (API reference §5): every accepted submission
creates a new engine request, so re-sending a ``forward_backward`` whose first copy did
execute would accumulate its gradients twice, and re-sending an ``optim_step`` would take
two optimizer steps. The rules therefore depend on whether a call is *idempotent*:

* **Idempotent** calls (``retrieve_future``, every GET, read-only POSTs the caller flags:
  ``list_checkpoints``, ``weights_info``, ``session_info``, ...) are re-sent on any
  connection-level failure (refused, reset, timeouts, protocol errors) and on
  429/502/503/504. A 500 is not retried: it is the server's answer, and asking again gives
  the same answer.
* **Submissions** (``forward_backward``, ``optim_step``, ``save_weights``, ...) are re-sent
  only when the request provably never reached the xorl app, or reached it and got an answer
  the app only gives before it acts:

  - ``httpx.ConnectError`` / ``httpx.ConnectTimeout``: no connection was made;
  - ``httpx.PoolTimeout``: no connection was ever free to send on;
  - ``httpx.WriteError`` / ``httpx.WriteTimeout``: the request never left whole, and nobody
    acts on half a request;
  - 503 ``"API server not initialized"`` / ``"API server not running"`` /
    ``"Future store not initialized"``: the app refused before queuing anything.

  Everything else is ambiguous and never resent: ``ReadTimeout``, ``ReadError``,
  ``RemoteProtocolError`` (the body may have been processed), and every other 5xx or 429:
  the xorl app never answers 429/502/504 to a submission, so those come from a gateway that
  may already have forwarded the request (a 429 resent after the first copy went through
  counts a batch twice), and a 500 may come after the work was queued.

Every failure is also given an :class:`~xorl_client.errors.Outcome` by :func:`outcome_of`:
``NOT_SENT`` (the first group above), ``FAILED`` (an answer of the app: 4xx, the not-ready
503) or ``UNKNOWN`` (the rest).

Every retry uses exponential backoff with full jitter (``base * 2**(n-1)``, capped) and
is refused when the wait would run past the operation's deadline. ``sleep``, ``clock`` and
``random`` are injectable so tests never sleep.
"""

from __future__ import annotations

import asyncio
import email.utils
import random as _random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

import httpx
import orjson

from .errors import Outcome

if TYPE_CHECKING:
    from ._config import ClientConfig

__all__ = [
    "NOT_READY_503_DETAILS",
    "RETRYABLE_IDEMPOTENT_STATUSES",
    "ResponseLike",
    "RetryDecision",
    "RetryPolicy",
    "error_detail",
    "is_not_ready",
    "outcome_of",
    "parse_retry_after",
]

#: 503 details the server sends before its app is ready; nothing was queued.
NOT_READY_503_DETAILS: Final = (
    "API server not initialized",
    "API server not running",
    "Future store not initialized",
)

#: Statuses worth asking again for an idempotent call (gateway trouble, not an answer).
RETRYABLE_IDEMPOTENT_STATUSES: Final = frozenset({429, 502, 503, 504})

# Exceptions that prove the request never reached the server (whole).
_NOT_SENT_EXCEPTIONS: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


class ResponseLike(Protocol):
    """What :meth:`RetryPolicy.classify` needs from a response (httpx or generated)."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class RetryDecision:
    """The outcome of :meth:`RetryPolicy.classify`.

    Attributes:
        retry: send the request again.
        delay: seconds to wait first (``None`` when not retrying).
        reason: why, in words fit for a log line or an error message.
    """

    retry: bool
    delay: float | None
    reason: str


def _default_sleep(seconds: float) -> Awaitable[None]:
    return asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before resending; see the module docstring for the rules.

    Attributes:
        max_attempts: total tries per request, the first included.
        backoff_base / backoff_max: exponential backoff ``base * 2**(attempt-1)``, capped.
        jitter: full jitter (a uniform draw in ``[0, backoff]``) spreads retries from many
            clients; turn off for deterministic tests.
        sleep, clock, random, wall_clock: injectable for tests; ``clock`` is the time base
            of every ``deadline`` (default :func:`time.monotonic`), ``wall_clock`` only
            turns a ``Retry-After`` HTTP date into seconds.
    """

    max_attempts: int = 6
    backoff_base: float = 0.25
    backoff_max: float = 8.0
    jitter: bool = True
    sleep: Callable[[float], Awaitable[None]] = field(default=_default_sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    random: Callable[[], float] = field(default=_random.random, compare=False)
    wall_clock: Callable[[], float] = field(default=time.time, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    @classmethod
    def from_config(cls, config: ClientConfig, **overrides: Any) -> RetryPolicy:
        """The policy described by a :class:`ClientConfig` (``max_retries`` + 1 attempts)."""
        kwargs: dict[str, Any] = {
            "max_attempts": config.max_retries + 1,
            "backoff_base": config.retry_backoff_base,
            "backoff_max": config.retry_backoff_max,
        }
        kwargs.update(overrides)
        return cls(**kwargs)

    # -- time -------------------------------------------------------------------------

    def deadline_after(self, seconds: float | None) -> float | None:
        """An absolute deadline ``seconds`` from now on :attr:`clock` (``None`` = never)."""
        return None if seconds is None else self.clock() + seconds

    def remaining(self, deadline: float | None) -> float | None:
        """Seconds left before ``deadline`` (may be negative); ``None`` if no deadline."""
        return None if deadline is None else deadline - self.clock()

    def backoff(self, attempt: int) -> float:
        """Wait before attempt ``attempt + 1`` after ``attempt`` failed (attempt >= 1)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0 ** max(attempt - 1, 0)))
        return ceiling * self.random() if self.jitter else ceiling

    # -- the rules --------------------------------------------------------------------

    def classify(
        self,
        outcome: BaseException | ResponseLike,
        *,
        idempotent: bool,
        attempt: int = 1,
        deadline: float | None = None,
        until_deadline: bool = False,
    ) -> RetryDecision:
        """Decide whether to resend after ``attempt`` tries ended in ``outcome``.

        Args:
            outcome: the exception the request raised, or the (non-2xx) response.
            idempotent: resending cannot change server state (polls, reads).
            attempt: how many tries have been made so far (1 after the first).
            deadline: absolute time on :attr:`clock` the operation must finish by.
            until_deadline: ignore ``max_attempts`` and keep retrying transient failures
                until ``deadline``. For polls of an operation that keeps running on the
                server while the network or the server is briefly away.
        """
        retryable, reason, server_delay = self._retryable(outcome, idempotent=idempotent)
        if not retryable:
            return RetryDecision(False, None, reason)
        if attempt >= self.max_attempts and not (until_deadline and idempotent):
            return RetryDecision(False, None, f"{reason}; gave up after {attempt} attempts")
        delay = server_delay if server_delay is not None else self.backoff(attempt)
        left = self.remaining(deadline)
        if left is not None and delay >= left:
            if until_deadline and idempotent:
                # Wait out the rest: the caller then ends with its deadline error, which
                # says the operation may still complete, not with a connection error.
                return RetryDecision(True, max(left, 0.0), f"{reason}; waiting until the deadline")
            return RetryDecision(
                False,
                None,
                f"{reason}; not retried because waiting {delay:.2f}s would pass the "
                f"operation's deadline ({max(left, 0.0):.2f}s left)",
            )
        return RetryDecision(True, delay, reason)

    def _retryable(
        self, outcome: BaseException | ResponseLike, *, idempotent: bool
    ) -> tuple[bool, str, float | None]:
        if isinstance(outcome, BaseException):
            return self._retryable_exception(outcome, idempotent=idempotent)
        status = int(outcome.status_code)
        if is_not_ready(outcome):
            delay = parse_retry_after(outcome.headers, now=self.wall_clock())
            detail = error_detail(outcome.content)
            return True, f"server not ready yet (503 {detail!r}); nothing was queued", delay
        if idempotent and status in RETRYABLE_IDEMPOTENT_STATUSES:
            delay = parse_retry_after(outcome.headers, now=self.wall_clock())
            return True, f"server answered {status} (gateway/unavailable)", delay
        if not idempotent and (status in RETRYABLE_IDEMPOTENT_STATUSES or status >= 500):
            return (
                False,
                f"server answered {status}; a submission is not resent because whatever sits "
                "in front of the server may already have forwarded it",
                None,
            )
        return False, f"server answered {status}", None

    @staticmethod
    def _retryable_exception(
        exc: BaseException, *, idempotent: bool
    ) -> tuple[bool, str, float | None]:
        name = type(exc).__name__
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
            return False, f"{name}: the request could not be sent as built", None
        if isinstance(exc, _NOT_SENT_EXCEPTIONS):
            return True, f"{name}: the request never reached the server", None
        if isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.ProxyError):
            if idempotent:
                return True, f"{name} on an idempotent request", None
            return (
                False,
                f"{name} after the request was sent; not resent because the server may "
                "already have executed it",
                None,
            )
        return False, f"{name} is not a transient network error", None


def is_not_ready(response: ResponseLike) -> bool:
    """A 503 the xorl app gives before it queues anything (safe to resend)."""
    if int(response.status_code) != 503:
        return False
    detail = error_detail(response.content)
    return isinstance(detail, str) and any(d in detail for d in NOT_READY_503_DETAILS)


def outcome_of(failure: BaseException | ResponseLike) -> Outcome:
    """What became of a request that ended in ``failure`` (an exception or a non-2xx answer).

    >>> outcome_of(httpx.ConnectError("refused")).value
    'not_sent'
    >>> outcome_of(httpx.Response(502)).value, outcome_of(httpx.Response(404)).value
    ('unknown', 'failed')
    """
    if isinstance(failure, BaseException):
        return Outcome.NOT_SENT if isinstance(failure, _NOT_SENT_EXCEPTIONS) else Outcome.UNKNOWN
    status = int(failure.status_code)
    if is_not_ready(failure):
        return Outcome.FAILED
    if status == 429 or status >= 500:
        return Outcome.UNKNOWN
    return Outcome.FAILED


def error_detail(content: bytes) -> Any:
    """The ``detail`` of a FastAPI error body, or the body text if it is not JSON."""
    if not content:
        return None
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content[:500].decode("utf-8", "replace").strip() or None
    if isinstance(body, dict) and "detail" in body:
        return body["detail"]
    return body


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    >>> parse_retry_after({"retry-after": "3"})
    3.0
    >>> parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0)
    10.0
    >>> parse_retry_after({}) is None
    True
    """
    raw = None
    for k, v in headers.items():
        if k.lower() == "retry-after":
            raw = v
            break
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pragma: no cover - older Pythons
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
