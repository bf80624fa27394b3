"""Native batch generation and prompt scoring: request bodies and strict answer parsing."""

from __future__ import annotations

from typing import Any

import pytest

import xorl_client as xc
from tests.unit.test_sampling import Recorder, client, json_response, output
from xorl_client.errors import DataValidationError, XorlError

ROWS = [[256, 1, 2], [256, 3]]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XORL_INFERENCE_BASE_URL", "XORL_INFERENCE_API_KEY", "XORL_INFERENCE_API_FORMAT"):
        monkeypatch.delenv(name, raising=False)


def misaligned() -> dict[str, Any]:
    out = output([6, 7], [-2.0, -3.0])
    out["meta_info"]["output_token_logprobs"].pop()
    return out


def scored(values: list[float | None], ids: list[int]) -> dict[str, Any]:
    out = output([], [])
    out["meta_info"]["input_token_logprobs"] = [
        [v, t, None] for v, t in zip(values, ids, strict=True)
    ]
    return out


# -- generate_batch_native -----------------------------------------------------------------------


def test_native_batch_is_one_request_with_per_row_params_and_routing_at_top_level() -> None:
    rec = Recorder(json_response([output([5], [-1.0]), output([6, 7], [-2.0, -3.0])]))
    rows_params = [
        xc.SamplingParams(max_tokens=4, seed=1, return_routed_experts=True),
        xc.SamplingParams(
            max_tokens=4, seed=2, return_routed_experts=True, routed_experts_start_len=1
        ),
    ]
    with client(rec, lora_path="adapter-1", model="m") as sampler:
        out = sampler.generate_batch_native(ROWS, rows_params).result(timeout=10)
    assert len(rec.bodies) == 1
    body = rec.bodies[0]
    assert body["input_ids"] == ROWS
    assert [p["sampling_seed"] for p in body["sampling_params"]] == [1, 2]
    assert body["return_logprob"] is True and body["lora_path"] == "adapter-1"
    assert body["model"] == "m"
    assert body["return_routed_experts"] is True and body["routed_experts_start_len"] == [0, 1]
    assert all("return_routed_experts" not in p for p in body["sampling_params"])
    assert [r.sequences[0].tokens for r in out] == [[5], [6, 7]]
    assert out[1].sequences[0].logprobs == [-2.0, -3.0]


def test_one_params_object_is_sent_once_for_every_row() -> None:
    rec = Recorder(json_response([output([5], [-1.0]), output([6], [-2.0])]))
    with client(rec) as sampler:
        sampler.generate_batch_native(
            ROWS, xc.SamplingParams(max_tokens=2), return_logprobs=False
        ).result(timeout=10)
    assert isinstance(rec.bodies[0]["sampling_params"], dict)
    assert rec.bodies[0]["return_logprob"] is False


def test_routing_flags_must_agree_across_rows() -> None:
    rec = Recorder(json_response([]))
    params = [xc.SamplingParams(return_routed_experts=True), xc.SamplingParams()]
    with client(rec) as sampler, pytest.raises(DataValidationError, match="return_routed_experts"):
        sampler.generate_batch_native(ROWS, params)
    assert rec.bodies == []


@pytest.mark.parametrize(
    ("batch", "params", "match"),
    [
        ([], xc.SamplingParams(), "is empty"),
        ([1, 2, 3], xc.SamplingParams(), "wrap it"),
        ([[256], []], xc.SamplingParams(), r"input_ids_batch\[1\]"),
        ([[256], [-1]], xc.SamplingParams(), r"input_ids_batch\[1\]"),
        (ROWS, [xc.SamplingParams()], "2 rows"),
    ],
)
def test_bad_batches_are_refused_before_sending(batch: Any, params: Any, match: str) -> None:
    rec = Recorder(json_response([]))
    with client(rec) as sampler, pytest.raises(DataValidationError, match=match):
        sampler.generate_batch_native(batch, params)
    assert rec.bodies == []


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ([output([5], [-1.0])], "sent 2 rows"),
        ([output([5], [-1.0]), misaligned()], "align one to one"),
        ([output([5], [-1.0]), output([6], [None])], "not replaced by 0.0"),
    ],
    ids=["row count", "misaligned", "null logprob"],
)
def test_native_answers_are_parsed_strictly(answer: Any, match: str) -> None:
    with client(Recorder(json_response(answer))) as s, pytest.raises(XorlError, match=match):
        s.generate_batch_native(ROWS, xc.SamplingParams()).result(timeout=10)


# -- score_prompt_logprobs_batch -----------------------------------------------------------------


