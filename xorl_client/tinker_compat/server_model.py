"""What Tinker asks a server about its model, answered from xorl's training runs.

An xorl server trains and serves exactly one base model, and every server lists at least its
``"default"`` run in ``training_runs``, with that base model and whether the server trains LoRA
adapters. That one GET answers Tinker's ``get_server_capabilities`` and the check behind
``create_sampling_client(base_model=...)``.
"""

from __future__ import annotations

from typing import Protocol

from xorl_client.compat.tinker_options import refuse
from xorl_client.errors import DataValidationError, XorlError
from xorl_client.futures import APIFuture
from xorl_client.types import (
    GetServerCapabilitiesResponse,
    SupportedModel,
    TrainingRun,
    TrainingRunsPage,
)


class RunLister(Protocol):
    """Anything that lists training runs (a :class:`~xorl_client.RestClient`)."""

    def list_training_runs(self, limit: int = 20, offset: int = 0) -> APIFuture[TrainingRunsPage]:
        """One page of the server's runs."""
        ...


__all__ = ["capabilities", "check_sampling_base_model", "server_model"]


def _first_run(page: TrainingRunsPage) -> TrainingRun:
    if not page.training_runs:
        raise XorlError(
            "the server lists no training runs, so its base model is unknown (an xorl server "
            "always lists its 'default' run)"
        )
    return page.training_runs[0]


def server_model(rest: RunLister) -> APIFuture[TrainingRun]:
    """A run of the server (``base_model``, ``is_lora`` are the server's)."""
    return rest.list_training_runs(limit=1).map(_first_run)


def capabilities(run: TrainingRun) -> GetServerCapabilitiesResponse:
    """Tinker's capabilities answer: the server's one model, trainable and sampleable."""
    model = SupportedModel(model_name=run.base_model, trainable=True, sampleable=True)
    return GetServerCapabilitiesResponse(supported_models=[model])


def check_sampling_base_model(run: TrainingRun, base_model: str, *, adapter: bool) -> None:
    """Refuse a ``base_model`` the server does not serve, or base sampling it cannot guarantee.

    Without an adapter the inference server samples the weights it holds. On a LoRA server
    those are the base model (sessions train adapters, never the base weights). On a
    full-weight server they are whatever a session last pushed with
    ``sync_inference_weights``, so "the base model" is refused there.
    """
    if base_model != run.base_model:
        raise DataValidationError(
            f"base_model={base_model!r} but this xorl server serves {run.base_model!r} (an xorl "
            "server has exactly one base model)",
            field="base_model",
            rule="base_model is the server's model",
        )
    if not adapter and not run.is_lora:
        raise refuse(
            "create_sampling_client",
            f"base_model={base_model!r}",
            "on a full-weight xorl server the inference server holds whatever weights a session "
            "last pushed with sync_inference_weights, so sampling the untrained base model "
            "cannot be guaranteed",
            "Sample a sampler export (create_sampling_client(model_path=...)), or sample the "
            "inference server's current weights knowingly with create_sampling_client() and "
            "no base_model",
        )
