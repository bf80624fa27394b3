"""HTTP helpers for the local-server tests (plain httpx, no SDK)."""

from __future__ import annotations

from typing import Any

import httpx

from xorl_client.byte_tokenizer import ByteTokenizer

BASE = "xorl-local/byte-bigram"
TOK = ByteTokenizer()


def future(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Phase 1 + phase 2: the operation's final body (result or failure)."""
    submitted = client.post(path, json=body)
    assert submitted.status_code == 200, submitted.text
    return poll(client, submitted.json()["request_id"])


def poll(client: httpx.Client, request_id: str) -> dict[str, Any]:
    """Phase 2: long-poll ``retrieve_future`` until the operation has finished."""
    while True:
        polled = client.post("/api/v1/retrieve_future", json={"request_id": request_id})
        assert polled.status_code == 200, polled.text
        answer: dict[str, Any] = polled.json()
        if answer.get("type") != "try_again":
            return answer


def ok(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = future(client, path, body)
    assert "error" not in answer, answer
    return answer


def post_json(client: httpx.Client, path: str, body: Any, status: int = 200) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def generate(client: httpx.Client, **body: Any) -> Any:
    return post_json(client, "/generate", body)


def sft_body(model_id: str, ids: list[int], **batch: Any) -> dict[str, Any]:
    """A forward_backward body for one HF-style datum (``labels`` = the ids)."""
    datum = {"model_input": {"input_ids": ids}, "loss_fn_inputs": {"labels": ids}}
    return {
        "model_id": model_id,
        "forward_backward_input": {"data": [datum], "loss_fn": "cross_entropy", **batch},
    }


def forward_body(model_id: str, ids: list[int], **batch: Any) -> dict[str, Any]:
    body = sft_body(model_id, ids, **batch)
    body["forward_input"] = body.pop("forward_backward_input")
    return body


def train(
    client: httpx.Client, text: str, steps: int, lr: float, model_id: str = "default"
) -> None:
    ids = TOK.encode(text)
    for _ in range(steps):
        ok(client, "/api/v1/forward_backward", sft_body(model_id, ids))
        ok(client, "/api/v1/optim_step", {"model_id": model_id, "learning_rate": lr})
