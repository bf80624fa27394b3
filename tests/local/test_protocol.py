"""The local server's future protocol over real HTTP: long-poll, try_again, expiry, seq_id order.

Timing is never asserted: the scheduler is paused and resumed through its test hooks, parked
polls are detected through the store's waiter count, and "eventually" conditions are polled with
a generous deadline. The long-poll timeout is short (0.2 s) where a ``try_again`` is expected and
long (30 s) where an immediate answer is expected, so a broken wake-up shows up as a
``try_again`` body (or a hang), never as a flaky timing comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from xorl_client.local import LocalServerConfig, create_app, serve_in_thread
from xorl_client.local.app import LocalServer

Start = Callable[..., tuple[str, LocalServer]]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start servers with config overrides; all are stopped at the end of the test."""
    counter = iter(range(1_000))
    with contextlib.ExitStack() as stack:

        def _start(**overrides: Any) -> tuple[str, LocalServer]:
            settings: dict[str, Any] = {
                "port": 0,
                "output_dir": tmp_path / f"out{next(counter)}",
                "long_poll_timeout": 0.2,
            }
            settings.update(overrides)
            config = LocalServerConfig(**settings)
            app = create_app(config)
            url = stack.enter_context(serve_in_thread(config, app=app))
            return url, app.state.local

        yield _start


def forward_body(model_id: str = "default", seq_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model_id": model_id,
        "forward_input": {
            "data": [
                {
                    "model_input": {"input_ids": [1, 2, 3, 4]},
                    "loss_fn_inputs": {"labels": [1, 2, 3, 4]},
                }
            ],
            "loss_fn": "cross_entropy",
        },
    }
    if seq_id is not None:
        body["seq_id"] = seq_id
    return body


def fb_body(seq_id: int | None = None, model_id: str = "default") -> dict[str, Any]:
    body = forward_body(model_id, seq_id)
    body["forward_backward_input"] = body.pop("forward_input")
    return body


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        time.sleep(0.005)


async def async_wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.005)


def submit(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    request_id = response.json()["request_id"]
    assert isinstance(request_id, str)
    return request_id


def poll(client: httpx.Client, request_id: str) -> httpx.Response:
    return client.post("/api/v1/retrieve_future", json={"request_id": request_id})


def result(client: httpx.Client, request_id: str) -> dict[str, Any]:
    """Poll until the future is no longer pending."""
    while True:
        response = poll(client, request_id)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body.get("type") != "try_again":
            return body


def test_request_id_format_and_phase_one_body(start: Start) -> None:
    url, _ = start()
    with httpx.Client(base_url=url) as client:
        response = client.post("/api/v1/forward", json=forward_body())
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"request_id", "model_id"} and body["model_id"] == "default"
        rid = body["request_id"]
        assert rid.startswith("future_") and len(rid) == 19
        assert all(c in "0123456789abcdef" for c in rid[7:])
        # Reads are non-destructive: the same result any number of times.
        first, second = result(client, rid), result(client, rid)
        assert first == second and first["loss_fn_output_type"] == "CrossEntropyLossReturn"


async def test_long_poll_answers_as_soon_as_the_result_is_ready(start: Start) -> None:
    url, local = start(long_poll_timeout=30.0)
    local.scheduler.pause()
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        response = await client.post("/api/v1/forward", json=forward_body())
        rid = response.json()["request_id"]
        parked = asyncio.create_task(
            client.post("/api/v1/retrieve_future", json={"request_id": rid})
        )
        await async_wait_until(lambda: local.futures.waiters(rid) == 1)
        assert not parked.done()
        local.scheduler.resume()
        answer = await parked
    assert answer.status_code == 200
    body = answer.json()
    assert body.get("type") != "try_again", body
    assert body["loss_fn_output_type"] == "CrossEntropyLossReturn"
    assert body["metrics"]["valid_tokens"] == 3


def test_try_again_after_the_long_poll_timeout(start: Start) -> None:
    url, local = start(long_poll_timeout=0.2)
    local.scheduler.pause()
    with httpx.Client(base_url=url, timeout=30) as client:
        rid = submit(client, "/api/v1/forward", forward_body())
        pending = poll(client, rid)
        assert pending.status_code == 200
        assert pending.json() == {
            "type": "try_again",
            "request_id": rid,
            "queue_state": "active",
            "queue_state_reason": None,
        }
        local.scheduler.resume()
        assert "loss_fn_outputs" in result(client, rid)


