"""End-to-end flows over HTTP: sessions, checkpoints, path safety and the SGLang ``/generate``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from xorl_client.byte_tokenizer import BOS_ID, ByteTokenizer
from xorl_client.local import LocalServerConfig, serve_in_thread

BASE = "xorl-local/byte-bigram"
Open = Callable[..., httpx.Client]
TOK = ByteTokenizer()


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[Open]:
    with contextlib.ExitStack() as stack:

        def _open(**overrides: Any) -> httpx.Client:
            settings: dict[str, Any] = {"port": 0, "output_dir": tmp_path / "out"}
            settings.update(overrides)
            url = stack.enter_context(serve_in_thread(LocalServerConfig(**settings)))
            return stack.enter_context(httpx.Client(base_url=url, timeout=30))

        yield _open


def future(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    submitted = client.post(path, json=body)
    assert submitted.status_code == 200, submitted.text
    request_id = submitted.json()["request_id"]
    while True:
        polled = client.post("/api/v1/retrieve_future", json={"request_id": request_id})
        assert polled.status_code == 200, polled.text
        answer: dict[str, Any] = polled.json()
        if answer.get("type") != "try_again":
            return answer


def ok(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = future(client, path, body)
    assert "error" not in answer, answer
    return answer


def sft(model_id: str, text: str) -> dict[str, Any]:
    ids = TOK.encode(text)
    return {
        "model_id": model_id,
        "forward_backward_input": {
            "data": [{"model_input": {"input_ids": ids}, "loss_fn_inputs": {"labels": ids}}],
            "loss_fn": "cross_entropy",
        },
    }


def forward_logprobs(client: httpx.Client, model_id: str, text: str = "hello world") -> list[float]:
    body = sft(model_id, text)
    body["forward_input"] = body.pop("forward_backward_input")
    out = ok(client, "/api/v1/forward", body)
    data: list[float] = out["loss_fn_outputs"][0]["logprobs"]["data"]
    return data


def train(client: httpx.Client, model_id: str, text: str, steps: int, lr: float) -> None:
    for _ in range(steps):
        ok(client, "/api/v1/forward_backward", sft(model_id, text))
        ok(client, "/api/v1/optim_step", {"model_id": model_id, "learning_rate": lr})


def generate(client: httpx.Client, **body: Any) -> Any:
    response = client.post("/generate", json=body)
    assert response.status_code == 200, response.text
    return response.json()


# ----------------------------------------------------------------------------- full weight


def test_full_weight_training_checkpoint_roundtrip(open_server: Open) -> None:
    client = open_server()
    ok(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE})
    before = forward_logprobs(client, "default")
    train(client, "default", "hello world", steps=3, lr=0.05)
    trained = forward_logprobs(client, "default")
    assert sum(trained) > sum(before)  # training on the text made it likelier
    assert ok(client, "/api/v1/save_weights", {"path": "trained"}) == {
        "path": "xorl://default/weights/trained"
    }
    train(client, "default", "something else entirely", steps=3, lr=0.05)
    assert forward_logprobs(client, "default") != trained
    for form in (
        "xorl://default/weights/trained",
        "weights/default/trained",
        "weights/trained",
        "default/trained",
        "trained",
    ):
        train(client, "default", "drift", steps=1, lr=0.05)
        assert ok(client, "/api/v1/load_weights", {"path": form}) == {"path": form}
        assert forward_logprobs(client, "default") == trained
    # The reserved initial checkpoint restores the untrained model.
    ok(client, "/api/v1/load_weights", {"path": "000000", "optimizer": False})
    assert forward_logprobs(client, "default") == before

    listed = client.post("/api/v1/list_checkpoints", json={}).json()["checkpoints"]
    ids = [c["checkpoint_id"] for c in listed]
    assert set(ids) == {"weights/default/trained", "weights/default/000000"}
    assert ids[0] == "weights/default/trained"  # newest first
    assert all(c["size_bytes"] > 0 and "+" not in c["time"] for c in listed)
    info = client.post("/api/v1/weights_info", json={"xorl_path": "xorl://default/weights/trained"})
    assert info.json()["is_lora"] is False and info.json()["base_model"] == BASE
    runs = client.get("/api/v1/training_runs").json()["training_runs"]
    assert runs[0]["last_checkpoint"]["checkpoint_id"] == "weights/default/trained"

    deleted = client.post(
        "/api/v1/delete_checkpoint", json={"checkpoint_id": "weights/default/trained"}
    )
    assert deleted.json() == {
        "success": True,
        "deleted_path": "xorl://default/weights/trained",
        "error": None,
    }
    # Re-saving the reserved 000000 is allowed (no 409), unlike any other name.
    assert ok(client, "/api/v1/save_weights", {"path": "000000"}) == {
        "path": "xorl://default/weights/000000"
    }


# ----------------------------------------------------------------------------- LoRA


def test_lora_sessions_keep_independent_adapters(open_server: Open) -> None:
    client = open_server(lora=True)
    ok(
        client,
        "/api/v1/create_model",
        {"model_id": "alice", "base_model": BASE, "lora_config": {"rank": 4}},
    )
    ok(
        client,
        "/api/v1/create_model",
        {"model_id": "bob", "base_model": BASE, "lora_config": {"lora_rank": 8, "lora_alpha": 8}},
    )
    base_view = forward_logprobs(client, "default")
    bob_before = forward_logprobs(client, "bob")
    alice_before = forward_logprobs(client, "alice")
    # Fresh LoRA adapters (B = 0) compute exactly the base model.
    assert bob_before == alice_before == base_view

    train(client, "alice", "hello world", steps=5, lr=0.05)
    assert forward_logprobs(client, "alice") != alice_before
    assert forward_logprobs(client, "bob") == bob_before
    assert forward_logprobs(client, "default") == base_view

    saved = ok(client, "/api/v1/save_weights", {"model_id": "alice", "path": "a1"})
    assert saved == {"path": "xorl://alice/weights/a1"}
    info = client.post("/api/v1/weights_info", json={"xorl_path": "xorl://alice/weights/a1"}).json()
    assert info["is_lora"] is True and info["lora_config"] == {"lora_rank": 4, "lora_alpha": 16}
    # Cross-session loads are allowed, but not into an adapter of another rank.
    failed = future(
        client, "/api/v1/load_weights", {"model_id": "bob", "path": "xorl://alice/weights/a1"}
    )
    assert failed["error"].startswith("500: Failed to load checkpoint: ")
    assert forward_logprobs(client, "bob") == bob_before

    # Each session's checkpoints are listed under its own id.
    listed = client.post("/api/v1/list_checkpoints", json={"session_id": "alice"}).json()
    assert {c["checkpoint_id"] for c in listed["checkpoints"]} == {
        "weights/alice/a1",
        "weights/alice/000000",
    }
    info_now = client.get("/api/v1/session_info").json()
    assert sorted(info_now["loaded_training_adapters"]) == ["alice", "bob", "default"]
    assert info_now["current_training_adapter"] == "bob"


def test_lora_adapter_via_lora_path_differs_from_base(open_server: Open) -> None:
    client = open_server(lora=True)
    ok(
        client,
        "/api/v1/create_model",
        {"model_id": "policy", "base_model": BASE, "lora_config": {"rank": 8}},
    )
    train(client, "policy", "ab" * 16, steps=25, lr=0.3)
    exported = ok(
        client, "/api/v1/save_weights_for_sampler", {"model_id": "policy", "name": "ab-adapter"}
    )
    assert exported == {"path": "xorl://policy/sampler_weights/ab-adapter"}
    session = client.post(
        "/api/v1/create_sampling_session", json={"model_path": exported["path"]}
    ).json()
    assert session == {
        "success": True,
        "model_path": "xorl://policy/sampler_weights/ab-adapter",
        "lora_name": "ab-adapter",
        "message": "LoRA adapter 'ab-adapter' loaded successfully",
    }
    greedy = {"max_new_tokens": 6, "temperature": 0}
    tuned = generate(client, text="a", sampling_params=greedy, lora_path="ab-adapter")
    base = generate(client, text="a", sampling_params=greedy)
    assert tuned["text"] == "bababa"
    assert base["output_ids"] != tuned["output_ids"]
    assert client.get("/api/v1/session_info").json()["loaded_sampling_adapters"] == {"policy": 1}
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == [BASE, "ab-adapter"]
    # Unloading the owner unloads its sampling adapters.
    unload = client.post("/api/v1/unload_model", json={"model_id": "policy"}).json()["request_id"]
    # The cleanup deletes the unload future itself, so its 404 marks the cleanup as done.
    while client.post("/api/v1/retrieve_future", json={"request_id": unload}).status_code != 404:
        pass
    missing = client.post("/generate", json={"text": "a", "lora_path": "ab-adapter"})
    assert missing.status_code == 400
    assert "ab-adapter" in missing.json()["error"]["message"]


# ----------------------------------------------------------------------------- path safety


def test_path_traversal_is_refused_and_nothing_escapes_output_dir(
    open_server: Open, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched")
    client = open_server(output_dir=tmp_path / "out")
    out = tmp_path / "out"
    (out / "weights" / "default").mkdir(parents=True, exist_ok=True)
    (out / "weights" / "default" / "link").symlink_to(outside, target_is_directory=True)

    for name in ("../../outside/x", "..", "/tmp/escape", "a/b", ".hidden", "x" * 200):
        failed = future(client, "/api/v1/save_weights", {"path": name})
        assert failed["error"].startswith("400: Invalid checkpoint name"), failed
        assert failed["category"] == "user"
    for name in ("../outside", "..", "sub/dir"):
        failed = future(client, "/api/v1/save_weights_for_sampler", {"name": name})
        assert failed["error"].startswith("400: Invalid checkpoint name"), failed
    for path in (
        "../../../etc/passwd",
        "weights/../outside",
        "xorl://../weights/x",
        "xorl://default/weights/..",
        "weights/default/../../outside",
        "link",
    ):
        failed = future(client, "/api/v1/load_weights", {"path": path})
        assert failed["error"].startswith("400: Invalid "), (path, failed)
    for checkpoint_id in ("weights/../../outside", "sampler_weights/..", "weights/default/link"):
        response = client.post("/api/v1/delete_checkpoint", json={"checkpoint_id": checkpoint_id})
        assert response.status_code == 400, (checkpoint_id, response.text)
    for xorl_path in (
        "xorl://default/weights/..",
        "xorl://../weights/x",
        "xorl://default/weights/link",
    ):
        response = client.post("/api/v1/weights_info", json={"xorl_path": xorl_path})
        assert response.status_code == 400, (xorl_path, response.text)
    for model_path in ("../outside", "sampler_weights/../../outside", "/etc"):
        response = client.post("/api/v1/create_sampling_session", json={"model_path": model_path})
        assert response.status_code == 400, (model_path, response.text)
    traversal_id = client.post("/api/v1/save_weights", json={"model_id": "../x", "path": "a"})
    assert traversal_id.status_code == 400

    # Nothing was written anywhere but output_dir, and the symlink target is untouched.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "outside"]
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert (outside / "keep.txt").read_text() == "untouched"
    assert (out / "weights" / "default" / "link").is_symlink()


# ----------------------------------------------------------------------------- /generate


def test_generate_shapes_seeds_and_logprobs(open_server: Open) -> None:
    client = open_server()
    single = generate(client, input_ids=[72, 105], sampling_params={"max_new_tokens": 5, "seed": 7})
    assert isinstance(single, dict) and set(single) == {"text", "output_ids", "meta_info"}
    assert len(single["output_ids"]) == 5
    meta = single["meta_info"]
    assert meta["finish_reason"] == {"type": "length"}
    assert (meta["prompt_tokens"], meta["completion_tokens"]) == (2, 5)
    assert "output_token_logprobs" not in meta

    again = generate(client, input_ids=[72, 105], sampling_params={"max_new_tokens": 5, "seed": 7})
    other = generate(
        client, input_ids=[72, 105], sampling_params={"max_new_tokens": 5, "sampling_seed": 8}
    )
    assert again["output_ids"] == single["output_ids"]
    assert other["output_ids"] != single["output_ids"]

    several = generate(client, text="Hi", sampling_params={"max_new_tokens": 4, "n": 3, "seed": 1})
    assert isinstance(several, list) and len(several) == 3
    assert several[0]["meta_info"]["prompt_tokens"] == 3  # <bos> + "Hi"
    batch = generate(client, input_ids=[[1, 2], [3]], sampling_params={"max_new_tokens": 2})
    assert isinstance(batch, list) and [b["meta_info"]["prompt_tokens"] for b in batch] == [2, 1]
    texts = generate(client, text=["a"], sampling_params=[{"max_new_tokens": 1}])
    assert isinstance(texts, list) and len(texts) == 1

    scored = generate(
        client,
        input_ids=[BOS_ID, 72, 105],
        sampling_params={"max_new_tokens": 4, "seed": 3},
        return_logprob=True,
        logprob_start_len=0,
    )
    out_lp = scored["meta_info"]["output_token_logprobs"]
    assert [entry[1] for entry in out_lp] == scored["output_ids"]
    assert all(isinstance(lp, float) and lp < 0 and text is None for lp, _tok, text in out_lp)
    in_lp = scored["meta_info"]["input_token_logprobs"]
    assert [entry[1] for entry in in_lp] == [BOS_ID, 72, 105] and in_lp[0][0] is None

    first = generate(
        client, input_ids=[65], sampling_params={"max_new_tokens": 8, "temperature": 0}
    )
    token = first["output_ids"][0]
    stopped = generate(
        client,
        input_ids=[65],
        sampling_params={"max_new_tokens": 8, "temperature": 0, "stop_token_ids": [token]},
    )
    assert stopped["output_ids"] == [token]
    assert stopped["meta_info"]["finish_reason"] == {"type": "stop", "matched": token}

    for bad in (
        {"text": "a", "input_ids": [1]},
        {"input_ids": [1], "lora_path": "never-loaded"},
        {"input_ids": [1], "sampling_params": {"max_new_tokens": 2}, "stream": True},
        {"input_ids": [999]},
    ):
        response = client.post("/generate", json=bad)
        assert response.status_code == 400, bad
        assert isinstance(response.json()["error"]["message"], str)
    assert client.post("/abort_request", json={"rid": "x"}).status_code == 200


def test_sync_inference_weights_updates_generate_and_stop_strings(open_server: Open) -> None:
    client = open_server()
    ok(client, "/api/v1/create_model", {"model_id": "default", "base_model": BASE})
    greedy = {"max_new_tokens": 6, "temperature": 0}
    before = generate(client, text="a", sampling_params=greedy)
    train(client, "default", "ab" * 16, steps=25, lr=0.3)
    # Training alone does not move the sampler: it serves the last synced weights.
    assert generate(client, text="a", sampling_params=greedy)["output_ids"] == before["output_ids"]
    synced = client.post("/api/v1/sync_inference_weights", json={"model_id": "default"}).json()
    assert synced["success"] is True
    after = generate(client, text="a", sampling_params=greedy)
    assert after["text"] == "bababa"
    assert after["meta_info"]["finish_reason"] == {"type": "length"}

    cut = generate(client, text="a", sampling_params={**greedy, "stop": ["bab"]})
    assert cut["text"] == "" and cut["meta_info"]["finish_reason"] == {
        "type": "stop",
        "matched": "bab",
    }
    assert cut["output_ids"] == TOK.encode("bab")
    kept = generate(
        client, text="a", sampling_params={**greedy, "stop": "ab", "no_stop_trim": True}
    )
    assert kept["text"] == "bab" and kept["meta_info"]["completion_tokens"] == 3

    # Registering the local server itself is accepted (it is the implicit endpoint anyway).
    url = httpx.URL(str(client.base_url))
    added = client.post(
        "/add_inference_endpoint", json={"host": "localhost", "port": url.port}
    ).json()
    assert added["success"] is True and added["endpoint"]["host"] == "127.0.0.1"
    assert added["endpoint"]["server_info"]["model_path"] == BASE
    listed = client.get("/list_inference_endpoints").json()
    assert listed["count"] == 1
    duplicate = client.post(
        "/add_inference_endpoint", json={"host": "127.0.0.1", "port": url.port}
    ).json()
    assert duplicate["success"] is False and duplicate["message"].endswith("already registered")
    removed = client.post(
        "/remove_inference_endpoint", json={"host": "127.0.0.1", "port": url.port}
    )
    assert removed.json() == {
        "success": True,
        "message": f"Successfully removed endpoint http://127.0.0.1:{url.port}",
    }
