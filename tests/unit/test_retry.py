"""RetryPolicy: every rule for idempotent calls vs submissions, backoff, Retry-After, deadline.

The second half drives the rules through a real Transport + generated endpoint over
httpx.MockTransport, with an injected sleep that records instead of sleeping.
"""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest
from xorl_openapi.api.futures import retrieve_future
from xorl_openapi.api.models import unload_model
from xorl_openapi.api.system import health
from xorl_openapi.models import FutureRetrieveRequest, UnloadModelRequest

from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy, outcome_of, parse_retry_after
from xorl_client._transport import Transport
from xorl_client.errors import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    Outcome,
    OutcomeUnknownError,
    RateLimitError,
)

REQ = httpx.Request("POST", "http://h/api/v1/forward_backward")


class FakeTime:
    """Clock + sleep: sleeping advances the clock and is recorded, never waits."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def policy(t: FakeTime | None = None, **kw: Any) -> RetryPolicy:
    t = t or FakeTime()
    kw.setdefault("jitter", False)
    return RetryPolicy(sleep=t.sleep, clock=t.clock, **kw)


def resp(status: int, detail: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"detail": detail} if detail is not None else None
    return httpx.Response(status, json=body, headers=headers, request=REQ)


# -- connection-level outcomes -----------------------------------------------------------

NOT_SENT = [
    httpx.ConnectError("[Errno 111] Connection refused", request=REQ),
    httpx.ConnectTimeout("timed out", request=REQ),
    httpx.PoolTimeout("no connection", request=REQ),
    httpx.WriteError("broken pipe", request=REQ),
]
AMBIGUOUS = [
    httpx.ReadTimeout("timed out", request=REQ),
    httpx.ReadError("reset", request=REQ),
    httpx.RemoteProtocolError("Server disconnected without sending a response", request=REQ),
]


@pytest.mark.parametrize("exc", NOT_SENT, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("idempotent", [True, False])
def test_not_sent_errors_are_retried_for_everything(exc: Exception, idempotent: bool) -> None:
    d = policy().classify(exc, idempotent=idempotent)
    assert d.retry and d.delay == 0.25
    assert type(exc).__name__ in d.reason


@pytest.mark.parametrize("exc", AMBIGUOUS, ids=lambda e: type(e).__name__)
def test_ambiguous_errors_retried_only_when_idempotent(exc: Exception) -> None:
    assert policy().classify(exc, idempotent=True).retry
    d = policy().classify(exc, idempotent=False)
    assert not d.retry and d.delay is None
    assert "may already have executed" in d.reason


@pytest.mark.parametrize(
    "failure,outcome",
    [
        *((exc, Outcome.NOT_SENT) for exc in NOT_SENT),
        *((exc, Outcome.UNKNOWN) for exc in AMBIGUOUS),
        (resp(503, "API server not running"), Outcome.FAILED),
        (resp(400, "bad"), Outcome.FAILED),
        (resp(422, []), Outcome.FAILED),
        (resp(429), Outcome.UNKNOWN),
        (resp(502), Outcome.UNKNOWN),
        (resp(503, "overloaded"), Outcome.UNKNOWN),
        (resp(504), Outcome.UNKNOWN),
        (resp(500, "boom"), Outcome.UNKNOWN),
    ],
    ids=lambda v: getattr(v, "value", None) or str(getattr(v, "status_code", type(v).__name__)),
)
def test_every_failure_has_an_outcome(failure: Any, outcome: Outcome) -> None:
    """Only a failure that proves nothing reached the app is NOT_SENT; gateway answers are
    UNKNOWN (the gateway may have forwarded the request); the app's own refusals FAILED."""
    assert outcome_of(failure) is outcome


def test_non_network_exceptions_are_never_retried() -> None:
    assert not policy().classify(ValueError("bug"), idempotent=True).retry
    assert not policy().classify(httpx.UnsupportedProtocol("x", request=REQ), idempotent=True).retry


# -- statuses ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_retried_for_idempotent(status: int) -> None:
    assert policy().classify(resp(status, "bad gateway"), idempotent=True).retry


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422, 500])
def test_answers_are_not_retried(status: int) -> None:
    for idempotent in (True, False):
        assert not policy().classify(resp(status, "no"), idempotent=idempotent).retry


