"""Tinker's call surface on xorl-client: every option honoured or refused before sending.

Mock servers only (``httpx.MockTransport``); the same idioms against the local server are in
``tests/integration/test_tinker_idioms.py``. Tinker objects are duck-typed stand-ins
(``types.SimpleNamespace`` and ``tests.tinker_reference``); ``tinker`` is never imported.
"""

from __future__ import annotations

import asyncio
import pickle
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from tests import tinker_reference as tk
from tests.unit.fake_server import FakeXorl
from xorl_client.compat.tinker_options import (
    TINKER_OPTIONS,
    TINKER_REFUSED_CALLS,
    UnsupportedError,
)
from xorl_client.compat.tinker_orders import TINKER_ORDERS
from xorl_client.errors import ConfigurationError, DataValidationError, XorlError
from xorl_client.sampling import SamplingClient

TRAINING = "http://xorl.test"
INFERENCE = "http://sglang.test:30000"
MODEL = "xorl-local/byte-bigram"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "XORL_BASE_URL",
        "XORL_API_KEY",
        "TINKER_BASE_URL",
        "TINKER_API_KEY",
        "XORL_INFERENCE_BASE_URL",
        "XORL_INFERENCE_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


def service(server: FakeXorl, **kw: Any) -> xc.ServiceClient:
    return xc.ServiceClient(TRAINING, httpx_transport=httpx.MockTransport(server.handler), **kw)


def generate_answer(prompt_len: int, *, top: int = 0, start: int = 0) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": "x",
        "finish_reason": {"type": "length"},
        "prompt_tokens": prompt_len,
        "completion_tokens": 1,
        "output_token_logprobs": [[-0.5, 7, None]],
        "input_token_logprobs": [
            [None if i == start else -float(i), i, None] for i in range(start, prompt_len)
        ],
    }
    if top:
        meta["input_top_logprobs"] = [None] + [
            [[-0.1 * (j + 1), 100 + j, None] for j in range(top)]
            for _ in range(start + 1, prompt_len)
        ]
    return {"text": "x", "output_ids": [7], "meta_info": meta}


