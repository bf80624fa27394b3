"""Replay request bodies recorded against the real xorl server and compare the answers.

The request/response pairs below are copied from the recorded wire transcript of the real
server (mock mode for full-weight, a LoRA-mode launch for LoRA). Where the real server was
launched with base model ``Qwen/Qwen3-8B``, the local server's ``xorl-local/byte-bigram`` takes
its place in requests and expected texts; everything else is byte-for-byte the real text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import api_inventory
import httpx
import pytest

from xorl_client.local import LocalServerConfig, serve_in_thread

BASE = "xorl-local/byte-bigram"
Client = Callable[..., httpx.Client]


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[Client]:
    """``open_server(lora=..., **config)`` → an httpx client bound to a fresh server."""
    with contextlib.ExitStack() as stack:

        def _open(**overrides: Any) -> httpx.Client:
            settings: dict[str, Any] = {"port": 0, "output_dir": tmp_path / "outputs"}
            settings.update(overrides)
            url = stack.enter_context(serve_in_thread(LocalServerConfig(**settings)))
            return stack.enter_context(httpx.Client(base_url=url, timeout=30))

        yield _open


def future(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Phase 1 + phase 2: the operation's final body (result or failure)."""
    submitted = client.post(path, json=body)
    assert submitted.status_code == 200, submitted.text
    request_id = submitted.json()["request_id"]
    while True:
        polled = client.post("/api/v1/retrieve_future", json={"request_id": request_id})
        assert polled.status_code == 200, polled.text
        answer: dict[str, Any] = polled.json()
        if answer.get("type") != "try_again":
            return answer


def expect(response: httpx.Response, status: int, body: Any) -> None:
    assert (response.status_code, response.json()) == (status, body)


INVALID_ID = (
    "Invalid model_id 'bad/id'. model_id must start with an alphanumeric character and contain "
    "only alphanumeric characters, underscores (_), or hyphens (-). Length must be 1-128 "
    "characters."
)


