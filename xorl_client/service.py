"""``ServiceClient``: the entry point. Holds the configuration and the one HTTP transport,
and creates the other clients.

>>> import xorl_client as xc
>>> service = xc.ServiceClient(base_url="http://127.0.0.1:6000", api_key="sk-secret")
>>> service
ServiceClient(base_url='http://127.0.0.1:6000', api_key=***)
>>> service.close()
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from . import _runtime
from ._checks import check_int
from ._config import ClientConfig
from ._polling import QueueStateEvent, wait_for_future
from ._transport import Transport
from .errors import DataValidationError, XorlError
from .futures import APIFuture
from .rest import RestClient, checkpoint_id_from_path
from .sampling import ENV_INFERENCE_BASE_URL, SamplingClient
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

    Use it as a context manager so the connections it opened are closed:

    >>> with ServiceClient(base_url=start_local_server(lora=True)) as service:
    ...     tc = service.create_lora_training_client("xorl-local/byte-bigram", rank=8)
    ...     print(tc.model_id.startswith("lora-"), tc.is_lora, tc.lora_rank)
    True True 8
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
        self._sampling_clients: list[SamplingClient] = []
        self._closed = False

    def __repr__(self) -> str:
        key = "***" if self.config.api_key_value() else None
        return f"ServiceClient(base_url={self.config.display_url!r}, api_key={key or 'None'})"

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connections of this service and of the sampling clients it created.

        Futures still running fail with a connection error.
        """
        if self._closed:
            return
        self._closed = True
        for client in self._sampling_clients:
            client.close()
        self._sampling_clients.clear()
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
        lora_config: dict[str, Any] = {"lora_rank": check_int("rank", rank, minimum=1)}
        if alpha is not None:  # the server's lora_alpha is an int
            lora_config["lora_alpha"] = check_int("alpha", alpha, minimum=1)
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

    def create_sampling_client(
        self,
        base_url: str | None = None,
        model_path: str | None = None,
        *,
        api_key: str | None = None,
        model_id: str | None = None,
        **settings: Any,
    ) -> SamplingClient:
        """A :class:`~xorl_client.SamplingClient` on the inference server.

        * With ``model_path`` (``xorl://M/sampler_weights/N``, ``sampler_weights/N`` or ``N``,
          what :meth:`TrainingClient.save_weights_for_sampler` returned): asks the training
          server to load that LoRA adapter on its inference endpoints
          (``create_sampling_session``, blocking) and returns a client bound to it
          (``lora_path`` = the adapter's ``lora_name``).
        * Without: a client on the inference server's current weights, i.e. the base model
          or whatever :meth:`TrainingClient.sync_inference_weights` last pushed (the
          full-weight path: ``save_weights_for_sampler`` + ``sync_inference_weights``).

        Args:
            base_url: the inference server; defaults to ``$XORL_INFERENCE_BASE_URL``, and
                when that is unset to this training server's URL (the local server serves
                ``/generate`` on its training port).
            model_path: the sampler export to load, or ``None``.
            api_key: the inference server's key; defaults to ``$XORL_INFERENCE_API_KEY``.
                This service's own key (``$XORL_API_KEY``) is never passed on.
            model_id: attribution of the adapter for the server's per-model LRU (default:
                the ``M`` of an ``xorl://`` path).
            **settings: :class:`~xorl_client.ClientConfig` fields for the sampling client.
                ``operation_timeout``, ``max_retries``, the backoff, ``max_connections``,
                ``user_agent`` and ``httpx_transport`` default to this service's; headers
                and credentials are not inherited.

        Close the returned client (or use it in a ``with`` block) when done.
        """
        from xorl_openapi.api.inference import create_sampling_session
        from xorl_openapi.models import CreateSamplingSessionRequest

        if isinstance(base_url, str) and base_url.startswith(("xorl://", "tinker://")):
            raise DataValidationError(
                f"create_sampling_client(base_url={base_url!r}): that is a model path, not a "
                "server URL; pass it as model_path=...",
                field="base_url",
                rule="base_url is a server URL",
            )
        url = base_url or os.environ.get(ENV_INFERENCE_BASE_URL) or self.config.url
        inherited: dict[str, Any] = {
            "operation_timeout": self.config.operation_timeout,
            "max_retries": self.config.max_retries,
            "retry_backoff_base": self.config.retry_backoff_base,
            "retry_backoff_max": self.config.retry_backoff_max,
            "max_connections": self.config.max_connections,
            "user_agent": self.config.user_agent,
            "httpx_transport": self.config.httpx_transport,
        }
        inherited.update(settings)
        if model_path is None:
            return self._own(SamplingClient(url, api_key, **inherited))
        if not isinstance(model_path, str) or not model_path.strip():
            raise DataValidationError(
                f"model_path must be a non-empty string, not {model_path!r}",
                field="model_path",
                rule="model_path is a sampler export path",
            )
        if model_path.startswith("xorl://") and "/sampler_weights/" not in model_path:
            raise DataValidationError(
                f"model_path {model_path!r} is not a sampler export; export one with "
                "TrainingClient.save_weights_for_sampler(name) and pass the path it returns",
                field="model_path",
                rule="model_path is a sampler export path",
            )
        body: dict[str, Any] = {"model_path": model_path}
        if model_id is not None:
            body["model_id"] = validate_model_id(model_id)
        transport = self._transport
        deadline = transport.deadline()

        async def load() -> str:
            # Loading an adapter that is already loaded is a no-op on the server, so the call
            # is safe to resend (idempotent).
            parsed = await transport.call(
                create_sampling_session,
                operation="create_sampling_session",
                idempotent=True,
                deadline=deadline,
                body=CreateSamplingSessionRequest.from_dict(body),
            )
            answer: dict[str, Any] = parsed.to_dict()
            name = answer.get("lora_name")
            if not answer.get("success", True) or not isinstance(name, str) or not name:
                raise XorlError(
                    f"create_sampling_session did not load {model_path!r}: "
                    f"{answer.get('message') or answer}"
                )
            return name

        future = APIFuture(_runtime.run_coroutine(load()), operation="create_sampling_session")
        return self._own(SamplingClient(url, api_key, lora_path=future.result(), **inherited))

    def _own(self, client: SamplingClient) -> SamplingClient:
        """Remember a client this service opened so :meth:`close` closes it too."""
        self._sampling_clients.append(client)
        return client

    def create_rest_client(self) -> RestClient:
        """A client for checkpoints, weights info, training runs and sessions."""
        return RestClient(transport=self._transport)

    # -- internals ------------------------------------------------------------------------------

    def _from_state(self, path: str, *, model_id: str | None, optimizer: bool) -> TrainingClient:
        kind, *rest = checkpoint_id_from_path(path).split("/")
        if kind != "weights":
            raise DataValidationError(
                f"{path!r} is a sampler export; a training client starts from a training "
                "checkpoint (xorl://<model_id>/weights/<name>, what save_state returns)",
                field="path",
                rule="training checkpoint path",
            )
        owner, name = rest
        path = f"xorl://{owner}/weights/{name}"  # the one form weights_info accepts
        info = self.create_rest_client().get_weights_info(path).result()
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
