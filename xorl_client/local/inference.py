"""The inference side's state: sampler weights, loaded adapters, the endpoint registry.

A real deployment trains on the xorl server and samples from separate SGLang servers that
receive weights (``sync_inference_weights``) or LoRA adapters (``create_sampling_session`` →
SGLang's ``/load_lora_adapter``). The local server plays both roles on one port. Deliberate
differences from the real server:

* **The local server is its own, implicit inference endpoint** (pool ``default``).
  ``sync_inference_weights`` and ``create_sampling_session`` therefore work without any
  ``add_inference_endpoint`` call; the real server would answer "No inference endpoints
  registered". The implicit endpoint is not listed by ``list_inference_endpoints``; registering
  the local server itself is accepted and treated as the implicit endpoint.
* ``add_inference_endpoint`` behaves as if ``XORL_OUTBOUND_ENDPOINT_ALLOWLIST`` were
  ``localhost,127.0.0.0/8,::1`` (loopback only, with the real refusal texts) and health-checks
  like the real server (``GET /health``, then ``/v1/models``, on ``port`` and ``worker_port``).
* The local server cannot push weights into another process: a sync reports such endpoints in
  ``endpoints_synced`` with ``success: false`` and a message saying so. ``create_sampling_session``
  does load the adapter on every registered endpoint through its ``/load_lora_adapter``, as the
  real server does (another local server on the same machine can serve it).

The SGLang routes themselves are in :mod:`xorl_client.local.routes.sglang`; generation in
:mod:`xorl_client.local.generation`.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import HTTPException, Request

from xorl_client.local.config import LocalServerConfig
from xorl_client.local.engine import BASE_MODEL_NAME, BaseWeights, SamplerWeights

__all__ = [
    "ALLOWLIST_ENV",
    "Endpoint",
    "InferenceManager",
    "LoadedAdapter",
    "UnknownAdapterError",
    "endpoint_url",
    "normalize_quantization",
    "quantization_message",
    "resolve_loopback",
    "validate_endpoint",
]

ALLOWLIST_ENV = "XORL_OUTBOUND_ENDPOINT_ALLOWLIST"
_UNSUPPORTED_QUANT = (
    "Online weight sync currently supports only BF16/no quantization and sender-side block-FP8. "
    "INT4/compressed-tensors updates and QAT/fake-quant sync are not implemented."
)
#: seconds per health-check request (all endpoints are on loopback)
_PROBE_TIMEOUT = 2.0


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


def validate_endpoint(host: str, *ports: int) -> str:
    """The stored (resolved) host, or 400 with the real server's texts, in its order.

    >>> validate_endpoint("localhost", 30000)
    '127.0.0.1'
    >>> validate_endpoint("10.0.0.1", 30000)
    Traceback (most recent call last):
    fastapi.exceptions.HTTPException: 400: Endpoint address 10.0.0.1 is not present in XORL_OUTBOUND_ENDPOINT_ALLOWLIST
    """
    normalized = str(host).strip().rstrip(".")
    if not normalized or any(ch in normalized for ch in "/\\@?#\x00\r\n"):
        raise HTTPException(400, f"Invalid endpoint host: {host!r}")
    for port in ports:
        if not 1 <= port <= 65535:
            raise HTTPException(400, f"Endpoint port must be in [1, 65535], got {port}")
    resolved = resolve_loopback(normalized)
    if resolved is not None:
        return resolved
    try:
        address = ipaddress.ip_address(normalized.strip("[]"))
    except ValueError:
        raise HTTPException(
            400, f"Endpoint host {normalized!r} is not present in {ALLOWLIST_ENV}"
        ) from None
    raise HTTPException(400, f"Endpoint address {address} is not present in {ALLOWLIST_ENV}")


def endpoint_url(host: str, port: int) -> str:
    """``http://host:port`` (IPv6 literals in brackets), as the real server renders it."""
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

    @property
    def worker_url(self) -> str:
        """Where adapter loads go (``worker_port``, else ``port``)."""
        return endpoint_url(self.host, self.worker_port or self.port)

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
    """A LoRA adapter the sampler serves under ``name`` (what ``lora_path`` selects).

    ``owner`` is the training session it is attributed to (``create_sampling_session``), or
    ``None`` for an adapter loaded directly through SGLang's ``/load_lora_adapter``.
    """

    name: str
    owner: str | None
    weights: SamplerWeights
    directory: Path
    #: mtime of the export when loaded: a re-export under the same name is picked up.
    mtime: float = 0.0
    pinned: bool = False


