"""Inference endpoints and weight sync on :class:`~xorl_client.TrainingClient`.

The training server keeps a registry of inference (SGLang) servers, each tagged with a
``pool``. It pushes full weights to them (``sync_inference_weights``) and loads LoRA adapters
on them (``create_sampling_session``). These calls manage the registry and the pushes; they
are the server's synchronous routes (one request, answered directly).

* ``add_inference_endpoint`` / ``list_inference_endpoints`` / ``remove_inference_endpoint``:
  the registry. The server stores the host it resolved (``"localhost"`` becomes
  ``"127.0.0.1"``) and matches ``remove`` verbatim, so remove with the ``endpoint.host`` that
  ``add`` returned. Failures the server reports in the body (duplicate, failed health check)
  come back with ``success`` false; a host outside the server's allowlist is a
  :class:`~xorl_client.BadRequestError`.
* ``sync_inference_weights``: pushes this session's current weights, after every earlier call
  of this client (a barrier). ``quantization`` defaults to ``$XORL_WEIGHT_SYNC_QUANTIZATION``
  (``$XORL_SYNC_QUANTIZATION``). ``sync_weights_to_inference`` is the official client's other
  spelling of the same request.
* ``set_sync_quantization``: the server-wide default quantization of later syncs.
* ``connect_inference_endpoint`` / ``disconnect_inference_endpoint`` have no route on xorl:
  they raise :class:`~xorl_client.NotSupportedOnXorlError` before anything is sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any, Final, NoReturn

from xorl_client import _runtime
from xorl_client._direct import call_direct
from xorl_client._twins import future_twin
from xorl_client.compat.not_on_xorl import not_on_xorl
from xorl_client.compat.official import DEFAULT_MODEL_ID, env_value
from xorl_client.errors import APITimeoutError, DataValidationError
from xorl_client.futures import APIFuture
from xorl_client.training._core import TrainingCore
from xorl_client.training.wire import request_model, wire_dict
from xorl_client.types import SyncInferenceWeightsResult
from xorl_client.types.endpoints import (
    AddInferenceEndpointResponse,
    ListInferenceEndpointsResponse,
    RemoveInferenceEndpointResponse,
    SetSyncQuantizationResponse,
)

__all__ = ["SYNC_METHODS", "InferenceEndpointsMixin"]

#: ``sync_method`` values the official client documents. The xorl server does not read the
#: field: how weights travel is the server's configuration.
SYNC_METHODS: Final = ("nccl_ep_scatter", "nccl", "rdma_direct")


class InferenceEndpointsMixin(TrainingCore):
    """Registry and weight-sync calls (see the module docstring)."""

    def add_inference_endpoint(
        self,
        host: str,
        port: int,
        world_size: int = 1,
        sync_weights: bool = False,
        master_address: str | None = None,
        master_port: int = 29600,
        group_name: str = "weight_sync_group",
        buffer_size_mb: int = 1024,
        pool: str = "default",
        *,
        worker_port: int | None = None,
        receiver_kv_cache_dtype: str | None = None,
    ) -> APIFuture[AddInferenceEndpointResponse]:
        """Register the SGLang server at ``host:port`` in ``pool``.

        Args:
            host, port: the inference server (it must pass the training server's outbound
                allowlist).
            world_size: its tensor-parallel size (the server's ``/server_info`` wins).
            sync_weights: push weights to it right after registering. The server pushes its
                ``"default"`` session then, so this is refused for any other session: call
                :meth:`sync_inference_weights` with ``pools=[pool]`` after adding instead.
            master_address, master_port, group_name, buffer_size_mb: that push's settings.
            pool: the tag ``sync_inference_weights(pools=...)`` selects endpoints by.
            worker_port: the port of its LoRA load/unload routes (default: ``port``).
            receiver_kv_cache_dtype: ``"fp8"`` / ``"fp8_e4m3"``: refuse an endpoint whose KV
                cache is not FP8.
        """
        from xorl_openapi.api.inference import add_inference_endpoint

        if sync_weights and self.model_id != DEFAULT_MODEL_ID:
            raise DataValidationError(
                f"add_inference_endpoint(sync_weights=True) would push the server's "
                f"{DEFAULT_MODEL_ID!r} session, not this one ({self.model_id!r}); add the "
                f"endpoint, then call sync_inference_weights(pools=[{pool!r}])",
                field="sync_weights",
                rule="sync_weights only for the default session",
            )
        body: dict[str, Any] = {
            "host": host,
            "port": port,
            "world_size": world_size,
            "sync_weights": sync_weights,
            "master_address": master_address or "",
            "master_port": master_port,
            "group_name": group_name,
            "buffer_size_mb": buffer_size_mb,
            "pool": pool,
        }
        if worker_port is not None:
            body["worker_port"] = worker_port
        if receiver_kv_cache_dtype is not None:
            body["receiver_kv_cache_dtype"] = receiver_kv_cache_dtype
        return call_direct(
            self._transport,
            add_inference_endpoint,
            "add_inference_endpoint",
            lambda parsed: AddInferenceEndpointResponse.from_wire(wire_dict(parsed)),
            idempotent=False,
            body=request_model("add_inference_endpoint", body),
        )

    def list_inference_endpoints(self) -> APIFuture[ListInferenceEndpointsResponse]:
        """The registered endpoints (the server first drops those failing a health check)."""
        from xorl_openapi.api.inference import list_inference_endpoints

        return call_direct(
            self._transport,
            list_inference_endpoints,
            "list_inference_endpoints",
            lambda parsed: ListInferenceEndpointsResponse.from_wire(wire_dict(parsed)),
            idempotent=True,
        )

    def remove_inference_endpoint(
        self, host: str, port: int
    ) -> APIFuture[RemoveInferenceEndpointResponse]:
        """Unregister ``host:port`` (``host`` as stored: the ``endpoint.host`` add returned)."""
        from xorl_openapi.api.inference import remove_inference_endpoint

        body = request_model("remove_inference_endpoint", {"host": host, "port": port})
        return call_direct(
            self._transport,
            remove_inference_endpoint,
            "remove_inference_endpoint",
            lambda parsed: RemoveInferenceEndpointResponse.from_dict(wire_dict(parsed)),
            idempotent=True,  # removing twice answers success=false, changing nothing
            body=body,
        )

    def sync_inference_weights(
        self,
        /,
        master_address: str | None = None,
        master_port: int = 29600,
        group_name: str = "weight_sync_group",
        buffer_size_mb: int = 1024,
        quantization: dict[str, Any] | None = None,
        *,
        flush_cache: bool = False,
        pools: Sequence[str] | None = None,
        weight_version: str | None = None,
        **options: Any,
    ) -> APIFuture[SyncInferenceWeightsResult]:
        """Push this session's current weights to the registered inference endpoints.

        Args:
            master_address: NCCL rendezvous host; ``None``/``""`` lets the server use its own
                name.
            master_port: rendezvous port (``0`` = an ephemeral port chosen by the server).
            group_name, buffer_size_mb: NCCL group name and bucket size.
            quantization: e.g. ``{"quant_method": "fp8"}``; ``None`` uses
                ``$XORL_WEIGHT_SYNC_QUANTIZATION`` (a JSON object or ``null``) when set, else
                the server's setting.
            flush_cache, pools, weight_version: see the server's ``sync_inference_weights``.
            **options: other server options (``cache_invalidation_mode``, ``pause_mode``),
                passed as given.
        """
        body: dict[str, Any] = {
            "model_id": self.model_id,
            "master_address": master_address or "",
            "master_port": master_port,
            "group_name": group_name,
            "buffer_size_mb": buffer_size_mb,
            "flush_cache": flush_cache,
            **options,
        }
        if quantization is not None:
            body["quantization"] = quantization
        elif (from_env := _env_quantization()) is not None:
            body["quantization"] = from_env[0]  # may be None: "no quantization", sent as null
        if pools is not None:
            body["pools"] = list(pools)
        if weight_version is not None:
            body["weight_version"] = weight_version
        return self._barrier(
            "sync_inference_weights",
            body,
            lambda p: SyncInferenceWeightsResult.from_wire(wire_dict(p)),
            asynchronous=False,
        )

    def sync_weights_to_inference(
        self,
        sync_method: str = "nccl_ep_scatter",
        master_address: str | None = None,
        timeout: float = 1800.0,
        quantization: dict[str, Any] | None = None,
        pools: list[str] | None = None,
        group_name: str | None = None,
    ) -> APIFuture[SyncInferenceWeightsResult]:
        """The official client's spelling of :meth:`sync_inference_weights`.

        Args:
            sync_method: one of :data:`SYNC_METHODS`. Checked, not sent: the xorl server
                moves weights the way it is configured to, whatever the client asks.
            master_address: defaults to ``$XORL_WEIGHT_SYNC_MASTER_ADDRESS``.
            timeout: seconds the returned future waits for the answer (the official client
                also sends it as ``timeout_s``, which the server ignores: its own sync timeout
                applies). When it passes, the future fails with
                :class:`~xorl_client.APITimeoutError`; the sync may still finish, and later
                calls of this client still wait for it.
            quantization, pools, group_name: as in :meth:`sync_inference_weights`.
        """
        if sync_method not in SYNC_METHODS:
            raise DataValidationError(
                f"sync_method must be one of {list(SYNC_METHODS)}, not {sync_method!r}",
                field="sync_method",
                rule="a documented sync_method",
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise DataValidationError(
                f"timeout must be a positive number of seconds, not {timeout!r}",
                field="timeout",
                rule="timeout > 0",
            )
        address = master_address
        if address is None and (found := env_value("XORL_WEIGHT_SYNC_MASTER_ADDRESS")):
            address = found[1]
        sync = self.sync_inference_weights(
            address,
            group_name=group_name or "weight_sync_group",
            quantization=quantization,
            pools=pools,
        )
        return _within(sync, float(timeout))

    def set_sync_quantization(
        self, quantization: dict[str, Any] | None
    ) -> APIFuture[SetSyncQuantizationResponse]:
        """Set the server-wide default quantization of weight syncs (``None``: bf16).

        A sync that passes its own ``quantization`` (or has the environment variable) still
        uses that one.
        """
        from xorl_openapi.api.inference import set_sync_quantization

        body = request_model("set_sync_quantization", {"quantization": quantization})
        return call_direct(
            self._transport,
            set_sync_quantization,
            "set_sync_quantization",
            lambda parsed: SetSyncQuantizationResponse.from_wire(wire_dict(parsed)),
            idempotent=True,
            body=body,
        )

    def connect_inference_endpoint(
        self,
        master_address: str | None = None,
        master_port: int = 29600,
        group_name: str = "weight_sync_group",
        buffer_size_mb: int = 256,
    ) -> NoReturn:
        """Not available on xorl: :meth:`add_inference_endpoint` registers an endpoint and the
        first sync sets its weight-sync group up.

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("connect_inference_endpoint")

    def disconnect_inference_endpoint(self) -> NoReturn:
        """Not available on xorl: use :meth:`remove_inference_endpoint`.

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("disconnect_inference_endpoint")

    async def connect_inference_endpoint_async(
        self,
        master_address: str | None = None,
        master_port: int = 29600,
        group_name: str = "weight_sync_group",
        buffer_size_mb: int = 256,
    ) -> NoReturn:
        """Not available on xorl (see :meth:`connect_inference_endpoint`)."""
        raise not_on_xorl("connect_inference_endpoint")

    async def disconnect_inference_endpoint_async(self) -> NoReturn:
        """Not available on xorl (see :meth:`disconnect_inference_endpoint`)."""
        raise not_on_xorl("disconnect_inference_endpoint")

    add_inference_endpoint_async = future_twin(add_inference_endpoint)
    list_inference_endpoints_async = future_twin(list_inference_endpoints)
    remove_inference_endpoint_async = future_twin(remove_inference_endpoint)
    sync_inference_weights_async = future_twin(sync_inference_weights)
    sync_weights_to_inference_async = future_twin(sync_weights_to_inference)
    set_sync_quantization_async = future_twin(set_sync_quantization)


def _within(
    future: APIFuture[SyncInferenceWeightsResult], seconds: float
) -> APIFuture[SyncInferenceWeightsResult]:
    """``future``, failing with ``APITimeoutError`` if it has not finished after ``seconds``."""

    async def wait() -> SyncInferenceWeightsResult:
        try:
            return await asyncio.wait_for(future, seconds)  # APIFuture shields itself
        except TimeoutError:
            raise APITimeoutError(
                f"sync_weights_to_inference: no answer within timeout={seconds:g}s; the sync "
                "may still finish on the server, and later calls of this client wait for it"
            ) from None

    return APIFuture(_runtime.run_coroutine(wait()), operation="sync_weights_to_inference")


def _env_quantization() -> tuple[dict[str, Any] | None] | None:
    """``$XORL_WEIGHT_SYNC_QUANTIZATION`` parsed: ``(object,)``, ``(None,)`` for ``null``, or ``None`` if unset."""
    found = env_value("XORL_WEIGHT_SYNC_QUANTIZATION")
    if found is None:
        return None
    name, raw = found
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if value is not None and not isinstance(value, dict):
        raise DataValidationError(
            f'{name}={raw!r} must be a JSON object (e.g. {{"quant_method": "fp8"}}) or null',
            field=name,
            rule="quantization is a JSON object or null",
        )
    return (value,)
