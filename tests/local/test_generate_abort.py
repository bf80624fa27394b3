"""A /generate that nobody waits for any more stops, like SGLang's."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from xorl_client.local import LocalServerConfig, create_app, serve_in_thread

ENDLESS = {
    "input_ids": [116, 104, 101],
    "sampling_params": {"max_new_tokens": 50_000_000, "temperature": 0.0, "ignore_eos": True},
}


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        time.sleep(0.005)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    app = create_app(LocalServerConfig(port=0, output_dir=tmp_path))
    with serve_in_thread(app.state.local.config, app=app) as url:
        yield url, app.state.local.inference


def test_abort_request_by_rid_stops_the_generation(server: tuple[str, Any]) -> None:
    url, inference = server
    with (
        concurrent.futures.ThreadPoolExecutor(1) as pool,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        pending = pool.submit(client.post, "/generate", json={**ENDLESS, "rid": "rollout-7"})
        wait_until(lambda: "rollout-7" in inference.running)
        assert client.post("/abort_request", json={"rid": "rollout-7"}).status_code == 200
        answer = pending.result(timeout=60).json()
    assert answer["meta_info"]["finish_reason"] == {"type": "abort"}
    assert 0 < answer["meta_info"]["completion_tokens"] < 50_000_000
    assert inference.running == {}


def test_client_disconnect_stops_the_generation(server: tuple[str, Any]) -> None:
    url, inference = server

    async def start_and_walk_away() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            task = asyncio.ensure_future(client.post("/generate", json={**ENDLESS, "rid": "gone"}))
            while "gone" not in inference.running:
                await asyncio.sleep(0.005)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(start_and_walk_away())
    # the handler notices the disconnect, stops the worker and forgets the request
    wait_until(lambda: "gone" not in inference.running)
