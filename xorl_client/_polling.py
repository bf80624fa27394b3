"""Phase 2 of the future protocol: long-poll ``retrieve_future`` until the operation ends.

The server holds each ``retrieve_future`` request up to 45 s and answers the moment the
operation finishes, so the loop polls again *immediately* after ``try_again`` -- the old
SDK's fixed 1 s sleep only added latency. Every poll outcome is handled here, once:

* ``TryAgainResponse``: poll again; a change of ``queue_state`` (e.g. ``paused_capacity``,
  "waiting for worker capacity") is logged at INFO and reported to ``on_queue_state``.
* ``RequestFailedResponse``: :class:`~xorl_client.errors.RequestFailedError` with the
  server's text, category and request id; ``"Request <id> expired"`` becomes
  :class:`~xorl_client.errors.FutureExpiredError`.
* HTTP 404: the future is gone (TTL or session cleanup) -> ``FutureExpiredError``, except
  for ``unload_model``, whose future deletes itself, where 404 means done.
* anything else: the operation's result, returned as the generated model.

Connection drops and 502/503/504 are retried by the transport (polling is idempotent) until
the operation's deadline, each retry logged at WARNING, because the operation keeps running on
the server while it is unreachable. The operation's one deadline bounds the whole wait and ends it with an
``APITimeoutError`` that says the operation may still complete on the server.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from ._transport import Endpoint, Transport
from .errors import (
    APITimeoutError,
    FutureExpiredError,
    NotFoundError,
    Outcome,
    RequestFailedError,
    XorlError,
    with_outcome,
)

__all__ = ["QueueStateEvent", "wait_for_future"]

logger = logging.getLogger("xorl_client")

_EXPIRED: Final = re.compile(r"^Request \S+ expired\b")
#: A ``try_again`` answered faster than this is "instant" (the server did not long-poll).
_INSTANT_SECONDS: Final = 0.05
#: After this many instant ``try_again`` answers in a row, back off between polls so a
#: server that does not long-poll (or a proxy that cuts requests short) is not hammered.
_INSTANT_LIMIT: Final = 10


@dataclass(frozen=True)
class QueueStateEvent:
    """The server reported a (new) queue state for a pending operation.

    Attributes:
        request_id: the future's id.
        queue_state: ``"active"``, ``"paused_capacity"``, ``"paused_rate_limit"`` or ``None``.
        reason: the server's explanation, e.g. "Request is queued, waiting for worker capacity".
        operation: the SDK operation waiting (``"forward_backward"``).
    """

    request_id: str
    queue_state: str | None
    reason: str | None
    operation: str


def _default_body(request_id: str) -> Any:
    from xorl_openapi.models import (  # type: ignore[import-untyped,unused-ignore]
        FutureRetrieveRequest,
    )

    return FutureRetrieveRequest(request_id=request_id)


async def wait_for_future(
    transport: Transport,
    request_id: str,
    *,
    operation: str,
    deadline: float | None,
    retrieve_endpoint: Endpoint,
    on_queue_state: Callable[[QueueStateEvent], object] | None = None,
    treat_404_as_done: bool = False,
    body_factory: Callable[[str], Any] = _default_body,
) -> Any:
    """Poll ``request_id`` until its operation finishes; return the parsed result.

    Args:
        transport: the shared transport (must run on its loop, i.e. the SDK loop).
        request_id: from the submission's ``UntypedAPIFuture``.
        operation: the submitted operation's name, for messages and events.
        deadline: absolute time on ``transport.policy.clock`` (``None`` = wait forever).
        retrieve_endpoint: ``xorl_openapi.api.futures.retrieve_future``.
        on_queue_state: called on the SDK loop when the queue state changes; keep it fast.
        treat_404_as_done: return ``None`` on 404 (``unload_model``).
        body_factory: builds the request body from the id (default:
            ``FutureRetrieveRequest(request_id=...)``).

    Returns:
        The generated result model (``ForwardBackwardResponse``, ``CheckpointPathResponse``,
        ...), or ``None`` for a 404 when ``treat_404_as_done``.

    Raises:
        RequestFailedError: the operation failed on the server.
        FutureExpiredError: the future expired or was deleted.
        APITimeoutError: the deadline passed first (the operation may still finish).
        APIConnectionError / APIStatusError: polling itself failed beyond retrying.
    """
    clock = transport.policy.clock
    started = clock()
    body = body_factory(request_id)
    last_state: tuple[str | None, str | None] | None = None
    polls = 0
    instant_streak = 0
    label = f"{operation} (waiting for {request_id})"
    while True:
        polls += 1
        poll_started = clock()
        try:
            parsed = await transport.call(
                retrieve_endpoint,
                operation=label,
                idempotent=True,
                deadline=deadline,
                raw_fallback=True,
                retry_until_deadline=True,
                body=body,
            )
        except NotFoundError as exc:
            if exc.detail == "Not Found":
                raise  # Starlette's unknown-route 404: wrong base_url, not an expired future
            if treat_404_as_done:
                logger.debug("%s: 404 on poll treated as done", label)
                return None
            raise FutureExpiredError(
                request_id, operation=operation, detail=_text(exc.detail)
            ) from None
        except APITimeoutError as exc:
            if deadline is not None and clock() >= deadline:
                raise _deadline_error(operation, request_id, clock() - started, polls) from exc
            raise

        kind, fields = _classify(parsed)
        if kind == "try_again":
            state = (fields.get("queue_state"), fields.get("queue_state_reason"))
            if state != last_state:
                last_state = state
                _report_state(request_id, operation, state, on_queue_state)
            if clock() - poll_started < _INSTANT_SECONDS:
                instant_streak += 1
                if instant_streak >= _INSTANT_LIMIT:
                    delay = transport.policy.backoff(instant_streak - _INSTANT_LIMIT + 1)
                    remaining = transport.policy.remaining(deadline)
                    if remaining is not None:
                        delay = min(delay, max(remaining, 0.0))
                    await transport.policy.sleep(delay)
            else:
                instant_streak = 0
            continue
        if kind == "failed":
            error = _text(fields.get("error")) or "(no error text)"
            category = _text(fields.get("category")) or "unknown"
            if _EXPIRED.match(error):
                raise FutureExpiredError(request_id, operation=operation, detail=error)
            cls = with_outcome(RequestFailedError, RequestFailedError.outcome_for(error))
            raise cls(error, category=category, request_id=request_id, operation=operation)
        if kind == "unknown":
            # The operation finished, but with a result this client cannot read.
            raise with_outcome(XorlError, Outcome.UNKNOWN)(
                transport.scrub(
                    f"{operation}: the server returned a result for future {request_id} that "
                    f"the SDK could not parse: {str(parsed)[:300]!r}. The server is probably "
                    "a different version than this SDK expects."
                )
            )
        logger.debug("%s finished after %d poll(s)", label, polls)
        return parsed


def _classify(parsed: Any) -> tuple[str, dict[str, Any]]:
    """``("try_again" | "failed" | "result" | "unknown", fields)`` for one poll answer.

    Works on the generated models (by class name and attributes, so a rename in the spec
    does not silently break it) and on plain dicts (``raw_fallback``).
    """
    if isinstance(parsed, dict):
        if parsed.get("type") == "try_again":
            return "try_again", parsed
        if "error" in parsed:
            return "failed", parsed
        return "unknown", parsed
    name = type(parsed).__name__
    if name == "TryAgainResponse" or _attr(parsed, "type_") == "try_again":
        return "try_again", {
            "queue_state": _attr(parsed, "queue_state"),
            "queue_state_reason": _attr(parsed, "queue_state_reason"),
        }
    if name == "RequestFailedResponse" or (
        _attr(parsed, "error") is not None and _attr(parsed, "category") is not None
    ):
        return "failed", {"error": _attr(parsed, "error"), "category": _attr(parsed, "category")}
    return "result", {}


def _attr(obj: Any, name: str) -> Any:
    """An attribute with ``UNSET`` / enum values normalised (``None`` / plain value)."""
    value = getattr(obj, name, None)
    if value is None or type(value).__name__ == "Unset":
        return None
    return getattr(value, "value", value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _report_state(
    request_id: str,
    operation: str,
    state: tuple[str | None, str | None],
    callback: Callable[[QueueStateEvent], object] | None,
) -> None:
    queue_state, reason = _text(state[0]), _text(state[1])
    logger.info(
        "%s (%s): queue state %s%s",
        operation,
        request_id,
        queue_state or "unknown",
        f" ({reason})" if reason else "",
    )
    if callback is None:
        return
    try:
        callback(QueueStateEvent(request_id, queue_state, reason, operation))
    except Exception:
        logger.exception("on_queue_state callback raised (ignored)")


def _deadline_error(operation: str, request_id: str, elapsed: float, polls: int) -> APITimeoutError:
    return with_outcome(APITimeoutError, Outcome.UNKNOWN)(
        f"{operation} (request {request_id}) did not finish within the operation's deadline: "
        f"waited {elapsed:.1f}s over {polls} poll(s). It may still complete on the server; "
        "raise operation_timeout in ClientConfig to wait longer. The server keeps the result "
        "for one hour after submission."
    )
