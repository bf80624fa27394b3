"""Transport: generated endpoints over httpx.MockTransport; statuses, network errors, secrets."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import httpx
import pytest
from xorl_openapi.api.futures import retrieve_future
from xorl_openapi.api.system import health
from xorl_openapi.api.weights import list_checkpoints
from xorl_openapi.models import FutureRetrieveRequest, ListCheckpointsRequest

from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport
from xorl_client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    Outcome,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    XorlError,
    with_outcome,
)

KEY = "sk-test-SECRET-9f8e7d6c5b4a"
BASE = "http://xorl.test:6000"
HEALTHY = {"status": "healthy", "engine_running": True, "active_requests": 0, "total_requests": 3}


class NoSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make(handler: Any, *, api_key: str | None = None, **cfg: Any) -> Transport:
    config = ClientConfig(
        base_url=BASE, api_key=api_key or "", httpx_transport=httpx.MockTransport(handler), **cfg
    )
    return Transport(config, RetryPolicy.from_config(config, sleep=NoSleep(), jitter=False))


def poll_body() -> FutureRetrieveRequest:
    return FutureRetrieveRequest(request_id="future_0123456789ab")


async def call_retrieve(tr: Transport, **kw: Any) -> Any:
    return await tr.call(
        retrieve_future,
        operation="forward_backward",
        idempotent=True,
        deadline=tr.deadline(),
        body=poll_body(),
        **kw,
    )


# -- success ------------------------------------------------------------------------------


async def test_returns_parsed_model() -> None:
    tr = make(lambda r: httpx.Response(200, json={"path": "xorl://default/weights/a"}))
    out = await call_retrieve(tr)
    assert type(out).__name__ == "CheckpointPathResponse" and out.path == "xorl://default/weights/a"
    await tr.aclose()


async def test_unparseable_2xx_is_a_clear_error_or_raw_json() -> None:
    tr = make(lambda r: httpx.Response(200, json={"surprise": 1}))
    with pytest.raises(XorlError, match="could not parse") as info:
        await call_retrieve(tr)
    assert "surprise" in str(info.value)
    assert await call_retrieve(tr, raw_fallback=True) == {"surprise": 1}
    await tr.aclose()


# -- status mapping -----------------------------------------------------------------------

UNREGISTERED = (
    "model_id 'never-created' has not been registered. You must call /api/v1/create_model or "
    "/api/v1/create_session first to register your model_id before calling other /api/v1/ endpoints."
)
VALIDATION = [
    {
        "type": "int_parsing",
        "loc": ["body", "seq_id"],
        "msg": "Input should be a valid integer",
        "input": "x",
    },
    {
        "type": "missing",
        "loc": ["body", "data", 0, "model_input"],
        "msg": "Field required",
        "input": {},
    },
]


@pytest.mark.parametrize(
    "status,detail,cls,expect",
    [
        (400, UNREGISTERED, BadRequestError, "ServiceClient.create_training_client"),
        (403, "Checkpoint 000000 is reserved", PermissionDeniedError, "reserved"),
        (404, "Request future_0123456789ab not found", NotFoundError, "not found"),
        (409, "Checkpoint already exists", ConflictError, "already exists"),
        (
            422,
            VALIDATION,
            UnprocessableEntityError,
            "body.seq_id: Input should be a valid integer; body.data.0.model_input: Field required",
        ),
        (429, "slow down", RateLimitError, "slow down"),
        (500, "Engine error: CUDA OOM", InternalServerError, "Engine error: CUDA OOM"),
        (418, "teapot", APIStatusError, "teapot"),
    ],
)
async def test_status_to_exception(
    status: int, detail: Any, cls: type[APIStatusError], expect: str
) -> None:
    tr = make(lambda r: httpx.Response(status, json={"detail": detail}), max_retries=0)
    with pytest.raises(cls) as info:
        await call_retrieve(tr)
    err = info.value
    # raised as the outcome variant of the status class: 4xx are the app's answers (FAILED),
    # 429/5xx may come from a gateway that forwarded the request (UNKNOWN)
    outcome = Outcome.UNKNOWN if status == 429 or status >= 500 else Outcome.FAILED
    assert type(err) is with_outcome(cls, outcome) and type(err).__bases__[0] is cls
    assert err.outcome is outcome
    assert err.status_code == status
    assert err.detail == detail
    assert err.method == "POST"
    assert err.url == f"{BASE}/api/v1/retrieve_future"
    assert expect in str(err)
    assert str(err).startswith("forward_backward failed: the server answered")
    await tr.aclose()


async def test_plain_text_500_where_json_was_declared() -> None:
    tr = make(lambda r: httpx.Response(500, text="Internal Server Error"))
    with pytest.raises(InternalServerError, match="Internal Server Error") as info:
        await tr.call(
            list_checkpoints,
            operation="list_checkpoints",
            idempotent=True,
            deadline=None,
            body=ListCheckpointsRequest(model_id="default"),
        )
    assert info.value.detail == "Internal Server Error"
    await tr.aclose()


async def test_non_standard_status_code() -> None:
    tr = make(lambda r: httpx.Response(520, text="origin error"), max_retries=0)
    with pytest.raises(InternalServerError) as info:
        await call_retrieve(tr)
    assert info.value.status_code == 520
    await tr.aclose()


async def test_503_on_idempotent_retried_then_reported() -> None:
    tr = make(
        lambda r: httpx.Response(503, json={"detail": "API server not running"}), max_retries=2
    )
    with pytest.raises(InternalServerError, match="after 3 attempts") as info:
        await call_retrieve(tr)
    assert info.value.status_code == 503
    await tr.aclose()


# -- network errors -----------------------------------------------------------------------


async def test_connection_refused_names_operation_and_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    tr = make(handler, max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        await call_retrieve(tr)
    text = str(info.value)
    assert "forward_backward" in text and BASE in text and "Connection refused" in text
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    await tr.aclose()


@pytest.mark.parametrize(
    "exc,cls",
    [
        (httpx.ConnectTimeout, APITimeoutError),
        (httpx.PoolTimeout, APITimeoutError),
        (httpx.ReadTimeout, APITimeoutError),
        (httpx.ReadError, APIConnectionError),
        (httpx.RemoteProtocolError, APIConnectionError),
    ],
)
async def test_network_error_classes(exc: type[httpx.TransportError], cls: type[XorlError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    tr = make(handler, max_retries=1)
    with pytest.raises(cls, match="forward_backward"):
        await call_retrieve(tr)
    await tr.aclose()


async def test_deadline_enforced_with_asyncio_timeout() -> None:
    never = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await never.wait()
        return httpx.Response(200, json=HEALTHY)

    tr = make(handler)
    with pytest.raises(APITimeoutError, match="deadline passed"):
        await tr.call(health, operation="health", idempotent=True, deadline=tr.deadline(0.02))
    await tr.aclose()


async def test_deadline_already_passed_sends_nothing() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=HEALTHY)

    tr = make(handler)
    with pytest.raises(APITimeoutError, match="health"):
        await tr.call(health, operation="health", idempotent=True, deadline=tr.policy.clock() - 1)
    assert sent == []
    await tr.aclose()


# -- headers and secrets ------------------------------------------------------------------


async def test_user_agent_and_bearer_only_with_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=HEALTHY)

    with_key = make(handler, api_key=KEY, extra_headers={"X-Team": "rl"})
    without = make(handler)
    await with_key.call(health, operation="health", idempotent=True, deadline=None)
    await without.call(health, operation="health", idempotent=True, deadline=None)
    a, b = seen
    assert a.headers["Authorization"] == f"Bearer {KEY}"
    assert a.headers["X-Team"] == "rl"
    assert "authorization" not in b.headers
    for r in (a, b):
        assert r.headers["User-Agent"].startswith("xorl-client/")
    await with_key.aclose()
    await without.aclose()


async def test_key_never_in_logs_reprs_or_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    answers: list[httpx.Response | tuple[type[httpx.TransportError], str]] = [
        (httpx.ConnectError, f"refused (token {KEY})"),  # even a message that carries it
        httpx.Response(400, json={"detail": f"bad header Bearer {KEY}"}),
        httpx.Response(422, json={"detail": VALIDATION}),
        httpx.Response(500, text="Internal Server Error"),
        httpx.Response(200, text="not json"),
        (httpx.ReadTimeout, "slow"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        item = answers.pop(0)
        if isinstance(item, tuple):
            raise item[0](item[1], request=request)
        return item

    tr = make(handler, api_key=KEY, max_retries=0)
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG, logger="xorl_client"):
        for _ in range(6):
            try:
                await call_retrieve(tr)
            except XorlError as exc:
                errors.append(exc)
    assert len(errors) == 6
    texts = [caplog.text, repr(tr), repr(tr.config), str(tr.config)]
    for err in errors:
        texts += [str(err), repr(err), repr(err.args), repr(getattr(err, "detail", None))]
        logging.getLogger("xorl_client").exception("failure", exc_info=err)
    texts.append(caplog.text)
    for text in texts:
        assert KEY not in text, text
    await tr.aclose()


async def test_transport_refuses_a_second_event_loop() -> None:
    tr = make(lambda r: httpx.Response(200, json=HEALTHY))
    await tr.call(health, operation="health", idempotent=True, deadline=None)
    result: list[BaseException] = []

    def other_thread() -> None:
        try:
            asyncio.run(tr.call(health, operation="health", idempotent=True, deadline=None))
        except BaseException as exc:
            result.append(exc)

    th = threading.Thread(target=other_thread)
    th.start()
    th.join(5)
    assert isinstance(result[0], RuntimeError) and "event loop" in str(result[0])
    await tr.aclose()
    # a closed transport stays closed: no silent new connection pool that nobody closes
    with pytest.raises(APIConnectionError, match="was closed"):
        await tr.call(health, operation="health", idempotent=True, deadline=None)
