"""/generate in batch form, prompt logprobs and routed experts, over HTTP against the local server."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from xorl_client.byte_tokenizer import BOS_ID
from xorl_client.local import LocalServerConfig, serve_in_thread

from .conftest import Open
from .wire import (
    BASE,
    TOK,
    forward_body,
    future,
    generate,
    ok,
    poll,
    post_json,
    sft_body,
    train,
)

PROMPTS = [TOK.encode("the cat", add_bos=True), TOK.encode("a dog sat", add_bos=True), [BOS_ID]]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One untouched server for the read-only checks of this module."""
    config = LocalServerConfig(port=0, output_dir=tmp_path_factory.mktemp("out"))
    with serve_in_thread(config) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture
def trained(open_server: Open) -> httpx.Client:
    """A server whose sampler serves trained weights (so they differ from the base model)."""
    client = open_server()
    ok(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE})
    train(client, "the cat sat on the mat. " * 4, steps=4, lr=0.2)
    assert post_json(client, "/api/v1/sync_inference_weights", {"model_id": "default"})["success"]
    return client


def _rows(answer: Any) -> list[tuple[list[int], list[float]]]:
    return [
        (row["output_ids"], [lp for lp, _, _ in row["meta_info"]["output_token_logprobs"]])
        for row in answer
    ]


def test_a_batch_equals_the_same_prompts_sent_one_by_one(trained: httpx.Client) -> None:
    params = [
        {"max_new_tokens": 12, "temperature": 1.0, "sampling_seed": 100 + i} for i in range(3)
    ]
    batch = generate(trained, input_ids=PROMPTS, sampling_params=params, return_logprob=True)
    assert isinstance(batch, list) and len(batch) == 3
    one_by_one = [
        generate(trained, input_ids=prompt, sampling_params=p, return_logprob=True)
        for prompt, p in zip(PROMPTS, params, strict=True)
    ]
    assert _rows(batch) == _rows(one_by_one)
    assert [row["meta_info"]["prompt_tokens"] for row in batch] == [len(p) for p in PROMPTS]
    # Different seeds really give different completions (the comparison above is not vacuous).
    assert len({tuple(ids) for ids, _ in _rows(batch)[:2]}) == 2

    # One sampling_params object for every row: each row seeded by the same seed.
    shared = {"max_new_tokens": 12, "seed": 7}
    together = generate(trained, input_ids=PROMPTS, sampling_params=shared, return_logprob=True)
    alone = [
        generate(trained, input_ids=p, sampling_params=shared, return_logprob=True) for p in PROMPTS
    ]
    assert _rows(together) == _rows(alone)

    # A negative seed wraps modulo 2**64 (as torch's manual_seed does) instead of failing.
    negative = generate(trained, input_ids=PROMPTS[0], sampling_params={"seed": -5})
    wrapped = generate(trained, input_ids=PROMPTS[0], sampling_params={"seed": 2**64 - 5})
    assert negative["output_ids"] == wrapped["output_ids"]

    # n samples per row: prompt-major order, each row's samples continue its own generator.
    two_each = generate(trained, input_ids=PROMPTS[:2], sampling_params={**shared, "n": 2})
    assert len(two_each) == 4
    for index, prompt in enumerate(PROMPTS[:2]):
        single = generate(trained, input_ids=prompt, sampling_params={**shared, "n": 2})
        assert [r["output_ids"] for r in two_each[2 * index : 2 * index + 2]] == [
            r["output_ids"] for r in single
        ]


def test_per_row_lists_must_match_the_batch(client: httpx.Client) -> None:
    for field, value in (
        ("sampling_params", [{"max_new_tokens": 1}]),
        ("logprob_start_len", [0, 1]),
        ("routed_experts_start_len", [0]),
        ("lora_path", [None]),
    ):
        answer = post_json(client, "/generate", {"input_ids": PROMPTS, field: value}, 400)
        assert answer["error"]["message"] == f"{field} has {len(value)} entries for 3 prompts"
    empty = post_json(client, "/generate", {"input_ids": [[1], []]}, 400)
    assert "row 1 is empty" in empty["error"]["message"]


def _forward_logprobs(client: httpx.Client, ids: list[int]) -> list[float]:
    """The trainer's logprobs of ids[1:] (HF labels: N-1 shifted positions)."""
    out = ok(client, "/api/v1/forward", forward_body("default", ids))
    data: list[float] = out["loss_fn_outputs"][0]["logprobs"]["data"]
    assert len(data) == len(ids) - 1
    return data


