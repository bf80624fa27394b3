"""Official calls and options xorl cannot serve raise one typed error before anything is sent.

The routes were recorded against the real server (404, ``tests/fixtures/transcript/
peer_exchanges.json``); the SDK must refuse them up front, say what to use instead, and never
send them or anything else in their place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import xorl_client as xc
from tests.unit.fake_server import FakeXorl, make_training_client
from xorl_client.compat.not_on_xorl import NOT_ON_XORL


class Counting:
    """A transport that records every request (none may arrive)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500)


def _training() -> tuple[xc.TrainingClient, FakeXorl]:
    server = FakeXorl()
    return make_training_client(server), server


TRAINING_CALLS: dict[str, Callable[[xc.TrainingClient], Any]] = {
    "save_full_weights_safetensors": lambda tc: tc.save_full_weights_safetensors("final"),
    "connect_inference_endpoint": lambda tc: tc.connect_inference_endpoint(),
    "disconnect_inference_endpoint": lambda tc: tc.disconnect_inference_endpoint(),
    "update_dedicated_endpoint": lambda tc: tc.update_dedicated_endpoint("n", "e", "k", "t"),
    "update_serverless_weights": lambda tc: tc.update_serverless_weights("n", "k", "t", "m"),
    "kind='inflight'": lambda tc: tc.save_weights_and_get_sampling_client(kind="inflight"),
    "retry_config": lambda tc: tc.save_weights_and_get_sampling_client(retry_config=object()),
    "record_stability_info=True": lambda tc: tc.save_weights_and_get_sampling_client(
        record_stability_info=True
    ),
}


@pytest.mark.parametrize("feature", sorted(TRAINING_CALLS))
def test_training_calls_are_refused_before_sending(feature: str) -> None:
    tc, server = _training()
    with pytest.raises(xc.NotSupportedOnXorlError) as caught:
        TRAINING_CALLS[feature](tc)
    assert caught.value.feature == feature
    assert isinstance(caught.value, NotImplementedError)  # `except NotImplementedError` works too
    assert server.submissions == [] and server.polls == []
    use = NOT_ON_XORL[feature].use_instead
    assert (use in str(caught.value)) if use else "not available on xorl" in str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda tc: tc.save_full_weights_safetensors_async("final"),
        lambda tc: tc.connect_inference_endpoint_async(),
        lambda tc: tc.disconnect_inference_endpoint_async(),
    ],
    ids=["save_full_weights", "connect", "disconnect"],
)
def test_async_twins_refuse_too(call: Callable[[xc.TrainingClient], Any]) -> None:
    tc, server = _training()
    with pytest.raises(xc.NotSupportedOnXorlError):
        asyncio.run(call(tc))
    assert server.submissions == []


@pytest.mark.parametrize("name", ["pause_generation", "continue_generation"])
def test_sglang_pause_and_continue_are_refused_with_a_reason(name: str) -> None:
    recorder = Counting()
    sampler = xc.SamplingClient(
        "http://sglang.test:30000", httpx_transport=httpx.MockTransport(recorder)
    )
    with pytest.raises(xc.NotSupportedOnXorlError, match=r"openapi\.yaml"):
        getattr(sampler, name)()
    with pytest.raises(xc.NotSupportedOnXorlError):
        asyncio.run(getattr(sampler, f"{name}_async")())
    assert recorder.requests == []


def test_every_row_of_the_table_is_reachable_from_a_public_call() -> None:
    sampling = {"pause_generation", "continue_generation"}
    assert set(NOT_ON_XORL) == set(TRAINING_CALLS) | sampling
    for feature, row in NOT_ON_XORL.items():
        assert row.why, feature
