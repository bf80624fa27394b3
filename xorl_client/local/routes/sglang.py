"""The SGLang side, served on the training port: generation, chat, adapters, server info.

Hidden from the OpenAPI document (which keeps the real training server's 29 paths); described
in ``openapi.yaml`` under the ``sampling`` tag. Routes:

* ``POST /generate`` (:mod:`xorl_client.local.generation`) and ``POST /v1/chat/completions``
  (:mod:`xorl_client.local.chat`). Like SGLang, both stop generating when the client goes
  away; a ``/generate`` also stops when ``POST /abort_request`` names its ``rid`` or sets
  ``abort_all``.
* ``POST /load_lora_adapter {lora_name, lora_path, pinned}`` loads a sampler export directory
  (it must be inside the server's output directory) under ``lora_name``; a name already loaded
  is refused with 400 and an ``error_message`` saying "already loaded", ``loaded_adapters``
  showing where from. ``POST /unload_lora_adapter {lora_name}`` removes it (400 if absent).
  Both answer SGLang's ``{success, error_message, loaded_adapters}``.
* ``POST /flush_cache``: the local sampler keeps no prefix cache, so it is always flushed
  (200, plain text). ``GET /health_generate`` (200, empty), ``GET /v1/models``,
  ``GET /server_info``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from xorl_client.local.chat import ChatError, chat_response, chat_row, parse_chat_request
from xorl_client.local.engine import BASE_MODEL_NAME, EngineError, SamplerWeights
from xorl_client.local.generation import GenerateError, generate, run_rows
from xorl_client.local.inference import LoadedAdapter
from xorl_client.local.schemas import (
    GenerateRequest,
    LoadLoraAdapterRequest,
    UnloadLoraAdapterRequest,
)
from xorl_client.local.state import JSONBytesResponse

if TYPE_CHECKING:
    from xorl_client.local.state import LocalServer

__all__ = ["create_sglang_router"]

#: how often a running generation checks whether its client is still connected
_DISCONNECT_CHECK_SECONDS = 0.05


def create_sglang_router(server: LocalServer) -> APIRouter:
    """The SGLang-compatible routes (see the module docstring)."""
    manager = server.inference
    router = APIRouter()

    async def run_cancellable(
        request: Request, rids: list[str], work: Callable[[threading.Event], Awaitable[Any]]
    ) -> Any:
        # Like SGLang, stop generating when the client goes away (a cancelled rollout) or
        # when /abort_request names the rid; otherwise a cancelled request keeps a worker
        # thread busy until max_new_tokens.
        cancel = threading.Event()
        for rid in rids:
            manager.running[rid] = cancel
        task = asyncio.ensure_future(work(cancel))
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=_DISCONNECT_CHECK_SECONDS)
                if done:
                    return task.result()
                if await request.is_disconnected():
                    cancel.set()
        finally:
            cancel.set()
            for rid in rids:
                manager.running.pop(rid, None)

    @router.post("/generate", include_in_schema=False)
    async def generate_route(body: GenerateRequest, request: Request) -> Response:
        rids = [body.rid] if isinstance(body.rid, str) else list(body.rid or [])
        try:
            result = await run_cancellable(
                request, rids, lambda cancel: generate(manager, body, cancel)
            )
        except GenerateError as exc:
            return JSONBytesResponse({"error": {"message": str(exc)}}, status_code=400)
        return JSONBytesResponse(result)

    @router.post("/v1/chat/completions", include_in_schema=False)
    async def chat_completions(request: Request) -> Response:
        try:
            raw = await request.json()
        except ValueError:
            raw = None
        try:
            body = parse_chat_request(raw)
            row = chat_row(manager, body)

            async def work(cancel: threading.Event) -> list[dict[str, Any]]:
                return await asyncio.to_thread(
                    run_rows,
                    [row],
                    return_logprob=body.logprobs,
                    return_routing=body.return_routed_experts,
                    should_stop=cancel.is_set,
                )

            outputs = await run_cancellable(request, [], work)
        except ChatError as exc:
            return JSONBytesResponse(exc.body(), status_code=400)
        except GenerateError as exc:
            return JSONBytesResponse(ChatError(str(exc)).body(), status_code=400)
        return JSONBytesResponse(chat_response(body, row.prompt, outputs))

    @router.post("/load_lora_adapter", include_in_schema=False)
    async def load_lora_adapter(body: LoadLoraAdapterRequest) -> Response:
        existing = manager.adapters.get(body.lora_name)
        if existing is not None:
            return _lora_answer(
                server,
                f"LoRA adapter '{body.lora_name}' is already loaded (from {existing.directory}). "
                f"Loaded LoRAs: {sorted(manager.adapters)}",
            )
        directory = Path(body.lora_path).expanduser().resolve()
        root = Path(server.config.output_dir).resolve()
        if not directory.is_relative_to(root):
            return _lora_answer(
                server,
                f"lora_path {body.lora_path!r} is outside the server's output directory; the "
                "local server only loads adapters it exported",
            )
        try:
            weights = await asyncio.to_thread(SamplerWeights.load_export, directory, server.base)
        except (EngineError, OSError) as exc:
            return _lora_answer(server, f"Failed to load LoRA adapter '{body.lora_name}': {exc}")
        manager.add_adapter(
            LoadedAdapter(
                name=body.lora_name,
                owner=None,
                weights=weights,
                directory=directory,
                mtime=directory.stat().st_mtime,
                pinned=body.pinned,
            )
        )
        return _lora_answer(server, None)

    @router.post("/unload_lora_adapter", include_in_schema=False)
    async def unload_lora_adapter(body: UnloadLoraAdapterRequest) -> Response:
        if manager.adapters.pop(body.lora_name, None) is None:
            return _lora_answer(
                server,
                f"LoRA adapter '{body.lora_name}' is not loaded. Loaded LoRAs: "
                f"{sorted(manager.adapters)}",
            )
        return _lora_answer(server, None)

    @router.post("/flush_cache", include_in_schema=False)
    async def flush_cache(timeout: float = 0.0) -> Response:
        return PlainTextResponse("Cache flushed.\n")

    @router.get("/v1/models", include_in_schema=False)
    async def models() -> dict[str, Any]:
        created = int(time.time())
        data = [_model_card(BASE_MODEL_NAME, None, created)]
        data.extend(_model_card(name, BASE_MODEL_NAME, created) for name in manager.adapters)
        return {"object": "list", "data": data}

    @router.post("/abort_request", include_in_schema=False)
    async def abort_request(request: Request) -> Response:
        """SGLang's ``{"rid": ...}`` (or ``{"abort_all": true}``): stop matching generations."""
        try:
            body = await request.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if body.get("abort_all"):
            targets = list(manager.running)
        else:
            rid = body.get("rid")
            targets = [rid] if isinstance(rid, str) else []
        for rid in targets:
            event = manager.running.get(rid)
            if event is not None:
                event.set()
        return Response(status_code=200)

    @router.get("/health_generate", include_in_schema=False)
    async def health_generate() -> Response:
        """SGLang's readiness probe: 200 with an empty body (the sampler is always ready)."""
        return Response(status_code=200)

    @router.get("/server_info", include_in_schema=False)
    async def server_info() -> dict[str, Any]:
        return manager.local_server_info()

    return router


def _lora_answer(server: LocalServer, error: str | None) -> Response:
    """SGLang's ``LoRAUpdateOutput``: 200 on success, 400 with the reason otherwise."""
    body = {
        "success": error is None,
        "error_message": error,
        "loaded_adapters": server.inference.loaded_adapter_paths(),
    }
    return JSONBytesResponse(body, status_code=200 if error is None else 400)


def _model_card(name: str, parent: str | None, created: int) -> dict[str, Any]:
    return {
        "id": name,
        "object": "model",
        "created": created,
        "owned_by": "xorl-local",
        "root": BASE_MODEL_NAME,
        "parent": parent,
    }
