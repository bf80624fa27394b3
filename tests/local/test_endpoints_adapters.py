"""The inference-endpoint registry, weight sync to pools, sampling sessions on registered
endpoints, and SGLang's adapter routes - two local servers on 127.0.0.1 (a trainer and an
inference server), over HTTP."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from xorl_client.local import LocalServerConfig, serve_in_thread

from .conftest import Open
from .wire import BASE, generate, ok, post_json, train

GREEDY = {"max_new_tokens": 8, "temperature": 0}


def _port(client: httpx.Client) -> int:
    port = httpx.URL(str(client.base_url)).port
    assert port is not None
    return port


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _trained_trainer(open_server: Open) -> httpx.Client:
    trainer = open_server()
    ok(trainer, "/api/v1/create_model", {"model_id": "default", "base_model": BASE})
    train(trainer, "ab" * 16, steps=6, lr=0.5)
    return trainer


def test_registry_pools_and_sync_follow_the_real_bodies(open_server: Open) -> None:
    trainer = _trained_trainer(open_server)
    sampler = open_server()
    port = _port(sampler)
    url = f"http://127.0.0.1:{port}"

    added = post_json(
        trainer, "/add_inference_endpoint", {"host": "localhost", "port": port, "pool": "eval"}
    )
    endpoint = added["endpoint"]
    assert (added["success"], added["message"]) == (True, f"Successfully added endpoint {url}")
    assert (added["weights_synced"], added["sync_message"]) == (False, None)
    assert (endpoint["host"], endpoint["port"], endpoint["worker_port"]) == (
        "127.0.0.1",
        port,
        port,
    )
    assert (endpoint["pool"], endpoint["healthy"], endpoint["world_size"]) == ("eval", True, 1)
    assert endpoint["server_info"]["model_path"] == BASE
    again = post_json(trainer, "/add_inference_endpoint", {"host": "127.0.0.1", "port": port})
    assert again == {
        "success": False,
        "message": f"Endpoint {url} already registered",
        "endpoint": endpoint,
        "weights_synced": False,
        "sync_message": None,
    }
    closed = _closed_port()
    dead = post_json(trainer, "/add_inference_endpoint", {"host": "127.0.0.1", "port": closed})
    assert (dead["success"], dead["endpoint"]) == (False, None)
    assert dead["message"] == (
        f"Health check failed for SGLang server http://127.0.0.1:{closed} or inference worker "
        f"http://127.0.0.1:{closed}"
    )
    for body, detail in (
        ({"host": "127.0.0.1", "port": 0}, "Endpoint port must be in [1, 65535], got 0"),
        (
            {"host": "127.0.0.1", "port": port, "worker_port": 70000},
            "Endpoint port must be in [1, 65535], got 70000",
        ),
        ({"host": "a/b", "port": port}, "Invalid endpoint host: 'a/b'"),
    ):
        assert post_json(trainer, "/add_inference_endpoint", body, 400) == {"detail": detail}
    other = _port(open_server())
    fp8 = post_json(
        trainer,
        "/add_inference_endpoint",
        {"host": "127.0.0.1", "port": other, "receiver_kv_cache_dtype": "fp8"},
    )
    assert (fp8["success"], fp8["endpoint"]) == (False, None)
    assert fp8["message"] == (
        f"Endpoint http://127.0.0.1:{other} does not match receiver_kv_cache_dtype='fp8': "
        "/server_info kv_cache_dtype='auto', fp8_kv_cache_enabled=False."
    )
    listed = trainer.get("/list_inference_endpoints").json()
    assert listed == {"endpoints": [endpoint], "count": 1}

    # Sync to the eval pool only: the trainer's own sampler keeps the base weights, and the
    # other process cannot receive weights from the local server (said so, not hidden).
    before = generate(trainer, text="a", sampling_params=GREEDY)
    eval_only = post_json(trainer, "/api/v1/sync_inference_weights", {"pools": ["eval"]})
    assert eval_only["success"] is False
    assert [(e["host"], e["port"], e["success"]) for e in eval_only["endpoints_synced"]] == [
        ("127.0.0.1", port, False)
    ]
    assert "cannot push weights" in eval_only["endpoints_synced"][0]["message"]
    assert generate(trainer, text="a", sampling_params=GREEDY)["output_ids"] == before["output_ids"]
    default_only = post_json(
        trainer,
        "/api/v1/sync_inference_weights",
        {"pools": ["default"], "sync_method": "nccl_ep_scatter", "timeout_s": 60},
    )
    assert default_only["success"] is True and len(default_only["endpoints_synced"]) == 1
    assert generate(trainer, text="a", sampling_params=GREEDY)["text"] == "babababa"
    none_match = post_json(trainer, "/api/v1/sync_inference_weights", {"pools": ["other"]})
    assert (none_match["success"], none_match["message"]) == (
        False,
        "No registered endpoints match pools=['other'].",
    )

    # cache_invalidation_mode: the local sampler has no radix cache (server_info says so).
    for body, flushed in (
        ({"pools": ["default"]}, False),
        ({"pools": ["default"], "flush_cache": True}, True),
        ({"pools": ["default"], "cache_invalidation_mode": "flush"}, True),
        ({"pools": ["default"], "cache_invalidation_mode": "none"}, False),
    ):
        answer = post_json(trainer, "/api/v1/sync_inference_weights", body)
        assert answer["flush_cache"] is flushed, body

    # remove_inference_endpoint wants the stored host verbatim, like the real server.
    missing = post_json(trainer, "/remove_inference_endpoint", {"host": "localhost", "port": port})
    assert missing == {
        "success": False,
        "message": f"Endpoint http://localhost:{port} not found in registry",
    }
    removed = post_json(trainer, "/remove_inference_endpoint", {"host": "127.0.0.1", "port": port})
    assert removed == {"success": True, "message": f"Successfully removed endpoint {url}"}
    assert trainer.get("/list_inference_endpoints").json() == {"endpoints": [], "count": 0}


def test_listing_drops_endpoints_that_went_away(open_server: Open, tmp_path: Path) -> None:
    trainer = open_server()
    config = LocalServerConfig(port=0, output_dir=tmp_path / "gone")
    with serve_in_thread(config) as gone_url:
        gone = httpx.URL(gone_url).port
        added = post_json(trainer, "/add_inference_endpoint", {"host": "127.0.0.1", "port": gone})
        assert added["success"] is True
        assert trainer.get("/list_inference_endpoints").json()["count"] == 1
    assert trainer.get("/list_inference_endpoints").json() == {"endpoints": [], "count": 0}


def test_add_with_sync_weights_reports_the_sync(open_server: Open) -> None:
    trainer = open_server()
    port = _port(trainer)  # the trainer itself: its implicit endpoint, registered explicitly
    added = post_json(
        trainer,
        "/add_inference_endpoint",
        {"host": "127.0.0.1", "port": port, "sync_weights": True},
    )
    assert added["success"] is True and added["weights_synced"] is True
    assert added["sync_message"].startswith("Weights synced successfully in ")


def test_sampling_session_loads_on_every_registered_endpoint(
    open_server: Open, tmp_path: Path
) -> None:
    trainer = _trained_trainer(open_server)
    sampler = open_server()  # shares the trainer's output directory, like a co-located server
    port = _port(sampler)
    assert post_json(trainer, "/add_inference_endpoint", {"host": "127.0.0.1", "port": port})[
        "success"
    ]
    path = ok(trainer, "/api/v1/save_weights_for_sampler", {"model_id": "default", "name": "s1"})[
        "path"
    ]
    session = post_json(trainer, "/api/v1/create_sampling_session", {"model_path": path})
    assert session == {
        "success": True,
        "model_path": path,
        "lora_name": "s1",
        "message": "LoRA adapter 's1' loaded successfully",
    }
    models = sampler.get("/v1/models").json()["data"]
    assert [(m["id"], m["parent"]) for m in models] == [(BASE, None), ("s1", BASE)]
    on_trainer = generate(trainer, text="a", sampling_params=GREEDY, lora_path="s1")
    on_sampler = generate(sampler, text="a", sampling_params=GREEDY, lora_path="s1")
    assert on_sampler["output_ids"] == on_trainer["output_ids"]
    assert on_sampler["text"] == "babababa"  # the trained weights, not the base model's
    # Loading it again: the endpoint answers "already loaded", which counts as success.
    assert post_json(trainer, "/api/v1/create_sampling_session", {"model_path": path})["success"]
    # An endpoint that cannot load it makes the whole call fail with the real text.
    assert post_json(sampler, "/unload_lora_adapter", {"lora_name": "s1"})["success"]
    # A server that does not see the trainer's exports cannot load the adapter.
    other = open_server(output_dir=tmp_path / "elsewhere")
    assert post_json(
        trainer, "/add_inference_endpoint", {"host": "127.0.0.1", "port": _port(other)}
    )["success"]
    failed = post_json(trainer, "/api/v1/create_sampling_session", {"model_path": path}, 500)
    assert failed["detail"].startswith(
        f"Failed to load LoRA adapter on some endpoints: http://127.0.0.1:{_port(other)}: "
    )
    assert "outside the server's output directory" in failed["detail"]


def test_adapter_load_unload_on_the_inference_side(open_server: Open, tmp_path: Path) -> None:
    client = _trained_trainer(open_server)
    path = ok(client, "/api/v1/save_weights_for_sampler", {"model_id": "default", "name": "a1"})[
        "path"
    ]
    export = str(tmp_path / "out" / "sampler_weights" / "a1")
    assert path == "xorl://default/sampler_weights/a1"

    loaded = post_json(client, "/load_lora_adapter", {"lora_name": "x", "lora_path": export})
    assert loaded == {"success": True, "error_message": None, "loaded_adapters": {"x": export}}
    with_adapter = generate(client, text="a", sampling_params=GREEDY, lora_path="x")
    assert with_adapter["text"] == "babababa"
    assert generate(client, text="a", sampling_params=GREEDY)["text"] != "babababa"

    again = post_json(
        client, "/load_lora_adapter", {"lora_name": "x", "lora_path": export, "pinned": True}, 400
    )
    assert again["success"] is False and "already loaded" in again["error_message"]
    # The body says where the name is loaded from: the same adapter, not a name clash.
    assert again["loaded_adapters"] == {"x": export}

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    refused = post_json(
        client, "/load_lora_adapter", {"lora_name": "y", "lora_path": str(outside)}, 400
    )
    assert "outside the server's output directory" in refused["error_message"]
    nothing = post_json(
        client,
        "/load_lora_adapter",
        {"lora_name": "y", "lora_path": str(tmp_path / "out" / "sampler_weights" / "none")},
        400,
    )
    assert nothing["error_message"].startswith("Failed to load LoRA adapter 'y'")
    assert nothing["loaded_adapters"] == {"x": export}
    assert client.post("/load_lora_adapter", json={"lora_path": export}).status_code == 422

    flushed = client.post("/flush_cache", params={"timeout": 5})
    assert flushed.status_code == 200 and flushed.text.startswith("Cache flushed.")
    assert flushed.headers["content-type"].startswith("text/plain")

    unloaded = post_json(client, "/unload_lora_adapter", {"lora_name": "x"})
    assert unloaded == {"success": True, "error_message": None, "loaded_adapters": {}}
    gone = post_json(
        client, "/generate", {"text": "a", "sampling_params": GREEDY, "lora_path": "x"}, 400
    )
    assert "LoRA adapter 'x' is not loaded" in gone["error"]["message"]
    twice = post_json(client, "/unload_lora_adapter", {"lora_name": "x"}, 400)
    assert twice == {
        "success": False,
        "error_message": "LoRA adapter 'x' is not loaded. Loaded LoRAs: []",
        "loaded_adapters": {},
    }