def test_prompt_logprobs_are_the_trainers_forward_logprobs(trained: httpx.Client) -> None:
    starts = [0, 3, 0]
    answer = generate(
        trained,
        input_ids=PROMPTS,
        sampling_params={"max_new_tokens": 0, "temperature": 0},
        return_logprob=True,
        logprob_start_len=starts,
    )
    for prompt, start, row in zip(PROMPTS, starts, answer, strict=True):
        entries = row["meta_info"]["input_token_logprobs"]
        assert row["output_ids"] == [] and row["meta_info"]["finish_reason"] == {"type": "length"}
        # One entry per prompt position from the start; entry 0 is null whatever the start.
        assert [token for _, token, _ in entries] == prompt[start:]
        assert entries[0][0] is None and all(text is None for _, _, text in entries)
        if len(prompt) > 1:
            expected = _forward_logprobs(trained, prompt)[start:]
            got = [lp for lp, _, _ in entries[1:]]
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
            assert all(math.isfinite(v) and v < 0 for v in got)

    # One start for every row; -1 (the default) is the last prompt token only.
    shared = generate(
        trained,
        input_ids=PROMPTS[:2],
        sampling_params={"max_new_tokens": 0},
        return_logprob=True,
        logprob_start_len=2,
    )
    assert [len(r["meta_info"]["input_token_logprobs"]) for r in shared] == [
        len(p) - 2 for p in PROMPTS[:2]
    ]
    default = generate(
        trained, input_ids=PROMPTS[1], sampling_params={"max_new_tokens": 1}, return_logprob=True
    )
    assert default["meta_info"]["input_token_logprobs"] == [[None, PROMPTS[1][-1], None]]

    # A start at or past the prompt's end aborts that row only, as SGLang does.
    mixed = generate(
        trained,
        input_ids=PROMPTS[:2],
        sampling_params={"max_new_tokens": 2},
        return_logprob=True,
        logprob_start_len=[len(PROMPTS[0]), 0],
    )
    assert mixed[0]["meta_info"]["finish_reason"]["type"] == "abort"
    assert "logprob_start_len" in mixed[0]["meta_info"]["finish_reason"]["message"]
    assert mixed[0]["output_ids"] == [] and len(mixed[1]["output_ids"]) == 2


