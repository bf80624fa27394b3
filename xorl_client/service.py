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
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

from . import _runtime
from ._checks import check_int
from ._config import ClientConfig
from ._polling import QueueStateEvent
from ._service_sampling import SamplingFactory, xorl_path
from ._sessions import DEFAULT_LORA_RANK, RequestedLora, create_model
from ._transport import Transport
from ._twins import blocking_twin, value_twin
from .compat.adapters import RoutingTransport, queue_state_callback
from .compat.official import DEFAULT_MODEL_ID
from .compat.tinker_options import (
    check_tinker_options,
    lora_structure,
    merged_optimizer,
    optimizer_settings,
)
from .compat.tinker_orders import tinker_order
from .errors import ConfigurationError, DataValidationError
from .futures import APIFuture
from .rest import RestClient, checkpoint_id_from_path
from .sampling import SamplingClient
from .training import TrainingClient
from .types import LoraConfig, QueueStateObserver
from .validation import validate_model_id

__all__ = ["ServiceClient"]


class ServiceClient(SamplingFactory):
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
        optimizer_config = merged_optimizer(optimizer_config, optimizer)
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
            path = xorl_path(path)
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
