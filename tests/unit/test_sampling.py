"""SamplingClient over httpx.MockTransport, the RL datum builder and group advantages.

No test sleeps: retries go through an injected sleep that returns at once, and the batch
deadline through one that waits for an asyncio event the mock server sets.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client import _runtime
from xorl_client.errors import (
    APIConnectionError,
    BadRequestError,
    ConfigurationError,
    DataValidationError,
    InternalServerError,
    RateLimitError,
    RequestFailedError,
    XorlError,
)
from xorl_client.local.losses import prepare_sample
from xorl_client.sampling import SamplingClient, SamplingRetryPolicy
from xorl_client.validation import IGNORE_INDEX, validate_batch

BASE = "http://sglang.test:30000"
TRAINING = "http://xorl.test:6000"

Handler = Callable[[httpx.Request], Any]


class NoSleep:
    """Records retry waits and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def output(
    ids: list[int],
    logprobs: list[float | None] | None = None,
    finish: Any = None,
    text: str = "out",
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": "x",
        "finish_reason": {"type": "length"} if finish is None else finish,
        "prompt_tokens": 3,
        "completion_tokens": len(ids),
    }
    if logprobs is not None:
        meta["output_token_logprobs"] = [[lp, t, None] for lp, t in zip(logprobs, ids, strict=True)]
    return {"text": text, "output_ids": ids, "meta_info": meta}


def json_response(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=orjson.dumps(body), headers={"content-type": "application/json"}
    )


def client(
    handler: Handler, *, sleep: Any = None, max_retries: int = 5, **kw: Any
) -> SamplingClient:
    policy = SamplingRetryPolicy(
        max_attempts=max_retries + 1, jitter=False, sleep=sleep if sleep is not None else NoSleep()
    )
    return SamplingClient(
        BASE,
        api_key=kw.pop("api_key", ""),
        httpx_transport=httpx.MockTransport(handler),
        retry_policy=policy,
        **kw,
    )