class Generate:
    """An inference server answering every /generate with ``answer``; keeps the bodies."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(orjson.loads(request.content))
        return httpx.Response(200, json=self.answer)


def tinker_model_input(tokens: list[int]) -> Any:
    """Shaped like ``tinker.ModelInput``: text chunks and ``to_ints()``."""
    chunks = [tk.EncodedTextChunk(list(tokens))]
    return SimpleNamespace(chunks=chunks, to_ints=lambda: list(tokens), length=len(tokens))


def sampler(handler: Generate, **kw: Any) -> SamplingClient:
    return SamplingClient(INFERENCE, api_key="", httpx_transport=httpx.MockTransport(handler), **kw)


# -- the option table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [(call, name) for call, table in TINKER_OPTIONS.items() for name in table],
)
def test_every_tinker_option_accepts_its_default_and_refuses_anything_else(
    call: str, name: str
) -> None:
    from xorl_client.compat.tinker_options import check_tinker_options

    option = TINKER_OPTIONS[call][name]
    check_tinker_options(call, **{name: option.default})
    other: Any = {"k": "v"} if option.default is None else (not option.default or 1)
    if isinstance(option.default, str):
        other = option.default + "-other"
    with pytest.raises(UnsupportedError, match="is not supported on xorl") as caught:
        check_tinker_options(call, **{name: other})
    assert caught.value.field == name
    assert isinstance(caught.value, ValueError)


# -- ServiceClient ------------------------------------------------------------------------------


def test_service_client_tinker_keywords_defaults_are_accepted() -> None:
    server = FakeXorl()
    with service(server, user_metadata={}, project_id=None, display_name=None) as sc:
        assert sc.isolate_runs is False
    with xc.ServiceClient({}, None, base_url=TRAINING) as sc:  # Tinker's positional order
        assert sc.config.url == TRAINING


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user_metadata": {"renderer_name": "qwen3"}},
        {"project_id": "proj-1"},
        {"display_name": "my run"},
    ],
)
def test_service_client_tinker_keywords_the_server_cannot_keep_are_refused(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(UnsupportedError, match="not supported on xorl"):
        xc.ServiceClient(TRAINING, **kwargs)


def test_service_client_tinker_positional_metadata_and_project_are_recognised() -> None:
    with pytest.raises(UnsupportedError, match=r"user_metadata=\{'a': 'b'\}"):
        xc.ServiceClient({"a": "b"}, base_url=TRAINING)
    with pytest.raises(UnsupportedError, match="project_id='proj'"):
        xc.ServiceClient({}, "proj", base_url=TRAINING)
    with pytest.raises(TypeError, match="multiple values"):
        xc.ServiceClient({}, user_metadata={}, base_url=TRAINING)


def test_unknown_service_keywords_are_refused_with_the_accepted_list() -> None:
    with pytest.raises(ConfigurationError, match="max_retires") as caught:
        xc.ServiceClient(TRAINING, max_retires=3)
    assert "max_retries" in str(caught.value) and "user_metadata" in str(caught.value)


def test_default_headers_overrides_are_sent_with_every_request() -> None:
    server = FakeXorl()
    with service(server, default_headers_overrides={"X-Team": "rl"}) as sc:
        sc.create_training_client(MODEL)
    assert server.submissions[0].headers["x-team"] == "rl"


def test_tinker_environment_variables_come_after_xorl_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TINKER_BASE_URL", "http://tinker-env.test:1")
    monkeypatch.setenv("TINKER_API_KEY", "tml-key")
    with xc.ServiceClient() as sc:
        assert sc.config.url == "http://tinker-env.test:1"
        assert sc.config.api_key_value() == "tml-key"
    monkeypatch.setenv("XORL_BASE_URL", "http://xorl-env.test:2")
    with xc.ServiceClient() as sc:
        assert sc.config.url == "http://xorl-env.test:2"
        # Tinker's key goes only to the server Tinker's URL variable named.
        assert sc.config.api_key_value() is None
    monkeypatch.setenv("XORL_API_KEY", "sk-xorl")
    with xc.ServiceClient() as sc:
        assert sc.config.api_key_value() == "sk-xorl"


def test_tinker_key_is_not_sent_to_an_explicit_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_BASE_URL", "http://tinker-env.test:1")
    monkeypatch.setenv("TINKER_API_KEY", "tml-key")
    with xc.ServiceClient(base_url="http://mine.test:6000") as sc:
        assert sc.config.api_key_value() is None


# -- create_lora_training_client -----------------------------------------------------------


def lora_body(server: FakeXorl) -> dict[str, Any]:
    (create,) = [s for s in server.submissions if s.operation == "create_model"]
    return create.body


def test_lora_defaults_of_tinker_send_nothing_extra() -> None:
    server = FakeXorl()
    with service(server) as sc:
        sc.create_lora_training_client(
            MODEL, 8, seed=None, train_mlp=True, train_attn=True, train_unembed=True
        )
    assert lora_body(server)["lora_config"] == {"lora_rank": 8}
    assert "optimizer_config" not in lora_body(server)


def test_lora_module_choice_is_sent_for_the_server_to_check() -> None:
    server = FakeXorl()
    with service(server) as sc:
        sc.create_lora_training_client(MODEL, rank=8, train_unembed=False)
    assert lora_body(server)["lora_config"] == {"lora_rank": 8, "train_unembed": False}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"seed": 0}, UnsupportedError),
        ({"user_metadata": {"renderer_name": "x"}}, UnsupportedError),
        ({"train_mlp": False, "train_attn": False, "train_unembed": False}, DataValidationError),
        ({"train_mlp": "no"}, DataValidationError),
        ({"optimizer": SimpleNamespace(type="dimuon")}, UnsupportedError),
        (
            {"optimizer": {"type": "adamw"}, "optimizer_config": {"type": "sgd"}},
            DataValidationError,
        ),
    ],
)
def test_lora_tinker_options_xorl_cannot_honour_are_refused_before_sending(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    server = FakeXorl()
    with service(server) as sc, pytest.raises(error):
        sc.create_lora_training_client(MODEL, rank=8, **kwargs)
    assert server.submissions == []


def test_tinker_optimizer_config_object_becomes_adamw() -> None:
    server = FakeXorl()
    with service(server) as sc:
        sc.create_lora_training_client(MODEL, rank=8, optimizer=xc.types.AdamOptimizerConfig())
    assert lora_body(server)["optimizer_config"] == {"type": "adamw"}


@pytest.mark.parametrize(
    "method",
    ["create_training_client_from_state", "create_training_client_from_state_with_optimizer"],
)
@pytest.mark.parametrize("kwargs", [{"user_metadata": {"a": "b"}}, {"weights_access_token": "tok"}])
def test_from_state_tinker_options_are_refused_before_sending(
    method: str, kwargs: dict[str, Any]
) -> None:
    server = FakeXorl()
    with service(server) as sc, pytest.raises(UnsupportedError):
        getattr(sc, method)("xorl://default/weights/ckpt", **kwargs)
    assert server.submissions == []


# -- TrainingClient ---------------------------------------------------------------------------


def test_factories_return_clients_that_are_also_their_own_futures() -> None:
    server = FakeXorl()
    with service(server) as sc:
        tc = sc.create_training_client(MODEL)
        assert tc.result() is tc and tc.result(timeout=1) is tc

        async def main() -> None:
            assert await tc is tc
            assert await tc.result_async() is tc
            created = await sc.create_lora_training_client_async(MODEL, rank=4)
            assert isinstance(created, xc.TrainingClient)

        asyncio.run(main())


def test_get_info_describes_the_session_without_a_request() -> None:
    server = FakeXorl()
    with service(server) as sc:
        tc = sc.create_lora_training_client(MODEL, rank=4, model_id="lora-a")
        sent = len(server.submissions)
        info = tc.get_info()
        assert asyncio.run(tc.get_info_async()) == info
    assert len(server.submissions) == sent
    assert (info.model_id, info.is_lora, info.lora_rank) == ("lora-a", True, 4)
    assert info.model_data.model_name == info.model_data.tokenizer_id == MODEL


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("save_state", {"ttl_seconds": 3600}),
        ("save_state", {"overwrite": True}),
        ("save_state", {"user_metadata": {"step": "1"}}),
        ("save_weights_for_sampler", {"ttl_seconds": 604800}),
        ("save_weights_for_sampler", {"user_metadata": {"step": "1"}}),
    ],
)
def test_save_options_xorl_cannot_honour_are_refused_before_sending(
    method: str, kwargs: dict[str, Any]
) -> None:
    server = FakeXorl()
    with service(server) as sc:
        tc = sc.create_training_client(MODEL)
        with pytest.raises(UnsupportedError, match="not supported on xorl"):
            getattr(tc, method)("ckpt", **kwargs)
    assert [s.operation for s in server.submissions] == ["create_model"]


def test_save_state_default_tinker_options_keep_the_official_path() -> None:
    server = FakeXorl()
    with service(server) as sc:
        tc = sc.create_training_client(MODEL)
        path = tc.save_state("step_42", ttl_seconds=None, overwrite=False).result().path

        async def main() -> str:
            fut = await tc.save_state_async("step_43", ttl_seconds=None)
            return (await fut.result_async()).path

        assert asyncio.run(main()) == "xorl://default/weights/step_43"
    assert path == "xorl://default/weights/step_42"


def test_isolated_runs_prefix_names_with_the_run_id() -> None:
    server = FakeXorl()
    with service(server, isolate_runs=True) as sc:
        first, second = sc.create_training_client(MODEL), sc.create_training_client(MODEL)
        assert first.run_id and second.run_id and first.run_id != second.run_id
        path = first.save_state("000020").result().path
        first.save_weights_for_sampler("000020")
        second.save_state("000020").result()
    names = [s.body.get("path") or s.body.get("name") for s in server.submissions[2:]]
    assert path == f"xorl://default/weights/{first.run_id}-000020"
    assert names == [f"{first.run_id}-000020", f"{first.run_id}-000020", f"{second.run_id}-000020"]


def test_the_tracing_instrumentation_finds_every_method_it_patches() -> None:
    training = [
        "forward_async",
        "forward_backward_async",
        "forward_backward_custom_async",
        "get_info_async",
        "optim_step_async",
        "save_state_async",
        "load_state_async",
        "load_state_with_optimizer_async",
        "save_weights_for_sampler_async",
        "create_sampling_client_async",
        "forward_backward",
        "optim_step",
        "save_weights_for_sampler",
    ]
    sampling = ["sample", "sample_async", "compute_logprobs_async", "get_base_model_async"]
    assert [n for n in training if not callable(getattr(xc.TrainingClient, n, None))] == []
    assert [n for n in sampling if not callable(getattr(xc.SamplingClient, n, None))] == []


@pytest.mark.skipif(
    not hasattr(xc.TrainingClient, "save_weights_and_get_sampling_client"),
    reason="TrainingClient.save_weights_and_get_sampling_client is not in this build yet",
)
def test_the_tracing_instrumentation_finds_save_weights_and_get_sampling_client() -> None:
    assert callable(xc.TrainingClient.save_weights_and_get_sampling_client_async)


# -- SamplingClient.sample -----------------------------------------------------------------


def test_tinker_positional_order_of_sample_reaches_the_request() -> None:
    handler = Generate(generate_answer(4, top=2))
    with sampler(handler) as sc:
        response = sc.sample(
            tinker_model_input([1, 2, 3, 4]),
            1,
            SimpleNamespace(max_tokens=5, temperature=0.5, seed=3),
            True,
            2,
        ).result()
    (body,) = handler.bodies
    assert body["input_ids"] == [1, 2, 3, 4]
    assert body["sampling_params"]["max_new_tokens"] == 5
    assert (body["return_logprob"], body["logprob_start_len"], body["top_logprobs_num"]) == (
        True,
        0,
        2,
    )
    assert response.prompt_logprobs == [None, -1.0, -2.0, -3.0]
    assert response.topk_prompt_logprobs == [None] + [[(100, -0.1), (101, -0.2)]] * 3


def test_topk_alone_does_not_fill_prompt_logprobs() -> None:
    handler = Generate(generate_answer(3, top=1))
    with sampler(handler) as sc:
        response = sc.sample([1, 2, 3], num_samples=1, topk_prompt_logprobs=1).result()
    assert response.prompt_logprobs is None
    assert response.topk_prompt_logprobs == [None, [(100, -0.1)], [(100, -0.1)]]


def test_prompt_logprobs_last_n_scores_only_the_suffix() -> None:
    handler = Generate(generate_answer(6, start=3))
    with sampler(handler) as sc:
        response = sc.sample(
            [1, 2, 3, 4, 5, 6], 1, None, include_prompt_logprobs=True, prompt_logprobs_last_n=2
        ).result()
    assert handler.bodies[0]["logprob_start_len"] == 3
    assert response.prompt_logprobs == [None, None, None, None, -4.0, -5.0]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"topk_sample_logprobs": 2}, UnsupportedError),
        ({"target_prompt_logprobs": SimpleNamespace(data=[1])}, UnsupportedError),
        ({"prompt_alt_tokens_k": 1}, UnsupportedError),
        ({"topk_prompt_logprobs": -1}, DataValidationError),
        ({"prompt_logprobs_last_n": 2}, DataValidationError),  # without include_prompt_logprobs
        ({"prompt_logprobs_last_n": 0, "include_prompt_logprobs": True}, DataValidationError),
    ],
)
def test_sample_options_are_checked_before_sending(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    handler = Generate(generate_answer(3))
    with sampler(handler) as sc, pytest.raises(error):
        sc.sample([1, 2, 3], 1, None, **kwargs)
    assert handler.bodies == []


def test_last_n_needs_token_ids() -> None:
    with sampler(Generate(generate_answer(3))) as sc, pytest.raises(DataValidationError):
        sc.sample("text", include_prompt_logprobs=True, prompt_logprobs_last_n=1)


def test_missing_top_logprobs_in_the_answer_is_an_error() -> None:
    with sampler(Generate(generate_answer(3))) as sc, pytest.raises(XorlError, match="top"):
        sc.sample([1, 2, 3], 1, topk_prompt_logprobs=2).result()


def test_a_value_given_twice_in_tinker_order_is_a_type_error() -> None:
    with sampler(Generate(generate_answer(3))) as sc, pytest.raises(TypeError, match="multiple"):
        sc.sample([1, 2, 3], 1, None, num_samples=2)


def test_compute_logprobs_is_one_token_at_temperature_one_with_prompt_logprobs() -> None:
    handler = Generate(generate_answer(4))
    with sampler(handler) as sc:
        values = sc.compute_logprobs(xc.ModelInput.from_ints([1, 2, 3, 4])).result()
        again = asyncio.run(sc.compute_logprobs_async([1, 2, 3, 4]))
    assert values == again == [None, -1.0, -2.0, -3.0]
    body = handler.bodies[0]
    assert body["sampling_params"]["max_new_tokens"] == 1
    assert body["sampling_params"]["temperature"] == 1.0
    assert body["logprob_start_len"] == 0


# -- SamplingClient: model, pickling, handles ---------------------------------------------


def test_get_base_model_without_a_source_says_how_to_give_one() -> None:
    with sampler(Generate(generate_answer(3))) as sc, pytest.raises(ConfigurationError):
        sc.get_base_model()


def test_a_pickled_sampling_client_carries_its_key_but_never_shows_it() -> None:
    client = SamplingClient(INFERENCE, "xorl://m/sampler_weights/s1", api_key="sk-SECRET-1")
    client._base_model = MODEL
    data = pickle.dumps(client)
    restored = pickle.loads(data)
    assert restored.config.api_key_value() == "sk-SECRET-1"
    assert "sk-SECRET-1" not in repr(restored) and "sk-SECRET-1" not in repr(restored.config)
    assert (restored.base_url, restored.lora_path, restored.get_base_model()) == (
        INFERENCE,
        "s1",
        MODEL,
    )
    client.close()
    restored.close()


def test_a_sampling_client_on_an_injected_transport_refuses_to_pickle() -> None:
    with sampler(Generate(generate_answer(3))) as sc, pytest.raises(pickle.PicklingError):
        pickle.dumps(sc)


def test_sampler_handles_round_trip_without_credentials() -> None:
    client = SamplingClient(INFERENCE, "sampler_weights/a", api_key="sk-SECRET-2")
    handle = client.get_sampler_handle()
    assert "sk-SECRET-2" not in handle
    other = SamplingClient.from_sampler_handle(handle, api_key="sk-other")
    assert (other.base_url, other.lora_path, other.config.api_key_value()) == (
        INFERENCE,
        "a",
        "sk-other",
    )
    with pytest.raises(DataValidationError):
        SamplingClient.from_sampler_handle("not a handle")
    client.close()
    other.close()


# -- create_sampling_client ----------------------------------------------------------------


class Adapters:
    """A training server that loads adapters (create_sampling_session) and nothing else."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/create_sampling_session"
        body = orjson.loads(request.content)
        self.bodies.append(body)
        name = body["model_path"].rsplit("/", 1)[-1]
        answer = {"success": True, "model_path": "", "lora_name": name, "message": "ok"}
        return httpx.Response(200, json=answer)


