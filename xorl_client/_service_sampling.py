"""``ServiceClient.create_sampling_client``: a SamplingClient on the inference server, with an
adapter loaded for it (``create_sampling_session``) when a sampler export is named.

A mixin of :class:`~xorl_client.ServiceClient`, kept apart because the factory's argument
forms (official, Tinker's positional order, ``base_model``) are a concern of their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx

from . import _runtime
from ._config import ClientConfig
from ._sessions import load_adapter
from ._transport import Transport
from ._twins import blocking_twin, value_twin
from .compat.tinker_options import check_tinker_options
from .compat.tinker_orders import tinker_order
from .errors import DataValidationError
from .futures import APIFuture
from .rest import RestClient
from .sampling import ENV_INFERENCE_BASE_URL, SamplingClient
from .sampling.settings import inherited_settings
from .tinker_compat.server_model import check_sampling_base_model, server_model
from .types import ParsedCheckpointTinkerPath
from .validation import validate_model_id

__all__ = ["SamplingFactory", "xorl_path"]


class SamplingFactory:
    """The sampling-client factories of :class:`~xorl_client.ServiceClient`."""

    config: ClientConfig
    _transport: Transport
    _sampling_clients: list[SamplingClient]

    def create_rest_client(self, model_id: str = ...) -> RestClient:  # provided by ServiceClient
        raise NotImplementedError

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
            model_path = xorl_path(model_path)
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
        inherited = {**inherited_settings(self.config), **settings}
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

    def _own(self, client: SamplingClient) -> SamplingClient:
        """Remember a client this service opened so :meth:`close` closes it too."""
        self._sampling_clients.append(client)
        return client

    def _with_model_lookup(self, client: SamplingClient) -> SamplingClient:
        """Let ``client.get_base_model()`` ask this server when it is first called."""
        rest = self.create_rest_client()
        client._base_model_lookup = lambda: server_model(rest).map(lambda run: run.base_model)
        return client


def xorl_path(path: str) -> str:
    """A ``tinker://<run>/<kind>/<name>`` path as the ``xorl://`` path of the same checkpoint."""
    return ParsedCheckpointTinkerPath.from_tinker_path(path).xorl_path