class Recorder:
    """A handler answering from a script; keeps every request body and header set."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        self.headers.append(request.headers)
        self.bodies.append(orjson.loads(request.content))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "XORL_INFERENCE_BASE_URL",
        "XORL_INFERENCE_API_KEY",
        "XORL_API_KEY",
        "XORL_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


# -- response shapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([output([5, 6], [-1.0, -2.0]), output([7], [-3.0])], id="list"),
        pytest.param({"1": output([7], [-3.0]), "0": output([5, 6], [-1.0, -2.0])}, id="map"),
    ],
)
def test_list_and_map_shapes_give_sequences_in_index_order(body: Any) -> None:
    rec = Recorder(json_response(body))
    with client(rec) as sc:
        resp = sc.sample([1, 2, 3], xc.SamplingParams(max_tokens=2), num_samples=2).result()
    assert [s.tokens for s in resp.sequences] == [[5, 6], [7]]
    assert [s.logprobs for s in resp.sequences] == [[-1.0, -2.0], [-3.0]]
    assert rec.bodies[0]["sampling_params"]["n"] == 2


def test_single_object_shape() -> None:
    rec = Recorder(json_response(output([9, 10, 11], [-0.1, -0.2, -0.3], text="abc")))
    with client(rec) as sc:
        resp = sc.sample([1, 2]).result()
    (seq,) = resp.sequences
    assert (seq.tokens, seq.logprobs, seq.text, seq.stop_reason) == (
        [9, 10, 11],
        [-0.1, -0.2, -0.3],
        "abc",
        "length",
    )
    assert resp.prompt_logprobs is None


def test_map_with_gaps_in_its_keys_is_refused() -> None:
    rec = Recorder(json_response({"0": output([1], [-1.0]), "2": output([2], [-1.0])}))
    with client(rec) as sc, pytest.raises(XorlError, match="consecutive"):
        sc.sample([1], num_samples=2).result()


def test_wrong_number_of_outputs_is_refused() -> None:
    rec = Recorder(json_response([output([1], [-1.0])]))
    with client(rec) as sc, pytest.raises(XorlError, match="asked for 3"):
        sc.sample([1], num_samples=3).result()


# -- finish_reason ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finish", "expected"),
    [
        ({"type": "length"}, "length"),
        ({"type": "stop", "matched": 257}, "stop"),
        ({"type": "stop", "matched": "\n"}, "stop"),
        ("length", "length"),
        ("stop", "stop"),
        ("LENGTH", "length"),
    ],
)
def test_finish_reason_object_and_string_forms(finish: Any, expected: str) -> None:
    rec = Recorder(json_response(output([1, 2], [-1.0, -1.0], finish=finish)))
    with client(rec) as sc:
        assert sc.sample([3]).result().sequences[0].stop_reason == expected


def test_abort_is_raised_not_passed_off_as_a_stop() -> None:
    finish = {"type": "abort", "message": "weights are being updated"}
    rec = Recorder(json_response(output([1], [-1.0], finish=finish)))
    with (
        client(rec) as sc,
        pytest.raises(RequestFailedError, match=r"aborted.*weights are being updated"),
    ):
        sc.sample([3]).result()


@pytest.mark.parametrize("finish", [None, "eos_or_whatever", {"matched": 3}])
def test_missing_or_unknown_finish_reason_is_an_error(finish: Any) -> None:
    body = output([1], [-1.0])
    body["meta_info"]["finish_reason"] = finish
    rec = Recorder(json_response(body))
    with client(rec) as sc, pytest.raises(XorlError, match="finish_reason"):
        sc.sample([3]).result()


# -- logprobs --------------------------------------------------------------------------------


def test_logprobs_not_requested_are_none_and_not_asked_for() -> None:
    rec = Recorder(json_response(output([4, 5])))
    with client(rec) as sc:
        resp = sc.sample([3], return_logprobs=False).result()
    assert resp.sequences[0].logprobs is None
    assert "return_logprob" not in rec.bodies[0]


def test_a_null_logprob_is_an_error_never_zero() -> None:
    rec = Recorder(json_response(output([4, 5], [-1.0, None])))
    with (
        client(rec) as sc,
        pytest.raises(XorlError, match=r"logprob None for output token 1.*not replaced by 0\.0"),
    ):
        sc.sample([3]).result()


def test_missing_logprob_list_is_an_error_when_requested() -> None:
    rec = Recorder(json_response(output([4, 5])))
    with (
        client(rec) as sc,
        pytest.raises(XorlError, match=r"without meta_info\.output_token_logprobs"),
    ):
        sc.sample([3]).result()


def test_logprobs_for_other_tokens_are_refused() -> None:
    body = output([4, 5], [-1.0, -2.0])
    body["meta_info"]["output_token_logprobs"][1][1] = 99
    rec = Recorder(json_response(body))
    with client(rec) as sc, pytest.raises(XorlError, match="misaligned"):
        sc.sample([3]).result()


def test_tokens_are_recovered_from_logprob_entries_when_output_ids_are_missing() -> None:
    body = output([4, 5], [-1.0, -2.0])
    del body["output_ids"]
    rec = Recorder(json_response(body))
    with client(rec) as sc:
        assert sc.sample([3]).result().sequences[0].tokens == [4, 5]


def test_prompt_logprobs_keep_the_leading_none() -> None:
    body = output([4], [-1.0])
    body["meta_info"]["input_token_logprobs"] = [[None, 1, None], [-0.5, 2, None], [-0.25, 3, None]]
    rec = Recorder(json_response(body))
    with client(rec) as sc:
        resp = sc.sample([1, 2, 3], include_prompt_logprobs=True).result()
    assert resp.prompt_logprobs == [None, -0.5, -0.25]
    assert rec.bodies[0]["logprob_start_len"] == 0 and rec.bodies[0]["return_logprob"] is True


# -- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_are_retried(status: int) -> None:
    sleep = NoSleep()
    rec = Recorder(json_response({"detail": "busy"}, status), json_response(output([1], [-1.0])))
    with client(rec, sleep=sleep) as sc:
        assert sc.sample([3]).result().sequences[0].tokens == [1]
    assert len(rec.bodies) == 2 and rec.bodies[0] == rec.bodies[1]
    assert sleep.calls == [0.25]


def test_connect_errors_are_retried() -> None:
    rec = Recorder(httpx.ConnectError("refused"), json_response(output([1], [-1.0])))
    with client(rec) as sc:
        assert sc.sample([3]).result().sequences[0].tokens == [1]
    assert len(rec.bodies) == 2


def test_400_is_not_retried_and_carries_sglang_message() -> None:
    sleep = NoSleep()
    rec = Recorder(
        json_response(
            {
                "error": {
                    "message": "The input (9000 tokens) is longer than the model's context length (8192 tokens)."
                }
            },
            400,
        )
    )
    with client(rec, sleep=sleep) as sc, pytest.raises(BadRequestError) as info:
        sc.sample([3]).result()
    assert len(rec.bodies) == 1 and sleep.calls == []
    assert info.value.status_code == 400
    assert "400" in str(info.value) and "longer than the model's context length" in str(info.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimitError), (500, InternalServerError), (404, xc.NotFoundError)],
)
def test_other_statuses_are_not_retried(status: int, error: type[Exception]) -> None:
    rec = Recorder(json_response({"error": {"message": "nope"}}, status))
    with client(rec) as sc, pytest.raises(error, match="nope"):
        sc.sample([3]).result()
    assert len(rec.bodies) == 1


def test_read_timeouts_are_not_retried() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"), json_response(output([1], [-1.0])))
    with client(rec) as sc, pytest.raises(xc.APITimeoutError):
        sc.sample([3]).result()
    assert len(rec.bodies) == 1


def test_retries_stop_after_max_attempts() -> None:
    rec = Recorder(json_response({"detail": "down"}, 503))
    with (
        client(rec, max_retries=2) as sc,
        pytest.raises(InternalServerError, match="after 3 attempts"),
    ):
        sc.sample([3]).result()
    assert len(rec.bodies) == 3


def test_connection_failure_names_the_inference_setting() -> None:
    rec = Recorder(httpx.ConnectError("refused"))
    with client(rec, max_retries=0) as sc, pytest.raises(APIConnectionError) as info:
        sc.sample([3]).result()
    assert any("XORL_INFERENCE_BASE_URL" in note for note in info.value.__notes__)


# -- configuration and credentials -------------------------------------------------------------


def test_inference_key_is_sent_and_training_key_never(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_API_KEY", "sk-TRAINING-secret")
    monkeypatch.setenv("XORL_INFERENCE_API_KEY", "sk-inference-key")
    rec = Recorder(json_response(output([1], [-1.0])))
    sc = SamplingClient(BASE, httpx_transport=httpx.MockTransport(rec))
    with sc:
        sc.sample([3]).result()
    assert rec.headers[0]["authorization"] == "Bearer sk-inference-key"
    assert "sk-TRAINING-secret" not in repr(dict(rec.headers[0]))
    assert "sk-inference-key" not in repr(sc)


def test_training_key_alone_is_not_sent_to_the_inference_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XORL_API_KEY", "sk-TRAINING-secret")
    rec = Recorder(json_response(output([1], [-1.0])))
    with SamplingClient(BASE, httpx_transport=httpx.MockTransport(rec)) as sc:
        sc.sample([3]).result()
    assert "authorization" not in rec.headers[0]
    assert all("sk-TRAINING-secret" not in v for v in rec.headers[0].values())


def test_base_url_comes_from_the_inference_variable_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_BASE_URL", TRAINING)
    with pytest.raises(ConfigurationError, match="XORL_INFERENCE_BASE_URL"):
        SamplingClient()
    monkeypatch.setenv("XORL_INFERENCE_BASE_URL", BASE)
    sc = SamplingClient()
    assert sc.config.url == BASE
    sc.close()


def test_a_model_path_given_as_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="model path"):
        SamplingClient("xorl://default/sampler_weights/s1")


class TwoServers:
    """One MockTransport for the training server and the inference server."""

    def __init__(self) -> None:
        self.generate_headers: list[httpx.Headers] = []
        self.generate_bodies: list[dict[str, Any]] = []
        self.session_bodies: list[dict[str, Any]] = []
        self.hosts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(f"{request.url.host}:{request.url.port}")
        if request.url.path == "/api/v1/create_sampling_session":
            body = orjson.loads(request.content)
            self.session_bodies.append(body)
            name = body["model_path"].rsplit("/", 1)[-1]
            return json_response(
                {
                    "success": True,
                    "model_path": body["model_path"],
                    "lora_name": name,
                    "message": "ok",
                }
            )
        assert request.url.path == "/generate"
        self.generate_headers.append(request.headers)
        self.generate_bodies.append(orjson.loads(request.content))
        return json_response(output([1], [-1.0]))


def test_create_sampling_client_loads_the_adapter_and_binds_lora_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    servers = TwoServers()
    service = xc.ServiceClient(
        TRAINING, api_key="sk-TRAINING-secret", httpx_transport=httpx.MockTransport(servers)
    )
    with (
        service,
        service.create_sampling_client(model_path="xorl://lora-1/sampler_weights/step-3") as sc,
    ):
        assert sc.lora_path == "step-3"
        sc.sample([3]).result()
    assert servers.session_bodies == [{"model_path": "xorl://lora-1/sampler_weights/step-3"}]
    assert servers.generate_bodies[0]["lora_path"] == "step-3"
    # The local server serves /generate on the training port: that is the default.
    assert servers.hosts == ["xorl.test:6000", "xorl.test:6000"]
    assert "authorization" not in servers.generate_headers[0]


def test_create_sampling_client_without_model_path_samples_current_weights(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XORL_INFERENCE_BASE_URL", BASE)
    monkeypatch.setenv("XORL_INFERENCE_API_KEY", "sk-inference-key")
    servers = TwoServers()
    service = xc.ServiceClient(
        TRAINING, api_key="sk-TRAINING-secret", httpx_transport=httpx.MockTransport(servers)
    )
    with service, service.create_sampling_client() as sc:
        assert sc.lora_path is None
        sc.sample([3]).result()
    assert servers.session_bodies == []
    assert servers.hosts == ["sglang.test:30000"]
    assert "lora_path" not in servers.generate_bodies[0]
    assert servers.generate_headers[0]["authorization"] == "Bearer sk-inference-key"


def test_create_sampling_client_refuses_paths_that_are_not_sampler_exports() -> None:
    servers = TwoServers()
    with xc.ServiceClient(TRAINING, httpx_transport=httpx.MockTransport(servers)) as service:
        with pytest.raises(DataValidationError, match="not a sampler export"):
            service.create_sampling_client(model_path="xorl://default/weights/ckpt-1")
        # A path given as base_url= is refused; a path in the first position is Tinker's
        # create_sampling_client(model_path, ...) order (tests/unit/test_tinker_surface.py).
        with pytest.raises(DataValidationError, match=r"model_path=\.\.\."):
            service.create_sampling_client(base_url="xorl://default/sampler_weights/s1")
    assert servers.hosts == []


# -- the request ------------------------------------------------------------------------------


def test_sampling_params_map_to_sglang_names() -> None:
    rec = Recorder(json_response(output([1], [-1.0])))
    params = xc.SamplingParams(
        max_tokens=7, temperature=0.5, top_p=0.9, top_k=20, stop=[257], seed=11
    )
    with client(rec, lora_path="adapter-1", model="policy") as sc:
        sc.sample(xc.ModelInput.from_ints([1, 2]), params).result()
    assert rec.bodies[0] == {
        "input_ids": [1, 2],
        "sampling_params": {
            "temperature": 0.5,
            "top_p": 0.9,
            "top_k": 20,
            "min_p": 0.0,
            "max_new_tokens": 7,
            "stop_token_ids": [257],
            "sampling_seed": 11,
        },
        "return_logprob": True,
        "lora_path": "adapter-1",
        "model": "policy",
    }


def test_text_prompts_and_tinker_dicts() -> None:
    rec = Recorder(json_response(output([1], [-1.0])))
    with client(rec) as sc:
        sc.sample("Hello", {"max_tokens": 3, "stop": "\n"}, return_logprobs=False).result()
    assert rec.bodies[0] == {
        "text": "Hello",
        "sampling_params": {
            "temperature": 1.0,
            "top_p": 1.0,
            "top_k": -1,
            "min_p": 0.0,
            "max_new_tokens": 3,
            "stop": ["\n"],
        },
    }


def test_seeded_samples_become_rows_with_consecutive_seeds() -> None:
    rec = Recorder(json_response([output([1], [-1.0]), output([2], [-1.0]), output([3], [-1.0])]))
    with client(rec) as sc:
        resp = sc.sample(
            [5, 6], 3, xc.SamplingParams(max_tokens=1, seed=40)
        ).result()  # Tinker's order
    assert [s.tokens for s in resp.sequences] == [[1], [2], [3]]
    body = rec.bodies[0]
    assert body["input_ids"] == [[5, 6]] * 3
    assert [p["sampling_seed"] for p in body["sampling_params"]] == [40, 41, 42]
    assert all("n" not in p for p in body["sampling_params"])


def test_tinker_order_without_sampling_params() -> None:
    rec = Recorder(json_response([output([1], [-1.0]), output([2], [-1.0])]))
    with client(rec) as sc:
        assert len(sc.sample([5], 2).result().sequences) == 2
    assert rec.bodies[0]["sampling_params"]["n"] == 2


@pytest.mark.parametrize(
    ("prompt", "match"),
    [
        ([], "no tokens"),
        ([1, -2], "token 1 is -2"),
        ([1, True], "token 1 is True"),
        ({"a": 1}, "not dict"),
        (3.5, "not float"),
    ],
)
def test_bad_prompts_are_refused_before_sending(prompt: Any, match: str) -> None:
    rec = Recorder(json_response(output([1], [-1.0])))
    with client(rec) as sc, pytest.raises(DataValidationError, match=match):
        sc.sample(prompt)
    assert rec.bodies == []


def test_bad_sampling_params_are_refused_before_sending() -> None:
    rec = Recorder(json_response(output([1], [-1.0])))
    with client(rec) as sc:
        with pytest.raises(DataValidationError, match="unknown key"):
            sc.sample([1], {"max_tokenz": 3})
        with pytest.raises(DataValidationError, match="num_samples"):
            sc.sample([1], num_samples=0)
    assert rec.bodies == []


# -- sample_batch ------------------------------------------------------------------------------


def sdk_task_count() -> int:
    async def count() -> int:
        return len(asyncio.all_tasks()) - 1  # minus this one

    return _runtime.run_coroutine(count()).result(5)


class BatchServer:
    """Answers prompts at once, except those starting with 255 (never) or 254 (400).

    Releases the batch deadline once ``answerable`` prompts starting with 1 or 254 have been
    answered (prompts starting with anything else are answered without being counted).
    """

    def __init__(self, answerable: int) -> None:
        self.answerable = answerable
        self.answered = 0
        self.release: asyncio.Event | None = None
        self.never: asyncio.Event | None = None
        self.held: list[int] = []
        self.cancelled: list[int] = []
        self.deadline_waits: list[float] = []

    def _events(self) -> tuple[asyncio.Event, asyncio.Event]:
        if self.release is None or self.never is None:
            self.release, self.never = asyncio.Event(), asyncio.Event()
        return self.release, self.never

    async def sleep(self, seconds: float) -> None:
        """The batch deadline: 'time passes' once the answerable prompts are done."""
        self.deadline_waits.append(seconds)
        release, _ = self._events()
        await release.wait()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        release, never = self._events()
        ids = orjson.loads(request.content)["input_ids"]
        if ids[0] == 255:
            self.held.append(ids[1])
            try:
                await never.wait()
            except asyncio.CancelledError:
                self.cancelled.append(ids[1])
                raise
        if ids[0] in (1, 254):
            self.answered += 1
            if self.answered == self.answerable:
                release.set()
        if ids[0] == 254:
            return json_response({"error": {"message": f"prompt {ids[1]} is too long"}}, 400)
        return json_response(output([ids[1]], [-0.5]))


def test_sample_batch_sorts_completed_failed_and_cancelled_at_the_deadline() -> None:
    server = BatchServer(answerable=3)
    sc = client(server, sleep=server.sleep)
    prompts = [[1, 0], [255, 1], [254, 2], [1, 3], [255, 4]]
    with sc:
        sc.sample([9, 9]).result()  # warm up: the SDK loop and its connection exist
        tasks_before = sdk_task_count()
        threads_before = {t.ident for t in threading.enumerate()}
        result = sc.sample_batch(prompts, xc.SamplingParams(max_tokens=1), timeout=30.0).result()
        assert sdk_task_count() == tasks_before
        assert {t.ident for t in threading.enumerate()} == threads_before
    assert [i for i, _ in result.completed] == [0, 3]
    assert [r.sequences[0].tokens for _, r in result.completed] == [[0], [3]]
    assert [i for i, _ in result.failed] == [2]
    assert isinstance(result.failed[0][1], BadRequestError)
    assert "prompt 2 is too long" in str(result.failed[0][1])
    assert result.cancelled == [1, 4]
    assert sorted(server.cancelled) == [1, 4]  # the in-flight requests were really cancelled
    assert server.deadline_waits == [30.0]
    assert not result.ok and len(result) == 5


def test_sample_batch_not_started_prompts_are_cancelled_too() -> None:
    server = BatchServer(answerable=1)
    sc = client(server, sleep=server.sleep)
    with sc:
        result = sc.sample_batch(
            [[1, 0], [255, 1], [1, 2], [1, 3]], timeout=5.0, max_concurrency=1
        ).result()
    # One slot: prompt 0 answers, prompt 1 hangs, prompts 2 and 3 never got the slot.
    assert [i for i, _ in result.completed] == [0]
    assert result.cancelled == [1, 2, 3]
    assert server.held == [1]


def test_sample_batch_real_timer_cancels_everything_still_running() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()  # never set
        raise AssertionError("unreachable")

    sc = SamplingClient(BASE, "", httpx_transport=httpx.MockTransport(hang))
    with sc:
        tasks_before = sdk_task_count()
        result = sc.sample_batch([[1], [2]], timeout=0.01).result()
        assert sdk_task_count() == tasks_before
    assert result.cancelled == [0, 1] and result.completed == [] and result.failed == []


def test_sample_batch_everything_completes_without_a_deadline() -> None:
    server = BatchServer(answerable=99)
    with client(server, sleep=server.sleep) as sc:
        result = sc.sample_batch(
            [[1, i] for i in range(6)], [xc.SamplingParams(seed=i) for i in range(6)]
        ).result()
    assert result.ok
    assert [i for i, _ in result.completed] == list(range(6))


async def test_sample_batch_async_and_cancelling_it_cancels_the_requests() -> None:
    server = BatchServer(answerable=99)
    entered = threading.Event()
    gone = threading.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        entered.set()
        try:
            return await server(request)
        except asyncio.CancelledError:
            gone.set()
            raise

    sc = client(handler, sleep=server.sleep)
    ok = await sc.sample_batch_async([[1, 0], [1, 1]])
    assert ok.ok
    entered.clear()
    task = asyncio.ensure_future(sc.sample_batch_async([[255, 7]], timeout=60.0))
    assert await asyncio.to_thread(entered.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(gone.wait, 10)
    assert server.cancelled == [7]
    await asyncio.to_thread(sc.close)


def test_sample_batch_validates_every_prompt_first() -> None:
    rec = Recorder(json_response(output([1], [-1.0])))
    with client(rec) as sc:
        with pytest.raises(
            DataValidationError, match=r"prompts\[2\]: prompt token 0 is -1"
        ) as info:
            sc.sample_batch([[1], "ok", [-1]])
        assert info.value.datum_index == 2
        with pytest.raises(DataValidationError, match="wrap it"):
            sc.sample_batch([1, 2, 3])
        with pytest.raises(DataValidationError, match="list of prompts"):
            sc.sample_batch("text")
        with pytest.raises(DataValidationError, match="max_concurrency"):
            sc.sample_batch([[1]], max_concurrency=0)
        with pytest.raises(DataValidationError, match="timeout"):
            sc.sample_batch([[1]], timeout=0)
        with pytest.raises(DataValidationError, match="2 entries for 3 prompts"):
            sc.sample_batch([[1], [2], [3]], [xc.SamplingParams(), xc.SamplingParams()])
    assert rec.bodies == []


# -- SamplingParams -----------------------------------------------------------------------------


def test_sampling_params_to_sglang() -> None:
    assert xc.SamplingParams(max_tokens=4, stop="\n\n", seed=3).to_sglang() == {
        "temperature": 1.0,
        "top_p": 1.0,
        "top_k": -1,
        "min_p": 0.0,
        "max_new_tokens": 4,
        "stop": ["\n\n"],
        "sampling_seed": 3,
    }
    assert xc.SamplingParams().to_sglang()["max_new_tokens"] == 128  # the official default
    assert "max_new_tokens" not in xc.SamplingParams(max_tokens=None).to_sglang()
    with pytest.raises(DataValidationError):
        xc.SamplingParams(stop=["a", 3])  # type: ignore[list-item]


# -- build_rl_datum ---------------------------------------------------------------------------

PROMPT = [256, 10, 11, 12]
SEQ = xc.SampledSequence(tokens=[20, 21, 257], logprobs=[-0.5, -1.25, -2.0], stop_reason="stop")
ADV = 0.75


def test_target_tokens_form_alignment_index_by_index() -> None:
    d = xc.build_rl_datum(PROMPT, SEQ, ADV)
    full = PROMPT + SEQ.tokens
    p, c = len(PROMPT), len(SEQ.tokens)
    n = p + c - 1
    ids = d.model_input.to_ints()
    lfi = {k: v.data for k, v in d.loss_fn_inputs.items()}
    assert set(lfi) == {"target_tokens", "weights", "advantages", "logprobs"}
    assert len(ids) == n and all(len(v) == n for v in lfi.values())
    for t in range(n):
        assert ids[t] == full[t]
        j = t - (p - 1)  # completion index of the token predicted at t
        assert lfi["target_tokens"][t] == (full[t + 1] if j >= 0 else IGNORE_INDEX)
        if j >= 0:
            assert lfi["target_tokens"][t] == SEQ.tokens[j]
            assert (lfi["logprobs"][t], lfi["advantages"][t], lfi["weights"][t]) == (
                SEQ.logprobs[j],
                ADV,
                1,
            )  # type: ignore[index]
        else:
            assert (lfi["logprobs"][t], lfi["advantages"][t], lfi["weights"][t]) == (0.0, 0.0, 0)
    validate_batch([d], "importance_sampling")


def test_labels_form_alignment_index_by_index() -> None:
    d = xc.build_rl_datum(PROMPT, SEQ, ADV, form="labels")
    full = PROMPT + SEQ.tokens
    p, c = len(PROMPT), len(SEQ.tokens)
    n = p + c
    lfi = {k: v.data for k, v in d.loss_fn_inputs.items()}
    assert d.model_input.to_ints() == full and lfi["labels"] == full
    assert len(lfi["weights"]) == n and len(lfi["advantages"]) == n
    assert len(lfi["logprobs"]) == n - 1  # not shifted by the server: aligned with full[1:]
    for t in range(n):  # shifted fields: index t belongs to token full[t]
        is_completion = t >= p
        assert lfi["advantages"][t] == (ADV if is_completion else 0.0)
        assert lfi["weights"][t] == (1 if is_completion else 0)
    for t in range(n - 1):  # logprobs[t] is for predicting full[t + 1]
        j = t + 1 - p
        assert lfi["logprobs"][t] == (SEQ.logprobs[j] if j >= 0 else 0.0)  # type: ignore[index]
    validate_batch([d], "importance_sampling")


def test_both_forms_mean_the_same_positions_after_the_servers_shift() -> None:
    """The local server's shift rule (an independent implementation) sees identical data."""
    pre = prepare_sample(xc.build_rl_datum(PROMPT, SEQ, ADV).to_wire())
    hf = prepare_sample(xc.build_rl_datum(PROMPT, SEQ, ADV, form="labels").to_wire())
    assert pre is not None and hf is not None and hf.shifted and not pre.shifted
    assert pre.inputs.tolist() == hf.inputs.tolist() == (PROMPT + SEQ.tokens)[:-1]
    assert pre.targets.tolist() == hf.targets.tolist() == [-100] * (len(PROMPT) - 1) + SEQ.tokens
    for name in ("logprobs", "advantages"):
        assert pre.fields[name].tolist() == hf.fields[name].tolist()
    assert pre.fields["logprobs"].tolist()[-3:] == SEQ.logprobs
    assert pre.fields["advantages"].tolist()[-3:] == [ADV] * 3


