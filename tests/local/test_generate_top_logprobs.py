"""/generate's ``top_logprobs_num``: SGLang's ``input_top_logprobs`` for prompt positions."""

from __future__ import annotations

import math

import httpx
import pytest

from xorl_client.byte_tokenizer import VOCAB_SIZE

from .conftest import Open
from .wire import BASE, TOK, generate, ok, post_json, train


@pytest.fixture
def trained(open_server: Open) -> httpx.Client:
    client = open_server()
    ok(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE})
    train(client, "the cat sat on the mat. " * 4, steps=3, lr=0.2)
    assert post_json(client, "/api/v1/sync_inference_weights", {"model_id": "default"})["success"]
    return client


def _meta(client: httpx.Client, prompt: list[int], k: int, start: int) -> dict[str, object]:
    answer = generate(
        client,
        input_ids=prompt,
        sampling_params={"max_new_tokens": 1, "temperature": 1.0},
        return_logprob=True,
        logprob_start_len=start,
        top_logprobs_num=k,
    )
    meta: dict[str, object] = answer["meta_info"]
    return meta


def test_all_of_the_vocabulary_is_the_whole_distribution_most_likely_first(
    trained: httpx.Client,
) -> None:
    prompt = TOK.encode("the cat", add_bos=True)
    meta = _meta(trained, prompt, VOCAB_SIZE, 0)
    rows, scored = meta["input_top_logprobs"], meta["input_token_logprobs"]
    assert isinstance(rows, list) and isinstance(scored, list)
    assert len(rows) == len(scored) == len(prompt) and rows[0] is None
    for position, (row, (logprob, token, _)) in enumerate(
        zip(rows[1:], scored[1:], strict=True), start=1
    ):
        values = [lp for lp, _, _ in row]
        assert values == sorted(values, reverse=True)
        assert math.isclose(sum(math.exp(v) for v in values), 1.0, rel_tol=1e-9)
        by_token = {t: lp for lp, t, _ in row}
        assert token == prompt[position] and math.isclose(by_token[token], logprob)


def test_k_entries_from_the_start_position(trained: httpx.Client) -> None:
    prompt = TOK.encode("a dog sat", add_bos=True)
    full = _meta(trained, prompt, 3, 0)["input_top_logprobs"]
    late = _meta(trained, prompt, 3, 4)["input_top_logprobs"]
    assert isinstance(full, list) and isinstance(late, list)
    assert all(len(row) == 3 for row in full[1:])
    assert late == [None, *full[5:]]


def test_negative_top_logprobs_num_is_a_bad_request(trained: httpx.Client) -> None:
    response = trained.post(
        "/generate", json={"input_ids": [1, 2], "return_logprob": True, "top_logprobs_num": -1}
    )
    assert response.status_code == 400