def _routing_by_hand(token_ids: list[int]) -> list[list[list[int]]]:
    """The documented layout: layer l, token x -> experts (x+l)%4 and that +1+(x//4)%3."""
    rows = []
    for x in token_ids:
        layers = []
        for layer in range(2):
            first = (x + layer) % 4
            layers.append([first, (first + 1 + (x // 4) % 3) % 4])
        rows.append(layers)
    return rows


def _decode(blob: str) -> list[list[list[int]]]:
    flat = np.frombuffer(base64.b64decode(blob), dtype="<i4")
    decoded: list[list[list[int]]] = flat.reshape(-1, 2, 2).tolist()
    return decoded


def test_routed_experts_cover_every_fed_position(client: httpx.Client) -> None:
    prompt = PROMPTS[1]
    params = {"max_new_tokens": 6, "seed": 3}
    plain = generate(client, input_ids=prompt, sampling_params=params)
    assert "routed_experts" not in plain["meta_info"]
    row = generate(client, input_ids=prompt, sampling_params=params, return_routed_experts=True)
    assert row["output_ids"] == plain["output_ids"]  # asking for routing changes nothing else
    fed = [*prompt, *row["output_ids"]][:-1]
    assert _decode(row["meta_info"]["routed_experts"]) == _routing_by_hand(fed)

    batch = generate(
        client,
        input_ids=[prompt, PROMPTS[0]],
        sampling_params=params,
        return_routed_experts=True,
        routed_experts_start_len=[2, len(PROMPTS[0])],
    )
    for prompt_ids, start, out in zip(
        [prompt, PROMPTS[0]], [2, len(PROMPTS[0])], batch, strict=True
    ):
        fed = [*prompt_ids, *out["output_ids"]][start:-1]
        assert _decode(out["meta_info"]["routed_experts"]) == _routing_by_hand(fed)

    for bad, message in (
        ({"routed_experts_start_len": len(prompt) + 1}, f"must be in [0, {len(prompt)}]"),
        ({"routed_experts_start_len": -1}, f"must be in [0, {len(prompt)}]"),
        ({"return_expert_logits": True}, "return_expert_logits is not supported"),
    ):
        answer = post_json(
            client,
            "/generate",
            {"input_ids": prompt, "return_routed_experts": True, **bad},
            400,
        )
        assert message in answer["error"]["message"]


def _fb(client: httpx.Client, ids: list[int], **routing: Any) -> dict[str, Any]:
    return future(client, "/api/v1/forward_backward", sft_body("default", ids, **routing))


def _fb_raw(client: httpx.Client, ids: list[int], **routing: Any) -> dict[str, Any]:
    """Like _fb, but JSON text with NaN allowed (Python's json writes it, as some clients do)."""
    body = json.dumps(sft_body("default", ids, **routing))
    submitted = client.post(
        "/api/v1/forward_backward", content=body, headers={"content-type": "application/json"}
    )
    assert submitted.status_code == 200, submitted.text
    return poll(client, submitted.json()["request_id"])


def test_routed_experts_round_trip_into_training(trained: httpx.Client) -> None:
    prompt = PROMPTS[0]
    row = generate(
        trained,
        input_ids=prompt,
        sampling_params={"max_new_tokens": 5, "seed": 1},
        return_routed_experts=True,
    )
    full = [*prompt, *row["output_ids"]]
    blob = row["meta_info"]["routed_experts"]
    reference = _fb(trained, full)
    # SGLang's base64 as it came, or decoded to [tokens][layers][top_k]: both accepted, and the
    # routing does not change the numbers (the local model has no experts to route to).
    for routing in (blob, _decode(blob), {"data": blob, "shape": [len(full) - 1, 2, 2]}):
        result = _fb(trained, full, routed_experts=[routing])
        assert "error" not in result, result
        assert result["metrics"]["loss:sum"] == pytest.approx(reference["metrics"]["loss:sum"])
    logits = [[[0.75, 0.25]] * 2] * (len(full) - 1)
    both = _fb(trained, full, routed_experts=[blob], routed_expert_logits=[logits])
    assert "error" not in both, both
    forward = ok(trained, "/api/v1/forward", forward_body("default", full, routed_experts=[blob]))
    assert forward["loss_fn_outputs"][0]["logprobs"]["data"]
    # The token axis may differ from the datum (the real server pads or truncates it), extra
    # layers are ignored, and an entry that cannot be decoded is skipped, as on the real server.
    for lenient in ([_decode(blob)[:2]], [[[[0, 1], [1, 2], [3, 0]]]], ["not base64!"]):
        assert "error" not in _fb(trained, full, routed_experts=lenient)


ENGINE = "500: Engine error: "


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            {"routed_experts": [[], []]},
            "R3 routed_experts count mismatch for input data: expected 1, got 2",
        ),
        (
            {"routed_expert_logits": []},
            "R3 routed_expert_logits count mismatch for input data: expected 1, got 0",
        ),
        (
            {"routed_experts": [[[[0, 1], [2]]]]},
            "R3 routed_experts entry is not a rectangular [tokens][layers][top_k] array of numbers",
        ),
        (
            {"routed_experts": [[[[0, 1, 2], [0, 1, 2]]]]},
            "R3 routed_experts[0] has top_k=3; the model routes each token to 2",
        ),
        (
            {"routed_experts": [[[[0, 1]]]]},
            "R3 routed_experts[0] has 1 layer(s) per token; the model has 2 MoE layers",
        ),
        (
            {"routed_experts": [[[[0, 1], [2, 4]]]]},
            "R3 routed_experts[0][0][1][1]=4 is not an expert id in [0, 4)",
        ),
        (
            {
                "routed_experts": [[[[0, 1], [2, 3]]]],
                "routed_expert_logits": [[[[0.5, float("nan")], [0.5, 0.5]]]],
            },
            "R3 routed_expert_logits[0] holds a non-finite value",
        ),
        (
            {
                "routed_experts": [
                    {
                        "schema": "xorl.r3.spans.v1",
                        "rows": 1,
                        "spans": [{"rows": 1, "path": "/r3/a"}],
                    }
                ]
            },
            "XORL_R3_SHARED_ROOTS must name the trusted SGLang side-channel root",
        ),
        (
            {
                "routed_experts": [{"schema": "xorl.r3.spans.v1", "rows": 1, "spans": []}],
                "routed_expert_logits": [[[[0.5, 0.5], [0.5, 0.5]]]],
            },
            "R3 span payloads cannot be mixed with inline routing payloads",
        ),
    ],
)
def test_routing_the_real_server_would_refuse_fails_inside_the_future(
    client: httpx.Client, routing: dict[str, Any], message: str
) -> None:
    result = _fb_raw(client, TOK.encode("ab", add_bos=True), **routing)
    assert result == {"error": ENGINE + message, "category": "server"}