def test_one_token_prompt_and_one_token_completion() -> None:
    seq = xc.SampledSequence(tokens=[7], logprobs=[-3.0], stop_reason="length")
    d = xc.build_rl_datum([5], seq, -1.0)
    assert d.model_input.to_ints() == [5]
    assert d.loss_fn_inputs["target_tokens"].data == [7]
    assert d.loss_fn_inputs["logprobs"].data == [-3.0]
    h = xc.build_rl_datum([5], seq, -1.0, form="labels")
    assert h.loss_fn_inputs["logprobs"].data == [-3.0]
    assert h.loss_fn_inputs["advantages"].data == [0.0, -1.0]


@pytest.mark.parametrize(
    ("prompt", "seq", "adv", "match"),
    [
        ([1], xc.SampledSequence([2], "length", None), 1.0, "return_logprobs=True"),
        ([1], xc.SampledSequence([2, 3], "length", [-1.0]), 1.0, "2 tokens but 1 logprobs"),
        ([1], xc.SampledSequence([], "stop", []), 1.0, "no completion tokens"),
        ([], xc.SampledSequence([2], "length", [-1.0]), 1.0, "prompt has no tokens"),
        ([1], xc.SampledSequence([2], "length", [-1.0]), math.nan, "finite"),
        ([1], xc.SampledSequence([2], "length", [math.inf]), 1.0, "finite"),
        ("text", xc.SampledSequence([2], "length", [-1.0]), 1.0, "token ids"),
        ([1], xc.SampledSequence([-5], "length", [-1.0]), 1.0, "token ids"),
    ],
)
def test_build_rl_datum_refuses_bad_input(
    prompt: Any, seq: xc.SampledSequence, adv: float, match: str
) -> None:
    with pytest.raises(DataValidationError, match=match):
        xc.build_rl_datum(prompt, seq, adv)


