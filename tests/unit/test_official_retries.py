"""Which failures are retried (the official ``tests/test_execute_with_retries.py``).

The official client resends every training submission after a connection error, a timeout,
408, 429 or any 5xx, with the same body. Where that is safe this SDK does the same; where the
server may already have run the request (5xx, 408, 429 from a gateway, a read timeout or a
dropped connection after sending) it never resends it as it is, because the xorl server has no
idempotency keys and a ``forward_backward`` sent twice counts its gradients twice. Instead the
training client discards the epoch on the server (``abort_gradient_epoch``) and replays it, so
the batch counts once (``docs/reliability.md``); with ``exactly_once=False`` the failure is
raised. Those are deliberate differences (``docs/compatibility.md``); the tests below assert
this SDK's rule end to end, through a training client, with the first answers scripted and no
real waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport

from .fake_server import FakeXorl, NoSleep, datum_for_tests, make_training_client


@dataclass
class Flaky(FakeXorl):
    """FakeXorl whose first answers to one route are scripted (responses or exceptions)."""

    route: str = "forward_backward"
    first: list[httpx.Response | Exception] = field(default_factory=list)
    attempts: int = 0

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"/{self.route}"):
            self.attempts += 1
            if self.first:
                outcome = self.first.pop(0)
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome
        return await super().handler(request)


def status(code: int, detail: str = "nope", **headers: str) -> httpx.Response:
    return httpx.Response(code, content=orjson.dumps({"detail": detail}), headers=headers)


def run_forward_backward(server: Flaky) -> xc.ForwardBackwardOutput:
    tc = make_training_client(server, sleep=NoSleep())
    return tc.forward_backward([datum_for_tests()], "cross_entropy").result()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (400, xc.BadRequestError),
        (401, xc.AuthenticationError),
        (403, xc.PermissionDeniedError),
        (404, xc.NotFoundError),
        (409, xc.ConflictError),
        (422, xc.UnprocessableEntityError),
    ],
)
def test_client_errors_are_never_resent(code: int, error: type[Exception]) -> None:
    server = Flaky(try_again_polls=0, first=[status(code)])
    with pytest.raises(error) as info:
        run_forward_backward(server)
    assert server.attempts == 1
    assert isinstance(info.value, xc.APIStatusError) and info.value.status_code == code


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(httpx.ConnectError("connection refused"), id="connection-refused"),
        pytest.param(httpx.ConnectTimeout("no connection"), id="connect-timeout"),
        pytest.param(status(503, "API server not initialized"), id="503-not-ready"),
    ],
)
def test_failures_before_the_server_took_the_request_are_resent(
    first: httpx.Response | Exception,
) -> None:
    server = Flaky(try_again_polls=0, first=[first])
    assert run_forward_backward(server).loss_fn_outputs
    assert server.attempts == 2
    [submitted] = server.submissions
    assert submitted.body["seq_id"] == server.seq_ids()[0]  # the same seq_id, not a new one


POSSIBLY_EXECUTED = [
    pytest.param(status(500, "boom"), xc.InternalServerError, id="500"),
    pytest.param(status(502), xc.InternalServerError, id="502"),
    pytest.param(status(503, "overloaded"), xc.InternalServerError, id="503"),
    pytest.param(status(504), xc.InternalServerError, id="504"),
    pytest.param(status(429, "slow down", **{"retry-after": "1"}), xc.RateLimitError, id="429"),
    pytest.param(httpx.ReadTimeout("no answer"), xc.APITimeoutError, id="read-timeout"),
    pytest.param(httpx.ReadError("connection reset"), xc.APIConnectionError, id="reset"),
]


@pytest.mark.parametrize(("first", "error"), POSSIBLY_EXECUTED)
def test_possibly_executed_submissions_are_never_resent_as_they_are(
    first: httpx.Response | Exception, error: type[Exception]
) -> None:
    """Deliberate difference: the official client resends these and may count gradients twice.

    Here the epoch is discarded on the server first, then replayed: the batch counts once.
    """
    server = Flaky(try_again_polls=0, first=[first])
    tc = make_training_client(server, sleep=NoSleep())
    tc.forward_backward([datum_for_tests()], "cross_entropy").result()
    tc.optim_step(xc.AdamParams(learning_rate=1e-4)).result()
    assert server.attempts == 2
    assert [s.operation for s in server.submissions] == [
        "abort_gradient_epoch",
        "forward_backward",
        "optim_step",
    ]
    assert len(server.applied) == 1 and len(server.applied[0]) == 1  # counted once


def test_a_408_gives_the_epoch_up_and_nothing_counts() -> None:
    """A 408 says the request was not taken: it is not resent, and its epoch cannot step."""
    server = Flaky(try_again_polls=0, first=[status(408)])
    tc = make_training_client(server, sleep=NoSleep())
    with pytest.raises(xc.APIStatusError) as info:
        tc.forward_backward([datum_for_tests()], "cross_entropy").result()
    assert info.value.outcome is xc.Outcome.FAILED
    with pytest.raises(xc.EpochAbortedError):
        tc.optim_step(xc.AdamParams(learning_rate=1e-4)).result()
    assert server.attempts == 1 and server.applied == []


@pytest.mark.parametrize(("first", "error"), POSSIBLY_EXECUTED)
def test_without_exactly_once_possibly_executed_submissions_fail(
    first: httpx.Response | Exception, error: type[Exception]
) -> None:
    server = Flaky(try_again_polls=0, first=[first])
    tc = make_training_client(server, sleep=NoSleep(), exactly_once=False)
    with pytest.raises(error) as info:
        tc.forward_backward([datum_for_tests()], "cross_entropy").result()
    assert server.attempts == 1
    assert info.value.outcome is xc.Outcome.UNKNOWN  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(status(502), id="502"),
        pytest.param(status(503, "overloaded"), id="503"),
        pytest.param(httpx.ReadError("connection reset"), id="reset"),
        pytest.param(httpx.ConnectError("refused"), id="refused"),
    ],
)
def test_polls_are_retried_through_transient_failures(first: httpx.Response | Exception) -> None:
    server = Flaky(route="retrieve_future", try_again_polls=0, first=[first])
    assert run_forward_backward(server).loss_fn_outputs
    assert server.attempts == 2 and len(server.submissions) == 1


def client_with_settings(server: Flaky, sleep: NoSleep, **settings: float) -> xc.TrainingClient:
    """A training client whose retry policy comes from ClientConfig settings, without jitter."""
    config = ClientConfig(
        base_url="http://xorl.test", httpx_transport=httpx.MockTransport(server.handler), **settings
    )
    policy = RetryPolicy.from_config(config, jitter=False, sleep=sleep)
    return xc.TrainingClient(
        transport=Transport(config, policy), model_id="default", base_model="m"
    )


def test_retries_stop_at_the_limit() -> None:
    refused = [httpx.ConnectError("refused") for _ in range(10)]
    server = Flaky(try_again_polls=0, first=refused)
    tc = client_with_settings(server, NoSleep(), max_retries=2)
    with pytest.raises(xc.APIConnectionError) as info:
        tc.forward_backward([datum_for_tests()], "cross_entropy").result()
    assert info.value.outcome is xc.Outcome.NOT_SENT
    assert server.attempts == 3
    assert "forward_backward" not in [s.operation for s in server.submissions]


def test_resends_wait_with_exponential_backoff() -> None:
    sleep = NoSleep()
    refused = [httpx.ConnectError("refused") for _ in range(3)]
    server = Flaky(try_again_polls=0, first=refused)
    tc = client_with_settings(server, sleep, retry_backoff_base=1.0, retry_backoff_max=30.0)
    tc.forward_backward([datum_for_tests()], "cross_entropy").result()
    assert sleep.calls == [1.0, 2.0, 4.0]  # the official client's 1 s, 2 s, 4 s
