"""One outcome taxonomy: every transport failure says whether its request was not sent, sent and
failed, or sent with an unknown outcome, as an attribute and as a class, with a hint that fits
the case and the operation (issue defect 2 and 3)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest
from xorl_openapi.api.training import forward_backward
from xorl_openapi.api.weights import save_weights
from xorl_openapi.models import SaveWeightsRequest

import xorl_client as xc
from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport
from xorl_client.training.wire import request_model

BASE = "http://xorl.test:6000"


class Recorder:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        answer = self.answer(request)
        return await answer if inspect.isawaitable(answer) else answer


def transport(handler: Any, **cfg: Any) -> Transport:
    config = ClientConfig(base_url=BASE, httpx_transport=httpx.MockTransport(handler), **cfg)

    async def no_sleep(_: float) -> None:
        return None

    return Transport(config, RetryPolicy.from_config(config, sleep=no_sleep, jitter=False))


def fb_body() -> Any:
    datum = {"model_input": {"input_ids": [1, 2, 3]}, "loss_fn_inputs": {"labels": [1, 2, 3]}}
    return request_model(
        "forward_backward",
        {"model_id": "m", "forward_backward_input": {"data": [datum], "loss_fn": "causallm_loss"}},
    )


async def submit(
    tr: Transport, *, deadline: float | None = None, operation: str = "forward_backward"
) -> Any:
    if operation == "save_weights":
        return await tr.call(
            save_weights,
            operation=operation,
            idempotent=False,
            deadline=deadline if deadline is not None else tr.deadline(),
            body=SaveWeightsRequest(model_id="m", path="ckpt"),
        )
    return await tr.call(
        forward_backward,
        operation=operation,
        idempotent=False,
        deadline=deadline if deadline is not None else tr.deadline(),
        body=fb_body(),
    )


@pytest.mark.parametrize("status", [429, 502, 504])
async def test_a_gateway_answer_after_the_bytes_left_is_unknown_and_never_resent(
    status: int,
) -> None:
    rec = Recorder(lambda r: httpx.Response(status, headers={"Retry-After": "0"}))
    tr = transport(rec)
    with pytest.raises(xc.APIStatusError) as info:
        await submit(tr)
    err = info.value
    assert rec.calls == 1
    assert isinstance(err, xc.OutcomeUnknownError) and err.outcome is xc.Outcome.UNKNOWN
    assert "wait and try again" not in str(err)
    assert "Do not resend it by hand" in str(err)  # the hint fits forward_backward
    await tr.aclose()


async def test_the_hint_fits_the_operation() -> None:
    tr = transport(Recorder(lambda r: httpx.Response(502)))
    with pytest.raises(xc.OutcomeUnknownError, match="check list_checkpoints"):
        await submit(tr, operation="save_weights")
    await tr.aclose()


async def test_a_refused_connection_is_not_sent_and_says_so() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    rec = Recorder(refuse)
    tr = transport(rec, max_retries=2)
    with pytest.raises(xc.APIConnectionError) as info:
        await submit(tr)
    assert rec.calls == 3  # provably never reached the server: resent
    assert isinstance(info.value, xc.NotSentError) and info.value.outcome is xc.Outcome.NOT_SENT
    assert "calling forward_backward again is safe" in str(info.value)
    await tr.aclose()


async def test_an_answer_of_the_app_is_sent_and_failed() -> None:
    tr = transport(Recorder(lambda r: httpx.Response(400, json={"detail": "bad model_id"})))
    with pytest.raises(xc.BadRequestError) as info:
        await submit(tr)
    assert isinstance(info.value, xc.SentAndFailedError) and info.value.outcome is xc.Outcome.FAILED
    await tr.aclose()


async def test_a_deadline_that_passes_mid_submission_is_unknown() -> None:
    release = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        await release.wait()  # the request left; its answer never comes in time
        return httpx.Response(200, json={"request_id": "future_1", "model_id": "m"})

    tr = transport(Recorder(slow))
    deadline = tr.policy.deadline_after(0.05)
    with pytest.raises(xc.APITimeoutError) as info:
        await submit(tr, deadline=deadline)
    err = info.value
    assert isinstance(err, xc.OutcomeUnknownError) and err.outcome is xc.Outcome.UNKNOWN
    assert "raise operation_timeout" not in str(err).split(".")[0]
    assert "may have accumulated" in str(err)
    await tr.aclose()


async def test_a_deadline_that_passed_before_sending_is_not_sent() -> None:
    rec = Recorder(lambda r: httpx.Response(200))
    tr = transport(rec)
    with pytest.raises(xc.APITimeoutError) as info:
        await submit(tr, deadline=tr.policy.deadline_after(-1.0))
    assert rec.calls == 0 and info.value.outcome is xc.Outcome.NOT_SENT
    await tr.aclose()