def test_paused_capacity_when_too_many_futures_are_in_flight(start: Start) -> None:
    url, local = start(long_poll_timeout=0.2, max_concurrent_futures=1)
    local.scheduler.pause()
    with httpx.Client(base_url=url, timeout=30) as client:
        first = submit(client, "/api/v1/forward", forward_body())
        second = submit(client, "/api/v1/forward", forward_body())
        assert poll(client, first).json()["queue_state"] == "active"
        assert poll(client, second).json() == {
            "type": "try_again",
            "request_id": second,
            "queue_state": "paused_capacity",
            "queue_state_reason": "Request is queued, waiting for worker capacity",
        }
        local.scheduler.resume()
        assert "loss_fn_outputs" in result(client, first)
        assert "loss_fn_outputs" in result(client, second)


def test_expired_future_reports_failure_then_404_after_the_sweep(start: Start) -> None:
    url, local = start(future_ttl=0.05, sweep_interval=3600)
    with httpx.Client(base_url=url, timeout=30) as client:
        rid = submit(client, "/api/v1/forward", forward_body())
        expired = {"error": f"Request {rid} expired", "category": "server"}
        wait_until(lambda: poll(client, rid).json() == expired)
        # Until the sweep runs, the expired failure is what every poll sees.
        assert poll(client, rid).json() == expired
        # The sweep only drops finished futures; this one finishes almost at once.
        wait_until(lambda: local.futures.sweep() >= 1)
        gone = poll(client, rid)
        assert gone.status_code == 404
        assert gone.json() == {"detail": f"Request {rid} not found"}


def test_background_sweep_purges_expired_futures(start: Start) -> None:
    url, _ = start(future_ttl=0.05, sweep_interval=0.05)
    with httpx.Client(base_url=url, timeout=30) as client:
        rid = submit(client, "/api/v1/forward", forward_body())
        wait_until(lambda: poll(client, rid).status_code == 404)


def test_lower_seq_id_runs_first_even_when_submitted_later(start: Start) -> None:
    url, local = start()
    local.scheduler.pause()
    with httpx.Client(base_url=url, timeout=30) as client:
        assert submit(client, "/api/v1/create_model", {"base_model": "xorl-local/byte-bigram"})
        save = submit(client, "/api/v1/save_weights", {"path": "after-training"})
        fb5 = submit(client, "/api/v1/forward_backward", fb_body(seq_id=5))
        fb3 = submit(client, "/api/v1/forward_backward", fb_body(seq_id=3))
        step = submit(client, "/api/v1/optim_step", {"seq_id": 9, "learning_rate": 0.01})
        assert local.scheduler.wait_for_queued(5)
        local.scheduler.resume()
        assert result(client, step)["metrics"]["step"] == 1
        for rid in (fb5, fb3):
            assert "loss_fn_outputs" in result(client, rid)
        assert result(client, save) == {"path": "xorl://default/weights/after-training"}
    order = [(job.name, job.seq_id) for job in list(local.scheduler.history)[-5:]]
    # seq_id jobs first, lowest first across the queue; then the seq-less FIFO jobs in order.
    assert order == [
        ("Forward-backward", 3),
        ("Forward-backward", 5),
        ("Optim-step", 9),
        ("Create-model", None),
        ("Save-weights", None),
    ]


def test_duplicate_seq_id_replaces_the_queued_request(start: Start) -> None:
    url, local = start()
    local.scheduler.pause()
    with httpx.Client(base_url=url, timeout=30) as client:
        first = submit(client, "/api/v1/forward_backward", fb_body(seq_id=7))
        second = submit(client, "/api/v1/forward_backward", fb_body(seq_id=7))
        local.scheduler.resume()
        failed = result(client, first)
        assert failed["error"].startswith("504: Forward-backward timeout: replaced")
        assert failed["category"] == "server"
        assert result(client, second)["metrics"]["valid_tokens:sum"] == 3