@pytest.mark.parametrize(
    "detail",
    ["API server not initialized", "API server not running", "Future store not initialized"],
)
def test_503_not_ready_retried_for_submissions(detail: str) -> None:
    d = policy().classify(resp(503, detail), idempotent=False)
    assert d.retry and "nothing was queued" in d.reason


@pytest.mark.parametrize("status,detail", [(503, "Engine overloaded"), (502, None), (504, "x")])
def test_other_gateway_errors_not_retried_for_submissions(status: int, detail: str | None) -> None:
    assert not policy().classify(resp(status, detail), idempotent=False).retry


def test_503_plain_text_body_not_retried_for_submissions() -> None:
    r = httpx.Response(503, text="Service Unavailable", request=REQ)
    assert not policy().classify(r, idempotent=False).retry


def test_429_honours_retry_after_seconds() -> None:
    d = policy().classify(resp(429, "slow", {"Retry-After": "7"}), idempotent=True)
    assert d.retry and d.delay == 7.0


def test_429_is_never_resent_for_a_submission() -> None:
    """The xorl app never answers 429: a gateway did, perhaps after forwarding the request."""
    d = policy().classify(resp(429, "slow", {"Retry-After": "1"}), idempotent=False)
    assert not d.retry and "may already have forwarded" in d.reason


def test_429_honours_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    p = RetryPolicy(jitter=False, wall_clock=lambda: now)
    d = p.classify(resp(429, None, {"Retry-After": date}), idempotent=True)
    assert d.retry and d.delay == pytest.approx(12.0)


def test_429_without_retry_after_uses_backoff() -> None:
    assert policy().classify(resp(429), idempotent=True).delay == 0.25


def test_retry_after_parsing_edge_cases() -> None:
    assert parse_retry_after({"Retry-After": "-3"}) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    past = email.utils.formatdate(0, usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=100.0) == 0.0


# -- backoff, attempts, deadline ---------------------------------------------------------------


def test_backoff_is_exponential_and_capped() -> None:
    p = policy()
    assert [p.backoff(n) for n in range(1, 9)] == [0.25, 0.5, 1, 2, 4, 8, 8, 8]


def test_jitter_stays_within_backoff() -> None:
    p = RetryPolicy(random=lambda: 0.5)
    assert p.backoff(3) == 0.5  # half of 1.0
    assert RetryPolicy(random=lambda: 0.0).backoff(1) == 0.0


def test_max_attempts() -> None:
    p = policy(max_attempts=3)
    exc = NOT_SENT[0]
    assert p.classify(exc, idempotent=True, attempt=2).retry
    d = p.classify(exc, idempotent=True, attempt=3)
    assert not d.retry and "gave up after 3 attempts" in d.reason


def test_deadline_caps_retries() -> None:
    t = FakeTime()
    p = policy(t)
    d = p.classify(resp(429, None, {"Retry-After": "30"}), idempotent=True, deadline=t.now + 10)
    assert not d.retry and "deadline" in d.reason
    assert p.classify(NOT_SENT[0], idempotent=False, attempt=5, deadline=t.now + 3.9).retry is False
    assert p.classify(NOT_SENT[0], idempotent=False, attempt=5, deadline=t.now + 4.1).retry


def test_from_config() -> None:
    cfg = ClientConfig(base_url="http://h:1", max_retries=2, retry_backoff_base=1.0)
    p = RetryPolicy.from_config(cfg)
    assert (p.max_attempts, p.backoff_base, p.backoff_max) == (3, 1.0, 8.0)


# -- end to end through Transport ----------------------------------------------------------------


def transport_for(handler: Any, t: FakeTime, **cfg: Any) -> Transport:
    config = ClientConfig(
        base_url="http://xorl.test:6000", httpx_transport=httpx.MockTransport(handler), **cfg
    )
    return Transport(
        config, RetryPolicy.from_config(config, sleep=t.sleep, clock=t.clock, jitter=False)
    )


