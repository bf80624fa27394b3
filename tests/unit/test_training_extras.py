"""TrainingClient's checkpoint, session, endpoint and sampler-bridge calls: what goes on the wire."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from tests.unit.fake_server import FakeXorl, NoSleep, datum_for_tests
from xorl_client import _runtime
from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport
from xorl_client.errors import APITimeoutError, DataValidationError, XorlError

URL = "http://xorl.test"


def sync_answer(success: bool, message: str) -> dict[str, Any]:
    return {
        "success": success,
        "message": message,
        "transfer_time": 0.5,
        "total_bytes": 0,
        "num_parameters": 0,
        "num_buckets": 0,
        "timing_breakdown": {},
        "p2p_rank_summaries": [],
        "cache_invalidation_mode": "auto",
        "flush_cache": False,
        "fp8_kv_cache_enabled": False,
        "fp8_kv_cache_postprocess_requested": False,
        "fp8_kv_cache_static_scales": False,
        "cache_epoch": None,
        "endpoints_synced": [],
    }


DIRECT: dict[str, Any] = {
    "list_checkpoints": {"checkpoints": []},
    "delete_checkpoint": {"success": True, "deleted_path": "x", "error": None},
    "kill_session": {"success": True, "message": "killed", "checkpoint_path": None},
    "health": {
        "status": "healthy",
        "engine_running": True,
        "active_requests": 0,
        "total_requests": 3,
    },
    "add_inference_endpoint": {
        "success": True,
        "message": "added",
        "endpoint": {
            "host": "127.0.0.1",
            "port": 30000,
            "worker_port": None,
            "world_size": 1,
            "healthy": True,
            "pool": "eval",
            "server_info": None,
        },
        "weights_synced": False,
        "sync_message": None,
    },
    "list_inference_endpoints": {"endpoints": [], "count": 0},
    "remove_inference_endpoint": {"success": False, "message": "not found"},
    "sync_inference_weights": sync_answer(True, "synced"),
    "set_sync_quantization": {"quantization": None, "message": "bf16"},
    "create_sampling_session": {
        "success": True,
        "model_path": "",
        "lora_name": "served-name",
        "message": "loaded",
    },
}


@dataclass
class Server(FakeXorl):
    """FakeXorl plus the direct routes; every direct call is recorded (and may be held)."""

    direct: list[tuple[str, Any, httpx.Headers]] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=lambda: dict(DIRECT))

    def result_for(self, sub: Any) -> dict[str, Any]:
        if sub.operation == "save_weights_for_sampler":
            return {"path": f"xorl://{sub.body['model_id']}/sampler_weights/{sub.body['name']}"}
        return super().result_for(sub)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        op = request.url.path.rsplit("/", 1)[-1]
        if op not in self.answers and op != "generate":
            return await super().handler(request)
        body = orjson.loads(request.content) if request.content else None
        self.direct.append((op, body, request.headers))
        self.events.append(f"direct:{op}")
        gate = self.gates.get(f"direct:{op}")
        if gate is not None:
            await gate.wait()
        if op == "generate":
            meta = {"finish_reason": {"type": "length"}, "output_token_logprobs": [[-1.0, 5, None]]}
            answer: Any = {"text": "x", "output_ids": [5], "meta_info": meta}
        else:
            answer = self.answers[op]
        return httpx.Response(
            200, content=orjson.dumps(answer), headers={"content-type": "application/json"}
        )

    def bodies(self, op: str) -> list[Any]:
        return [b for o, b, _ in self.direct if o == op]


def training(
    server: Server, *, model_id: str = "default", is_lora: bool = False, **config: Any
) -> xc.TrainingClient:
    cfg = ClientConfig(base_url=URL, httpx_transport=httpx.MockTransport(server.handler), **config)
    return xc.TrainingClient(
        transport=Transport(cfg, RetryPolicy(sleep=NoSleep())),
        model_id=model_id,
        base_model="xorl-local/byte-bigram",
        is_lora=is_lora,
        lora_rank=8 if is_lora else None,
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "XORL_INFERENCE_BASE_URL",
        "XORL_INFERENCE_API_KEY",
        "XORL_INFERENCE_API_FORMAT",
        "XORL_WEIGHT_SYNC_MASTER_ADDRESS",
        "XORL_WEIGHT_SYNC_QUANTIZATION",
        "XORL_SYNC_QUANTIZATION",
    ):
        monkeypatch.delenv(name, raising=False)


# -- checkpoints and session ---------------------------------------------------------------------


def test_checkpoint_calls_address_this_session() -> None:
    server = Server()
    tc = training(server, model_id="run-7")
    tc.list_checkpoints().result()
    tc.delete_checkpoint("step-1").result()
    assert server.bodies("list_checkpoints") == [{"model_id": "run-7"}]
    assert [b["checkpoint_id"] for b in server.bodies("delete_checkpoint")] == [
        "weights/run-7/step-1"
    ]


def test_delete_from_a_path_deletes_exactly_that_checkpoint() -> None:
    server = Server()
    tc = training(server, model_id="run-7")
    tc.delete_checkpoint_from_xorl_path("xorl://other-run/weights/step-1").result()
    tc.delete_checkpoint_from_xorl_path("xorl://run-7/sampler_weights/s1").result()
    # The official client would send weights/run-7/step-1: this session's, a different one.
    assert [b["checkpoint_id"] for b in server.bodies("delete_checkpoint")] == [
        "weights/other-run/step-1",
        "sampler_weights/s1",
    ]
    for bad in ("weights/run-7/step-1", "xorl://run-7/other/x"):
        with pytest.raises(DataValidationError):
            tc.delete_checkpoint_from_xorl_path(bad)
    assert len(server.bodies("delete_checkpoint")) == 2


def test_kill_session_waits_for_earlier_calls_and_sends_the_flag() -> None:
    server = Server()
    tc = training(server, model_id="run-7")
    fb = tc.forward_backward([datum_for_tests()], "cross_entropy")
    killed = tc.kill_session(save_checkpoint=False).result()
    assert fb.done()
    assert server.events.index("done:forward_backward") < server.events.index("direct:kill_session")
    assert server.bodies("kill_session") == [{"model_id": "run-7", "save_checkpoint": False}]
    assert isinstance(killed, xc.types.KillSessionResponse) and killed.message == "killed"
    with pytest.raises(DataValidationError):
        tc.kill_session(save_checkpoint="yes")  # type: ignore[arg-type]


def test_health_check_is_synchronous_and_returns_a_dict() -> None:
    server = Server()
    tc = training(server)
    assert tc.health_check() == DIRECT["health"]
    assert [o for o, _, _ in server.direct] == ["health"]


# -- inference endpoints -------------------------------------------------------------------------


def test_add_list_remove_bodies() -> None:
    server = Server()
    tc = training(server)
    added = tc.add_inference_endpoint("localhost", 30000, pool="eval").result()
    tc.list_inference_endpoints().result()
    removed = tc.remove_inference_endpoint(added.endpoint.host, 30000).result()  # type: ignore[union-attr]
    assert server.bodies("add_inference_endpoint") == [
        {
            "host": "localhost",
            "port": 30000,
            "world_size": 1,
            "sync_weights": False,
            "master_address": "",
            "master_port": 29600,
            "group_name": "weight_sync_group",
            "buffer_size_mb": 1024,
            "pool": "eval",
        }
    ]
    assert added.endpoint is not None and added.endpoint.worker_port == 30000
    assert server.bodies("remove_inference_endpoint") == [{"host": "127.0.0.1", "port": 30000}]
    assert removed.success is False and removed.message == "not found"


def test_sync_on_add_is_refused_for_a_session_the_server_would_not_push() -> None:
    server = Server()
    with pytest.raises(DataValidationError, match=r"sync_inference_weights\(pools=\['eval'\]\)"):
        training(server, model_id="lora-1").add_inference_endpoint(
            "h", 1, sync_weights=True, pool="eval"
        )
    assert server.direct == []
    training(server).add_inference_endpoint("h", 1, sync_weights=True).result()
    assert server.bodies("add_inference_endpoint")[0]["sync_weights"] is True


def test_sync_weights_to_inference_sends_what_the_server_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XORL_WEIGHT_SYNC_MASTER_ADDRESS", "10.0.0.5")
    monkeypatch.setenv("XORL_SYNC_QUANTIZATION", '{"quant_method": "fp8"}')
    server = Server()
    tc = training(server, model_id="run-7")
    result = tc.sync_weights_to_inference("nccl", pools=["eval"], group_name="g").result()
    (body,) = server.bodies("sync_inference_weights")
    assert body["master_address"] == "10.0.0.5" and body["pools"] == ["eval"]
    assert body["group_name"] == "g" and body["quantization"] == {"quant_method": "fp8"}
    assert body["model_id"] == "run-7"
    assert "sync_method" not in body and "timeout_s" not in body  # the server reads neither
    assert result.success is True
    with pytest.raises(DataValidationError, match="sync_method"):
        tc.sync_weights_to_inference("carrier-pigeon")


def test_sync_weights_to_inference_timeout_bounds_the_wait() -> None:
    server = Server()
    hold = asyncio.Event()
    server.gates["direct:sync_inference_weights"] = hold
    tc = training(server)
    future = tc.sync_weights_to_inference(timeout=0.05)
    with pytest.raises(APITimeoutError, match="may still finish"):
        future.result()
    _runtime.call_soon(hold.set)


def test_set_sync_quantization_body() -> None:
    server = Server()
    tc = training(server)
    assert tc.set_sync_quantization({"quant_method": "fp8"}).result().message == "bf16"
    assert server.bodies("set_sync_quantization") == [{"quantization": {"quant_method": "fp8"}}]


# -- save_weights_and_get_sampling_client --------------------------------------------------------


def test_lora_export_is_loaded_and_the_sampler_is_bound_to_it() -> None:
    server = Server()
    tc = training(server, model_id="lora-1", is_lora=True)
    with tc.save_weights_and_get_sampling_client("it-3") as sampler:
        assert sampler.model_path == "xorl://lora-1/sampler_weights/it-3"
        assert sampler.lora_path == "served-name"  # the server's lora_name, not a guess
        assert sampler.base_url == URL  # no $XORL_INFERENCE_BASE_URL: the training server
        sampler.sample([256, 1]).result()
    (export,) = [s.body for s in server.submissions if s.operation == "save_weights_for_sampler"]
    assert export["name"] == "it-3"
    assert server.bodies("create_sampling_session") == [
        {"model_path": "xorl://lora-1/sampler_weights/it-3", "model_id": "lora-1"}
    ]
    assert server.bodies("generate")[0]["lora_path"] == "served-name"
    assert "sync_inference_weights" not in [o for o, _, _ in server.direct]


def test_full_weight_export_is_synced_and_sampled_without_an_adapter() -> None:
    server = Server()
    tc = training(server)
    with tc.save_weights_and_get_sampling_client() as sampler:
        assert sampler.lora_path is None
        sampler.sample([256, 1]).result()
    assert server.bodies("sync_inference_weights")[0]["model_id"] == "default"
    assert "lora_path" not in server.bodies("generate")[0]
    assert server.bodies("create_sampling_session") == []
    server.answers["sync_inference_weights"] = sync_answer(False, "No endpoints")
    with pytest.raises(XorlError, match="No endpoints"):
        tc.save_weights_and_get_sampling_client()


def test_default_names_never_collide() -> None:
    server = Server()
    tc = training(server, is_lora=True)
    for _ in range(2):
        tc.save_weights_and_get_sampling_client().close()
    names = [
        s.body["name"] for s in server.submissions if s.operation == "save_weights_for_sampler"
    ]
    assert len(set(names)) == 2
    assert all(re.fullmatch(r"sampler-\d{8}T\d{6}-[0-9a-f]{8}", n) for n in names)


def test_the_training_key_never_reaches_the_inference_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Server()
    tc = training(server, api_key="sk-training-secret", is_lora=True)
    with tc.save_weights_and_get_sampling_client() as sampler:
        sampler.sample([256, 1]).result()
    monkeypatch.setenv("XORL_INFERENCE_API_KEY", "sk-inference")
    with tc.save_weights_and_get_sampling_client() as sampler:
        sampler.sample([256, 1]).result()
    first, second = [h for o, _, h in server.direct if o == "generate"]
    assert "authorization" not in first
    assert second["authorization"] == "Bearer sk-inference"
    assert all(
        h.get("authorization") == "Bearer sk-training-secret"
        for o, _, h in server.direct
        if o == "create_sampling_session"
    )


def test_inference_url_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Server()
    tc = training(server, is_lora=True)
    monkeypatch.setenv("XORL_INFERENCE_BASE_URL", "http://sglang.test:30000")
    with tc.save_weights_and_get_sampling_client() as sampler:
        assert sampler.base_url == "http://sglang.test:30000"
    with tc.save_weights_and_get_sampling_client(
        inference_base_url="http://other.test:1"
    ) as sampler:
        assert sampler.base_url == "http://other.test:1"
    with tc.save_weights_and_get_sampling_client(api_format="openai") as sampler:
        assert sampler.api_format == "chat_completions"


def test_bad_arguments_fail_before_the_export() -> None:
    server = Server()
    tc = training(server, is_lora=True)
    for call in (
        lambda: tc.save_weights_and_get_sampling_client("bad/name"),
        lambda: tc.save_weights_and_get_sampling_client(api_format="grpc"),
        lambda: tc.save_weights_and_get_sampling_client(kind="latest"),
        lambda: tc.save_weights_and_get_sampling_client(record_stability_info="yes"),  # type: ignore[arg-type]
    ):
        with pytest.raises(xc.XorlError):
            call()
    assert server.submissions == []


def test_the_async_twin_does_not_block_the_callers_loop() -> None:
    server = Server()
    hold = asyncio.Event()
    server.gates["submit:save_weights_for_sampler"] = hold
    tc = training(server, is_lora=True)

    async def main() -> xc.SamplingClient:
        task = asyncio.create_task(tc.save_weights_and_get_sampling_client_async("it-1"))
        ticks = 0
        while not server.submissions and ticks < 10_000:  # the loop keeps turning meanwhile
            ticks += 1
            await asyncio.sleep(0)
        assert not task.done()
        _runtime.call_soon(hold.set)
        return await asyncio.wait_for(task, 30)

    with asyncio.run(main()) as sampler:
        assert sampler.lora_path == "served-name"
