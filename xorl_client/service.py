"""``ServiceClient``: the entry point. Holds the configuration and the one HTTP transport,
and creates the other clients.

Every factory that talks to the server exists three ways, all built from one method that
returns an :class:`~xorl_client.APIFuture` of the client (so they cannot drift):
``create_x(...)`` blocks and returns the client (the official client's convention),
``await create_x_async(...)`` returns it without blocking the event loop.

>>> import xorl_client as xc
>>> service = xc.ServiceClient(base_url="http://127.0.0.1:6000", api_key="sk-secret")
>>> service
ServiceClient(base_url='http://127.0.0.1:6000', api_key=***)
>>> service.close()
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

from . import _runtime
from ._checks import check_int
from ._config import ClientConfig
from ._polling import QueueStateEvent
from ._sessions import DEFAULT_LORA_RANK, RequestedLora, create_model, load_adapter
from ._transport import Transport
from ._twins import blocking_twin, value_twin
from .compat.adapters import RoutingTransport, queue_state_callback
from .compat.official import DEFAULT_MODEL_ID
from .compat.tinker_options import (
    check_tinker_options,
    lora_structure,
    optimizer_settings,
)
from .compat.tinker_orders import tinker_order
from .errors import ConfigurationError, DataValidationError
from .futures import APIFuture
from .rest import RestClient, checkpoint_id_from_path
from .sampling import ENV_INFERENCE_BASE_URL, SamplingClient
from .tinker_compat.server_model import check_sampling_base_model, server_model
from .training import TrainingClient
from .types import LoraConfig, ParsedCheckpointTinkerPath, QueueStateObserver
from .validation import validate_model_id

__all__ = ["ServiceClient"]


class ServiceClient:
    """Configuration and factories for one xorl server.

    The positional order is the official client's: ``ServiceClient(base_url, model, api_key,
    timeout)``.

    Args:
        base_url: the training server, e.g. ``http://127.0.0.1:6000``; defaults to
            ``$XORL_BASE_URL``.
        model: a routing tag added as ``"model"`` to every request body sent to the training
            server (for a gateway in front of several servers; the xorl server ignores it).
        api_key: sent as ``Authorization: Bearer <key>``; defaults to ``$XORL_API_KEY``. It
            never appears in ``repr``, logs or exception messages.
        timeout: per-HTTP-request timeout in seconds (or an ``httpx.Timeout``); defaults to
            per-phase limits longer than the server's 45 s long-poll. How long a whole
            operation may take is ``operation_timeout``.
        on_queue_state: called (on the SDK's thread) when a pending operation's queue state
            changes, e.g. to ``paused_capacity``: a callable taking a
            :class:`~xorl_client.QueueStateEvent`, or a
            :class:`~xorl_client.QueueStateObserver`. State changes are also logged at INFO on
            the ``xorl_client`` logger.
        config: a complete :class:`ClientConfig` instead of the keyword settings.
        isolate_runs: treat every training client as its own run, as Tinker does: names given
            to ``save_state`` / ``save_weights_for_sampler`` are prefixed with the client's
            ``run_id`` (so two runs of one script never collide on a server), and
            ``create_training_client_from_state*`` starts a new run (on a LoRA server a new
            session) instead of reusing the checkpoint's. Off by default; the Tinker
            ``ServiceClient`` (``xorl_client.tinker``) turns it on.
        user_metadata, project_id, display_name: Tinker's; xorl has no place for them, so only
            their defaults are accepted (see ``docs/tinker.md``). Tinker's positional order
            ``ServiceClient(user_metadata, project_id)`` is recognised by the mapping.
        default_headers_overrides: Tinker's name for extra headers sent with every request.
        **settings: any other :class:`ClientConfig` field (``operation_timeout``,
            ``chunk_max_items``, ``chunk_max_bytes``, ``max_retries``, ...). Anything else is
            refused with the list of accepted names. Without ``base_url``/``api_key``,
            ``$XORL_BASE_URL``/``$XORL_API_KEY`` are read, then Tinker's ``$TINKER_BASE_URL``
            (and ``$TINKER_API_KEY`` only together with it).

    Use it as a context manager so the connections it opened are closed:

    >>> with ServiceClient(base_url=start_local_server(lora=True)) as service:
    ...     tc = service.create_lora_training_client("xorl-local/byte-bigram", rank=8)
    ...     print(tc.model_id.startswith("lora-"), tc.is_lora, tc.lora_rank)
    True True 8
    """

    @tinker_order("ServiceClient")
    def __init__(
        self,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        *,
        on_queue_state: Callable[[QueueStateEvent], object] | QueueStateObserver | None = None,
        config: ClientConfig | None = None,
        isolate_runs: bool = False,
        user_metadata: Mapping[str, str] | None = None,
        project_id: str | None = None,
        display_name: str | None = None,
        default_headers_overrides: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> None:
        check_tinker_options(
            "ServiceClient",
            user_metadata=user_metadata,
            project_id=project_id,
            display_name=display_name,
        )
        _refuse_unknown_settings(settings)
        if default_headers_overrides:
            base = config.extra_headers if config is not None else {}
            headers = {**base, **settings.get("extra_headers", {}), **default_headers_overrides}
            settings["extra_headers"] = headers
        if not isinstance(isolate_runs, bool):
            raise ConfigurationError(f"isolate_runs must be True or False, not {isolate_runs!r}")
        self.isolate_runs = isolate_runs
        if timeout is not None:
            settings["timeout"] = timeout
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
        self.model = model
        self._transport: Transport = (
            Transport(config) if model is None else RoutingTransport(config, model)
        )
        self._on_queue_state = queue_state_callback(on_queue_state)
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

    shutdown = close

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

    def _training_future(
        self, base_model: str, model_id: str | None = None
    ) -> APIFuture[TrainingClient]:
        """Create (or refresh) a full-weight training session and return its client.

        Full-weight servers have one session, ``"default"`` (``model_id=None``). No LoRA
        settings are sent: a full-weight server refuses any.
        """
        model_id = validate_model_id(model_id or DEFAULT_MODEL_ID)
        created = create_model(
            self._transport, {"model_id": model_id, "base_model": base_model}, self._on_queue_state
        )
        return created.map(
            lambda _: self._training_client(model_id, base_model, is_lora=False, lora_rank=None)
        )

    create_training_client = blocking_twin(_training_future, "create_training_client")
    create_training_client_async = value_twin(_training_future, "create_training_client_async")

    def _lora_future(
        self,
        base_model: str,
        rank: int = DEFAULT_LORA_RANK,
        alpha: int | None = None,
        dropout: float = 0.0,
        target_modules: list[str] | None = None,
        model_id: str | None = None,
        *,
        optimizer_config: dict[str, Any] | None = None,
        seed: int | None = None,
        train_mlp: bool = True,
        train_attn: bool = True,
        train_unembed: bool = True,
        user_metadata: Mapping[str, str] | None = None,
        optimizer: Any = None,
    ) -> APIFuture[TrainingClient]:
        """Create a LoRA session (multi-tenant servers) with its own adapter and optimizer.

        Args:
            base_model: must be the server's base model.
            rank, alpha: the adapter's LoRA rank and alpha (alpha defaults to the server's).
            dropout: must stay 0.0 (xorl trains adapters without dropout).
            target_modules: checked by the server against its own (they are server-wide).
            model_id: the session id; a fresh ``lora-<hex>`` id when omitted (the server's
                ``"default"`` is a shared session with the server's rank and alpha).
            optimizer_config: per-session optimizer settings (``learning_rate``,
                ``weight_decay``, ``betas``, ``eps``, ``type``).
            seed, user_metadata: Tinker's; only the defaults (``None``) are accepted: the
                server takes no adapter seed and keeps no metadata.
            train_mlp, train_attn, train_unembed: Tinker's choice of modules. Which modules
                get adapters is server-wide on xorl: ``True`` (the default) is not sent, a
                ``False`` is, and the server refuses the session unless it is configured the
                same way.
            optimizer: Tinker's optimizer config; ``AdamOptimizerConfig()`` is AdamW.
        """
        check_int("rank", rank, minimum=1)
        if alpha is not None:  # the server's lora_alpha is an int
            check_int("alpha", alpha, minimum=1)
        check_tinker_options("create_lora_training_client", seed=seed, user_metadata=user_metadata)
        structure = lora_structure(train_mlp, train_attn, train_unembed)
        optimizer_config = _merged_optimizer(optimizer_config, optimizer)
        lora = LoraConfig(rank=rank, alpha=alpha, dropout=dropout, target_modules=target_modules)
        model_id = validate_model_id(model_id or f"lora-{uuid.uuid4().hex[:12]}")
        body: dict[str, Any] = {
            "model_id": model_id,
            "base_model": base_model,
            "lora_config": {**lora.to_wire(), **structure},
        }
        if optimizer_config is not None:
            body["optimizer_config"] = dict(optimizer_config)
        created = create_model(self._transport, body, self._on_queue_state, lora_requested=True)
        return created.map(
            lambda _: self._training_client(model_id, base_model, is_lora=True, lora_rank=rank)
        )

    create_lora_training_client = blocking_twin(_lora_future, "create_lora_training_client")
    create_lora_training_client_async = value_twin(
        _lora_future, "create_lora_training_client_async"
    )

    def _from_state_future(
        self,
        checkpoint_path: str,
        base_model: str | None = None,
        rank: int | None = None,
        alpha: int | None = None,
        dropout: float = 0.0,
        target_modules: list[str] | None = None,
        *,
        model_id: str | None = None,
        user_metadata: Mapping[str, str] | None = None,
        weights_access_token: str | None = None,
        optimizer: Any = None,
    ) -> APIFuture[TrainingClient]:
        """A session with the weights of checkpoint ``checkpoint_path`` (fresh optimizer state).

        Reads the checkpoint's session spec (``weights_info``), creates the session with the
        same base model and LoRA settings (``model_id`` defaults to the checkpoint's owner;
        with ``isolate_runs`` a new run), then loads the weights. ``base_model``, ``rank`` and
        ``alpha`` default to the checkpoint's; given, they must match it. Tinker's
        ``user_metadata`` and ``weights_access_token`` are accepted only as ``None``;
        ``optimizer`` (Tinker's optimizer config) chooses the fresh optimizer.
        """
        check_tinker_options(
            "create_training_client_from_state",
            user_metadata=user_metadata,
            weights_access_token=weights_access_token,
        )
        lora = RequestedLora(rank, alpha, dropout, target_modules)
        fresh = optimizer_settings(optimizer)
        return self._restore(
            checkpoint_path, base_model, lora, model_id, optimizer=False, optimizer_config=fresh
        )

    def _from_state_with_optimizer_future(
        self,
        checkpoint_path: str,
        base_model: str | None = None,
        rank: int | None = None,
        alpha: int | None = None,
        dropout: float = 0.0,
        target_modules: list[str] | None = None,
        *,
        model_id: str | None = None,
        user_metadata: Mapping[str, str] | None = None,
        weights_access_token: str | None = None,
    ) -> APIFuture[TrainingClient]:
        """Like ``create_training_client_from_state``, restoring optimizer state too, so
        training continues exactly where the checkpoint left off."""
        check_tinker_options(
            "create_training_client_from_state",
            user_metadata=user_metadata,
            weights_access_token=weights_access_token,
        )
        lora = RequestedLora(rank, alpha, dropout, target_modules)
        return self._restore(
            checkpoint_path, base_model, lora, model_id, optimizer=True, optimizer_config=None
        )

    create_training_client_from_state = blocking_twin(
        _from_state_future, "create_training_client_from_state"
    )
    create_training_client_from_state_async = value_twin(
        _from_state_future, "create_training_client_from_state_async"
    )
    create_training_client_from_state_with_optimizer = blocking_twin(
        _from_state_with_optimizer_future, "create_training_client_from_state_with_optimizer"
    )
    create_training_client_from_state_with_optimizer_async = value_twin(
        _from_state_with_optimizer_future,
        "create_training_client_from_state_with_optimizer_async",
    )

    @tinker_order("create_sampling_client")
    def _sampling_future(
        self,
        /,
        base_url: str | None = None,
        model_path: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        *,
        model_id: str | None = None,
        base_model: str | None = None,
        retry_config: Any = None,
        record_stability_info: bool = False,
        **settings: Any,
    ) -> APIFuture[SamplingClient]:
        """A :class:`~xorl_client.SamplingClient` on the inference server.

        * With ``model_path`` (``xorl://M/sampler_weights/N``, ``sampler_weights/N`` or ``N``,
          what :meth:`TrainingClient.save_weights_for_sampler` returned): asks the training
          server to load that LoRA adapter on its inference endpoints
          (``create_sampling_session``) and returns a client bound to it (``lora_path`` = the
          adapter's ``lora_name``).
        * Without: a client on the inference server's current weights, i.e. the base model
          or whatever :meth:`TrainingClient.sync_inference_weights` last pushed (the
          full-weight path: ``save_weights_for_sampler`` + ``sync_inference_weights``).

        Args:
            base_url: the inference server; defaults to ``$XORL_INFERENCE_BASE_URL``, and
                when that is unset to this training server's URL (the local server serves
                ``/generate`` on its training port).
            model_path: the sampler export to load, or ``None`` (or ``""``).
            model: SGLang's ``model`` routing field for the sampling requests.
            api_key: the inference server's key; defaults to ``$XORL_INFERENCE_API_KEY``.
                This service's own key (``$XORL_API_KEY``) is never passed on.
            timeout: per-HTTP-request timeout of the sampling client.
            model_id: attribution of the adapter for the server's per-model LRU (default:
                the ``M`` of an ``xorl://`` path).
            base_model: Tinker's; checked against the server's model (a mismatch is an
                error). Without ``model_path`` it asks for the untrained base model: served on
                a LoRA server (no adapter), refused on a full-weight server, whose inference
                weights are whatever was last synced.
            retry_config, record_stability_info: Tinker's; only the defaults are accepted.
            **settings: :class:`~xorl_client.ClientConfig` fields for the sampling client.
                ``operation_timeout``, ``max_retries``, the backoff, ``max_connections``,
                ``user_agent`` and ``httpx_transport`` default to this service's; headers
                and credentials are not inherited.

        Tinker's positional order ``create_sampling_client(model_path, base_model)`` is
        recognised by the ``xorl://`` (or ``tinker://``) path in the first position.

        Close the returned client (or use it in a ``with`` block) when done.
        """
        check_tinker_options(
            "create_sampling_client",
            retry_config=retry_config,
            record_stability_info=record_stability_info,
        )
        if base_model is not None and (not isinstance(base_model, str) or not base_model):
            raise DataValidationError(
                f"base_model must be a model name, not {base_model!r}",
                field="base_model",
                rule="base_model is a model name",
            )
        if isinstance(model_path, str) and model_path.startswith("tinker://"):
            model_path = _xorl_path(model_path)
        start = self._sampling_client(
            base_url, model_path, model, api_key, timeout, model_id, settings
        )
        if base_model is None:
            return start().map(self._with_model_lookup)
        check = server_model(self.create_rest_client())
        adapter = bool(model_path)

        async def checked() -> SamplingClient:
            # The server's model is checked before an adapter is loaded for it.
            check_sampling_base_model(await check, base_model, adapter=adapter)
            client = await start()
            client._base_model = base_model
            return client

        return APIFuture(_runtime.run_coroutine(checked()), operation="create_sampling_client")

    def _sampling_client(
        self,
        base_url: str | None,
        model_path: str | None,
        model: str | None,
        api_key: str | None,
        timeout: float | httpx.Timeout | None,
        model_id: str | None,
        settings: dict[str, Any],
    ) -> Callable[[], APIFuture[SamplingClient]]:
        """Check the arguments now; the returned callable creates the client (and sends)."""
        if isinstance(base_url, str) and base_url.startswith(("xorl://", "tinker://")):
            raise DataValidationError(
                f"create_sampling_client(base_url={base_url!r}): that is a model path, not a "
                "server URL; pass it as model_path=... (the second argument)",
                field="base_url",
                rule="base_url is a server URL",
            )
        url = base_url or os.environ.get(ENV_INFERENCE_BASE_URL) or self.config.url
        inherited: dict[str, Any] = {
            "operation_timeout": self.config.operation_timeout,
            "max_retries": self.config.max_retries,
            "retry_delay": self.config.retry_backoff_base,
            "retry_backoff_max": self.config.retry_backoff_max,
            "max_connections": self.config.max_connections,
            "user_agent": self.config.user_agent,
            "httpx_transport": self.config.httpx_transport,
        }
        inherited.update(settings)
        named: dict[str, Any] = {"model": model, "api_key": api_key, "timeout": timeout}
        if not model_path:
            client = self._own(SamplingClient(url, **named, **inherited))
            return lambda: APIFuture.from_value(client, operation="create_sampling_client")
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
        return lambda: load_adapter(self._transport, body).map(
            lambda name: self._own(SamplingClient(url, **named, lora_path=name, **inherited))
        )

    create_sampling_client = blocking_twin(_sampling_future, "create_sampling_client")
    create_sampling_client_async = value_twin(_sampling_future, "create_sampling_client_async")

    def create_rest_client(self, model_id: str = DEFAULT_MODEL_ID) -> RestClient:
        """A client for checkpoints, weights info, training runs and sessions.

        ``model_id`` is the session its ``list_checkpoints()`` and bare checkpoint names refer
        to by default.
        """
        return RestClient(transport=self._transport, model_id=model_id)

    def get_server_capabilities(self) -> Any:
        """Not available: the xorl server has no capabilities route (as in the official client).

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError(
            "the xorl server does not report its capabilities; the base model is the one it "
            "was started with (create_training_client fails with the server's model name if "
            "another is given)"
        )

    # -- internals ------------------------------------------------------------------------------

    def _own(self, client: SamplingClient) -> SamplingClient:
        """Remember a client this service opened so :meth:`close` closes it too."""
        self._sampling_clients.append(client)
        return client

    def _restore(
        self,
        path: str,
        base_model: str | None,
        lora: RequestedLora,
        model_id: str | None,
        *,
        optimizer: bool,
        optimizer_config: dict[str, Any] | None,
    ) -> APIFuture[TrainingClient]:
        if isinstance(path, str) and path.startswith("tinker://"):
            path = _xorl_path(path)
        kind, *rest = checkpoint_id_from_path(path).split("/")
        if kind != "weights":
            raise DataValidationError(
                f"{path!r} is a sampler export; a training client starts from a training "
                "checkpoint (xorl://<model_id>/weights/<name>, what save_state returns)",
                field="checkpoint_path",
                rule="training checkpoint path",
            )
        owner, name = rest
        path = f"xorl://{owner}/weights/{name}"  # the one form weights_info accepts
        chosen = validate_model_id(model_id) if model_id is not None else None
        lora.check()  # settings the server cannot take fail here, before any request
        info_future = self.create_rest_client().get_weights_info(path)

        async def run() -> TrainingClient:
            info = await info_future
            body = lora.restore_body(info, base_model)
            if optimizer_config is not None:
                body["optimizer_config"] = {**body.get("optimizer_config", {}), **optimizer_config}
            # A resumed run is a new run when runs are isolated: on a LoRA server its own
            # session, so it never writes into the session it was resumed from.
            session = chosen or (
                f"lora-{uuid.uuid4().hex[:12]}" if self.isolate_runs and info.is_lora else owner
            )
            await create_model(self._transport, {"model_id": session, **body}, self._on_queue_state)
            client = self._training_client(
                session, body["base_model"], is_lora=info.is_lora, lora_rank=info.lora_rank
            )
            await (client.load_state_with_optimizer(path) if optimizer else client.load_state(path))
            return client

        operation = "create_training_client_from_state"
        return APIFuture(_runtime.run_coroutine(run()), operation=operation)

    def _training_client(
        self, model_id: str, base_model: str, *, is_lora: bool, lora_rank: int | None
    ) -> TrainingClient:
        client = TrainingClient(
            transport=self._transport,
            model_id=model_id,
            base_model=base_model,
            is_lora=is_lora,
            lora_rank=lora_rank,
            on_queue_state=self._on_queue_state,
        )
        run_id = f"run-{uuid.uuid4().hex[:10]}" if self.isolate_runs else None
        client._attach_service(self, run_id)
        return client

    def _with_model_lookup(self, client: SamplingClient) -> SamplingClient:
        """Let ``client.get_base_model()`` ask this server when it is first called."""
        rest = self.create_rest_client()
        client._base_model_lookup = lambda: server_model(rest).map(lambda run: run.base_model)
        return client


def _xorl_path(path: str) -> str:
    """A ``tinker://<run>/<kind>/<name>`` path as the ``xorl://`` path of the same checkpoint."""
    return ParsedCheckpointTinkerPath.from_tinker_path(path).xorl_path


def _merged_optimizer(
    optimizer_config: dict[str, Any] | None, optimizer: Any
) -> dict[str, Any] | None:
    """``optimizer_config`` plus what Tinker's ``optimizer=`` asks for; a clash is refused."""
    tinker = optimizer_settings(optimizer)
    if tinker is None:
        return optimizer_config
    given = dict(optimizer_config or {})
    if given.get("type", tinker["type"]) != tinker["type"]:
        raise DataValidationError(
            f"optimizer={optimizer!r} and optimizer_config={optimizer_config!r} choose different "
            "optimizers; give one",
            field="optimizer",
            rule="one optimizer choice",
        )
    return {**given, **tinker}


#: Every keyword ``ServiceClient`` takes besides the ``ClientConfig`` fields.
_SERVICE_KEYWORDS = (
    "base_url",
    "model",
    "api_key",
    "timeout",
    "on_queue_state",
    "config",
    "isolate_runs",
    "user_metadata",
    "project_id",
    "display_name",
    "default_headers_overrides",
)


def _refuse_unknown_settings(settings: Mapping[str, Any]) -> None:
    """Refuse keywords that are not settings (Tinker ignores them with a warning; we do not)."""
    fields = {f.name for f in dataclasses.fields(ClientConfig)}
    unknown = sorted(set(settings) - fields)
    if unknown:
        accepted = ", ".join(sorted({*fields, *_SERVICE_KEYWORDS}))
        raise ConfigurationError(
            f"ServiceClient got unknown keyword argument(s) {', '.join(unknown)}; they would "
            f"have no effect. Accepted: {accepted}"
        )
