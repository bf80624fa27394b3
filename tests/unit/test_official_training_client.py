"""ServiceClient and TrainingClient as the official client exposes them (its
``tests/test_training_client.py``), against a scripted xorl server (``FakeXorl``).

Covers: the official constructor order and routing tag, the factories and what they send,
the ``*_async`` twins (return conventions; no blocked loop, no thread per call),
``sync_inference_weights``, ``unload``, the queue-state observer, resuming from a checkpoint.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client import _runtime
from xorl_client.errors import DataValidationError

from .fake_server import FakeXorl, datum_for_tests

BASE = "xorl-local/byte-bigram"
URL = "http://xorl.test"


@dataclass
class Server(FakeXorl):
    """FakeXorl plus the synchronous routes these tests need; records every request."""

    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    weights_info: dict[str, Any] = field(default_factory=dict)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        op = request.url.path.rsplit("/", 1)[-1]
        body = orjson.loads(request.content) if request.content else {}
        self.requests.append((request.method, op, body))
        if op == "sync_inference_weights":
            return _json(SYNC_ANSWER)
        if op == "weights_info":
            return _json(self.weights_info)
        if op == "list_checkpoints":
            return _json({"checkpoints": []})
        return await super().handler(request)

    def bodies(self, op: str) -> list[dict[str, Any]]:
        return [b for _, o, b in self.requests if o == op]


SYNC_ANSWER = {
    "success": True,
    "message": "ok",
    "transfer_time": 2.0,
    "total_bytes": 4_000_000_000,
    "num_parameters": 10,
    "num_buckets": 1,
    "timing_breakdown": {"serial_endpoint_sync": 1.0},
    "p2p_rank_summaries": [],
    "cache_invalidation_mode": "auto",
    "flush_cache": False,
    "fp8_kv_cache_enabled": False,
    "fp8_kv_cache_postprocess_requested": False,
    "fp8_kv_cache_static_scales": False,
    "cache_epoch": 3,
    "endpoints_synced": [{"host": "10.0.0.2", "port": 30000, "success": True}],
}


def _json(body: Any) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps(body))


def service_for(server: Server, *args: Any, **kwargs: Any) -> xc.ServiceClient:
    return xc.ServiceClient(
        URL, *args, httpx_transport=httpx.MockTransport(server.handler), **kwargs
    )


# -- ServiceClient(base_url, model, api_key, timeout) -------------------------------------------


def test_positional_order_and_the_model_routing_tag() -> None:
    server = Server()
    with service_for(server, "router-tag", "sk-official", 99.0) as service:
        assert service.model == "router-tag"
        assert service.config.http_timeout == httpx.Timeout(99.0)
        tc = service.create_training_client(BASE)
        tc.forward_backward([datum_for_tests()], "cross_entropy").result()
        service.create_rest_client().list_checkpoints().result()
    posts = [(op, body) for method, op, body in server.requests if method == "POST"]
    assert {op for op, _ in posts} >= {"create_model", "retrieve_future", "forward_backward"}
    assert all(body["model"] == "router-tag" for _, body in posts)  # every POST, polls too
    assert all(s.headers["authorization"] == "Bearer sk-official" for s in server.submissions)


def test_shutdown_closes_the_service() -> None:
    server = Server()
    service = service_for(server)
    tc = service.create_training_client(BASE)
    service.shutdown()
    with pytest.raises(xc.APIConnectionError, match="was closed"):
        tc.forward([datum_for_tests()]).result()


def test_get_server_capabilities_is_not_available() -> None:
    with service_for(Server()) as service, pytest.raises(NotImplementedError):
        service.get_server_capabilities()


# -- factories ----------------------------------------------------------------------------------


def test_create_training_client_defaults_to_the_default_session() -> None:
    server = Server()
    with service_for(server) as service:
        tc = service.create_training_client(base_model=BASE)
        custom = service.create_training_client(BASE, "my-training-run-001")
    assert (tc.model_id, tc.base_model) == ("default", BASE)
    assert custom.model_id == "my-training-run-001"
    # no lora_config: a full-weight server refuses any (the official client sent rank 32)
    assert server.bodies("create_model")[0] == {"model_id": "default", "base_model": BASE}


def test_create_lora_training_client_sends_only_what_the_server_takes() -> None:
    server = Server()
    with service_for(server) as service:
        tc = service.create_lora_training_client(base_model=BASE, rank=32)
        tuned = service.create_lora_training_client(BASE, 8, 16, 0.0, ["q_proj"], "tenant-a")
    assert tc.base_model == BASE and tc.model_id.startswith("lora-")
    first, second = server.bodies("create_model")
    assert first["lora_config"] == {"lora_rank": 32}
    assert second["model_id"] == "tenant-a" == tuned.model_id
    assert second["lora_config"] == {"lora_rank": 8, "lora_alpha": 16, "target_modules": ["q_proj"]}


def test_lora_dropout_is_refused_before_sending() -> None:
    server = Server()
    with service_for(server) as service, pytest.raises(DataValidationError, match="dropout"):
        service.create_lora_training_client(BASE, rank=64, alpha=128, dropout=0.1)
    assert server.requests == []


def test_create_rest_client_model_id() -> None:
    server = Server()
    with service_for(server) as service:
        assert service.create_rest_client().model_id == "default"
        service.create_rest_client("run-7").list_checkpoints().result()
    assert server.bodies("list_checkpoints") == [{"model_id": "run-7"}]


def test_resume_from_state_recreates_the_checkpoints_session() -> None:
    server = Server(
        weights_info={
            "base_model": BASE,
            "is_lora": True,
            "lora_rank": 8,
            "lora_config": {"lora_rank": 8, "lora_alpha": 16},
            "optimizer_config": None,
        }
    )
    path = "xorl://run-1/weights/step-10"
    with service_for(server) as service:
        tc = service.create_training_client_from_state(path)
        exact = service.create_training_client_from_state_with_optimizer(path, BASE, 8)
        with pytest.raises(DataValidationError, match="rank=32 but the checkpoint's adapter"):
            service.create_training_client_from_state(path, None, 32).result()
    assert (tc.model_id, tc.base_model, tc.lora_rank) == ("run-1", BASE, 8)
    assert exact.model_id == "run-1"
    assert server.bodies("weights_info")[0] == {"xorl_path": path}
    assert server.bodies("create_model")[0]["lora_config"] == {"lora_rank": 8, "lora_alpha": 16}
    loads = server.bodies("load_weights")
    assert [(b["path"], b["optimizer"]) for b in loads] == [(path, False), (path, True)]


# -- async twins ----------------------------------------------------------------------------


TRAINING_TWINS = [
    "forward",
    "forward_backward",
    "optim_step",
    "save_state",
    "load_state",
    "load_state_with_optimizer",
    "save_weights_for_sampler",
    "sync_inference_weights",
    "unload",
]


def test_every_training_method_has_an_async_twin() -> None:
    for name in TRAINING_TWINS:
        twin = getattr(xc.TrainingClient, f"{name}_async")
        assert asyncio.iscoroutinefunction(twin), name
        assert twin.__wrapped__ is getattr(xc.TrainingClient, name)


async def test_training_twins_return_the_future_to_await_again() -> None:
    server = Server(try_again_polls=0)
    service = service_for(server)
    tc = await service.create_training_client_async(BASE)
    future = await tc.forward_backward_async([datum_for_tests()], "cross_entropy")
    assert isinstance(future, xc.APIFuture)
    out = await future
    assert isinstance(out, xc.ForwardBackwardOutput)
    step = await (await tc.optim_step_async(xc.AdamParams(learning_rate=1e-3)))
    assert step.step == 1
    saved = await (await tc.save_state_async("twin"))
    assert saved.path == "xorl://default/weights/twin"
    await asyncio.to_thread(service.close)


async def test_rest_twins_return_the_value() -> None:
    server = Server()
    service = service_for(server)
    listed = await service.create_rest_client().list_checkpoints_async()
    assert isinstance(listed, xc.CheckpointsListResponse) and listed.checkpoints == []
    await asyncio.to_thread(service.close)


async def test_async_factories_leave_the_event_loop_free() -> None:
    server = Server(try_again_polls=0)
    gate = _runtime.run_coroutine(_make_event()).result()
    server.gates["submit:create_model"] = gate
    service = service_for(server)
    # If the factory blocked this loop, the safety timer would open the gate after 30 s and
    # the factory would already be done when `other` finally ran.
    safety = threading.Timer(30.0, lambda: _runtime.call_soon(gate.set))
    safety.start()
    try:
        pending = asyncio.ensure_future(service.create_training_client_async(BASE))
        ran = asyncio.Event()

        async def other() -> None:
            ran.set()

        helper = asyncio.ensure_future(other())
        await ran.wait()
        await helper
        assert not pending.done()  # still held on the server, and this loop kept running
        _runtime.call_soon(gate.set)
        assert (await pending).model_id == "default"
    finally:
        safety.cancel()
    await asyncio.to_thread(service.close)


async def test_awaiting_many_twins_starts_no_threads() -> None:
    server = Server(try_again_polls=2)
    service = service_for(server)
    tc = await service.create_training_client_async(BASE)
    await (await tc.forward_async([datum_for_tests()]))  # warm up: loop and pool exist
    threads = set(threading.enumerate())
    futures = [await tc.forward_async([datum_for_tests()]) for _ in range(20)]
    outs = await asyncio.gather(*futures)
    assert len(outs) == 20 and set(threading.enumerate()) == threads
    await asyncio.to_thread(service.close)


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


# -- sync_inference_weights, unload, observers, tokenizer ---------------------------------------


def test_sync_inference_weights_official_arguments_and_result() -> None:
    server = Server()
    with service_for(server) as service:
        tc = service.create_training_client(BASE)
        result = tc.sync_inference_weights("10.0.0.1", 29601, "my_group", 512).result()
        tc.sync_inference_weights().result()
    first, second = server.bodies("sync_inference_weights")
    assert {k: first[k] for k in ("master_address", "master_port", "group_name")} == {
        "master_address": "10.0.0.1",
        "master_port": 29601,
        "group_name": "my_group",
    }
    assert first["buffer_size_mb"] == 512 and "quantization" not in first
    assert (second["master_address"], second["master_port"], second["buffer_size_mb"]) == (
        "",
        29600,
        1024,
    )
    assert isinstance(result, xc.SyncWeightsResponse) and result.success
    assert result.timing_breakdown == {"serial_endpoint_sync": 1.0}
    assert result.endpoints_synced[0].host == "10.0.0.2" == result.endpoints_synced[0]["host"]
    assert result.throughput_gbps == 2.0


@pytest.mark.parametrize(
    ("variable", "raw", "sent"),
    [
        ("XORL_WEIGHT_SYNC_QUANTIZATION", '{"quant_method": "fp8"}', {"quant_method": "fp8"}),
        ("XORL_SYNC_QUANTIZATION", "null", None),
    ],
)
def test_sync_quantization_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, sent: Any
) -> None:
    monkeypatch.setenv(variable, raw)
    server = Server()
    with service_for(server) as service:
        service.create_training_client(BASE).sync_inference_weights().result()
    assert server.bodies("sync_inference_weights")[0]["quantization"] == sent


def test_bad_sync_quantization_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_WEIGHT_SYNC_QUANTIZATION", "[1, 2]")
    with service_for(Server()) as service:
        tc = service.create_training_client(BASE)
        with pytest.raises(DataValidationError, match="JSON object"):
            tc.sync_inference_weights()


def test_unload_returns_an_unload_model_response() -> None:
    server = Server()
    server.failures["unload_model"] = {"model_id": "default", "type": "unload_model"}
    with service_for(server) as service:
        done = service.create_training_client(BASE).unload().result()
    assert done == xc.types.UnloadModelResponse(model_id="default", type="unload_model")


def test_queue_state_observer_is_called() -> None:
    seen: list[tuple[xc.QueueState, str | None]] = []

    class Observer(xc.QueueStateObserver):
        def on_queue_state_change(self, queue_state: xc.QueueState, reason: str | None) -> None:
            seen.append((queue_state, reason))

    with service_for(Server(try_again_polls=1), on_queue_state=Observer()) as service:
        service.create_training_client(BASE).forward([datum_for_tests()]).result()
    assert seen and seen[0] == (xc.QueueState.ACTIVE, None)


def test_get_tokenizer_is_cached() -> None:
    with service_for(Server()) as service:
        tc = service.create_training_client(BASE)
        assert tc.get_tokenizer() is tc.get_tokenizer()


def test_datums_built_like_the_official_example() -> None:
    tokens = [1, 100, 101, 102, 999]
    weights = [0, 0, 1, 1, 1]
    datum = xc.types.Datum(
        model_input=xc.types.ModelInput.from_ints(tokens=tokens[:-1]),
        loss_fn_inputs=dict(weights=weights[1:], target_tokens=tokens[1:]),
    )
    rows = list(
        zip(
            datum.model_input.to_ints(),
            datum.loss_fn_inputs["target_tokens"].tolist(),
            datum.loss_fn_inputs["weights"].tolist(),
            strict=True,
        )
    )
    assert rows == [(1, 100, 0), (100, 101, 1), (101, 102, 1), (102, 999, 1)]
    assert datum.to_dict()["model_input"]["input_ids"] == [1, 100, 101, 102]
