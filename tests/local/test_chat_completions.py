"""/v1/chat/completions on the local server: the byte-level template, equivalence with /generate,
the OpenAI response shape a strict client parses, and the refusals."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from xorl_client.byte_tokenizer import BOS_ID
from xorl_client.local import LocalServerConfig, serve_in_thread

from .conftest import Open
from .wire import BASE, TOK, generate, ok, post_json, train

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
#: The documented template, written out by hand.
RENDERED = [BOS_ID, *b"<|system|>\nbe brief<|end|>\n<|user|>\nhi<|end|>\n<|assistant|>\n"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    config = LocalServerConfig(port=0, output_dir=tmp_path_factory.mktemp("out"))
    with serve_in_thread(config) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http


def chat(client: httpx.Client, status: int = 200, **body: Any) -> Any:
    return post_json(client, "/v1/chat/completions", {"messages": MESSAGES, **body}, status)


def check_strictly(answer: dict[str, Any], n: int) -> None:
    """What a strict client checks before it trusts the tokens and logprobs."""
    assert answer["object"] == "chat.completion" and len(answer["choices"]) == n
    for index, choice in enumerate(answer["choices"]):
        assert choice["index"] == index and choice["message"]["role"] == "assistant"
        ids = choice["token_ids"]
        assert isinstance(ids, list) and all(type(t) is int for t in ids)
        content = choice["logprobs"]["content"]
        assert [entry["token_id"] for entry in content] == ids
        assert all(math.isfinite(entry["logprob"]) and entry["logprob"] <= 0 for entry in content)
    usage = answer["usage"]
    assert usage["completion_tokens"] == sum(len(c["token_ids"]) for c in answer["choices"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_chat_is_generate_on_the_rendered_prompt(client: httpx.Client) -> None:
    answer = chat(
        client,
        max_tokens=10,
        seed=11,
        n=2,
        logprobs=True,
        return_token_ids=True,
        return_prompt_token_ids=True,
    )
    check_strictly(answer, n=2)
    assert answer["usage"]["prompt_tokens"] == len(RENDERED)
    same = generate(
        client,
        input_ids=RENDERED,
        sampling_params={"max_new_tokens": 10, "sampling_seed": 11, "n": 2, "stop": "<|end|>"},
        return_logprob=True,
    )
    for choice, row in zip(answer["choices"], same, strict=True):
        assert choice["prompt_token_ids"] == RENDERED
        assert choice["token_ids"] == row["output_ids"]
        assert [e["logprob"] for e in choice["logprobs"]["content"]] == [
            lp for lp, _, _ in row["meta_info"]["output_token_logprobs"]
        ]
        assert choice["message"]["content"] == row["text"]
        reason = row["meta_info"]["finish_reason"]
        assert choice["finish_reason"] == reason["type"]
        assert choice["matched_stop"] == reason.get("matched")
    # Each logprob entry names its byte: text and raw bytes.
    first = answer["choices"][0]["logprobs"]["content"][0]
    token = answer["choices"][0]["token_ids"][0]
    assert first["bytes"] == [token] and first["top_logprobs"] == []

    plain = chat(client, max_tokens=3, seed=11)
    (choice,) = plain["choices"]
    assert choice["logprobs"] is None and "token_ids" not in choice
    assert "prompt_token_ids" not in choice and "sglext" not in plain
    assert choice["finish_reason"] in {"length", "stop"}


def test_continue_final_message_leaves_the_assistant_turn_open(client: httpx.Client) -> None:
    messages = [*MESSAGES, {"role": "assistant", "content": "ok, so"}]
    answer = post_json(
        client,
        "/v1/chat/completions",
        {
            "messages": messages,
            "continue_final_message": True,
            "max_tokens": 2,
            "return_prompt_token_ids": True,
            "chat_template_kwargs": {"enable_thinking": False},
        },
    )
    expected = [BOS_ID, *b"<|system|>\nbe brief<|end|>\n<|user|>\nhi<|end|>\n<|assistant|>\nok, so"]
    assert answer["choices"][0]["prompt_token_ids"] == expected


def test_chat_routed_experts_cover_the_fed_positions(client: httpx.Client) -> None:
    answer = chat(client, max_tokens=4, seed=2, return_routed_experts=True, return_token_ids=True)
    flat = np.frombuffer(base64.b64decode(answer["sglext"]["routed_experts"]), dtype="<i4")
    routing = flat.reshape(-1, 2, 2).tolist()
    fed = [*RENDERED, *answer["choices"][0]["token_ids"]][:-1]
    assert len(routing) == len(fed)
    assert routing == [
        [[(x + layer) % 4, ((x + layer) % 4 + 1 + (x // 4) % 3) % 4] for layer in range(2)]
        for x in fed
    ]


def test_the_end_of_turn_marker_ends_the_completion(open_server: Open) -> None:
    client = open_server()
    ok(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE})
    # A bigram cannot learn "<|end|>" deterministically ('|' is followed by both 'e' and '>'),
    # but after this training sampled completions reach it often.
    train(client, "ok<|end|>\nok<|end|>\n", steps=30, lr=0.5)
    assert post_json(client, "/api/v1/sync_inference_weights", {"model_id": "default"})["success"]
    answer = chat(client, max_tokens=40, n=16, seed=5, return_token_ids=True)
    ended = [c for c in answer["choices"] if c["matched_stop"] == "<|end|>"]
    assert ended, [c["message"]["content"] for c in answer["choices"]]
    marker = list(b"<|end|>")
    for choice in ended:
        ids = choice["token_ids"]
        assert ids[-len(marker) :] == marker  # the tokens run up to the marker, no further
        assert choice["finish_reason"] == "stop"
        assert choice["message"]["content"] == TOK.decode(ids[: -len(marker)])
        assert "<|end|>" not in TOK.decode(ids[: -len(marker)])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messages": []}, "messages: List should have at least 1 item"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role: 'robot' is not"),
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "string content only"),
        ({"stream": True}, "stream=true is not supported"),
        ({"top_logprobs": 2, "logprobs": True}, "top_logprobs is not supported"),
        ({"min_tokens": 3}, "min_tokens is not supported"),
        ({"logprob_start_len": 0}, "logprob_start_len is not supported on /v1/chat/completions"),
        ({"return_expert_logits": True}, "return_expert_logits is not supported"),
        ({"n": 2, "return_routed_experts": True}, "return_routed_experts needs n=1"),
        ({"lora_path": "never-loaded"}, "LoRA adapter 'never-loaded' is not loaded"),
        ({"continue_final_message": True}, "continue_final_message needs the last message"),
        ({"routed_experts_start_len": 999}, "routed_experts_start_len=999 must be in"),
        ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"top_p": 2}, "top_p: Input should be less than or equal to 1"),
        ({"min_p": -1}, "min_p: Input should be greater than or equal to 0"),
    ],
)
def test_refusals_use_openai_error_bodies(
    client: httpx.Client, body: dict[str, Any], message: str
) -> None:
    answer = post_json(client, "/v1/chat/completions", {"messages": MESSAGES, **body}, 400)
    assert set(answer) == {"object", "message", "type", "param", "code"}
    assert (answer["object"], answer["type"], answer["code"]) == ("error", "BadRequestError", 400)
    assert message in answer["message"]