class UnknownAdapterError(Exception):
    """``lora_path`` names no loaded adapter."""


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
        #: registration order matters: the first endpoint is the one new ones must match
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

    async def is_healthy(self, host: str, port: int) -> bool:
        """The real server's health check: ``GET /health``, else ``GET /v1/models``, is 2xx."""
        if self.is_self(host, port):
            return True
        async with httpx.AsyncClient(timeout=_PROBE_TIMEOUT, trust_env=False) as client:
            for path in ("/health", "/v1/models"):
                try:
                    response = await client.get(endpoint_url(host, port) + path)
                except httpx.HTTPError:
                    continue
                if response.is_success:
                    return True
        return False

    async def fetch_server_info(self, host: str, port: int) -> dict[str, Any] | None:
        """``GET /server_info`` reduced to ``InferenceEndpointServerInfo``; ``None`` if absent."""
        if self.is_self(host, port):
            return self.local_server_info()
        try:
            async with httpx.AsyncClient(timeout=_PROBE_TIMEOUT, trust_env=False) as client:
                response = await client.get(endpoint_url(host, port) + "/server_info")
            raw = response.json() if response.is_success else None
        except (httpx.HTTPError, ValueError):
            return None
        if not isinstance(raw, dict):
            return None
        info = {key: raw.get(key) for key in self.local_server_info()}
        if info["radix_cache_enabled"] is None and isinstance(raw.get("disable_radix_cache"), bool):
            info["radix_cache_enabled"] = not raw["disable_radix_cache"]
        return info

    # -- adapters --------------------------------------------------------------------------

    def add_adapter(self, adapter: LoadedAdapter) -> None:
        """Register (or refresh) an adapter; at most ``max_adapters_per_model`` per owner (LRU)."""
        self.adapters.pop(adapter.name, None)
        self.adapters[adapter.name] = adapter
        if adapter.owner is None:
            return
        owned = [
            a.name for a in self.adapters.values() if a.owner == adapter.owner and not a.pinned
        ]
        while len(owned) > self.config.max_adapters_per_model:
            self.adapters.pop(owned.pop(0), None)

    def drop_owner(self, owner: str) -> None:
        """Unload every adapter attributed to ``owner`` (session cleanup)."""
        for name in [a.name for a in self.adapters.values() if a.owner == owner]:
            del self.adapters[name]

    def adapter_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for adapter in self.adapters.values():
            if adapter.owner is not None:
                counts[adapter.owner] = counts.get(adapter.owner, 0) + 1
        return counts

    def loaded_adapter_paths(self) -> dict[str, str]:
        """SGLang's ``loaded_adapters``: name -> the path it was loaded from."""
        return {name: str(adapter.directory) for name, adapter in self.adapters.items()}

    # -- what /generate samples from ---------------------------------------------------------

    def fresh_seed(self) -> int:
        """A seed for a row that names none (drawn from the server's seeded generator)."""
        with self._seed_lock:
            return int(self._seed_rng.integers(0, 2**63 - 1))

    def weights_for(self, lora_path: str | None) -> SamplerWeights:
        """The synced weights, or the adapter ``lora_path`` names (marked recently used)."""
        if lora_path is None or lora_path == "":
            return self.active
        adapter = self.adapters.get(lora_path)
        if adapter is None:
            raise UnknownAdapterError(
                f"LoRA adapter '{lora_path}' is not loaded. Load it with "
                "/api/v1/create_sampling_session or /load_lora_adapter first (loaded: "
                f"{sorted(self.adapters) or 'none'})."
            )
        self.adapters.move_to_end(lora_path)
        return adapter.weights