def test_sixty_four_concurrent_long_polls_all_succeed(start: Start) -> None:
    url, local = start(long_poll_timeout=30.0)
    count = 64

    async def scenario() -> list[dict[str, Any]]:
        limits = httpx.Limits(max_connections=count + 8, max_keepalive_connections=count + 8)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            local.scheduler.pause()
            rids = []
            for _ in range(count):
                response = await client.post("/api/v1/forward", json=forward_body())
                rids.append(response.json()["request_id"])
            polls = [
                asyncio.create_task(
                    client.post("/api/v1/retrieve_future", json={"request_id": rid})
                )
                for rid in rids
            ]
            await async_wait_until(lambda: sum(local.futures.waiters(rid) for rid in rids) == count)
            local.scheduler.resume()
            answers = await asyncio.gather(*polls)
            assert all(a.status_code == 200 for a in answers)
            return [a.json() for a in answers]

    bodies = asyncio.run(scenario())
    assert len(bodies) == count
    assert all(b.get("loss_fn_output_type") == "CrossEntropyLossReturn" for b in bodies)


def test_unload_model_future_deletes_itself_and_the_sessions_futures(start: Start) -> None:
    url, _ = start()
    with httpx.Client(base_url=url, timeout=30) as client:
        created = client.post("/api/v1/create_session", json={"session_id": "sess-1"})
        assert created.status_code == 200
        earlier = submit(client, "/api/v1/forward", forward_body("sess-1"))
        assert "error" in result(client, earlier)  # full-weight: no weights for sess-1
        unload = submit(client, "/api/v1/unload_model", {"model_id": "sess-1"})
        wait_until(lambda: poll(client, unload).status_code == 404)
        assert poll(client, unload).json() == {"detail": f"Request {unload} not found"}
        assert poll(client, earlier).status_code == 404
        again = client.post("/api/v1/unload_model", json={"model_id": "sess-1"})
        assert again.status_code == 404 and again.json() == {"detail": "Model sess-1 not found"}


def test_sleep_mode_fails_training_inside_the_future(start: Start) -> None:
    url, _ = start()
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/sleep").json()["result"]["status"] == "sleeping"
        failed = result(client, submit(client, "/api/v1/forward", forward_body()))
        assert failed["error"].startswith("500: Engine error: Server is in sleep mode")
        assert client.post("/wake_up").json()["result"]["status"] == "awake"
        assert "loss_fn_outputs" in result(
            client, submit(client, "/api/v1/forward", forward_body())
        )


def test_health_counts_requests(start: Start) -> None:
    url, _ = start()
    with httpx.Client(base_url=url, timeout=30) as client:
        result(client, submit(client, "/api/v1/forward", forward_body()))
        health = client.get("/health").json()
        assert health == {
            "status": "healthy",
            "engine_running": True,
            "active_requests": 0,
            "total_requests": 1,
        }
        assert client.get("/api/v1/healthz").json() == {"status": "ok"}


def test_idle_sessions_are_cleaned_up_with_their_futures(start: Start) -> None:
    url, local = start(lora=True, idle_timeout=0.05, sweep_interval=0.05)
    with httpx.Client(base_url=url, timeout=30) as client:
        created = client.post("/api/v1/create_session", json={"session_id": "idle-1"})
        assert created.status_code == 200
        rid = submit(client, "/api/v1/forward", forward_body("idle-1"))
        assert "loss_fn_outputs" in result(client, rid)
        wait_until(
            lambda: "idle-1" not in client.get("/api/v1/session_info").json()["registered_models"]
        )
        assert poll(client, rid).status_code == 404
        # The reserved LoRA `default` is never idle-cleaned.
        assert "default" in local.sessions


async def test_routes_answer_503_until_startup_completed(tmp_path: Path) -> None:
    app = create_app(LocalServerConfig(port=0, output_dir=tmp_path / "out"))
    transport = httpx.ASGITransport(app=app)  # no lifespan: the server never starts
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        response = await client.post("/api/v1/forward", json=forward_body())
        assert (response.status_code, response.json()) == (
            503,
            {"detail": "API server not initialized"},
        )
        assert (await client.get("/api/v1/healthz")).json() == {"status": "not_initialized"}
        health = (await client.get("/health")).json()
        assert health["status"] == "not_initialized" and health["engine_running"] is False
