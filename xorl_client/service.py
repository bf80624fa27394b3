"""``ServiceClient``: the entry point. Holds the configuration and the one HTTP transport,
and creates the other clients.

>>> import xorl_client as xc
>>> service = xc.ServiceClient(base_url="http://127.0.0.1:6000", api_key="sk-secret")
>>> service
ServiceClient(base_url='http://127.0.0.1:6000', api_key=***)
>>> service.close()
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from . import _runtime
from ._config import ClientConfig
from ._polling import QueueStateEvent, wait_for_future
from ._transport import Transport
from .futures import APIFuture
from .rest import RestClient
from .training import TrainingClient
from .validation import validate_model_id

__all__ = ["ServiceClient"]

DEFAULT_LORA_RANK = 32


class ServiceClient:
    """Configuration and factories for one xorl server.

    Args:
        base_url: the training server, e.g. ``http://127.0.0.1:6000``; defaults to
            ``$XORL_BASE_URL``.
        api_key: sent as ``Authorization: Bearer <key>``; defaults to ``$XORL_API_KEY``. It
            never appears in ``repr``, logs or exception messages.
        on_queue_state: called (on the SDK's thread) when a pending operation's queue state
            changes, e.g. to ``paused_capacity``; state changes are also logged at INFO on the
            ``xorl_client`` logger.
        config: a complete :class:`ClientConfig` instead of the keyword settings.
        **settings: any other :class:`ClientConfig` field (``operation_timeout``,
            ``timeout``, ``chunk_max_items``, ``chunk_max_bytes``, ``max_retries``, ...).

    Use it as a context manager so the connections it opened are closed::

        with ServiceClient() as service:
            tc = service.create_lora_training_client("Qwen/Qwen3-8B", rank=16)
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        on_queue_state: Callable[[QueueStateEvent], object] | None = None,
        config: ClientConfig | None = None,
        **settings: Any,
    ) -> None:
        if config is None:
            config = ClientConfig(base_url=base_url, api_key=api_key, **settings)
        else:
            overrides = dict(settings)
            if base_url is not None:
                overrides["base_url"] = base_url
            if api_key is not None:
                overrides["api_key"] = api_key
            if overrides:
                config = config.replace(**overrides)
        self.config = config
        self._transport = Transport(config)
        self._on_queue_state = on_queue_state
        self._closed = False

    def __repr__(self) -> str:
        key = "***" if self.config.api_key_value() else None
        return f"ServiceClient(base_url={self.config.display_url!r}, api_key={key or 'None'})"

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connections. Futures still running fail with a connection error."""
        if self._closed:
            return
        self._closed = True
        _runtime.run_coroutine(self._transport.aclose()).result()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- factories ------------------------------------------------------------------------------

    def create_training_client(
        self, base_model: str, *, model_id: str = "default"
    ) -> TrainingClient:
        """Create (or refresh) a full-weight training session and return its client.

        Full-weight servers have one session, ``"default"``. Blocks until the server has
        registered the session.
        """
        validate_model_id(model_id)
        self._create_model({"model_id": model_id, "base_model": base_model}).result()
        return self._training_client(model_id, base_model, is_lora=False, lora_rank=None)

    def create_lora_training_client(
        self,
        base_model: str,
        rank: int = DEFAULT_LORA_RANK,
        alpha: int | None = None,
        *,
        model_id: str | None = None,
        optimizer_config: dict[str, Any] | None = None,
    ) -> TrainingClient:
        """Create a LoRA session (multi-tenant servers) with its own adapter and optimizer.

        Args:
            base_model: must be the server's base model.
            rank, alpha: the adapter's LoRA rank and alpha (alpha defaults to the server's).
            model_id: the session id; a fresh ``lora-<hex>`` id when omitted.
            optimizer_config: per-session optimizer settings (``learning_rate``,
                ``weight_decay``, ``betas``, ``eps``, ``type``).
        """
        model_id = validate_model_id(model_id or f"lora-{uuid.uuid4().hex[:12]}")
        lora_config: dict[str, Any] = {"lora_rank": rank}
        if alpha is not None:
            lora_config["lora_alpha"] = alpha
        body: dict[str, Any] = {
            "model_id": model_id,
            "base_model": base_model,
            "lora_config": lora_config,
        }
        if optimizer_config is not None:
            body["optimizer_config"] = dict(optimizer_config)
        self._create_model(body).result()
        return self._training_client(model_id, base_model, is_lora=True, lora_rank=rank)

    def create_training_client_from_state(
        self, path: str, *, model_id: str | None = None
    ) -> TrainingClient:
        """A session with the weights of checkpoint ``path`` (fresh optimizer state).

        Reads the checkpoint's session spec (``weights_info``), creates the session with the
        same base model and LoRA settings, then loads the weights.
        """
        return self._from_state(path, model_id=model_id, optimizer=False)

    def create_training_client_from_state_with_optimizer(
        self, path: str, *, model_id: str | None = None
    ) -> TrainingClient:
        """Like :meth:`create_training_client_from_state`, restoring optimizer state too, so
        training continues exactly where the checkpoint left off."""
        return self._from_state(path, model_id=model_id, optimizer=True)

    def create_rest_client(self) -> RestClient:
        """A client for checkpoints, weights info, training runs and sessions."""
        return RestClient(transport=self._transport)

    # -- internals ------------------------------------------------------------------------------

    def _from_state(self, path: str, *, model_id: str | None, optimizer: bool) -> TrainingClient:
        info = self.create_rest_client().get_weights_info(path).result()
        owner = path[len("xorl://") :].split("/", 1)[0]
        model_id = validate_model_id(model_id or owner)
        body: dict[str, Any] = {"model_id": model_id, "base_model": info.base_model}
        if info.is_lora:
            if info.lora_config:
                body["lora_config"] = dict(info.lora_config)
            if info.optimizer_config:
                body["optimizer_config"] = dict(info.optimizer_config)
        self._create_model(body).result()
        client = self._training_client(
            model_id, info.base_model, is_lora=info.is_lora, lora_rank=info.lora_rank
        )
        loaded = client.load_state_with_optimizer(path) if optimizer else client.load_state(path)
        loaded.result()
        return client

    def _training_client(
        self, model_id: str, base_model: str, *, is_lora: bool, lora_rank: int | None
    ) -> TrainingClient:
        return TrainingClient(
            transport=self._transport,
            model_id=model_id,
            base_model=base_model,
            is_lora=is_lora,
            lora_rank=lora_rank,
            on_queue_state=self._on_queue_state,
        )

    def _create_model(self, body: dict[str, Any]) -> APIFuture[Any]:
        from xorl_openapi.api.futures import retrieve_future
        from xorl_openapi.api.models import create_model
        from xorl_openapi.models import CreateModelRequest

        transport = self._transport
        deadline = transport.deadline()
        request = CreateModelRequest.from_dict(body)

        async def run() -> Any:
            handle = await transport.call(
                create_model,
                operation="create_model",
                idempotent=False,
                deadline=deadline,
                body=request,
            )
            return await wait_for_future(
                transport,
                str(handle.request_id),
                operation="create_model",
                deadline=deadline,
                retrieve_endpoint=retrieve_future,
                on_queue_state=self._on_queue_state,
            )

        return APIFuture(_runtime.run_coroutine(run()), operation="create_model")