def test_validation_errors_have_the_real_422_bodies(open_server: Client) -> None:
    client = open_server()
    expect(
        client.post("/api/v1/forward_backward", json={"model_id": "default"}),
        422,
        {
            "detail": [
                {
                    "type": "missing",
                    "loc": ["body", "forward_backward_input"],
                    "msg": "Field required",
                    "input": {"model_id": "default"},
                }
            ]
        },
    )
    expect(
        client.post(
            "/api/v1/forward_backward",
            json={"model_id": "default", "seq_id": "seven", "forward_backward_input": {"data": []}},
        ),
        422,
        {
            "detail": [
                {
                    "type": "int_parsing",
                    "loc": ["body", "seq_id"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": "seven",
                }
            ]
        },
    )
    expect(
        client.post("/api/v1/unload_model", json={"model_id": "default", "type": "other"}),
        422,
        {
            "detail": [
                {
                    "type": "literal_error",
                    "loc": ["body", "type"],
                    "msg": "Input should be 'unload_model'",
                    "input": "other",
                    "ctx": {"expected": "'unload_model'"},
                }
            ]
        },
    )
    tombstone = {
        "model_id": "default",
        "base_model": "Qwen/Qwen3-8B",
        "optimizer_config": {"zorl": {}},
    }
    expect(
        client.post("/api/v1/create_model", json=tombstone),
        422,
        {
            "detail": [
                {
                    "type": "value_error",
                    "loc": ["body"],
                    "msg": "Value error, create_model request contains removed configuration "
                    "field(s): optimizer_config.zorl: ZORL was removed; remove this field and "
                    "migrate training to forward_backward plus optim_step",
                    "input": tombstone,
                    "ctx": {"error": {}},
                }
            ]
        },
    )
    expect(
        client.post("/api/v1/retrieve_future", json={}),
        422,
        {
            "detail": [
                {
                    "type": "missing",
                    "loc": ["body", "request_id"],
                    "msg": "Field required",
                    "input": {},
                }
            ]
        },
    )
    expect(
        client.post("/api/v1/sync_inference_weights", json={"pause_mode": "freeze"}),
        422,
        {
            "detail": [
                {
                    "type": "literal_error",
                    "loc": ["body", "pause_mode"],
                    "msg": "Input should be 'retract', 'abort' or 'in_place'",
                    "input": "freeze",
                    "ctx": {"expected": "'retract', 'abort' or 'in_place'"},
                }
            ]
        },
    )
    # Unknown top-level and Datum fields are ignored.
    ignored = client.post(
        "/api/v1/forward_backward",
        json={
            "model_id": "default",
            "bogus": 1,
            "forward_backward_input": {
                "data": [
                    {
                        "model_input": {"input_ids": [1, 2, 3]},
                        "loss_fn_inputs": {},
                        "routed_experts": [[1]],
                    }
                ],
                "also_bogus": True,
            },
        },
    )
    assert ignored.status_code == 200
    expect(client.get("/api/v1/forward_backward"), 405, {"detail": "Method Not Allowed"})
    expect(client.post("/api/v1/does_not_exist", json={}), 404, {"detail": "Not Found"})


def test_synchronous_400_404_403_texts(open_server: Client) -> None:
    client = open_server()
    expect(
        client.post("/api/v1/create_model", json={"model_id": "bad/id", "base_model": BASE}),
        400,
        {"detail": INVALID_ID},
    )
    expect(
        client.post(
            "/api/v1/forward_backward",
            json={
                "model_id": "never-created",
                "forward_backward_input": {
                    "data": [{"model_input": {"input_ids": [1, 2]}, "loss_fn_inputs": {}}]
                },
            },
        ),
        400,
        {
            "detail": "model_id 'never-created' has not been registered. You must call "
            "/api/v1/create_model or /api/v1/create_session first to register your model_id "
            "before calling other /api/v1/ endpoints. Try initializing the TrainingClient by "
            "calling create_lora_training_client on the ServiceClient."
        },
    )
    expect(
        client.post("/api/v1/delete_checkpoint", json={"checkpoint_id": "weights/default/000000"}),
        403,
        {
            "detail": "Cannot delete checkpoint '000000': This is the reserved initial checkpoint "
            "that preserves the original model state. It cannot be deleted."
        },
    )
    expect(
        client.post("/api/v1/delete_checkpoint", json={"checkpoint_id": "ckpt-001"}),
        400,
        {
            "detail": "Invalid checkpoint_id format: ckpt-001. Expected "
            "'weights/{model_id}/{name}' or 'sampler_weights/{name}'"
        },
    )
    expect(
        client.post(
            "/api/v1/delete_checkpoint", json={"checkpoint_id": "weights/default/ckpt-001"}
        ),
        404,
        {"detail": "Checkpoint not found: weights/default/ckpt-001"},
    )
    expect(
        client.post("/api/v1/weights_info", json={"xorl_path": "weights/default/ckpt-001"}),
        400,
        {
            "detail": "Invalid xorl_path format: weights/default/ckpt-001. Expected "
            "xorl://model_id/weights/checkpoint_name"
        },
    )
    expect(
        client.post("/api/v1/weights_info", json={"xorl_path": "xorl://default/weights/nope"}),
        404,
        {"detail": "Checkpoint not found: xorl://default/weights/nope"},
    )
    expect(
        client.post("/api/v1/list_checkpoints", json={"model_id": "bad id"}),
        500,
        {
            "detail": "Failed to list checkpoints: 400: Invalid model_id 'bad id'. model_id must "
            "start with an alphanumeric character and contain only alphanumeric characters, "
            "underscores (_), or hyphens (-). Length must be 1-128 characters."
        },
    )
    expect(
        client.post("/api/v1/retrieve_future", json={"request_id": "future_000000000000"}),
        404,
        {"detail": "Request future_000000000000 not found"},
    )
    expect(
        client.post("/api/v1/session_heartbeat", json={"session_id": "nope"}),
        404,
        {"detail": "Session nope not found"},
    )
    expect(
        client.post("/api/v1/unload_model", json={"model_id": "sess-1"}),
        404,
        {"detail": "Model sess-1 not found"},
    )
    expect(
        client.post(
            "/api/v1/create_sampling_session",
            json={"model_path": "xorl://policy/weights/adapter-1"},
        ),
        400,
        {
            "detail": "Invalid xorl:// URI format for sampler weights: "
            "xorl://policy/weights/adapter-1. Expected: xorl://model_id/sampler_weights/adapter_name"
        },
    )
    expect(
        client.post(
            "/api/v1/create_sampling_session",
            json={"model_path": "xorl://default/sampler_weights/missing"},
        ),
        404,
        {"detail": "Model path does not exist"},
    )
    expect(
        client.post("/remove_inference_endpoint", json={"host": "localhost", "port": 1}),
        200,
        {"success": False, "message": "Endpoint http://localhost:1 not found in registry"},
    )
    # The local server answers like a real one whose allowlist holds only loopback.
    expect(
        client.post("/add_inference_endpoint", json={"host": "10.0.0.1", "port": 30000}),
        400,
        {"detail": "Endpoint address 10.0.0.1 is not present in XORL_OUTBOUND_ENDPOINT_ALLOWLIST"},
    )
    expect(
        client.post("/add_inference_endpoint", json={"host": "example.com", "port": 30000}),
        400,
        {
            "detail": "Endpoint host 'example.com' is not present in XORL_OUTBOUND_ENDPOINT_ALLOWLIST"
        },
    )


def test_failures_inside_futures_have_the_real_texts(
    open_server: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative output_dir, like the real mock's "outputs", makes the 404 text identical.
    monkeypatch.chdir(tmp_path)
    client = open_server(output_dir="outputs")
    assert future(client, "/api/v1/optim_step", {"model_id": "default"}) == {
        "error": "400: optim_step: no learning_rate in request, no default optimizer_config "
        "registered for model_id='default', and no server train_config lr",
        "category": "server",
    }
    assert future(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE}) == {
        "model_id": "default",
        "type": "create_model",
    }
    assert future(client, "/api/v1/create_model", {"model_id": "tenant-a", "base_model": BASE}) == {
        "error": "Full-weight server multi-tenancy is not supported yet. Use the reserved "
        "model_id='default' session.",
        "category": "server",
    }
    assert future(
        client,
        "/api/v1/create_model",
        {"session_id": "default", "base_model": BASE, "lora_config": {"rank": 8}},
    ) == {
        "error": "Per-session LoRA or optimizer overrides are not supported in full-weight "
        "server mode.",
        "category": "server",
    }
    assert future(
        client,
        "/api/v1/forward_backward",
        {"model_id": "default", "forward_backward_input": {"data": []}},
    ) == {
        "error": "500: Engine error: data or datum_list must be provided",
        "category": "server",
    }
    half_weight = {
        "model_id": "default",
        "forward_backward_input": {
            "data": [
                {
                    "model_input": {"input_ids": [1, 2, 3]},
                    "loss_fn_inputs": {"labels": [1, 2, 3], "weights": [1, 0.5, 1]},
                }
            ]
        },
    }
    assert future(client, "/api/v1/forward_backward", half_weight) == {
        "error": "500: Engine error: Sample 0: weights[0]=0.5 is not supported. Only 0.0 and 1.0 "
        "are allowed. Weighted loss with arbitrary weights is not currently supported.",
        "category": "server",
    }
    assert future(client, "/api/v1/save_weights", {"model_id": "default", "path": "ckpt-001"}) == {
        "path": "xorl://default/weights/ckpt-001"
    }
    assert future(client, "/api/v1/save_weights", {"model_id": "default", "path": "ckpt-001"}) == {
        "error": "409: Checkpoint already exists: xorl://default/weights/ckpt-001. To overwrite, "
        "delete it first using /api/v1/delete_checkpoint with "
        "checkpoint_id='weights/default/ckpt-001'.",
        "category": "server",
    }
    assert future(
        client, "/api/v1/load_weights", {"model_id": "default", "path": "does-not-exist"}
    ) == {
        "error": "404: Checkpoint not found: does-not-exist (resolved to "
        "outputs/weights/default/does-not-exist). Use /api/v1/list_checkpoints to see available "
        "checkpoints.",
        "category": "server",
    }
    assert future(
        client,
        "/api/v1/load_weights",
        {"model_id": "default", "path": "xorl://default/weights/ckpt-001", "optimizer": True},
    ) == {"path": "xorl://default/weights/ckpt-001"}
    auto = future(client, "/api/v1/save_weights", {"model_id": "default"})
    assert auto["path"].startswith("xorl://default/weights/checkpoint-")
    assert future(
        client, "/api/v1/save_weights_for_sampler", {"model_id": "default", "name": "sampler-001"}
    ) == {"path": "xorl://default/sampler_weights/sampler-001"}
    assert future(
        client, "/api/v1/save_weights_for_sampler", {"model_id": "default", "name": "sampler-001"}
    ) == {
        "error": "409: Sampler weights with name 'sampler-001' already exist. Use a unique name "
        "or delete it first.",
        "category": "server",
    }
    expect(
        client.post(
            "/api/v1/delete_checkpoint", json={"checkpoint_id": "weights/default/ckpt-001"}
        ),
        200,
        {"success": True, "deleted_path": "xorl://default/weights/ckpt-001", "error": None},
    )
    # optim_step falls back to 1e-4 once create_model stored a config (lr alias accepted too).
    sft = {
        "model_id": "default",
        "forward_backward_input": {
            "data": [
                {"model_input": {"input_ids": [1, 2, 3]}, "loss_fn_inputs": {"labels": [1, 2, 3]}}
            ]
        },
    }
    future(client, "/api/v1/forward_backward", sft)
    step = future(client, "/api/v1/optim_step", {"model_id": "default"})
    assert step["metrics"]["learning_rate"] == 0.0001 and step["info"] == {}
    future(client, "/api/v1/forward_backward", sft)
    assert (
        future(client, "/api/v1/optim_step", {"model_id": "default", "lr": 2e-5})["metrics"][
            "learning_rate"
        ]
        == 2e-05
    )
    assert future(client, "/api/v1/abort_gradient_epoch", {"model_id": "default", "seq_id": 4}) == {
        "success": True,
        "model_id": "default",
        "step": 2,
        "forward_backward_step": 2,
        "info": {},
    }


def test_sessions_system_and_inference_bodies(open_server: Client) -> None:
    client = open_server()
    expect(
        client.get("/api/v1/session_info"),
        200,
        {
            "registered_models": ["default"],
            "active_sessions": 0,
            "session_activity": {},
            "idle_timeout_seconds": 7200.0,
            "loaded_sampling_adapters": {},
            "loaded_training_adapters": [],
            "max_training_adapters": 0,
            "current_training_adapter": None,
        },
    )
    expect(
        client.get("/"),
        200,
        {
            "name": "Unified Training API",
            "version": "2.0.0",
            "architecture": "FastAPI + OrchestratorClient",
            "docs": "/docs",
            "health": "/health",
            "endpoints": {
                "forward_backward": "/api/v1/forward_backward",
                "optim_step": "/api/v1/optim_step",
                "abort_gradient_epoch": "/api/v1/abort_gradient_epoch",
                "save_weights": "/api/v1/save_weights",
                "load_weights": "/api/v1/load_weights",
                "save_weights_for_sampler": "/api/v1/save_weights_for_sampler",
                "sleep": "/sleep",
                "wake_up": "/wake_up",
            },
        },
    )
    expect(client.get("/api/v1/healthz"), 200, {"status": "ok"})
    expect(
        client.get("/health"),
        200,
        {"status": "healthy", "engine_running": True, "active_requests": 0, "total_requests": 0},
    )
    runs = client.get("/api/v1/training_runs", params={"limit": 5, "offset": 0}).json()
    assert runs["cursor"] == {"offset": 0, "limit": 5, "total_count": 1}
    (run,) = runs["training_runs"]
    assert set(run) == {
        "training_run_id",
        "base_model",
        "model_owner",
        "is_lora",
        "corrupted",
        "lora_rank",
        "last_request_time",
        "last_checkpoint",
        "last_sampler_checkpoint",
        "user_metadata",
    }
    assert run["last_checkpoint"]["checkpoint_id"] == "weights/default/000000"

    # create_session: absent body and JSON null both get a UUID; explicit id; refresh.
    for response in (
        client.post("/api/v1/create_session"),
        client.post(
            "/api/v1/create_session", content=b"null", headers={"content-type": "application/json"}
        ),
    ):
        assert response.status_code == 200
        body = response.json()
        session_id = body["session_id"]
        assert len(session_id) == 36 and session_id.count("-") == 4
        assert body == {
            "type": "create_session",
            "session_id": session_id,
            "info_message": f"Session '{session_id}' registered successfully.",
            "warning_message": None,
            "error_message": None,
        }
    expect(
        client.post("/api/v1/create_session", json={"session_id": "sess-1", "base_model": BASE}),
        200,
        {
            "type": "create_session",
            "session_id": "sess-1",
            "info_message": "Session 'sess-1' registered successfully.",
            "warning_message": None,
            "error_message": None,
        },
    )
    expect(
        client.post("/api/v1/create_session", json={"session_id": "sess-1"}),
        200,
        {
            "type": "create_session",
            "session_id": "sess-1",
            "info_message": "Session 'sess-1' refreshed successfully.",
            "warning_message": "Session 'sess-1' already existed; refreshed activity timestamp.",
            "error_message": None,
        },
    )
    expect(
        client.post("/api/v1/session_heartbeat", json={"model_id": "sess-1"}),
        200,
        {"type": "session_heartbeat", "session_id": "sess-1"},
    )
    info = client.get("/api/v1/session_info").json()
    assert set(info["registered_models"]) >= {"default", "sess-1"}
    assert info["active_sessions"] == len(info["session_activity"]) == 3

    expect(
        client.post(
            "/api/v1/set_sync_quantization",
            json={
                "quantization": {
                    "quant_method": "fp8",
                    "fmt": "e4m3",
                    "weight_block_size": [128, 128],
                }
            },
        ),
        200,
        {
            "quantization": {
                "quant_method": "fp8",
                "fmt": "e4m3",
                "weight_block_size": [128, 128],
                "activation_scheme": "dynamic",
            },
            "message": "Sync quantization set to fp8 (block_size=[128, 128])",
        },
    )
    expect(
        client.post(
            "/api/v1/set_sync_quantization", json={"quantization": {"quant_method": "awq"}}
        ),
        400,
        {
            "detail": "Unsupported set_sync_quantization.quantization quant_method='awq'. Online "
            "weight sync currently supports only BF16/no quantization and sender-side block-FP8. "
            "INT4/compressed-tensors updates and QAT/fake-quant sync are not implemented."
        },
    )
    expect(
        client.post("/api/v1/set_sync_quantization", json={"quantization": None}),
        200,
        {"quantization": None, "message": "Sync quantization set to bf16 (no quantization)"},
    )
    no_pool = {
        "success": False,
        "message": "No registered endpoints match pools=['eval'].",
        "transfer_time": 0.0,
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
    expect(client.post("/api/v1/sync_inference_weights", json={"pools": ["eval"]}), 200, no_pool)
    # The local server is its own implicit endpoint: a plain sync succeeds (hidden alias too).
    for path in ("/api/v1/sync_inference_weights", "/sync_inference_weights"):
        synced = client.post(path, json={})
        assert synced.status_code == 200
        body = synced.json()
        assert set(body) == set(no_pool) and body["success"] is True
        (endpoint,) = body["endpoints_synced"]
        assert endpoint["success"] is True and set(endpoint) == {
            "host",
            "port",
            "success",
            "message",
            "cache_epoch",
            "fp8_kv_cache_postprocess_ran",
            "fp8_kv_cache_static_scales_updated",
        }
    expect(
        client.post("/api/v1/kill_session", json={"model_id": "default", "save_checkpoint": False}),
        200,
        {
            "success": True,
            "message": "Session 'default' killed (full-weight mode: the id stays registered and "
            "the weights stay loaded)",
            "checkpoint_path": None,
        },
    )
    # The published routes are exactly the training server's routes of openapi.yaml.
    published = set(client.get("/openapi.json").json()["paths"])
    spec = api_inventory.operations(api_inventory.load_spec())
    assert published == {op.path for op in spec.values() if not op.on_inference_server}


def test_lora_mode_texts(open_server: Client) -> None:
    client = open_server(lora=True)
    assert future(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE}) == {
        "model_id": "default",
        "type": "create_model",
    }
    policy = {
        "model_id": "policy",
        "base_model": BASE,
        "lora_config": {"rank": 16, "alpha": 32},
        "optimizer_config": {"type": "adamw", "learning_rate": 2e-5, "betas": [0.9, 0.99]},
    }
    assert future(client, "/api/v1/create_model", policy) == {
        "model_id": "policy",
        "type": "create_model",
    }
    # Same spec again: an idempotent refresh.
    assert future(client, "/api/v1/create_model", policy) == {
        "model_id": "policy",
        "type": "create_model",
    }
    assert future(
        client,
        "/api/v1/create_model",
        {"model_id": "policy", "base_model": BASE, "lora_config": {"lora_rank": 8}},
    ) == {
        "error": "model_id='policy' already exists with a different session spec. Call "
        "/api/v1/unload_model first before recreating it.",
        "category": "server",
    }
    assert future(
        client,
        "/api/v1/create_model",
        {"model_id": "big", "base_model": BASE, "lora_config": {"lora_rank": 128}},
    ) == {
        "error": "Requested lora_rank=128 exceeds server max_lora_rank=64. Increase "
        "server.max_lora_rank to support this session.",
        "category": "server",
    }
    assert future(
        client,
        "/api/v1/create_model",
        {
            "model_id": "t2",
            "base_model": BASE,
            "lora_config": {"lora_rank": 8, "lora_target_modules": ["q_proj"]},
        },
    ) == {
        "error": "Per-session LoRA config may only override rank and alpha. Unsupported override "
        "for 'lora_target_modules': ['q_proj'] (server=None).",
        "category": "server",
    }
    assert future(
        client, "/api/v1/create_model", {"model_id": "t3", "base_model": "meta-llama/Llama-3-8B"}
    ) == {
        "error": "create_model base_model must match the server base model. "
        "requested='meta-llama/Llama-3-8B', server='xorl-local/byte-bigram'",
        "category": "server",
    }
    expect(
        client.post(
            "/api/v1/create_session", json={"session_id": "tinker-1", "lora_config": {"rank": 8}}
        ),
        200,
        {
            "type": "create_session",
            "session_id": "tinker-1",
            "info_message": "Session 'tinker-1' registered successfully.",
            "warning_message": None,
            "error_message": None,
        },
    )
    expect(
        client.post(
            "/api/v1/create_session", json={"session_id": "tinker-1", "base_model": "other/model"}
        ),
        400,
        {
            "detail": "session_id='tinker-1' already exists with base_model="
            "'xorl-local/byte-bigram'; requested base_model='other/model'."
        },
    )
    runs = {
        r["training_run_id"]: r for r in client.get("/api/v1/training_runs").json()["training_runs"]
    }
    assert {k: (r["is_lora"], r["lora_rank"]) for k, r in runs.items()} == {
        "default": (True, 32),
        "policy": (True, 16),
        "tinker-1": (True, 8),
    }
    info = client.post("/api/v1/weights_info", json={"xorl_path": "xorl://policy/weights/000000"})
    assert info.status_code == 200
    assert info.json() == {
        "base_model": BASE,
        "is_lora": True,
        "lora_rank": 16,
        "lora_config": {"lora_rank": 16, "lora_alpha": 32},
        "optimizer_config": {
            "type": "adamw",
            "learning_rate": 2e-05,
            "weight_decay": 0.0,
            "optimizer_dtype": "fp32",
            "betas": [0.9, 0.99],
            "eps": 1e-08,
            "optimizer_kwargs": {},
        },
    }
    # optim_step without a learning rate uses the session's optimizer_config lr.
    future(
        client,
        "/api/v1/forward_backward",
        {
            "model_id": "policy",
            "seq_id": 3,
            "forward_backward_input": {
                "data": [
                    {
                        "model_input": {"input_ids": [1, 2, 3]},
                        "loss_fn_inputs": {"labels": [1, 2, 3]},
                    }
                ],
                "loss_fn": "causallm_loss",
                "loss_fn_params": {"return_per_token": False},
            },
        },
    )
    step = future(client, "/api/v1/optim_step", {"model_id": "policy", "seq_id": 4})
    assert step["metrics"]["learning_rate"] == 2e-05 and step["metrics"]["step"] == 1

    expect(
        client.post("/api/v1/unload_model", json={"model_id": "default"}),
        400,
        {"detail": "The default LoRA session is reserved and cannot be unloaded."},
    )
    expect(
        client.post("/api/v1/kill_session", json={"model_id": "default"}),
        200,
        {
            "success": True,
            "message": "Default LoRA session is reserved and was not removed.",
            "checkpoint_path": None,
        },
    )
    killed = client.post(
        "/api/v1/kill_session", json={"session_id": "policy", "save_checkpoint": False}
    )
    assert killed.status_code == 200 and killed.json()["success"] is True
    assert killed.json()["checkpoint_path"] is None
    expect(
        client.post(
            "/api/v1/forward_backward",
            json={
                "model_id": "policy",
                "forward_backward_input": {
                    "data": [{"model_input": {"input_ids": [1, 2]}, "loss_fn_inputs": {}}]
                },
            },
        ),
        400,
        {
            "detail": "model_id 'policy' has not been registered. You must call "
            "/api/v1/create_model or /api/v1/create_session first to register your model_id "
            "before calling other /api/v1/ endpoints. Try initializing the TrainingClient by "
            "calling create_lora_training_client on the ServiceClient."
        },
    )
    # kill_session with the default save_checkpoint=true reports where it saved.
    saved = client.post("/api/v1/kill_session", json={"model_id": "tinker-1"}).json()
    assert saved["success"] is True
    assert saved["checkpoint_path"].startswith("xorl://tinker-1/weights/session-end-")
    assert set(client.get("/api/v1/session_info").json()["registered_models"]) == {"default"}


def test_field_rules_match_the_real_models(open_server: Client) -> None:
    client = open_server()
    # model_id is a string: an explicit null is a 422 (session_id is read only when the
    # model_id key is absent), and the same in reverse on session_heartbeat.
    for path, body in (
        ("/api/v1/abort_gradient_epoch", {"model_id": None}),
        ("/api/v1/save_weights", {"model_id": None, "session_id": "default"}),
        ("/api/v1/list_checkpoints", {"model_id": None}),
        ("/api/v1/session_heartbeat", {"model_id": "default", "session_id": None}),
    ):
        assert client.post(path, json=body).status_code == 422, path
    assert (
        client.post("/api/v1/list_checkpoints", json={"session_id": "default"}).status_code == 200
    )
    # Tinker chunks replace the whole model_input, even next to input_ids.
    chunked = {
        "model_input": {
            "input_ids": [1, 2],
            "chunks": [{"type": "encoded_text", "tokens": [5, 6, 7]}],
        },
        "loss_fn_inputs": {"labels": [5, 6, 7]},
    }
    answer = future(client, "/api/v1/forward", {"forward_input": {"data": [chunked]}})
    assert answer["loss_fn_outputs"][0]["logprobs"]["shape"] == [2]
    # TensorData.data is List[Union[int, float, str]].
    mixed = {
        "model_input": {"input_ids": [1, 2, 3]},
        "loss_fn_inputs": {"x": {"data": [1, 0.5, "a"], "dtype": "float32", "shape": [3]}},
    }
    assert (
        client.post("/api/v1/forward", json={"forward_input": {"data": [mixed]}}).status_code == 200
    )
    # optimizer_config.optimizer_kwargs is optional (null accepted at validation time).
    nullable = {
        "model_id": "default",
        "base_model": BASE,
        "optimizer_config": {"optimizer_kwargs": None},
    }
    assert client.post("/api/v1/create_model", json=nullable).status_code == 200