def test_scoring_body_and_none_values_are_kept() -> None:
    rec = Recorder(
        json_response([scored([None, -1.5, -0.5], ROWS[0]), scored([None], ROWS[1][1:])])
    )
    with client(rec, lora_path="a") as sampler:
        scores = sampler.score_prompt_logprobs_batch(ROWS, [0, 1]).result(timeout=10)
    body = rec.bodies[0]
    assert body["input_ids"] == ROWS and body["logprob_start_len"] == [0, 1]
    assert body["sampling_params"] == {"max_new_tokens": 0, "temperature": 0.0}
    assert body["return_logprob"] is True and body["lora_path"] == "a"
    assert scores == [[None, -1.5, -0.5], [None]]  # None stays None, never 0.0


def test_scoring_an_empty_batch_sends_nothing() -> None:
    rec = Recorder(json_response([]))
    with client(rec) as sampler:
        assert sampler.score_prompt_logprobs_batch([]).result(timeout=10) == []
    assert rec.bodies == []


@pytest.mark.parametrize(
    ("starts", "match"),
    [(3, r"logprob_start_lens\[0\]=3 .* < 3"), ([0], "2 rows"), ([0, -1], ">= 0"), ("0", "int")],
)
def test_scoring_starts_are_checked_before_sending(starts: Any, match: str) -> None:
    rec = Recorder(json_response([]))
    with client(rec) as sampler, pytest.raises(DataValidationError, match=match):
        sampler.score_prompt_logprobs_batch(ROWS, starts)
    assert rec.bodies == []


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ([scored([None, -1.0, -2.0], ROWS[0])], "sent 2 rows"),
        ([scored([None, -1.0], ROWS[0][:2]), scored([None, -1.0], ROWS[1])], "3 positions"),
        ([scored([None, "x", -2.0], ROWS[0]), scored([None, -1.0], ROWS[1])], "finite logprob"),
    ],
    ids=["row count", "entry count", "not a number"],
)
def test_scoring_answers_are_parsed_strictly(answer: Any, match: str) -> None:
    with client(Recorder(json_response(answer))) as s, pytest.raises(XorlError, match=match):
        s.score_prompt_logprobs_batch(ROWS).result(timeout=10)


def test_scoring_uses_generate_even_in_chat_format() -> None:
    rec = Recorder(json_response([scored([None, -1.0, -2.0], ROWS[0])]))
    with client(rec, api_format="chat") as sampler:
        sampler.score_prompt_logprobs_batch(ROWS[:1]).result(timeout=10)
    assert rec.paths == ["/generate"]


# -- logprob_start_len on sample -----------------------------------------------------------------


def test_sample_prompt_logprobs_are_aligned_with_prompt_positions() -> None:
    answer = output([5], [-1.0])
    answer["meta_info"]["input_token_logprobs"] = [[None, 2, None]]
    rec = Recorder(json_response(answer))
    with client(rec) as sampler:
        result = sampler.sample(ROWS[0], xc.SamplingParams(max_tokens=1), logprob_start_len=2)
        response = result.result(timeout=10)
    assert rec.bodies[0]["logprob_start_len"] == 2 and rec.bodies[0]["return_logprob"] is True
    assert response.prompt_logprobs == [None, None, None]


def test_sample_logprob_start_len_must_be_inside_the_prompt() -> None:
    rec = Recorder(json_response(output([5], [-1.0])))
    with client(rec) as sampler, pytest.raises(DataValidationError, match="< 3"):
        sampler.sample(ROWS[0], logprob_start_len=3)
    with client(rec) as sampler, pytest.raises(DataValidationError, match="give one"):
        sampler.sample(ROWS[0], logprob_start_len=1, include_prompt_logprobs=True)
    assert rec.bodies == []


def test_sampled_routing_is_kept_per_sequence_as_sent() -> None:
    first, second = output([5], [-1.0]), output([6], [-2.0])
    first["meta_info"]["routed_experts"] = "AAAAAAEAAAA="
    second["meta_info"]["routed_experts"] = "AQAAAAIAAAA="
    rec = Recorder(json_response([first, second]))
    params = xc.SamplingParams(max_tokens=1, seed=3, return_routed_experts=True)
    with client(rec) as sampler:
        response = sampler.sample(ROWS[0], params, num_samples=2).result(timeout=10)
    assert rec.bodies[0]["return_routed_experts"] is True
    assert [s.routed_experts for s in response.sequences] == ["AAAAAAEAAAA=", "AQAAAAIAAAA="]
    decoded = xc.decode_routed_experts(
        response.sequences[1].routed_experts or "", num_layers=1, top_k=2
    )
    assert decoded == [[[1, 2]]]
