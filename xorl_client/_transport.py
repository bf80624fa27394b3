"""``Transport``: the only object that sends HTTP requests.

It owns the generated ``xorl_openapi`` client (``AuthenticatedClient`` when an API key is
configured, else ``Client``) and runs every generated endpoint through one retry loop
(``RetryPolicy``) under one deadline. What callers get back is either the generated
model (``response.parsed``) or an exception from :mod:`xorl_client.errors` whose message
says which operation failed, what the server said, and what to do about it.

Why the generated client is created lazily on the running loop: an ``httpx.AsyncClient``
belongs to the event loop it first runs on. The SDK runs every request on its own loop
(``_runtime.py``), so the transport binds there on first use and refuses other loops with a
clear error instead of failing deep inside httpx.

The API key lives only in the generated client's ``Authorization`` header. It is never
formatted into a message or a log line; as a second line of defence every message this
module builds is scrubbed of the key's text, an httpx exception whose text holds it is not
chained, and the transport's own attributes (``vars(transport)``) show it only redacted.

Every error carries an :class:`~xorl_client.errors.Outcome` (``_retry.outcome_of``) and is
raised as the matching variant of its class (``APITimeoutError.Unknown``); its last sentence
is the hint for that outcome and operation (``_hints.py``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from ._config import ClientConfig, Secret
from ._hints import outcome_hint
from ._http11 import LeanHTTPTransport
from ._http_hooks import READ, capture_response, captured, send_large_bodies_in_pieces
from ._pool import lean_transport
from ._retry import RetryPolicy, outcome_of
from ._transport_errors import network_error, status_error
from .errors import (
    APIConnectionError,
    APITimeoutError,
    DataValidationError,
    Outcome,
    XorlError,
    with_outcome,
)

__all__ = ["Endpoint", "Transport"]

logger = logging.getLogger("xorl_client")


class Endpoint(Protocol):
    """A generated endpoint module: ``xorl_openapi.api.<tag>.<operation_id>``.

    (A read-only member, so that a module with a concrete ``asyncio_detailed`` matches.)
    """

    @property
    def asyncio_detailed(self) -> Callable[..., Awaitable[Any]]: ...


# The raw httpx response of the request currently running in this task. The generated
# endpoint may raise while parsing (plain-text 500, non-standard status, a body that fits no
# schema); the hook below keeps the response so the error can still say what came back.
class _Generated:
    """The generated client and the loop/process it belongs to.

    A holder of its own so that ``vars(transport)`` and debugger views never print the
    generated ``AuthenticatedClient``, whose attrs ``repr`` includes the token.
    """

    __slots__ = ("client", "loop", "pid")

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop
        self.pid = os.getpid()

    def __repr__(self) -> str:
        return "<generated xorl_openapi client>"


@dataclass
class _Outcome:
    """One HTTP exchange, whatever the generated parser made of it."""

    status_code: int
    content: bytes
    headers: Mapping[str, str]
    parsed: Any
    method: str | None
    request_url: httpx.URL | None
    parse_error: BaseException | None = None

    @property
    def url(self) -> str | None:
        """The request URL for messages (built only when one is written)."""
        return None if self.request_url is None else _safe_url(self.request_url)


class Transport:
    """Sends generated-endpoint requests with retries, a deadline and error mapping.

    Args:
        config: the client settings (base URL, key, timeouts, retry knobs).
        policy: the retry policy; defaults to ``RetryPolicy.from_config(config)``.

    One ``Transport`` is shared by every client a ``ServiceClient`` creates; it must only be
    used on the SDK loop (``_runtime.run_coroutine``).
    """

    def __init__(self, config: ClientConfig, policy: RetryPolicy | None = None) -> None:
        self.config = config
        self.policy = policy if policy is not None else RetryPolicy.from_config(config)
        self._generated: _Generated | None = None
        self._closed = False
        texts = (config.api_key_value(), httpx.URL(config.url).password)
        self._secrets = tuple(Secret(t) for t in texts if t and len(t) >= 4)

    def __repr__(self) -> str:
        return f"Transport(base_url={self.config.display_url!r})"

    # -- the generated client -----------------------------------------------------------

    @property
    def client(self) -> Any:
        """The generated client, created on first use on the running loop."""
        if self._closed:
            raise with_outcome(APIConnectionError, Outcome.NOT_SENT)(
                f"the client for {self.config.display_url} was closed; create a new "
                "ServiceClient (or SamplingClient) to send more requests"
            )
        loop = asyncio.get_running_loop()
        generated = self._generated
        if generated is not None and generated.loop is not loop and generated.pid != os.getpid():
            # A forked child inherits the parent's pool, whose connections and loop belong to
            # the parent: drop it (closing it would close the parent's sockets) and rebind.
            generated = self._generated = None
        if generated is None:
            generated = self._generated = _Generated(self._make_client(), loop)
        elif generated.loop is not loop:
            raise RuntimeError(
                "this xorl-client Transport is bound to another event loop; run SDK "
                "coroutines through xorl_client._runtime.run_coroutine (the SDK loop)"
            )
        return generated.client

    def _make_client(self) -> Any:
        from xorl_openapi.client import (  # type: ignore[import-untyped,unused-ignore]
            AuthenticatedClient,
            Client,
        )

        cfg = self.config
        httpx_args: dict[str, Any] = {
            "limits": httpx.Limits(
                max_connections=cfg.max_connections,
                max_keepalive_connections=cfg.max_connections,
            ),
            "event_hooks": {
                "request": [send_large_bodies_in_pieces],
                "response": [capture_response],
            },
        }
        if cfg.httpx_transport is not None:
            httpx_args["transport"] = cfg.httpx_transport
        else:  # plain http: _http11/; anything else: httpx's own, with the lean pool (_pool.py)
            limits = httpx_args["limits"]
            httpx_args["transport"] = LeanHTTPTransport(
                limits, lambda: lean_transport(httpx.AsyncHTTPTransport(limits=limits))
            )
        common: dict[str, Any] = {
            "base_url": cfg.url,
            "headers": cfg.headers(),
            "timeout": cfg.http_timeout,
            "raise_on_unexpected_status": False,
            "httpx_args": httpx_args,
        }
        key = cfg.api_key_value()
        if key:
            return AuthenticatedClient(token=key, **common)
        return Client(**common)

    async def aclose(self) -> None:
        """Close the connection pool for good.

        Calls still running, and any call made afterwards, fail with
        :class:`~xorl_client.errors.APIConnectionError` ("... was closed").
        """
        self._closed = True
        generated, self._generated = self._generated, None
        if generated is not None and generated.pid == os.getpid():
            await generated.client.get_async_httpx_client().aclose()

    # -- deadlines ----------------------------------------------------------------------

    def deadline(self, timeout: float | None = None) -> float | None:
        """An absolute deadline on the policy's clock for an operation starting now.

        ``timeout=None`` uses ``config.operation_timeout`` (which may itself be ``None``:
        no deadline). Any other value must be a positive, finite number of seconds: a zero
        or negative timeout would fail the call with a misleading "deadline passed".
        """
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise DataValidationError(
                f"timeout must be a positive, finite number of seconds (or None for the "
                f"client's operation_timeout), not {timeout!r}",
                field="timeout",
                rule="timeout > 0",
            )
        seconds = timeout if timeout is not None else self.config.operation_timeout
        return self.policy.deadline_after(seconds)

    # -- calling ------------------------------------------------------------------------

    async def call(
        self,
        endpoint: Endpoint,
        *,
        operation: str,
        idempotent: bool,
        deadline: float | None,
        raw_fallback: bool = False,
        retry_until_deadline: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Call ``endpoint.asyncio_detailed(client=..., **kwargs)`` and return ``parsed``.

        Args:
            endpoint: a generated endpoint module (or any object with ``asyncio_detailed``).
            operation: name for messages (``"forward_backward"``).
            idempotent: whether resending is harmless (see ``_retry.py``).
            deadline: absolute time on ``self.policy.clock`` (``Transport.deadline()``);
                ``None`` = no overall deadline.
            raw_fallback: if a 2xx body fits none of the generated models, return the
                decoded JSON instead of raising (the poller uses this to still recognise a
                failure with an unexpected ``category``).
            retry_until_deadline: for idempotent calls, retry transient failures until the
                deadline instead of ``max_attempts`` times (polls: the operation keeps
                running on the server while it is unreachable).
            kwargs: the endpoint's own arguments (``body=...``).

        Raises:
            APIStatusError subclass: the server answered non-2xx (after any retries).
            APIConnectionError / APITimeoutError: the request did not complete, or the
                deadline passed.
            XorlError: a 2xx body the SDK could not parse.
        """
        policy = self.policy
        started = policy.clock()
        left = policy.remaining(deadline)
        if left is not None and left <= 0:
            raise self._deadline_error(operation, started, attempts=0, outcome=Outcome.NOT_SENT)
        client = self.client
        loop = asyncio.get_running_loop()
        when = None if left is None else loop.time() + left
        attempt = 0
        so_far = Outcome.NOT_SENT  # what the attempts so far may have done on the server
        in_flight = False
        failure: tuple[XorlError, BaseException | None] | None = None
        scope = asyncio.timeout_at(when)
        try:
            async with scope:
                while True:
                    attempt += 1
                    if attempt > 1:
                        left = policy.remaining(deadline)
                        if left is not None and left <= 0:
                            late = self._deadline_error(
                                operation, started, attempts=attempt - 1, outcome=so_far
                            )
                            failure = (late, None)
                            break
                    in_flight = True
                    try:
                        outcome = await self._send(endpoint, client, kwargs)
                    except httpx.HTTPError as exc:
                        in_flight = False
                        so_far = _worse(so_far, outcome_of(exc))
                        decision = policy.classify(
                            exc,
                            idempotent=idempotent,
                            attempt=attempt,
                            deadline=deadline,
                            until_deadline=retry_until_deadline,
                        )
                        if not decision.retry:
                            # Keep httpx's exception as the cause for debugging, unless its
                            # text somehow carries a secret. Raised below, outside this
                            # block, so not even __context__ can hold on to it.
                            leaks = self.scrub(str(exc)) != str(exc)
                            network = network_error(
                                exc,
                                operation,
                                attempt,
                                decision.reason,
                                idempotent=idempotent,
                                config=self.config,
                                scrub=self.scrub,
                            )
                            failure = (network, None if leaks else exc)
                            break
                        self._log_retry(
                            operation,
                            decision.reason,
                            decision.delay,
                            attempt,
                            until_deadline=retry_until_deadline and idempotent,
                        )
                        await policy.sleep(decision.delay or 0.0)
                        continue
                    in_flight = False

                    if 200 <= outcome.status_code < 300:
                        return self._success(outcome, operation, raw_fallback)

                    so_far = _worse(so_far, outcome_of(outcome))
                    decision = policy.classify(
                        outcome,
                        idempotent=idempotent,
                        attempt=attempt,
                        deadline=deadline,
                        until_deadline=retry_until_deadline,
                    )
                    if not decision.retry:
                        failure = (
                            status_error(
                                outcome,
                                operation,
                                attempt,
                                decision.reason,
                                idempotent=idempotent,
                                scrub=self.scrub,
                            ),
                            None,
                        )
                        break
                    self._log_retry(
                        operation,
                        decision.reason,
                        decision.delay,
                        attempt,
                        until_deadline=retry_until_deadline and idempotent,
                    )
                    await policy.sleep(decision.delay or 0.0)
        except TimeoutError as exc:
            if scope.expired():
                # A request cut off by the deadline may have been read by the server already.
                reached = Outcome.UNKNOWN if in_flight else so_far
                raise self._deadline_error(
                    operation, started, attempts=attempt, outcome=reached
                ) from exc
            raise
        error, cause = failure
        raise error from cause

    async def _send(self, endpoint: Endpoint, client: Any, kwargs: dict[str, Any]) -> _Outcome:
        box: list[httpx.Response] = []
        token = captured.set(box)
        try:
            try:
                response = await endpoint.asyncio_detailed(client=client, **kwargs)
            except httpx.HTTPError:
                raise
            except RuntimeError as exc:
                if self._closed:  # httpx: "Cannot send a request, as the client has been closed"
                    raise with_outcome(APIConnectionError, Outcome.UNKNOWN)(
                        f"the client for {self.config.display_url} was closed while the "
                        "request was running"
                    ) from exc
                raise
            except Exception as exc:
                # The request completed but the generated code could not build a Response
                # (non-JSON body for a JSON schema, a body no model accepts, status 520...).
                if not box:
                    raise
                failed = box[-1]
                try:
                    content = failed.content
                except httpx.ResponseNotRead:
                    content = b""
                return _Outcome(
                    status_code=failed.status_code,
                    content=content,
                    headers=failed.headers,
                    parsed=None,
                    method=failed.request.method,
                    request_url=failed.request.url,
                    parse_error=exc,
                )
        finally:
            captured.reset(token)
        raw = box[-1] if box else None
        outcome = _Outcome(
            status_code=int(response.status_code),
            content=response.content,
            headers=response.headers,
            parsed=response.parsed,
            method=raw.request.method if raw is not None else None,
            request_url=raw.request.url if raw is not None else None,
        )
        for done in box:
            # httpx links a response and its stream both ways: only the cycle collector would
            # free them, and with them the request body (a whole batch) and the response body.
            done.stream = READ
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %s", outcome.method, outcome.url, outcome.status_code)
        return outcome

    # -- results and errors ---------------------------------------------------------------

    def _success(self, outcome: _Outcome, operation: str, raw_fallback: bool) -> Any:
        if outcome.parsed is not None:
            return outcome.parsed
        if raw_fallback:
            try:
                return orjson.loads(outcome.content)
            except orjson.JSONDecodeError:
                pass
        snippet = outcome.content[:300].decode("utf-8", "replace")
        why = (
            f" ({type(outcome.parse_error).__name__}: {outcome.parse_error})"
            if (outcome.parse_error is not None)
            else ""
        )
        # It succeeded on the server, but this client cannot tell with what result.
        raise with_outcome(XorlError, Outcome.UNKNOWN)(
            self.scrub(
                f"{operation}: the server answered {outcome.status_code} but the SDK could not "
                f"parse the body{why}: {snippet!r}. The server is probably a different version "
                "than this SDK expects; upgrade xorl-client or the server."
            )
        )

    def _deadline_error(
        self, operation: str, started: float, *, attempts: int, outcome: Outcome
    ) -> APITimeoutError:
        elapsed = self.policy.clock() - started
        if outcome is Outcome.UNKNOWN:
            what = "while a request was on its way or had been sent"
        else:
            what = "before any request could have taken effect"
        message = (
            f"{operation}: the operation's deadline passed {what} ({elapsed:.1f}s in this "
            f"call, {attempts} attempt(s)) talking to {self.config.display_url}. "
        )
        hint = outcome_hint(outcome, operation)
        if hint:
            message += hint + " "
        message += "Raise operation_timeout in ClientConfig if the server is just slow."
        return with_outcome(APITimeoutError, outcome)(self.scrub(message))

    def _log_retry(
        self,
        operation: str,
        reason: str,
        delay: float | None,
        attempt: int,
        *,
        until_deadline: bool,
    ) -> None:
        limit = "until the deadline" if until_deadline else f"of {self.policy.max_attempts}"
        logger.warning(
            "%s: %s; retrying in %.2fs (attempt %d %s)",
            operation,
            self.scrub(reason),
            delay or 0.0,
            attempt + 1,
            limit,
        )

    def scrub(self, text: str) -> str:
        """``text`` with the API key (and any password in ``base_url``) replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret.get_secret_value(), "***")
        return text


def _worse(a: Outcome, b: Outcome) -> Outcome:
    """The less certain of two outcomes: NOT_SENT < FAILED < UNKNOWN."""
    order = (Outcome.NOT_SENT, Outcome.FAILED, Outcome.UNKNOWN)
    return a if order.index(a) >= order.index(b) else b


def _safe_url(url: httpx.URL) -> str:
    """The request URL without credentials or query string (it may carry tokens)."""
    return str(url.copy_with(username=None, password=None, query=None))
