"""Inference-endpoint routes: registry, weight sync, sync quantization, sampling sessions.

Bodies, statuses and texts are the real server's (``inference_endpoints.py``); the deliberate
differences (implicit local endpoint, loopback-only allowlist, no weight push into another
process) are listed in :mod:`xorl_client.local.inference`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter, HTTPException, Request

from xorl_client.local.engine import EngineError, SamplerWeights
from xorl_client.local.inference import (
    Endpoint,
    LoadedAdapter,
    endpoint_url,
    normalize_quantization,
    quantization_message,
    validate_endpoint,
)
from xorl_client.local.schemas import (
    AddInferenceEndpointRequest,
    CreateSamplingSessionRequest,
    RemoveInferenceEndpointRequest,
    SetSyncQuantizationRequest,
    SyncInferenceWeightsRequest,
)
from xorl_client.local.sessions import DEFAULT_MODEL_ID

if TYPE_CHECKING:
    from pathlib import Path

    from xorl_client.local.state import LocalServer

__all__ = ["add_endpoint_routes"]

#: seconds per ``/load_lora_adapter`` on a registered endpoint (the real server allows 300)
_LOAD_TIMEOUT = 300.0
_FP8_KV = {"fp8", "fp8_e4m3", "e4m3", "float8_e4m3fn"}
_NO_PUSH = "the local server cannot push weights into another process"


def add_endpoint_routes(router: APIRouter, server: LocalServer) -> None:
    inference = server.inference

    async def sync_weights(body: SyncInferenceWeightsRequest, request: Request) -> dict[str, Any]:
        inference.note_request(request)
        quantization = inference.quantization
        if "quantization" in body.model_fields_set:
            quantization = normalize_quantization(
                body.quantization, "sync_inference_weights.quantization"
            )
        targets = [
            e for e in inference.endpoints.values() if body.pools is None or e.pool in body.pools
        ]
        local_included = body.pools is None or "default" in body.pools
        if not targets and not local_included:
            return server.sync_response(
                success=False,
                message=f"No registered endpoints match pools={body.pools!r}.",
                mode=body.cache_invalidation_mode,
                flush=False,
                synced=[],
            )
        model_id = body.model_id or DEFAULT_MODEL_ID
        started = time.perf_counter()

        def job() -> SamplerWeights:
            server.check_awake()
            return server.sessions.training_model(model_id).sampler_weights()

        try:
            weights = await server.scheduler.run(
                job, name="Sync-inference-weights", model_id=model_id
            )
        except EngineError as exc:
            raise HTTPException(500, f"Engine error: {exc}") from exc
        synced: list[dict[str, Any]] = []
        if local_included or any(inference.is_self(e.host, e.port) for e in targets):
            inference.active = weights
            inference.active_model_id = model_id
            inference.weight_version = body.weight_version
        if local_included:
            host = request.url.hostname or server.config.host
            synced.append(_synced(host, inference.self_port or server.config.port, True, ""))
        for endpoint in targets:
            if inference.is_self(endpoint.host, endpoint.port):
                if not local_included:
                    synced.append(_synced(endpoint.host, endpoint.port, True, ""))
            else:
                synced.append(_synced(endpoint.host, endpoint.port, False, _NO_PUSH))
        success = any(item["success"] for item in synced)
        return server.sync_response(
            success=success,
            message=(
                f"Synced weights of model_id='{model_id}' to the local sampler"
                if success
                else f"No endpoint received the weights of model_id='{model_id}': {_NO_PUSH}"
            ),
            mode=body.cache_invalidation_mode,
            flush=_flush_decision(body, quantization, server),
            synced=synced,
            transfer_time=time.perf_counter() - started,
        )

    router.add_api_route(
        "/api/v1/sync_inference_weights",
        sync_weights,
        methods=["POST"],
        tags=["Inference Endpoint Management"],
    )
    router.add_api_route(
        "/sync_inference_weights", sync_weights, methods=["POST"], include_in_schema=False
    )

    @router.post("/add_inference_endpoint", tags=["Inference Endpoint Management"])
    async def add_inference_endpoint(
        body: AddInferenceEndpointRequest, request: Request
    ) -> dict[str, Any]:
        inference.note_request(request)
        worker_port = body.worker_port if body.worker_port is not None else body.port
        host = validate_endpoint(body.host, body.port, worker_port)
        url = endpoint_url(host, body.port)
        existing = inference.endpoints.get((host, body.port))
        if existing is not None:
            return _add_response(False, f"Endpoint {url} already registered", existing)
        worker_url = endpoint_url(host, worker_port)
        healthy = await inference.is_healthy(host, body.port)
        if healthy and worker_port != body.port:
            healthy = await inference.is_healthy(host, worker_port)
        if not healthy:
            return _add_response(
                False,
                f"Health check failed for SGLang server {url} or inference worker {worker_url}",
                None,
            )
        info = await inference.fetch_server_info(host, body.port)
        refusal = _kv_cache_refusal(body.receiver_kv_cache_dtype, info, url) or _mismatch(
            info, inference.endpoints.values()
        )
        if refusal is not None:
            return _add_response(False, refusal, None)
        world_size = body.world_size
        if info is not None and isinstance(info.get("tp_size"), int) and info["tp_size"] > 1:
            world_size = info["tp_size"]
        endpoint = Endpoint(
            host=host,
            port=body.port,
            worker_port=worker_port,
            world_size=world_size,
            pool=body.pool,
            server_info=info,
        )
        inference.endpoints[(host, body.port)] = endpoint
        response = _add_response(True, f"Successfully added endpoint {url}", endpoint)
        if body.sync_weights:
            sync = await sync_weights(SyncInferenceWeightsRequest(pools=[body.pool]), request)
            response["weights_synced"] = bool(sync["success"])
            response["sync_message"] = (
                f"Weights synced successfully in {sync['transfer_time']:.2f}s (0.00 GB)"
                if sync["success"]
                else f"Weight sync failed: {sync['message']}"
            )
        return response

    @router.get("/list_inference_endpoints", tags=["Inference Endpoint Management"])
    async def list_inference_endpoints(request: Request) -> dict[str, Any]:
        inference.note_request(request)
        for key, endpoint in list(inference.endpoints.items()):
            # The real route drops endpoints that fail the check, as a side effect.
            if await inference.is_healthy(endpoint.host, endpoint.port):
                endpoint.healthy = True
            else:
                inference.endpoints.pop(key, None)
        endpoints = [e.to_json() for e in inference.endpoints.values()]
        return {"endpoints": endpoints, "count": len(endpoints)}

    @router.post("/remove_inference_endpoint", tags=["Inference Endpoint Management"])
    async def remove_inference_endpoint(body: RemoveInferenceEndpointRequest) -> dict[str, Any]:
        # Like the real server: `host` must be the stored value (the resolved IP), verbatim.
        url = f"http://{body.host}:{body.port}"
        if inference.endpoints.pop((body.host, body.port), None) is None:
            return {"success": False, "message": f"Endpoint {url} not found in registry"}
        return {"success": True, "message": f"Successfully removed endpoint {url}"}

    @router.post("/api/v1/set_sync_quantization", tags=["Inference Endpoint Management"])
    async def set_sync_quantization(body: SetSyncQuantizationRequest) -> dict[str, Any]:
        quantization = normalize_quantization(
            body.quantization, "set_sync_quantization.quantization"
        )
        inference.quantization = quantization
        return {"quantization": quantization, "message": quantization_message(quantization)}

    @router.post("/api/v1/create_sampling_session", tags=["Sampling Session Management"])
    async def create_sampling_session(body: CreateSamplingSessionRequest) -> dict[str, Any]:
        name, directory, owner = server.checkpoints.resolve_sampler(body.model_path)
        owner = body.model_id or owner or DEFAULT_MODEL_ID
        existing = inference.adapters.get(name)
        mtime = directory.stat().st_mtime
        # Like SGLang, an adapter already loaded is not reloaded, unless the export on disk
        # was replaced since (deleted and saved again under the same name).
        if existing is None or existing.directory != directory or existing.mtime != mtime:
            try:
                weights = await asyncio.to_thread(
                    SamplerWeights.load_export, directory, server.base
                )
            except EngineError as exc:
                raise HTTPException(
                    500, f"Failed to load LoRA adapter on some endpoints: {exc}"
                ) from exc
            inference.add_adapter(
                LoadedAdapter(
                    name=name, owner=owner, weights=weights, directory=directory, mtime=mtime
                )
            )
        else:
            inference.adapters.move_to_end(name)
        remote = [e for e in inference.endpoints.values() if not inference.is_self(e.host, e.port)]
        errors = await asyncio.gather(*(_load_on(e, name, directory) for e in remote))
        failed = [error for error in errors if error]
        if failed:
            raise HTTPException(
                500, f"Failed to load LoRA adapter on some endpoints: {'; '.join(failed)}"
            )
        return {
            "success": True,
            "model_path": body.model_path,
            "lora_name": name,
            "message": f"LoRA adapter '{name}' loaded successfully",
        }


async def _load_on(endpoint: Endpoint, name: str, directory: Path) -> str:
    """SGLang's ``/load_lora_adapter`` on a registered endpoint; ``""`` or ``"<url>: <why>"``.

    As on the real server, an "already loaded" refusal counts as success.
    """
    url = endpoint.worker_url
    body = {"lora_name": name, "lora_path": str(directory), "pinned": False}
    try:
        async with httpx.AsyncClient(timeout=_LOAD_TIMEOUT, trust_env=False) as client:
            response = await client.post(url + "/load_lora_adapter", json=body)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return f"{url}: {exc}"
    answer = answer if isinstance(answer, dict) else {}
    if response.status_code == 200 and answer.get("success", False):
        return ""
    message = str(answer.get("error_message") or "")
    if "already loaded" in message.lower():
        return ""
    return f"{url}: {message or f'HTTP {response.status_code}'}"


def _flush_decision(
    body: SyncInferenceWeightsRequest,
    quantization: dict[str, Any] | None,
    server: LocalServer,
) -> bool:
    """The real ``cache_invalidation_mode`` rule over every registered endpoint.

    The local sampler has no cache, so only registered external endpoints can turn an ``auto``
    flush on (an endpoint without server info may have the radix cache on).
    """
    inference = server.inference
    receivers = [e for e in inference.endpoints.values() if not inference.is_self(e.host, e.port)]
    infos = [e.server_info or {} for e in receivers]
    radix = any(info.get("radix_cache_enabled") is not False for info in infos)
    fp8_kv = any(
        info.get("fp8_kv_cache_enabled") is True or info.get("kv_cache_dtype") in _FP8_KV
        for info in infos
    )
    fp8_weights = bool(quantization and quantization.get("quant_method") == "fp8")
    mode = body.cache_invalidation_mode
    if mode == "flush":
        return True
    if mode == "auto" and ((fp8_weights and fp8_kv) or radix):
        return True
    return body.flush_cache


def _kv_cache_refusal(expected: str | None, info: dict[str, Any] | None, url: str) -> str | None:
    if expected not in ("fp8", "fp8_e4m3"):
        return None
    if info is None:
        return (
            f"Endpoint {url} must report FP8 KV cache for receiver_kv_cache_dtype={expected!r}, "
            "but /server_info was unavailable."
        )
    kv = info.get("kv_cache_dtype")
    enabled = info.get("fp8_kv_cache_enabled")
    if enabled is True or kv in _FP8_KV:
        return None
    return (
        f"Endpoint {url} does not match receiver_kv_cache_dtype={expected!r}: /server_info "
        f"kv_cache_dtype={kv!r}, fp8_kv_cache_enabled={enabled!r}."
    )


def _mismatch(info: dict[str, Any] | None, registered: Any) -> str | None:
    """New endpoints must serve what the first registered one serves (the real check)."""
    first = next(iter(registered), None)
    if info is None or first is None or first.server_info is None:
        return None
    old = first.server_info
    problems = []
    if old.get("model_path") and info.get("model_path") and old["model_path"] != info["model_path"]:
        problems.append(f"model_path: {old['model_path']} vs {info['model_path']}")
    if old.get("quantization") != info.get("quantization"):
        problems.append(f"quantization: {old.get('quantization')} vs {info.get('quantization')}")
    if old.get("tp_size") and info.get("tp_size") and old["tp_size"] != info["tp_size"]:
        problems.append(f"tp_size: {old['tp_size']} vs {info['tp_size']}")
    if not problems:
        return None
    return f"Endpoint config mismatch with existing endpoints: {'; '.join(problems)}"


def _synced(host: str, port: int, success: bool, message: str) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "success": success,
        "message": message,
        "cache_epoch": None,
        "fp8_kv_cache_postprocess_ran": None,
        "fp8_kv_cache_static_scales_updated": None,
    }


def _add_response(success: bool, message: str, endpoint: Endpoint | None) -> dict[str, Any]:
    return {
        "success": success,
        "message": message,
        "endpoint": None if endpoint is None else endpoint.to_json(),
        "weights_synced": False,
        "sync_message": None,
    }
