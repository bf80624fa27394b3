"""Operation name -> generated endpoint module and request model: one table each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xorl_client.errors import DataValidationError

if TYPE_CHECKING:
    from xorl_client._transport import Endpoint

__all__ = ["BatchRequest", "endpoint_for", "request_model", "wire_dict"]

#: Operations whose body carries a batch, and the key of the object that holds its ``data``.
_BATCH_INPUT = {"forward_backward": "forward_backward_input", "forward": "forward_input"}


class BatchRequest:
    """A generated batch request built without its ``data``, and that data as it is sent.

    Every datum was checked by ``validate_batch`` and is already in its wire form; building
    the generated ``Datum`` / ``ModelInput`` / ``TensorData`` models for it only to turn them
    back into the same dicts cost a container per field per datum (and the garbage
    collections they set off) on every batch. The rest of the body (model id, loss, options,
    ``seq_id``) still goes through the generated model, so the schema checks it as before.
    """

    __slots__ = ("_data", "_key", "_model")

    def __init__(self, model: Any, key: str, data: list[Any]) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)  # seq_id, model_id, ...: the generated model's

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._model, name, value)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = self._model.to_dict()
        body[self._key]["data"] = self._data
        return body


def wire_dict(parsed: Any) -> dict[str, Any]:
    """A generated result model (or an already-decoded dict) as its wire dict."""
    if isinstance(parsed, dict):
        return parsed
    result: dict[str, Any] = parsed.to_dict()
    return result


def endpoint_for(operation: str) -> Endpoint:
    from xorl_openapi.api.inference import sync_inference_weights
    from xorl_openapi.api.models import kill_session, unload_model
    from xorl_openapi.api.training import (
        abort_gradient_epoch,
        forward,
        forward_backward,
        optim_step,
    )
    from xorl_openapi.api.weights import load_weights, save_weights, save_weights_for_sampler

    endpoints: dict[str, Any] = {
        "forward_backward": forward_backward,
        "forward": forward,
        "optim_step": optim_step,
        "abort_gradient_epoch": abort_gradient_epoch,
        "save_weights": save_weights,
        "load_weights": load_weights,
        "save_weights_for_sampler": save_weights_for_sampler,
        "sync_inference_weights": sync_inference_weights,
        "unload_model": unload_model,
        "kill_session": kill_session,
    }
    return endpoints[operation]  # type: ignore[no-any-return]


def request_model(operation: str, body: dict[str, Any]) -> Any:
    """The generated request model for ``operation``, built from its wire dict at call time.

    Building it here, not on the SDK loop, turns an option the schema rejects (e.g. an
    unknown ``pause_mode``) into an immediate ``DataValidationError`` instead of a late,
    untyped failure of the future.
    """
    from xorl_openapi import models

    classes: dict[str, Any] = {
        "forward_backward": models.ForwardBackwardRequest,
        "forward": models.ForwardRequest,
        "optim_step": models.OptimStepRequest,
        "abort_gradient_epoch": models.AbortGradientEpochRequest,
        "save_weights": models.SaveWeightsRequest,
        "load_weights": models.LoadWeightsRequest,
        "save_weights_for_sampler": models.SaveWeightsForSamplerRequest,
        "sync_inference_weights": models.SyncInferenceWeightsRequest,
        "unload_model": models.UnloadModelRequest,
        "kill_session": models.KillSessionRequest,
        "add_inference_endpoint": models.AddInferenceEndpointRequest,
        "remove_inference_endpoint": models.RemoveInferenceEndpointRequest,
        "set_sync_quantization": models.SetSyncQuantizationRequest,
    }
    key = _BATCH_INPUT.get(operation)
    try:
        if key is not None and isinstance(body.get(key), dict) and "data" in body[key]:
            batch = body[key]
            skeleton = {**body, key: {**batch, "data": []}}
            return BatchRequest(classes[operation].from_dict(skeleton), key, batch["data"])
        return classes[operation].from_dict(body)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DataValidationError(
            f"{operation}: the request does not match the server's schema: {exc!r}",
            rule="request schema",
        ) from exc
