"""The messages of the transport's errors: a non-2xx answer, a request httpx could not finish.

Each message names the operation, what happened to the request (its
:class:`~xorl_client.errors.Outcome`), what the server said and what to do; ``scrub`` removes
the API key from anything the server or httpx put into it.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Final

import httpx
import orjson

from ._config import ClientConfig
from ._hints import outcome_hint
from ._retry import error_detail, outcome_of
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    Outcome,
    XorlError,
    status_error_class,
    with_outcome,
)

__all__ = ["network_error", "status_error", "status_hint", "summarize_detail"]

_MAX_422_ITEMS: Final = 5


def status_error(
    outcome: Any,
    operation: str,
    attempts: int,
    reason: str,
    *,
    idempotent: bool,
    scrub: Callable[[str], str],
) -> APIStatusError:
    """The error for a non-2xx answer (``outcome``: status, body, method and URL)."""
    status = outcome.status_code
    detail = error_detail(outcome.content)
    if isinstance(detail, str):
        detail = scrub(detail)
    summary = summarize_detail(detail)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    where = f" to {outcome.method} {outcome.url}" if outcome.method and outcome.url else ""
    retried = f" (after {attempts} attempts)" if attempts > 1 else ""
    if "gave up" in reason or "not retried because" in reason or "not resent" in reason:
        retried += f" [{reason}]"
    result = outcome_of(outcome)
    # A read is safe to repeat whatever happened; the status says more than the outcome.
    specific = result is Outcome.FAILED or idempotent
    hint = (None if specific else outcome_hint(result, operation)) or status_hint(
        status, summary, operation
    )
    message = (
        f"{operation} failed: the server answered {status} {phrase}{where}{retried}: "
        f"{summary}. {hint}"
    )
    cls = with_outcome(status_error_class(status), result)
    return cls(
        scrub(message),
        status_code=status,
        detail=detail,
        method=outcome.method,
        url=outcome.url,
    )


def network_error(
    exc: httpx.HTTPError,
    operation: str,
    attempts: int,
    reason: str,
    *,
    idempotent: bool,
    config: ClientConfig,
    scrub: Callable[[str], str],
) -> XorlError:
    """The error for a request that ended in an httpx exception."""
    url = config.display_url
    timeout = config.http_timeout
    result = outcome_of(exc)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if "not retried because" in reason:
        tries += " (" + reason.split("; ", 1)[-1] + ")"
    text = str(exc) or type(exc).__name__
    timed_out = isinstance(exc, httpx.TimeoutException)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        msg = (
            f"{operation}: could not connect to the xorl server at {url}{tries} "
            f"({type(exc).__name__}: {text}). Check that the server is running and that "
            "base_url / XORL_BASE_URL points at it."
        )
    elif isinstance(exc, httpx.PoolTimeout):
        msg = (
            f"{operation}: no free connection to {url} within {timeout.pool}s{tries}: "
            f"too many requests are in flight (max_connections="
            f"{config.max_connections}). Wait for some futures before submitting more."
        )
    elif result is Outcome.NOT_SENT:
        msg = (
            f"{operation}: the request to {url} could not be sent whole{tries} "
            f"({type(exc).__name__}: {text})."
        )
    else:
        what = (
            f"got no answer within {timeout.read}s"
            if isinstance(exc, httpx.ReadTimeout)
            else f"lost the connection ({type(exc).__name__}: {text})"
        )
        resent = "" if idempotent else " It was not resent automatically."
        msg = f"{operation}: sent the request to {url}{tries} but {what}.{resent}"
    hint = outcome_hint(result, operation, idempotent=idempotent)
    if hint:
        msg += " " + hint
    cls = APITimeoutError if timed_out else APIConnectionError
    return with_outcome(cls, result)(scrub(msg))


def summarize_detail(detail: Any) -> str:
    """One line from a FastAPI ``detail``: the string, or the 422 list as ``loc: msg``."""
    if detail is None:
        return "(no detail in the response body)"
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail[:_MAX_422_ITEMS]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", ()) if p is not None)
                msg = item.get("msg", "")
                parts.append(f"{loc}: {msg}" if loc else str(msg))
            else:
                parts.append(str(item))
        more = len(detail) - _MAX_422_ITEMS
        if more > 0:
            parts.append(f"(and {more} more)")
        return "; ".join(parts)
    return orjson.dumps(detail).decode()[:500]


def status_hint(status: int, detail: str, operation: str) -> str:
    """The advice sentence for a status and the server's detail."""
    low = detail.lower()
    if status == 400:
        if "has not been registered" in low or "not registered" in low:
            return (
                "Create the session first with ServiceClient.create_training_client(...) (or "
                "create_lora_training_client) and use the model_id it returns."
            )
        if "invalid model_id" in low:
            return "Use 1-128 letters, digits, '_' or '-', starting with a letter or digit."
        return "The server rejected the arguments; fix what the detail names and try again."
    if status == 403:
        return "The server does not allow this operation (e.g. checkpoint 000000 is reserved)."
    if status == 404:
        if low in ("not found", ""):
            return (
                "The route does not exist on this server: check base_url and that the server "
                "version matches this SDK."
            )
        return "Check the id or name; sessions end on unload/kill or after being idle."
    if status == 409:
        return "It already exists; choose another name or delete the existing one first."
    if status == 422:
        return (
            "The request body did not match the server's schema: an argument has the wrong "
            "type or the server and SDK versions differ."
        )
    if status == 503 and ("server not" in low or "store not initialized" in low):
        return "The server is not ready yet; nothing was queued, so trying again is safe."
    if status in (429, 502, 503, 504):
        return (
            "The server (or a proxy in front of it) is unavailable or overloaded; check the "
            "server's health with /health."
        )
    if status == 500:
        return (
            "The server failed while handling it; its log has the details. Not retried "
            "automatically, because asking again gives the same answer."
        )
    return f"Unexpected status for {operation}."