async def test_connection_refused_submission_is_resent() -> None:
    t = FakeTime()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json={"request_id": "future_0123456789ab", "model_id": "m"})

    tr = transport_for(handler, t)
    out = await tr.call(
        unload_model,
        operation="unload_model",
        idempotent=False,
        deadline=tr.deadline(),
        body=UnloadModelRequest(model_id="m"),
    )
    assert calls == 3 and t.sleeps == [0.25, 0.5]
    assert out.request_id == "future_0123456789ab"
    await tr.aclose()


async def test_read_timeout_on_submission_is_not_resent() -> None:
    t = FakeTime()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("timed out", request=request)

    tr = transport_for(handler, t)
    with pytest.raises(APITimeoutError, match="not resent") as info:
        await tr.call(
            unload_model,
            operation="unload_model",
            idempotent=False,
            deadline=tr.deadline(),
            body=UnloadModelRequest(model_id="m"),
        )
    assert calls == 1 and t.sleeps == []
    assert isinstance(info.value, OutcomeUnknownError)
    assert "Unloading again is safe" in str(info.value)  # the hint fits the operation
    await tr.aclose()


async def test_503_not_ready_then_ok_for_submission() -> None:
    t = FakeTime()
    answers = [
        httpx.Response(503, json={"detail": "API server not initialized"}),
        httpx.Response(200, json={"request_id": "future_0123456789ab", "model_id": "m"}),
    ]
    tr = transport_for(lambda r: answers.pop(0), t)
    await tr.call(
        unload_model,
        operation="unload_model",
        idempotent=False,
        deadline=tr.deadline(),
        body=UnloadModelRequest(model_id="m"),
    )
    assert answers == [] and t.sleeps == [0.25]
    await tr.aclose()


async def test_500_is_not_retried_even_for_get() -> None:
    t = FakeTime()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500, json={"detail": "Engine error: boom"})

    tr = transport_for(handler, t)
    with pytest.raises(InternalServerError, match="Engine error: boom"):
        await tr.call(health, operation="health", idempotent=True, deadline=None)
    assert calls == 1
    await tr.aclose()


@pytest.mark.parametrize("status", [502, 504])
async def test_gateway_errors_on_get_are_retried(status: int) -> None:
    t = FakeTime()
    answers = [
        httpx.Response(status, text="Bad Gateway"),
        httpx.Response(
            200,
            json={
                "status": "healthy",
                "engine_running": True,
                "active_requests": 0,
                "total_requests": 1,
            },
        ),
    ]
    tr = transport_for(lambda r: answers.pop(0), t)
    out = await tr.call(health, operation="health", idempotent=True, deadline=None)
    assert out.status == "healthy" and t.sleeps == [0.25]
    await tr.aclose()


async def test_retries_exhausted_reports_attempts() -> None:
    t = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    tr = transport_for(handler, t, max_retries=2)
    with pytest.raises(APIConnectionError, match="after 3 attempts"):
        await tr.call(
            retrieve_future,
            operation="forward",
            idempotent=True,
            deadline=None,
            body=FutureRetrieveRequest(request_id="future_000000000001"),
        )
    assert t.sleeps == [0.25, 0.5]
    await tr.aclose()


async def test_deadline_caps_transport_retries() -> None:
    t = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    tr = transport_for(handler, t, max_retries=100)
    with pytest.raises(APIConnectionError, match="deadline"):
        await tr.call(health, operation="health", idempotent=True, deadline=t.now + 5.0)
    # 0.25 + 0.5 + 1 + 2 = 3.75 s slept; the next 4 s wait would pass the deadline
    assert t.sleeps == [0.25, 0.5, 1.0, 2.0]
    await tr.aclose()


async def test_429_with_long_retry_after_beyond_deadline_raises_rate_limit() -> None:
    t = FakeTime()
    tr = transport_for(
        lambda r: httpx.Response(429, json={"detail": "slow down"}, headers={"Retry-After": "60"}),
        t,
    )
    with pytest.raises(RateLimitError, match="deadline"):
        await tr.call(health, operation="health", idempotent=True, deadline=t.now + 10)
    assert t.sleeps == []
    await tr.aclose()
