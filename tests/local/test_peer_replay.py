"""Replay requests recorded against the real xorl server and compare the local server's answers.

The pairs come from ``tests/fixtures/transcript/peer_exchanges.json`` (recorded by
``tests/fixtures/record_peer.py``). Replayed here are the ones where the local server must answer
exactly as the real one: R3 payloads it refuses (inside the future, same texts), removal by a
hostname that is not the stored host, and the official-client routes xorl does not have (404).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Open
from .wire import poll

RECORDED: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "transcript" / "peer_exchanges.json").read_text(
        encoding="utf-8"
    )
)
FAILED_FUTURES = [
    (submit, result)
    for submit, result in itertools.pairwise(RECORDED)
    if result["path"] == "/api/v1/retrieve_future"
    and submit["path"] != "/api/v1/retrieve_future"
    and "error" in result["response"]
]
NOT_FOUND = [e for e in RECORDED if e["status"] == 404]


def test_the_replayed_cases_are_there() -> None:
    assert len(FAILED_FUTURES) == 3 and len(NOT_FOUND) == 6


@pytest.mark.parametrize(
    ("submit", "result"), FAILED_FUTURES, ids=[s["title"] for s, _ in FAILED_FUTURES]
)
def test_refused_routing_payloads_fail_with_the_real_texts(
    open_server: Open, submit: dict[str, Any], result: dict[str, Any]
) -> None:
    client = open_server()
    phase_one = client.post(submit["path"], json=submit["request"])
    assert phase_one.status_code == submit["status"]
    assert poll(client, phase_one.json()["request_id"]) == result["response"]


def test_official_only_routes_are_404_here_too(open_server: Open) -> None:
    client = open_server()
    for exchange in NOT_FOUND:
        response = client.request(exchange["method"], exchange["path"], json=exchange["request"])
        assert (response.status_code, response.json()) == (404, exchange["response"])


def test_removal_by_a_hostname_is_not_found(open_server: Open) -> None:
    (recorded,) = [
        e for e in RECORDED if e["title"].startswith("remove_inference_endpoint by host")
    ]
    client, sampler = open_server(), open_server()
    port = httpx.URL(str(sampler.base_url)).port
    assert client.post("/add_inference_endpoint", json={"host": "127.0.0.1", "port": port}).json()[
        "success"
    ]
    body = {**recorded["request"], "port": port}
    expected = json.loads(json.dumps(recorded["response"]).replace(":30000", f":{port}"))
    assert client.post("/remove_inference_endpoint", json=body).json() == expected