def test_build_rl_datum_refuses_an_unknown_form() -> None:
    with pytest.raises(DataValidationError, match="form"):
        xc.build_rl_datum([1], SEQ, 1.0, form="shifted")  # type: ignore[arg-type]


# -- group_advantages ---------------------------------------------------------------------------


def test_group_advantages_subtract_each_groups_mean() -> None:
    rewards = [1.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.25, 0.75]
    adv = xc.group_advantages(rewards, group_size=4)
    assert adv == [0.75, -0.25, -0.25, -0.25, 0.0, 0.0, -0.25, 0.25]
    for g in range(2):
        assert sum(adv[4 * g : 4 * g + 4]) == pytest.approx(0.0)


def test_group_advantages_optionally_divide_by_the_std() -> None:
    adv = xc.group_advantages([2.0, 0.0, 5.0, 5.0], group_size=2, normalize_std=True)
    assert adv[:2] == pytest.approx([1.0, -1.0], abs=1e-5)
    assert adv[2:] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("rewards", "size", "match"),
    [([1.0, 2.0, 3.0], 2, "groups of 2"), ([1.0], 0, "group_size"), ([1.0, math.nan], 2, "finite")],
)
def test_group_advantages_refuse_bad_input(rewards: list[float], size: int, match: str) -> None:
    with pytest.raises(DataValidationError, match=match):
        xc.group_advantages(rewards, size)
