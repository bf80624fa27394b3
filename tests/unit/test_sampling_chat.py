"""The chat-completions request format: aliases, request bodies and strict answer parsing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import xorl_client as xc
from tests.unit.test_sampling import Recorder, client, json_response
from xorl_client.errors import (
    ConfigurationError,
    DataValidationError,
    RequestFailedError,
    XorlError,
)
from xorl_client.sampling.settings import API_FORMAT_ALIASES


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XORL_INFERENCE_BASE_URL", "XORL_INFERENCE_API_KEY", "XORL_INFERENCE_API_FORMAT"):
        monkeypatch.delenv(name, raising=False)


def choice(
    tokens: list[int], logprobs: list[Any] | None, finish: Any = "length", index: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": index,
        "message": {"role": "assistant", "content": "ok"},
        "finish_reason": finish,
        "token_ids": tokens,
        "prompt_token_ids": [256, 60],
    }
    if logprobs is not None:
        out["logprobs"] = {
            "content": [
                {"token": "x", "logprob": lp, "token_id": t}
                for lp, t in zip(logprobs, tokens, strict=True)
            ]
        }
    return out


def completion(*choices: dict[str, Any], sglext: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "default",
        "choices": list(choices),
        "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3},
        "metadata": {"weight_version": "v1"},
    }
    if sglext is not None:
        body["sglext"] = sglext
    return body


@pytest.mark.parametrize("spelling", sorted(API_FORMAT_ALIASES))
def test_every_official_spelling_selects_a_format(spelling: str) -> None:
    written = f" {spelling.upper().replace('_', '-')} "  # trimmed, lower-cased, - is _
    with client(Recorder(json_response({})), api_format=written) as sampler:
        assert sampler.api_format == API_FORMAT_ALIASES[spelling]


def test_the_default_format_is_generate() -> None:
    with client(Recorder(json_response({}))) as sampler:
        assert sampler.api_format == "generate"


def test_format_comes_from_the_environment_and_a_bad_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XORL_INFERENCE_API_FORMAT", "openai")
    with client(Recorder(json_response({}))) as sampler:
        assert sampler.api_format == "chat_completions"
    monkeypatch.setenv("XORL_INFERENCE_API_FORMAT", "completions")
    with pytest.raises(ConfigurationError, match="XORL_INFERENCE_API_FORMAT"):
        client(Recorder(json_response({})))


def test_chat_body_carries_messages_sampling_fields_and_token_id_requests() -> None:
    rec = Recorder(json_response(completion(choice([7], [-0.5]))))
    params = xc.SamplingParams(
        max_tokens=8,
        temperature=0.5,
        top_k=5,
        stop=["\n"],
        stop_token_ids=[257],
        seed=11,
        return_routed_experts=True,
        chat_continue_final_message=True,
        chat_template_kwargs={"enable_thinking": False},
    )
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    with client(rec, api_format="chat", lora_path="adapter-1") as sampler:
        sampler.sample(messages, params).result(timeout=10)
    body = rec.bodies[0]
    assert rec.paths == ["/v1/chat/completions"]
    assert body["messages"] == messages and body["model"] == "default"
    assert body["max_tokens"] == 8 and body["temperature"] == 0.5 and body["top_k"] == 5
    assert body["stop"] == ["\n"] and body["stop_token_ids"] == [257] and body["seed"] == 11
    assert body["n"] == 1 and body["logprobs"] is True and body["lora_path"] == "adapter-1"
    assert body["return_token_ids"] is True and body["return_prompt_token_ids"] is True
    assert body["return_routed_experts"] is True and body["continue_final_message"] is True
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


def test_a_string_prompt_is_one_user_message() -> None:
    rec = Recorder(json_response(completion(choice([7], [-0.5]))))
    with client(rec, api_format="chat", model="served") as sampler:
        response = sampler.sample("hello").result(timeout=10)
    assert rec.bodies[0]["messages"] == [{"role": "user", "content": "hello"}]
    assert rec.bodies[0]["model"] == "served"
    seq = response.sequences[0]
    assert (seq.tokens, seq.logprobs, seq.prompt_tokens, seq.stop_reason) == (
        [7],
        [-0.5],
        [256, 60],
        "length",
    )
    assert response.meta_info == {"weight_version": "v1"}


def test_seeded_samples_go_as_separate_requests_with_consecutive_seeds() -> None:
    rec = Recorder(json_response(completion(choice([7], [-0.5]))))
    with client(rec, api_format="chat") as sampler:
        response = sampler.sample("hi", xc.SamplingParams(seed=5), num_samples=3).result(timeout=10)
    assert sorted(b["seed"] for b in rec.bodies) == [5, 6, 7]
    assert all(b["n"] == 1 for b in rec.bodies) and len(response.sequences) == 3


def test_unseeded_samples_are_one_request_with_n() -> None:
    rec = Recorder(json_response(completion(choice([7], None), choice([8], None, "stop", 1))))
    with client(rec, api_format="chat") as sampler:
        response = sampler.sample("hi", num_samples=2, return_logprobs=False).result(timeout=10)
    assert [b["n"] for b in rec.bodies] == [2]
    assert [s.tokens for s in response.sequences] == [[7], [8]]
    assert [s.logprobs for s in response.sequences] == [None, None]


def test_routing_of_a_single_choice_lands_on_the_sequence_and_in_meta_info() -> None:
    rec = Recorder(
        json_response(completion(choice([7], [-0.5]), sglext={"routed_experts": "AAAAAA=="}))
    )
    params = xc.SamplingParams(return_routed_experts=True)
    with client(rec, api_format="chat") as sampler:
        response = sampler.sample("hi", params).result(timeout=10)
    assert response.sequences[0].routed_experts == "AAAAAA=="
    assert response.meta_info == {"weight_version": "v1", "routed_experts": "AAAAAA=="}


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        (completion(), XorlError, "asked for 1 choice"),
        (completion({**choice([7], [-0.5]), "token_ids": None}), XorlError, "token_ids"),
        (
            completion(choice([7, 8], [-0.5, -0.1]) | {"logprobs": {"content": []}}),
            XorlError,
            "align",
        ),
        (completion(choice([7], [None])), XorlError, "not replaced by 0.0"),
        (completion(choice([7], [-0.5], finish=None)), XorlError, "finish_reason"),
        (completion(choice([7], [-0.5], finish="abort")), RequestFailedError, "aborted"),
    ],
    ids=["no choices", "no ids", "misaligned", "null logprob", "no finish", "abort"],
)
def test_chat_answers_are_parsed_strictly(answer: Any, error: type[Exception], match: str) -> None:
    rec = Recorder(json_response(answer))
    with client(rec, api_format="chat") as s, pytest.raises(error, match=match):
        s.sample("hi").result(timeout=10)


def test_a_mismatched_token_id_in_the_logprobs_is_an_error() -> None:
    bad = choice([7], [-0.5])
    bad["logprobs"]["content"][0]["token_id"] = 9
    rec = Recorder(json_response(completion(bad)))
    with client(rec, api_format="chat") as s, pytest.raises(XorlError, match="misaligned"):
        s.sample("hi").result(timeout=10)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.sample([256, 1]), "api_format='generate'"),
        (lambda s: s.sample(xc.ModelInput.from_ints([256])), "api_format='generate'"),
        (lambda s: s.sample("hi", logprob_start_len=0), "score_prompt_logprobs_batch"),
        (
            lambda s: s.sample("hi", xc.SamplingParams(chat_logprob_start_len=1)),
            "score_prompt_logprobs_batch",
        ),
        (lambda s: s.sample([{"content": "no role"}]), "api_format='generate'"),
        (lambda s: s.sample([{"role": "user"}]), "role"),
    ],
    ids=["ids", "model input", "prompt logprobs", "chat logprob start", "no role", "no content"],
)
def test_chat_prompts_that_cannot_be_sent_are_refused(call: Any, match: str) -> None:
    rec = Recorder(json_response(completion(choice([7], [-0.5]))))
    with client(rec, api_format="chat") as sampler, pytest.raises(DataValidationError, match=match):
        call(sampler)
    assert rec.bodies == []


def test_chat_messages_in_generate_format_say_which_format_to_use() -> None:
    rec = Recorder(json_response({}))
    with client(rec) as sampler, pytest.raises(DataValidationError, match="chat_completions"):
        sampler.sample([{"role": "user", "content": "hi"}])
    assert rec.bodies == []


async def _no_deadline(seconds: float) -> None:
    await asyncio.Event().wait()  # the batch deadline never passes


def test_sample_batch_uses_the_chat_format_too() -> None:
    rec = Recorder(json_response(completion(choice([7], [-0.5]))))
    with client(rec, api_format="chat", sleep=_no_deadline) as sampler:
        result = sampler.sample_batch(["a", "b"]).result(timeout=10)
    assert rec.paths == ["/v1/chat/completions"] * 2 and len(result.completed) == 2