def test_create_sampling_client_takes_tinkers_positional_order() -> None:
    adapters = Adapters()
    with xc.ServiceClient(TRAINING, httpx_transport=httpx.MockTransport(adapters)) as sc:
        client = sc.create_sampling_client("xorl://lora-1/sampler_weights/run-a-000001")
        assert client.lora_path == "run-a-000001"
        assert client.result() is client and asyncio.run(client.result_async()) is client
        sc.create_sampling_client(model_path="tinker://lora-1/sampler_weights/x")
    assert [b["model_path"] for b in adapters.bodies] == [
        "xorl://lora-1/sampler_weights/run-a-000001",
        "xorl://lora-1/sampler_weights/x",
    ]


@pytest.mark.parametrize(
    "kwargs", [{"retry_config": SimpleNamespace(max_retries=1)}, {"record_stability_info": True}]
)
def test_create_sampling_client_refuses_tinker_options_it_cannot_honour(
    kwargs: dict[str, Any],
) -> None:
    adapters = Adapters()
    transport = httpx.MockTransport(adapters)
    with (
        xc.ServiceClient(TRAINING, httpx_transport=transport) as sc,
        pytest.raises(UnsupportedError),
    ):
        sc.create_sampling_client(model_path="xorl://m/sampler_weights/s", **kwargs)
    assert adapters.bodies == []


