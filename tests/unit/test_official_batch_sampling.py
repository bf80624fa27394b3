"""Batch sampling with straggler handling (the official ``tests/test_batch_sampling.py``).

``sample_batch`` returns an ``APIFuture`` of a ``BatchSampleResult`` whose ``completed``,
``failed`` and ``cancelled`` account for every prompt by index. Here the inference server is a
scripted ``/generate`` behind ``httpx.MockTransport``: prompts named ``slow`` never answer,
``fail`` gets a 400, anything else answers at once. The batch deadline waits through the retry
policy's ``sleep``, which the tests replace so nothing waits for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client.sampling import SamplingRetryPolicy


class Generate:
    """``/generate`` answering text prompts by name; counts what it answered."""

    def __init__(self) -> None:
        self.answered = 0
        self.fast_done = asyncio.Event()  # created lazily on the SDK loop, see reset()
        self.expected_fast = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content)
        prompt = body["text"]
        if prompt == "slow":
            await asyncio.Event().wait()  # never answers: a straggler
        if prompt == "fail":
            return self._json({"error": {"message": "prompt refused"}}, 400)
        self.answered += 1
        if self.answered >= self.expected_fast:
            self.fast_done.set()
        ids = list(prompt.encode())[:3]
        meta = {
            "finish_reason": {"type": "length"},
            "output_token_logprobs": [[-0.5, t, None] for t in ids],
        }
        return self._json({"text": f"RESPONSE:{prompt}", "output_ids": ids, "meta_info": meta})

    @staticmethod
    def _json(body: Any, status: int = 200) -> httpx.Response:
        return httpx.Response(status, content=orjson.dumps(body))


def sampler(server: Generate, sleep: Callable[[float], Awaitable[None]] | None = None) -> Any:
    async def no_wait(_: float) -> None:
        return None

    policy = SamplingRetryPolicy(jitter=False, sleep=sleep or no_wait)
    return xc.SamplingClient(
        base_url="http://localhost:30000",
        httpx_transport=httpx.MockTransport(server),
        retry_policy=policy,
    )


def deadline_after_fast_prompts(server: Generate) -> Callable[[float], Awaitable[None]]:
    """A batch deadline that passes once every fast prompt has answered."""

    async def sleep(_: float) -> None:
        await server.fast_done.wait()

    return sleep


def bind_event_to_sdk_loop(server: Generate, fast: int) -> None:
    from xorl_client import _runtime

    async def make() -> None:
        server.fast_done = asyncio.Event()

    _runtime.run_coroutine(make()).result()
    server.expected_fast = fast


def test_all_prompts_complete() -> None:
    server = Generate()
    with sampler(server) as sc:
        future = sc.sample_batch(prompts=["A", "B", "C", "D"], timeout=10.0)
        assert isinstance(future, xc.APIFuture)
        result = future.result()
    assert len(result.completed) == 4 and result.failed == [] and result.cancelled == []
    assert {i for i, _ in result.completed} == {0, 1, 2, 3}


def test_the_deadline_cancels_stragglers() -> None:
    server = Generate()
    bind_event_to_sdk_loop(server, fast=2)
    with sampler(server, deadline_after_fast_prompts(server)) as sc:
        result = sc.sample_batch(prompts=["fast1", "fast2", "slow"], timeout=0.5).result()
    assert len(result.completed) == 2 and result.cancelled == [2]


def test_indices_map_to_the_prompts() -> None:
    prompts = ["ALPHA", "BETA", "GAMMA", "DELTA"]
    with sampler(Generate()) as sc:
        result = sc.sample_batch(prompts=prompts, timeout=10.0).result()
    for index, response in result.completed:
        assert prompts[index] in response.sequences[0].text
    assert [i for i, _ in result.completed] == [0, 1, 2, 3]  # sorted by index, too


def test_failures_are_tracked_with_their_index() -> None:
    with sampler(Generate()) as sc:
        result = sc.sample_batch(prompts=["ok1", "fail", "ok2"], timeout=10.0).result()
    assert len(result.completed) == 2 and len(result.failed) == 1
    index, error = result.failed[0]
    # Deliberate difference: the failure is the SDK's typed error, not a RuntimeError.
    assert index == 1 and isinstance(error, xc.BadRequestError)
    assert "prompt refused" in str(error)


async def test_the_async_interface_returns_the_result() -> None:
    sc = sampler(Generate())
    result = await sc.sample_batch_async(prompts=["A", "B", "C"], timeout=10.0)
    assert len(result.completed) == 3
    again = await sc.sample_batch(["D"])  # the future itself is awaitable
    assert len(again.completed) == 1
    await sc.close_async()


def test_no_prompts_give_an_empty_result() -> None:
    with sampler(Generate()) as sc:
        result = sc.sample_batch(prompts=[], timeout=10.0).result()
    assert (result.completed, result.failed, result.cancelled) == ([], [], [])


def test_without_a_timeout_everything_completes() -> None:
    with sampler(Generate()) as sc:
        result = sc.sample_batch(prompts=["A", "B", "C", "D"], timeout=None).result()
    assert len(result.completed) == 4 and result.cancelled == []


def test_positional_arguments_follow_the_official_order() -> None:
    server = Generate()
    with sampler(server) as sc:
        result = sc.sample_batch(["A"], xc.SamplingParams(max_tokens=2), 1, False, 10.0).result()
    [(_, response)] = result.completed
    assert response.sequences[0].logprobs is None  # return_logprobs=False, 4th positional


async def test_cancelling_the_batch_future_cancels_the_batch() -> None:
    async def long_deadline(_: float) -> None:
        await asyncio.Event().wait()

    sc = sampler(Generate(), long_deadline)
    future = sc.sample_batch(["slow"], timeout=60.0)
    assert future.cancel()
    with pytest.raises(xc.FutureCancelledError):
        await future
    await sc.close_async()
