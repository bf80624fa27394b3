"""Native batches, prompt scoring, the chat format, routing replay and adapters, end to end.

Against the local reference server over 127.0.0.1; numbers are compared with the trainer's
``forward`` at the sampler check's tolerance (``test_sampling_local.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import xorl_client as xc
from tests.integration.conftest import ServerFactory
from xorl_client.local import LocalServerConfig, serve_in_thread

pytestmark = pytest.mark.integration

BASE_MODEL = "xorl-local/byte-bigram"
TOL = {"abs": 1e-5, "rel": 0}
PROMPTS = [[256, *b"the "], [256, *b"a dog "], [256, *b"Q: "]]


def forward_logprobs(tc: xc.TrainingClient, ids: list[int]) -> list[float]:
    out = tc.forward([xc.Datum(ids[:-1], {"target_tokens": ids[1:]})], "cross_entropy")
    return list(out.result(timeout=60).loss_fn_outputs[0]["logprobs"].data)


def sft(tc: xc.TrainingClient) -> None:
    ids = xc.ByteTokenizer().encode("the cat sat on the mat. the dog sat on the log.")
    tc.forward_backward([xc.Datum(ids, {"labels": ids})], "cross_entropy")
    tc.optim_step(xc.AdamParams(learning_rate=0.3)).result(timeout=60)


@pytest.fixture
def lora(start_server: ServerFactory) -> Iterator[tuple[xc.TrainingClient, xc.SamplingClient]]:
    with xc.ServiceClient(base_url=start_server(lora=True)) as service:
        tc = service.create_lora_training_client(BASE_MODEL, rank=8)
        sft(tc)
        with tc.save_weights_and_get_sampling_client() as sampler:
            yield tc, sampler


def test_native_batch_equals_per_prompt_sampling_under_the_same_seeds(
    lora: tuple[xc.TrainingClient, xc.SamplingClient],
) -> None:
    _, sampler = lora
    params = [xc.SamplingParams(max_tokens=10, seed=100 + i) for i in range(len(PROMPTS))]
    batch = sampler.generate_batch_native(PROMPTS, params).result(timeout=60)
    one_by_one = [
        sampler.sample(p, q).result(timeout=60) for p, q in zip(PROMPTS, params, strict=True)
    ]
    assert [r.sequences for r in batch] == [r.sequences for r in one_by_one]
    assert all(len(r.sequences[0].tokens) == len(r.sequences[0].logprobs or []) for r in batch)


def test_scoring_equals_the_trainers_forward_from_any_start(
    lora: tuple[xc.TrainingClient, xc.SamplingClient],
) -> None:
    tc, sampler = lora
    rows = [p + list(b"cat sat") for p in PROMPTS]
    starts = [0, 2, len(rows[2]) - 1]
    scores = sampler.score_prompt_logprobs_batch(rows, starts).result(timeout=60)
    for row, start, score in zip(rows, starts, scores, strict=True):
        expected = forward_logprobs(tc, row)  # entry j: log p(row[j + 1] | row[:j + 1])
        assert len(score) == len(row) - start and score[0] is None  # no logit predicts the start
        assert score[1:] == pytest.approx(expected[start:], **TOL)
    # sample(logprob_start_len=...) reports the same numbers aligned with prompt positions
    sample = sampler.sample(rows[1], xc.SamplingParams(max_tokens=1), logprob_start_len=2)
    prompt_logprobs = sample.result(timeout=60).prompt_logprobs
    assert prompt_logprobs is not None and prompt_logprobs[:3] == [None, None, None]
    assert prompt_logprobs[3:] == pytest.approx(forward_logprobs(tc, rows[1])[2:], **TOL)


def test_chat_format_round_trip(lora: tuple[xc.TrainingClient, xc.SamplingClient]) -> None:
    tc, generate_sampler = lora
    url = generate_sampler.base_url
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    params = xc.SamplingParams(max_tokens=12, seed=5)
    with xc.SamplingClient(
        url, api_format="openai-chat", lora_path=generate_sampler.lora_path
    ) as chat:
        first = chat.sample(messages, params, num_samples=2).result(timeout=60)
        again = chat.sample(messages, params, num_samples=2).result(timeout=60)
        plain = chat.sample("hi", params).result(timeout=60)
    assert first.sequences == again.sequences  # seeded: reproducible
    assert first.sequences[0].tokens != first.sequences[1].tokens  # seeds 5 and 6 differ
    seq = first.sequences[0]
    rendered = xc.ByteTokenizer().decode(seq.prompt_tokens or [], skip_special_tokens=False)
    assert rendered == "<bos><|system|>\nbe brief<|end|>\n<|user|>\nhi<|end|>\n<|assistant|>\n"
    assert plain.sequences[0].prompt_tokens == (seq.prompt_tokens or [])[:1] + list(
        b"<|user|>\nhi<|end|>\n<|assistant|>\n"
    )
    # The sampled tokens and logprobs are what the trainer computes for the rendered prompt.
    for s in first.sequences:
        full = (s.prompt_tokens or []) + s.tokens
        trainer = forward_logprobs(tc, full)[len(s.prompt_tokens or []) - 1 :]
        assert s.logprobs == pytest.approx(trainer, **TOL)


def test_routed_experts_round_trip_from_sampler_to_training(
    lora: tuple[xc.TrainingClient, xc.SamplingClient],
) -> None:
    tc, sampler = lora
    prompt = PROMPTS[0]
    params = xc.SamplingParams(max_tokens=6, seed=3, return_routed_experts=True)
    response = sampler.sample(prompt, params, num_samples=2).result(timeout=60)
    data = []
    for seq in response.sequences:
        assert seq.routed_experts is not None
        full = prompt + seq.tokens
        nested = xc.decode_routed_experts(seq.routed_experts, num_layers=2, top_k=2)
        assert len(nested) == len(full) - 1  # every fed position, the last token excluded
        data.append(xc.build_rl_datum(prompt, seq, 1.0, loss_fn="importance_sampling"))
    # As sampled (SGLang's base64) and decoded (nested lists): both replay on the trainer.
    as_sent = [
        xc.Datum(d.model_input, d.loss_fn_inputs, s.routed_experts)
        for d, s in zip(data, response.sequences, strict=True)
    ]
    decoded = [
        xc.Datum(
            d.model_input,
            d.loss_fn_inputs,
            xc.decode_routed_experts(s.routed_experts or "", num_layers=2, top_k=2),
        )
        for d, s in zip(data, response.sequences, strict=True)
    ]
    plain = tc.forward(data, "importance_sampling").result(timeout=60)
    for batch in (as_sent, decoded):
        out = tc.forward(batch, "importance_sampling").result(timeout=60)
        assert out.per_datum_logprobs() == plain.per_datum_logprobs()
    # Native batches return each row's routing too.
    rows = sampler.generate_batch_native(PROMPTS[:2], params).result(timeout=60)
    assert all(r.sequences[0].routed_experts for r in rows)
    # The trainer refuses routing its (2-layer, top-2) experts cannot replay.
    wrong = [
        xc.Datum(d.model_input, d.loss_fn_inputs, [[[0, 1, 2]] * 2] * len(d.model_input.to_ints()))
        for d in data
    ]
    with pytest.raises(xc.RequestFailedError, match="top_k"):
        tc.forward(wrong, "importance_sampling").result(timeout=60)


def test_adapters_load_and_unload_on_the_inference_server(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    trainer = LocalServerConfig(port=0, output_dir=shared, lora=True, long_poll_timeout=1.0)
    inference = LocalServerConfig(port=0, output_dir=shared, lora=True, long_poll_timeout=1.0)
    with (
        serve_in_thread(trainer) as url,
        serve_in_thread(inference) as sglang_url,
        xc.ServiceClient(base_url=url) as service,
        xc.SamplingClient(sglang_url) as sampler,
    ):
        tc = service.create_lora_training_client(BASE_MODEL, rank=8)
        sft(tc)
        path = tc.save_weights_for_sampler("adapter-1").result(timeout=60).path
        assert path.endswith("/sampler_weights/adapter-1")
        directory = str(shared / "sampler_weights" / "adapter-1")  # the inference server's path
        base = sampler.score_prompt_logprobs_batch([PROMPTS[0]]).result(timeout=60)
        loaded = sampler.load_lora_adapter(lora_name="mine", lora_path=directory).result()
        assert loaded["success"] and sampler.lora_path == "mine"
        again = sampler.load_lora_adapter(lora_name="mine", lora_path=directory).result()
        assert again["already_loaded"] is True
        scores = sampler.score_prompt_logprobs_batch([PROMPTS[0]]).result(timeout=60)
        assert scores[0][1:] == pytest.approx(forward_logprobs(tc, PROMPTS[0]), **TOL)
        assert scores != base
        sampler.unload_lora_adapter(lora_name="mine").result()
        assert sampler.lora_path is None
        with pytest.raises(xc.BadRequestError):
            sampler.sample(PROMPTS[0], lora_path="mine").result(timeout=60)
        swapped = sampler.swap_lora_adapter(
            current_lora_name=None, lora_name="next", lora_path=directory
        ).result()
        assert swapped["success"] and sampler.lora_path == "next"


def test_calls_without_an_xorl_route_are_refused_and_the_routes_really_are_absent(
    start_server: ServerFactory,
) -> None:
    url = start_server()
    with xc.ServiceClient(base_url=url) as service:
        tc = service.create_training_client(BASE_MODEL)
        for call in (
            lambda: tc.save_full_weights_safetensors("final"),
            lambda: tc.connect_inference_endpoint(),
            lambda: tc.disconnect_inference_endpoint(),
        ):
            with pytest.raises(xc.NotSupportedOnXorlError):
                call()
        assert tc.health_check()["status"] == "healthy"
    for route in (
        "/api/v1/save_full_weights_safetensors",
        "/connect_inference_endpoint",
        "/disconnect_inference_endpoint",
    ):
        assert httpx.post(url + route, json={}).status_code == 404