# -- positional orders and paths ------------------------------------------------------------


def test_every_tinker_order_is_recognised_only_by_an_argument_the_official_order_refuses() -> None:
    official = {
        "ServiceClient": ("http://host:1", "model-tag"),
        "sample": ("prompt", {"max_tokens": 1}, 2),
        "create_sampling_client": ("http://inference:1", "xorl://m/sampler_weights/s"),
        "delete_checkpoint": ("weights/default/ckpt", "default"),
    }
    tinker = {
        "ServiceClient": ({"k": "v"}, "proj"),
        "sample": ("prompt", 2, {"max_tokens": 1}),
        "create_sampling_client": ("xorl://m/sampler_weights/s", MODEL),
        "delete_checkpoint": ("default", "weights/ckpt"),
    }
    assert set(TINKER_ORDERS) == set(official) == set(tinker)
    for call, order in TINKER_ORDERS.items():
        assert not order.detect(official[call]), call
        assert order.detect(tinker[call]), call


def test_parsed_checkpoint_paths_follow_tinkers_shape() -> None:
    parsed = xc.types.ParsedCheckpointTinkerPath.from_tinker_path("xorl://default/weights/final")
    assert (parsed.training_run_id, parsed.checkpoint_type, parsed.checkpoint_id) == (
        "default",
        "training",
        "weights/final",
    )
    for bad in ("tinker://run/external_weights/a", "tinker://run/weights/a/b", "weights/a", ""):
        with pytest.raises(ValueError, match="Invalid tinker path"):
            xc.types.ParsedCheckpointTinkerPath.from_tinker_path(bad)


