"""Unload (or kill) a LoRA session and create it again right away: the new session survives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from xorl_client.local import LocalServerConfig, create_app, serve_in_thread

BASE = "xorl-local/byte-bigram"


@pytest.fixture
def lora(tmp_path: Path) -> Iterator[tuple[httpx.Client, Any]]:
    app = create_app(
        LocalServerConfig(port=0, lora=True, output_dir=tmp_path, long_poll_timeout=0.5)
    )
    with (
        serve_in_thread(app.state.local.config, app=app) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client, app.state.local


def submit(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    request_id: str = response.json()["request_id"]
    return request_id


def result(client: httpx.Client, request_id: str) -> httpx.Response:
    while True:
        polled = client.post("/api/v1/retrieve_future", json={"request_id": request_id})
        if polled.status_code != 200 or polled.json().get("type") != "try_again":
            return polled


def create(rank: int) -> dict[str, Any]:
    return {"model_id": "policy", "base_model": BASE, "lora_config": {"lora_rank": rank}}


@pytest.mark.parametrize("end", ["unload", "kill"])
def test_a_session_recreated_right_after_it_ended_is_kept(
    lora: tuple[httpx.Client, Any], end: str
) -> None:
    client, local = lora
    old = submit(client, "/api/v1/create_model", create(8))
    assert result(client, old).json() == {"model_id": "policy", "type": "create_model"}

    local.scheduler.pause()  # both land in the engine queue before either runs
    if end == "unload":
        submit(client, "/api/v1/unload_model", {"model_id": "policy"})
    else:
        killer = threading.Thread(
            target=client.post,
            args=("/api/v1/kill_session",),
            kwargs={"json": {"model_id": "policy", "save_checkpoint": False}},
        )
        killer.start()
    assert local.scheduler.wait_for_queued(1)
    recreated = submit(client, "/api/v1/create_model", create(16))
    assert local.scheduler.wait_for_queued(2)
    local.scheduler.resume()
    if end == "kill":
        killer.join(30)

    answer = result(client, recreated)
    assert answer.status_code == 200 and answer.json() == {
        "model_id": "policy",
        "type": "create_model",
    }
    assert "policy" in client.get("/api/v1/session_info").json()["registered_models"]
    assert result(client, old).status_code == 404  # the old session's futures are gone
    info = client.post("/api/v1/weights_info", json={"xorl_path": "xorl://policy/weights/000000"})
    assert info.json()["lora_rank"] == 16  # the recreated session's own initial checkpoint
