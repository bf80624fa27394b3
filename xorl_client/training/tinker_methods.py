"""``TrainingClient``'s Tinker surface: the client as its own future (:mod:`xorl_client._own_future`),
``get_info``, ``create_sampling_client`` and run-scoped checkpoint names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xorl_client._own_future import OwnFuture
from xorl_client._twins import blocking_twin, value_twin
from xorl_client.compat.tinker_options import check_tinker_options, refused_call
from xorl_client.errors import ConfigurationError
from xorl_client.futures import APIFuture
from xorl_client.types import AdamOptimizerConfig, GetInfoResponse, ModelData
from xorl_client.validation import validate_checkpoint_name

if TYPE_CHECKING:
    from xorl_client.sampling import SamplingClient
    from xorl_client.service import ServiceClient

__all__ = ["TinkerTrainingMixin", "scoped_name"]


def scoped_name(run_id: str | None, name: str, *, field: str = "name") -> str:
    """``name`` prefixed with ``run_id`` (``<run_id>-<name>``) when there is one, validated.

    >>> scoped_name("run-1a2b", "000020"), scoped_name(None, "final")
    ('run-1a2b-000020', 'final')
    """
    validate_checkpoint_name(name, field=field)
    return name if run_id is None else validate_checkpoint_name(f"{run_id}-{name}", field=field)


class TinkerTrainingMixin(OwnFuture):
    """Tinker's ``TrainingClient`` methods on xorl (needs ``model_id``, ``base_model``,
    ``is_lora``, ``lora_rank`` from the client)."""

    #: This client's run when runs are isolated (``ServiceClient(isolate_runs=True)``, the
    #: Tinker ``ServiceClient``): checkpoint and sampler-export names are prefixed with it.
    run_id: str | None = None
    _service: ServiceClient | None = None

    model_id: str
    base_model: str
    is_lora: bool
    lora_rank: int | None

    def _attach_service(self, service: ServiceClient, run_id: str | None) -> None:
        self._service = service
        self.run_id = run_id

    def _checkpoint_name(self, name: str, field: str = "name") -> str:
        return scoped_name(self.run_id, name, field=field)

    def _tinker_save_options(
        self, call: str, ttl_seconds: Any, user_metadata: Any, **more: Any
    ) -> None:
        check_tinker_options(call, ttl_seconds=ttl_seconds, user_metadata=user_metadata, **more)

    # -- info ---------------------------------------------------------------------------------

    def get_info(self) -> GetInfoResponse:
        """The session and its model (no request): Tinker's ``GetInfoResponse``.

        ``model_data.tokenizer_id`` is the base model, which is what :meth:`get_tokenizer`
        loads.
        """
        return GetInfoResponse(
            model_id=self.model_id,
            model_data=ModelData(model_name=self.base_model, tokenizer_id=self.base_model),
            optimizer_config=AdamOptimizerConfig(),
            is_lora=self.is_lora,
            lora_rank=self.lora_rank,
            model_name=self.base_model,
        )

    async def get_info_async(self) -> GetInfoResponse:
        """Async twin of ``get_info``: its value is the result."""
        return self.get_info()

    # -- sampling -----------------------------------------------------------------------------

    def _sampling_client_future(
        self,
        model_path: str,
        retry_config: Any = None,
        record_stability_info: bool = False,
    ) -> APIFuture[SamplingClient]:
        """A :class:`~xorl_client.SamplingClient` for a sampler export of this session.

        ``model_path`` is what :meth:`save_weights_for_sampler` returned. The inference server
        and its settings are the creating ``ServiceClient``'s; ``get_base_model()`` of the
        client is this session's base model. ``retry_config`` and ``record_stability_info``
        are Tinker's; only their defaults are accepted.
        """
        if self._service is None:
            raise ConfigurationError(
                "this TrainingClient was not created by a ServiceClient, so it does not know "
                "the inference server; use ServiceClient.create_sampling_client(model_path=...)"
            )
        base_model = self.base_model
        future = self._service._sampling_future(
            model_path=model_path,
            retry_config=retry_config,
            record_stability_info=record_stability_info,
        )

        def attach(client: SamplingClient) -> SamplingClient:
            client._base_model = base_model
            return client

        return future.map(attach)

    save_weights_external = refused_call("save_weights_external")
    save_weights_external_async = refused_call("save_weights_external_async")

    create_sampling_client = blocking_twin(_sampling_client_future, "create_sampling_client")
    create_sampling_client_async = value_twin(
        _sampling_client_future, "create_sampling_client_async"
    )