def test_checkpoint_entries_answer_tinkers_field_names() -> None:
    entry = xc.Checkpoint(
        "weights/default/a", "training", "2026-01-01T00:00:00", "xorl://default/weights/a"
    )
    assert (entry.tinker_path, entry.expires_at, entry.public, entry.user_metadata) == (
        "xorl://default/weights/a",
        None,
        False,
        None,
    )


def test_the_tinker_page_names_every_refused_option_and_every_positional_order() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "tinker.md").read_text("utf-8")
    calls = page[page.index("## Calls: Tinker → xorl-client") : page.index("## Losses")]
    missing = [
        f"{call}.{name}"
        for call, table in TINKER_OPTIONS.items()
        for name in table
        if f"{name}" not in calls
    ]
    missing += [name for name in TINKER_REFUSED_CALLS if f"`{name}" not in calls]
    assert missing == []
    for call in TINKER_ORDERS:
        assert call in calls, call


def test_every_tinker_call_without_an_xorl_counterpart_is_refused_before_sending() -> None:
    import xorl_client.tinker as tinker

    server = FakeXorl()
    with (
        service(server) as official,
        tinker.ServiceClient(
            TRAINING, httpx_transport=httpx.MockTransport(server.handler)
        ) as tinker_service,
    ):
        clients = [
            tinker_service,
            tinker_service.create_rest_client(),
            official.create_training_client(MODEL),
        ]
        sent = len(server.submissions)
        found = set()
        for client in clients:
            for name in dir(type(client)):
                if name.removesuffix("_async") not in TINKER_REFUSED_CALLS:
                    continue
                found.add(name.removesuffix("_async"))
                with pytest.raises(UnsupportedError, match="is not supported on xorl") as caught:
                    result = getattr(client, name)("tinker://run/weights/x")
                    asyncio.run(result)
                assert caught.value.field == name
    assert found == set(TINKER_REFUSED_CALLS)
    assert len(server.submissions) == sent


def test_one_except_catches_official_and_tinker_refusals() -> None:
    """A Tinker option xorl cannot honour is a ValueError (what Tinker code catches) and a
    NotSupportedOnXorlError (what catches the official calls xorl has no route for)."""
    server = FakeXorl(try_again_polls=0)
    tc = service(server).create_training_client(MODEL)
    sent_before = len(server.submissions)
    refusals: list[Exception] = []
    for call in (
        lambda: tc.save_state("x", ttl_seconds=3600),
        lambda: tc.save_full_weights_safetensors("x"),
    ):
        with pytest.raises(xc.NotSupportedOnXorlError) as info:
            call()
        refusals.append(info.value)
    tinker, official = refusals
    assert isinstance(tinker, ValueError) and isinstance(tinker, xc.UnsupportedError)
    assert isinstance(official, NotImplementedError)
    assert tinker.outcome is official.outcome is xc.Outcome.NOT_SENT
    assert len(server.submissions) == sent_before
