"""The inference side of the local server: endpoint registry, weight sync, SGLang ``/generate``.

A real deployment trains on the xorl server and samples from separate SGLang servers that
receive weights (``sync_inference_weights``) or LoRA adapters (``create_sampling_session``).
The local server plays both roles on one port:

* **The local server is its own, implicit inference endpoint** (pool ``default``).
  ``sync_inference_weights`` and ``create_sampling_session`` therefore work without any
  ``add_inference_endpoint`` call; the real server would answer "No inference endpoints
  registered". The implicit endpoint is not listed by ``list_inference_endpoints``.
* ``add_inference_endpoint`` accepts loopback hosts only (``127.0.0.0/8``, ``localhost``,
  ``::1``; the real server needs ``XORL_OUTBOUND_ENDPOINT_ALLOWLIST``) and health-checks them
  (``GET /health``, then ``/v1/models``). Registering is bookkeeping: the local server cannot
  push weights into another process, so such endpoints appear in ``endpoints_synced`` with
  ``success: false`` and a message saying so; registering the local server itself is accepted
  and treated as the implicit endpoint.
* ``POST /generate`` (SGLang native API subset) samples from the weights last pushed by
  ``sync_inference_weights`` (initially the base model), or from an adapter loaded by
  ``create_sampling_session`` when ``lora_path`` names it. ``seed``/``sampling_seed`` seed a
  ``numpy`` generator per prompt, so the same seed gives the same samples. ``stop`` strings are
  matched against the decoded text after generation (the completion is cut at the first match,
  ``finish_reason`` ``{"type": "stop", "matched": "<string>"}``); a stop *token* ends the
  generation itself. Errors use SGLang's body ``{"error": {"message": ...}}`` with status 400.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import APIRouter, HTTPException, Request, Response

from xorl_client.byte_tokenizer import ByteTokenizer
from xorl_client.local.config import LocalServerConfig
from xorl_client.local.engine import (
    BASE_MODEL_NAME,
    BaseWeights,
    EngineError,
    Generation,
    SamplerWeights,
)
from xorl_client.local.schemas import GenerateRequest, GenerateSamplingParams

#: how often a running /generate checks whether its client is still connected
_DISCONNECT_CHECK_SECONDS = 0.05

__all__ = [
    "Endpoint",
    "GenerateError",
    "InferenceManager",
    "LoadedAdapter",
    "create_inference_router",
    "normalize_quantization",
    "resolve_loopback",
]

_TOKENIZER = ByteTokenizer()
_UNSUPPORTED_QUANT = (
    "Online weight sync currently supports only BF16/no quantization and sender-side block-FP8. "
    "INT4/compressed-tensors updates and QAT/fake-quant sync are not implemented."
)


def resolve_loopback(host: str) -> str | None:
    """The IP literal of a loopback ``host``, or ``None`` if it is not loopback.

    No DNS lookup: only ``localhost`` and IP literals are understood.

    >>> resolve_loopback("localhost"), resolve_loopback("127.0.0.2"), resolve_loopback("[::1]")
    ('127.0.0.1', '127.0.0.2', '::1')
    >>> resolve_loopback("10.0.0.1") is None, resolve_loopback("example.com") is None
    (True, True)
    """
    text = host.strip().lower()
    if text in {"localhost", "localhost."}:
        return "127.0.0.1"
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    return str(ip) if ip.is_loopback else None


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def normalize_quantization(
    quantization: dict[str, Any] | None, where: str
) -> dict[str, Any] | None:
    """Validate a sync quantization setting like the real server (§9.23); 400 otherwise.

    >>> normalize_quantization({"quant_method": "fp8"}, "q")
    {'quant_method': 'fp8', 'fmt': 'e4m3', 'weight_block_size': [128, 128], 'activation_scheme': 'dynamic'}
    >>> normalize_quantization({"quant_method": "bf16"}, "q") is None
    True
    """
    if quantization is None:
        return None
    method = quantization.get("quant_method")
    lowered = str(method).lower() if method is not None else None
    if lowered in {"bf16", "bfloat16", "none", "null"}:
        return None
    if lowered != "fp8":
        raise HTTPException(
            400, f"Unsupported {where} quant_method={method!r}. {_UNSUPPORTED_QUANT}"
        )
    if "scale_fmt" in quantization:
        raise HTTPException(
            400, f"Unsupported {where}.scale_fmt: only the default FP8 scale format is supported."
        )
    fmt = quantization.get("fmt", "e4m3")
    if fmt != "e4m3":
        raise HTTPException(400, f"Unsupported {where}.fmt={fmt!r}: only 'e4m3' is supported.")
    scheme = quantization.get("activation_scheme", "dynamic")
    if scheme != "dynamic":
        raise HTTPException(
            400,
            f"Unsupported {where}.activation_scheme={scheme!r}: only 'dynamic' is supported.",
        )
    raw_block = quantization.get("weight_block_size", [128, 128])
    block = (
        [raw_block] if isinstance(raw_block, int) and not isinstance(raw_block, bool) else raw_block
    )
    if (
        not isinstance(block, list)
        or not 1 <= len(block) <= 2
        or not all(isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in block)
    ):
        raise HTTPException(
            400,
            f"Unsupported {where}.weight_block_size={raw_block!r}: expected a positive integer "
            "or a list of 1-2 positive integers.",
        )
    if len(block) == 1:
        block = [block[0], block[0]]
    result: dict[str, Any] = {
        "quant_method": "fp8",
        "fmt": "e4m3",
        "weight_block_size": block,
        "activation_scheme": "dynamic",
    }
    modules = quantization.get("modules_to_not_convert")
    if modules is not None:
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise HTTPException(
                400, f"Unsupported {where}.modules_to_not_convert: expected a list of strings."
            )
        cleaned: list[str] = []
        for module in modules:
            name = module[: -len(".weight")] if module.endswith(".weight") else module
            if name not in cleaned:
                cleaned.append(name)
        result["modules_to_not_convert"] = cleaned
    return result


def quantization_message(quantization: dict[str, Any] | None) -> str:
    if quantization is None:
        return "Sync quantization set to bf16 (no quantization)"
    return f"Sync quantization set to fp8 (block_size={quantization['weight_block_size']})"


@dataclass
class Endpoint:
    """A registered inference endpoint (``InferenceEndpoint`` on the wire)."""

    host: str
    port: int
    worker_port: int | None
    world_size: int = 1
    pool: str = "default"
    healthy: bool = True
    server_info: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "worker_port": self.worker_port,
            "world_size": self.world_size,
            "healthy": self.healthy,
            "pool": self.pool,
            "server_info": self.server_info,
        }


@dataclass
class LoadedAdapter:
    """A sampler export loaded by ``create_sampling_session`` (``lora_path`` = its name)."""

    name: str
    owner: str
    weights: SamplerWeights
    directory: Path
    #: mtime of the export when loaded: a re-export under the same name is picked up.
    mtime: float = 0.0


class GenerateError(Exception):
    """A bad ``/generate`` request (SGLang answers 400 ``{"error": {"message": ...}}``)."""


class InferenceManager:
    """Sampler weights, adapters, registered endpoints and the sync quantization setting."""

    def __init__(self, config: LocalServerConfig, base: BaseWeights) -> None:
        #: cancel flags of running /generate requests by SGLang ``rid``
        self.running: dict[str, threading.Event] = {}
        self.config = config
        self.base = base
        self.active: SamplerWeights = SamplerWeights.from_base(base)
        self.active_model_id: str | None = None
        self.weight_version: str | None = None
        self.adapters: OrderedDict[str, LoadedAdapter] = OrderedDict()
        self.endpoints: dict[tuple[str, int], Endpoint] = {}
        self.quantization: dict[str, Any] | None = None
        self.self_port: int | None = None
        self._seed_lock = threading.Lock()
        self._seed_rng = np.random.default_rng(config.seed)

    # -- identity --------------------------------------------------------------------------

    def note_request(self, request: Request) -> None:
        """Learn the port this server answers on (needed to recognise itself as an endpoint)."""
        server = request.scope.get("server")
        if server and len(server) >= 2 and server[1] is not None:
            self.self_port = int(server[1])

    def is_self(self, host: str, port: int) -> bool:
        return (
            self.self_port is not None
            and port == self.self_port
            and resolve_loopback(host) is not None
        )

    def local_server_info(self) -> dict[str, Any]:
        """What ``GET /server_info`` reports (the keys of ``InferenceEndpointServerInfo``)."""
        return {
            "model_path": BASE_MODEL_NAME,
            "served_model_name": BASE_MODEL_NAME,
            "tp_size": 1,
            "quantization": None,
            "quantization_config": None,
            "dtype": "float64",
            "kv_cache_dtype": "auto",
            "fp8_kv_cache_enabled": False,
            "fp8_kv_cache_requires_postprocess": None,
            "fp8_kv_cache_static_scales": None,
            "cache_epoch": None,
            "radix_cache_enabled": False,
            "enable_lora": True,
            "max_lora_rank": self.config.max_lora_rank,
            "version": "xorl-local",
        }

    # -- endpoint registry -----------------------------------------------------------------

    async def probe(
        self, host: str, port: int, worker_port: int | None
    ) -> tuple[bool, str, dict[str, Any] | None]:
        """Health-check an endpoint; returns ``(healthy, reason, server_info)``."""
        if self.is_self(host, port):
            return True, "", self.local_server_info()
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            for check_port in dict.fromkeys([port, worker_port or port]):
                base = _url(host, check_port)
                ok, reason = False, ""
                for path in ("/health", "/v1/models"):
                    try:
                        response = await client.get(base + path)
                    except httpx.HTTPError as exc:
                        reason = f"{type(exc).__name__}: {exc}"
                        continue
                    if response.status_code == 200:
                        ok = True
                        break
                    reason = f"GET {path} answered HTTP {response.status_code}"
                if not ok:
                    return False, reason, None
            info: dict[str, Any] | None = None
            try:
                response = await client.get(_url(host, port) + "/server_info")
                if response.status_code == 200 and isinstance(response.json(), dict):
                    raw = response.json()
                    keys = self.local_server_info().keys()
                    info = {key: raw.get(key) for key in keys}
            except (httpx.HTTPError, ValueError):
                info = None
        return True, "", info

    # -- adapters --------------------------------------------------------------------------

    def add_adapter(self, adapter: LoadedAdapter) -> None:
        """Register (or refresh) an adapter; at most ``max_adapters_per_model`` per owner (LRU)."""
        self.adapters.pop(adapter.name, None)
        self.adapters[adapter.name] = adapter
        owned = [a.name for a in self.adapters.values() if a.owner == adapter.owner]
        while len(owned) > self.config.max_adapters_per_model:
            self.adapters.pop(owned.pop(0), None)

    def drop_owner(self, owner: str) -> None:
        """Unload every adapter attributed to ``owner`` (session cleanup)."""
        for name in [a.name for a in self.adapters.values() if a.owner == owner]:
            del self.adapters[name]

    def adapter_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for adapter in self.adapters.values():
            counts[adapter.owner] = counts.get(adapter.owner, 0) + 1
        return counts

    # -- /generate -------------------------------------------------------------------------

    def _fresh_seed(self) -> int:
        with self._seed_lock:
            return int(self._seed_rng.integers(0, 2**63 - 1))

    def _weights_for(self, lora_path: str | None) -> SamplerWeights:
        if lora_path is None or lora_path == "":
            return self.active
        adapter = self.adapters.get(lora_path)
        if adapter is None:
            raise GenerateError(
                f"LoRA adapter '{lora_path}' is not loaded. Load it with "
                "/api/v1/create_sampling_session first (loaded: "
                f"{sorted(self.adapters) or 'none'})."
            )
        self.adapters.move_to_end(lora_path)
        return adapter.weights

    async def generate(
        self, request: GenerateRequest, cancel: threading.Event | None = None
    ) -> Any:
        """Run a ``/generate`` request; one object for one prompt with ``n == 1``, else a list.

        Setting ``cancel`` stops the generation at its next token (finish reason ``abort``).
        """
        if request.stream:
            raise GenerateError("stream=true is not supported by the local server")
        prompts, batched = _prompts(request)
        params = _per_row(request.sampling_params, len(prompts), "sampling_params")
        loras = _per_row_lora(request.lora_path, len(prompts))
        weights = [self._weights_for(lora) for lora in loras]
        logprob_start = request.logprob_start_len
        seeds = [
            p.seed
            if p.seed is not None
            else p.sampling_seed
            if p.sampling_seed is not None
            else self._fresh_seed()
            for p in params
        ]
        cancel = cancel or threading.Event()
        outputs = await asyncio.to_thread(
            _generate_rows,
            prompts,
            params,
            weights,
            seeds,
            request.return_logprob,
            logprob_start,
            cancel.is_set,
        )
        if not batched and len(outputs) == 1:
            return outputs[0]
        return outputs


def _prompts(request: GenerateRequest) -> tuple[list[list[int]], bool]:
    if (request.text is None) == (request.input_ids is None):
        raise GenerateError("Exactly one of 'text' or 'input_ids' must be given")
    if request.text is not None:
        texts = [request.text] if isinstance(request.text, str) else request.text
        # Text prompts get <bos> like a Llama-style tokenizer, so an empty text still has a
        # token to condition on.
        return [_TOKENIZER.encode(t, add_bos=True) for t in texts], not isinstance(
            request.text, str
        )
    ids = request.input_ids
    assert ids is not None
    if len(ids) > 0 and isinstance(ids[0], list):
        rows = [list(row) for row in ids if isinstance(row, list)]
        return rows, True
    return [[int(t) for t in ids if isinstance(t, int)]], False


def _per_row(
    value: GenerateSamplingParams | list[GenerateSamplingParams] | None, rows: int, name: str
) -> list[GenerateSamplingParams]:
    if value is None:
        return [GenerateSamplingParams() for _ in range(rows)]
    if isinstance(value, list):
        if len(value) != rows:
            raise GenerateError(f"{name} has {len(value)} entries for {rows} prompts")
        return value
    return [value] * rows


def _per_row_lora(value: str | list[str | None] | None, rows: int) -> list[str | None]:
    if isinstance(value, list):
        if len(value) != rows:
            raise GenerateError(f"lora_path has {len(value)} entries for {rows} prompts")
        return value
    return [value] * rows


def _stop_strings(params: GenerateSamplingParams) -> list[str]:
    if params.stop is None:
        return []
    stops = [params.stop] if isinstance(params.stop, str) else params.stop
    return [s for s in stops if s]


def _apply_stop_strings(
    generation: Generation, stops: list[str], no_stop_trim: bool, skip_special: bool
) -> tuple[list[int], list[float], dict[str, Any], str]:
    """Cut the completion at the first token whose decoded prefix contains a stop string."""
    ids, logprobs, finish = (
        generation.output_ids,
        generation.output_logprobs,
        generation.finish_reason,
    )
    if stops:

        def first_stop(k: int) -> tuple[str, int, str] | None:
            text = _TOKENIZER.decode(ids[:k], skip_special_tokens=skip_special)
            hits = [(text.find(s), s) for s in stops if s in text]
            return (text, *min(hits)) if hits else None

        if first_stop(len(ids)) is not None:
            # The shortest prefix that contains a stop, by bisection: once a prefix contains
            # one, every longer prefix does, and decoding each prefix in turn was quadratic.
            low, high = 1, len(ids)
            while low < high:
                middle = (low + high) // 2
                if first_stop(middle) is None:
                    low = middle + 1
                else:
                    high = middle
            found = first_stop(low)
            assert found is not None
            text, position, matched = found
            cut = text[: position + len(matched)] if no_stop_trim else text[:position]
            return ids[:low], logprobs[:low], {"type": "stop", "matched": matched}, cut
    text = _TOKENIZER.decode(ids, skip_special_tokens=skip_special)
    if finish.get("type") == "stop" and not no_stop_trim and ids and 0 <= ids[-1] < 256:
        # A byte stop token (e.g. "\n") is trimmed from the text like SGLang trims stops.
        text = _TOKENIZER.decode(ids[:-1], skip_special_tokens=skip_special)
    return ids, logprobs, finish, text


def _generate_rows(
    prompts: list[list[int]],
    params: list[GenerateSamplingParams],
    weights: list[SamplerWeights],
    seeds: list[int],
    return_logprob: bool,
    logprob_start: int,
    should_stop: Callable[[], bool],
) -> list[dict[str, Any]]:
    """Generate every (prompt, sample) in a worker thread; SamplerWeights are immutable."""
    outputs: list[dict[str, Any]] = []
    for prompt, p, w, seed in zip(prompts, params, weights, seeds, strict=True):
        if not prompt:
            raise GenerateError("The prompt is empty (input_ids must have at least one token)")
        rng = np.random.default_rng(seed)
        input_logprobs: list[list[Any]] | None = None
        if return_logprob and logprob_start >= 0:
            try:
                scored = w.logprobs(prompt[:-1], prompt[1:])
            except EngineError as exc:
                raise GenerateError(str(exc)) from exc
            input_logprobs = [
                [None if i == 0 else scored[i - 1], prompt[i], None]
                for i in range(max(logprob_start, 0), len(prompt))
            ]
        for _ in range(p.n):
            try:
                generation = w.generate(
                    prompt,
                    # SGLang's null means "up to the context limit"; the bigram has none.
                    max_new_tokens=128 if p.max_new_tokens is None else p.max_new_tokens,
                    temperature=p.temperature,
                    top_k=p.top_k,
                    top_p=p.top_p,
                    min_p=p.min_p,
                    stop_token_ids=p.stop_token_ids,
                    ignore_eos=p.ignore_eos,
                    rng=rng,
                    should_stop=should_stop,
                )
            except EngineError as exc:
                raise GenerateError(str(exc)) from exc
            ids, lps, finish, text = _apply_stop_strings(
                generation, _stop_strings(p), p.no_stop_trim, p.skip_special_tokens
            )
            meta: dict[str, Any] = {
                "id": uuid.uuid4().hex,
                "finish_reason": finish,
                "prompt_tokens": len(prompt),
                "completion_tokens": len(ids),
                "cached_tokens": 0,
            }
            if return_logprob:
                meta["output_token_logprobs"] = [
                    [lp, tok, None] for lp, tok in zip(lps, ids, strict=True)
                ]
                if input_logprobs is not None:
                    meta["input_token_logprobs"] = input_logprobs
            outputs.append({"text": text, "output_ids": ids, "meta_info": meta})
    return outputs


def create_inference_router(manager: InferenceManager, json_response: type[Response]) -> APIRouter:
    """SGLang-compatible routes served on the training port (hidden from the OpenAPI document,
    which keeps the real server's 29 paths)."""
    router = APIRouter()

    @router.post("/generate", include_in_schema=False)
    async def generate(body: GenerateRequest, request: Request) -> Response:
        # Like SGLang, stop generating when the client goes away (a cancelled rollout) or
        # when /abort_request names this request's rid; otherwise a cancelled request keeps
        # a worker thread busy until max_new_tokens.
        cancel = threading.Event()
        rids = [body.rid] if isinstance(body.rid, str) else list(body.rid or [])
        for rid in rids:
            manager.running[rid] = cancel
        task = asyncio.ensure_future(manager.generate(body, cancel))
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=_DISCONNECT_CHECK_SECONDS)
                if done:
                    break
                if await request.is_disconnected():
                    cancel.set()
            result = task.result()
        except GenerateError as exc:
            return json_response({"error": {"message": str(exc)}}, status_code=400)
        finally:
            cancel.set()
            for rid in rids:
                manager.running.pop(rid, None)
        return json_response(result)

    @router.get("/v1/models", include_in_schema=False)
    async def models() -> dict[str, Any]:
        created = int(time.time())
        data: list[dict[str, Any]] = [
            {
                "id": BASE_MODEL_NAME,
                "object": "model",
                "created": created,
                "owned_by": "xorl-local",
                "root": BASE_MODEL_NAME,
                "parent": None,
            }
        ]
        for name in manager.adapters:
            data.append(
                {
                    "id": name,
                    "object": "model",
                    "created": created,
                    "owned_by": "xorl-local",
                    "root": BASE_MODEL_NAME,
                    "parent": BASE_MODEL_NAME,
                }
            )
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

    @router.get("/server_info", include_in_schema=False)
    async def server_info() -> dict[str, Any]:
        return manager.local_server_info()

    return router
