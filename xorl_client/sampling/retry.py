"""The retry rule for SGLang's ``/generate``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import httpx

from xorl_client._retry import RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from xorl_client._retry import ResponseLike

__all__ = ["SamplingRetryPolicy"]

_RETRY_STATUSES: Final = frozenset({502, 503, 504})
# The request never reached the server, or the connection broke before any answer. /generate
# has no side effects, so resending is harmless. Timeouts are deliberately absent: the same
# request would most likely time out again, doubling the server's work for nothing.
_RETRY_EXCEPTIONS: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


class SamplingRetryPolicy(RetryPolicy):
    """The retry rule for ``/generate`` (see the module docstring).

    Unlike the training server's rule, 429 is not retried (no 4xx is: a 4xx from SGLang is
    its final word on the request) and any connection failure before an answer is, because a
    generation changes nothing on the server.

    >>> import httpx
    >>> p = SamplingRetryPolicy(jitter=False)
    >>> p.classify(httpx.Response(503), idempotent=True).retry
    True
    >>> p.classify(httpx.Response(400), idempotent=True).retry
    False
    >>> p.classify(httpx.ConnectError("refused"), idempotent=True).retry
    True
    >>> p.classify(httpx.ReadTimeout("slow"), idempotent=True).retry
    False
    """

    def _retryable(
        self, outcome: BaseException | ResponseLike, *, idempotent: bool
    ) -> tuple[bool, str, float | None]:
        if isinstance(outcome, BaseException):
            name = type(outcome).__name__
            if isinstance(outcome, _RETRY_EXCEPTIONS):
                return True, f"{name}: no answer came back; /generate is safe to resend", None
            return False, f"{name} is not retried for /generate", None
        status = int(outcome.status_code)
        if status in _RETRY_STATUSES:
            delay = parse_retry_after(outcome.headers, now=self.wall_clock())
            return True, f"inference server answered {status} (warming up or overloaded)", delay
        return False, f"inference server answered {status}", None
