"""wait_for_future through the real generated retrieve_future over httpx.MockTransport."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
import pytest
from xorl_openapi.api.futures import retrieve_future

from xorl_client._config import ClientConfig
from xorl_client._polling import QueueStateEvent, wait_for_future
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport
from xorl_client.errors import (
    APITimeoutError,
    FutureExpiredError,
    InternalServerError,
    NotFoundError,
    RequestFailedError,
    XorlError,
)

RID = "future_8a1b2c3d4e5f"


def try_again(state: str | None = "active", reason: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "try_again", "request_id": RID}
    if state is not None:
        body["queue_state"] = state
        body["queue_state_reason"] = reason
    return body


class Server:
    """Scripted retrieve_future answers; records every poll; advances a fake clock per poll."""

    def __init__(self, script: list[Any], *, seconds_per_poll: float = 45.0) -> None:
        self.script = list(script)
        self.polls: list[dict[str, Any]] = []
        self.now = 0.0
        self.seconds_per_poll = seconds_per_poll
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/retrieve_future"
        self.polls.append(orjson.loads(request.content))
        self.now += self.seconds_per_poll
        item = self.script.pop(0)
        if isinstance(item, type) and issubclass(item, httpx.TransportError):
            raise item("dropped", request=request)
        if isinstance(item, httpx.Response):
            return item
        return httpx.Response(200, json=item)

    def transport(self, **cfg: Any) -> Transport:
        config = ClientConfig(
            base_url="http://xorl.test:6000",
            httpx_transport=httpx.MockTransport(self.handler),
            **cfg,
        )
        policy = RetryPolicy.from_config(config, sleep=self.sleep, clock=self.clock, jitter=False)
        return Transport(config, policy)


async def wait(server: Server, *, operation: str = "save_weights", **kw: Any) -> Any:
    tr = server.transport()
    try:
        return await wait_for_future(
            tr,
            RID,
            operation=operation,
            deadline=kw.pop("deadline", tr.deadline()),
            retrieve_endpoint=retrieve_future,
            **kw,
        )
    finally:
        await tr.aclose()


async def test_try_again_then_result_without_sleeping() -> None:
    server = Server(
        [try_again(), try_again(), try_again(), {"path": "xorl://default/weights/ckpt-1"}]
    )
    out = await wait(server)
    assert type(out).__name__ == "CheckpointPathResponse"
    assert out.path == "xorl://default/weights/ckpt-1"
    assert len(server.polls) == 4
    assert all(p == {"request_id": RID} for p in server.polls)
    assert server.sleeps == []  # the server long-polls; the client never sleeps after try_again


async def test_result_models_are_returned_as_generated() -> None:
    server = Server([{"model_id": "default", "type": "create_model"}])
    out = await wait(server, operation="create_model")
    assert type(out).__name__ == "CreateModelResponse" and out.model_id == "default"


async def test_failure_raises_request_failed_error() -> None:
    msg = "409: Checkpoint already exists: xorl://default/weights/ckpt-001. Choose another name."
    server = Server([try_again(), {"error": msg, "category": "server"}])
    with pytest.raises(RequestFailedError) as info:
        await wait(server)
    err = info.value
    assert err.category == "server"
    assert err.request_id == RID
    assert err.operation == "save_weights"
    assert err.server_message == msg
    assert err.status_code == 409
    assert msg in str(err) and RID in str(err)


async def test_failure_with_unexpected_category_still_recognised() -> None:
    server = Server([{"error": "weird failure", "category": "cosmic-ray"}])
    with pytest.raises(RequestFailedError) as info:
        await wait(server)
    assert info.value.category == "cosmic-ray"


async def test_expired_failure_raises_future_expired() -> None:
    server = Server([{"error": f"Request {RID} expired", "category": "server"}])
    with pytest.raises(FutureExpiredError) as info:
        await wait(server, operation="forward_backward")
    assert info.value.request_id == RID and info.value.operation == "forward_backward"
    assert "one hour" in str(info.value)


async def test_404_raises_future_expired() -> None:
    server = Server([httpx.Response(404, json={"detail": f"Request {RID} not found"})])
    with pytest.raises(FutureExpiredError) as info:
        await wait(server)
    assert info.value.request_id == RID
    assert "not found" in str(info.value)


async def test_404_is_done_for_unload_model() -> None:
    server = Server([try_again(), httpx.Response(404, json={"detail": f"Request {RID} not found"})])
    assert await wait(server, operation="unload_model", treat_404_as_done=True) is None


async def test_queue_state_callback_fires_on_change(caplog: pytest.LogCaptureFixture) -> None:
    reason = "Request is queued, waiting for worker capacity"
    server = Server(
        [
            try_again("paused_capacity", reason),
            try_again("paused_capacity", reason),
            try_again("active"),
            try_again("active"),
            {"path": "xorl://default/weights/x"},
        ]
    )
    events: list[QueueStateEvent] = []
    with caplog.at_level(logging.INFO, logger="xorl_client"):
        await wait(server, on_queue_state=events.append)
    assert events == [
        QueueStateEvent(RID, "paused_capacity", reason, "save_weights"),
        QueueStateEvent(RID, "active", None, "save_weights"),
    ]
    assert "paused_capacity" in caplog.text and reason in caplog.text


async def test_callback_errors_do_not_break_polling() -> None:
    server = Server([try_again(), {"path": "xorl://default/weights/x"}])

    def bad(_: QueueStateEvent) -> None:
        raise RuntimeError("user bug")

    assert (await wait(server, on_queue_state=bad)).path == "xorl://default/weights/x"


async def test_connection_drop_during_poll_is_retried() -> None:
    server = Server(
        [
            try_again(),
            httpx.RemoteProtocolError,
            httpx.ReadError,
            {"path": "xorl://default/weights/x"},
        ]
    )
    out = await wait(server)
    assert out.path == "xorl://default/weights/x"
    assert len(server.polls) == 4
    assert server.sleeps == [0.25, 0.5]  # backoff between resends of the same poll only


async def test_poll_outage_longer_than_the_retries_is_waited_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = Server([httpx.ConnectError] * 8 + [{"path": "xorl://default/weights/x"}])
    with caplog.at_level(logging.WARNING, logger="xorl_client"):
        out = await wait(server)
    assert out.path == "xorl://default/weights/x"
    assert len(server.polls) == 9
    assert any("until the deadline" in r.getMessage() for r in caplog.records)
    assert any(RID in r.getMessage() for r in caplog.records)


async def test_poll_outage_ends_at_the_deadline_with_a_timeout() -> None:
    server = Server([httpx.ConnectError] * 100, seconds_per_poll=10.0)
    with pytest.raises(APITimeoutError, match=RID):
        await wait(server, deadline=200.0)
    assert server.now < 260.0  # stopped within one retry round of the deadline


async def test_a_500_while_polling_is_not_waited_out() -> None:
    server = Server([httpx.Response(500, json={"detail": "Future store exploded"})])
    with pytest.raises(InternalServerError):
        await wait(server)
    assert len(server.polls) == 1


async def test_deadline_raises_timeout_naming_operation_and_request() -> None:
    server = Server([try_again()] * 10)
    with pytest.raises(APITimeoutError) as info:
        await wait(server, operation="forward_backward", deadline=100.0)
    text = str(info.value)
    assert "forward_backward" in text and RID in text
    assert "135.0s" in text  # three 45 s polls
    assert "may still complete on the server" in text
    assert len(server.polls) == 3


async def test_server_that_does_not_long_poll_is_not_hammered() -> None:
    server = Server([try_again()] * 12 + [{"path": "xorl://default/weights/x"}], seconds_per_poll=0)
    await wait(server)
    assert len(server.polls) == 13
    assert server.sleeps == [0.25, 0.5, 1.0]  # only after 10 instant try_agains in a row


async def test_unparseable_result_is_a_clear_error() -> None:
    server = Server([{"something": "else"}])
    with pytest.raises(XorlError, match="could not parse"):
        await wait(server)


async def test_custom_body_factory() -> None:
    server = Server([{"path": "p"}])
    tr = server.transport()
    seen: list[str] = []

    def body(rid: str) -> Any:
        seen.append(rid)
        from xorl_openapi.models import FutureRetrieveRequest

        return FutureRetrieveRequest(request_id=rid)

    await wait_for_future(
        tr,
        RID,
        operation="load_weights",
        deadline=None,
        retrieve_endpoint=retrieve_future,
        body_factory=body,
    )
    assert seen == [RID]
    await tr.aclose()


async def test_unknown_route_404_is_not_reported_as_expiry() -> None:
    server = Server([httpx.Response(404, json={"detail": "Not Found"})])
    with pytest.raises(NotFoundError, match="route does not exist"):
        await wait(server)
