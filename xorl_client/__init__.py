"""xorl-client: the Python SDK for the xorl LLM training server.

Everything users need is importable from here::

    import xorl_client as xc

    with xc.ServiceClient() as service:                 # XORL_BASE_URL / XORL_API_KEY
        tc = service.create_lora_training_client("Qwen/Qwen3-8B", rank=16)
        fb = tc.forward_backward(batch, "cross_entropy")
        op = tc.optim_step(xc.AdamParams(learning_rate=1e-4))
        print(fb.result().loss, op.result().step)

Importing the package never imports numpy, transformers or torch. The SDK logs (retries, queue
state) to the ``xorl_client`` logger, which has a ``NullHandler``: nothing is printed unless the
program configures logging (e.g. ``logging.basicConfig(level=logging.INFO)``).

Code written for the official xorl-client runs unchanged: its names, signatures and result
shapes all work here (``docs/compatibility.md`` lists them and the few deliberate
differences). Code written for Tinker runs through ``xorl_client.tinker`` (``import
xorl_client.tinker_shim`` makes ``import tinker`` resolve to it; ``docs/tinker.md``).
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import exceptions, types
    from ._config import ClientConfig
    from ._polling import QueueStateEvent
    from .byte_tokenizer import ByteTokenizer
    from .compat.tinker_options import UnsupportedError
    from .errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClientForkedError,
        ConfigurationError,
        ConflictError,
        DataValidationError,
        EpochAbortedError,
        FutureCancelledError,
        FutureExpiredError,
        InternalServerError,
        MissingDependencyError,
        NotFoundError,
        NotSentError,
        NotSupportedOnXorlError,
        Outcome,
        OutcomeUnknownError,
        PermissionDeniedError,
        RateLimitError,
        RequestFailedError,
        RetryableException,
        SentAndFailedError,
        SessionStateError,
        StepIntegrityError,
        StepOutcomeUnknownError,
        TransportError,
        UnprocessableEntityError,
        XorlClientError,
        XorlError,
    )
    from .futures import APIFuture
    from .rest import RestClient
    from .rl import (
        build_rl_datum,
        compute_skip_observation_gae,
        explained_variance,
        group_advantages,
    )
    from .sampling import BatchSampleResult, SamplingClient
    from .service import ServiceClient
    from .training import TrainingClient
    from .types import (
        AbortGradientEpochOutput,
        AdamParams,
        Checkpoint,
        CheckpointInfo,
        CheckpointsListResponse,
        Cursor,
        Datum,
        DedicatedEndpointConfig,
        DeleteCheckpointResponse,
        DeleteCheckpointResult,
        EncodedTextChunk,
        ForwardBackwardOutput,
        ImageAssetPointerChunk,
        ImageChunk,
        LoadWeightsResponse,
        LoraConfig,
        LossFnOutput,
        ModelInput,
        ModelInputChunk,
        OptimStepOutput,
        OptimStepResponse,
        QueueState,
        QueueStateObserver,
        SampledSequence,
        SampleResponse,
        SamplingParams,
        SaveWeightsForSamplerResponse,
        SaveWeightsResponse,
        SessionInfo,
        StrictBase,
        SyncInferenceWeightsResult,
        SyncWeightsResponse,
        TensorData,
        TrainingRun,
        TrainingRunsPage,
        TrainingRunsResponse,
        UpdateDedicatedEndpointResponse,
        WeightsInfo,
        WeightsInfoResponse,
        decode_routed_experts,
    )

# A library never decides where its log records go (the logging HOWTO, "Configuring Logging for
# a Library"): without this, Python's last-resort handler prints WARNING records to stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Public name -> the module that defines it (``None``: the name is a submodule). Names are
#: imported on first use (PEP 562), so ``import xorl_client`` costs little more than Python's
#: own startup and a program pays only for the parts it touches (the sampling client, the RL
#: helpers, the Tinker surface...). ``from xorl_client import X`` works as before.
_EXPORTS: dict[str, str | None] = {
    "APIConnectionError": ".errors",
    "APIError": ".errors",
    "APIFuture": ".futures",
    "APIStatusError": ".errors",
    "APITimeoutError": ".errors",
    "AbortGradientEpochOutput": ".types",
    "AdamParams": ".types",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "BatchSampleResult": ".sampling",
    "ByteTokenizer": ".byte_tokenizer",
    "Checkpoint": ".types",
    "CheckpointInfo": ".types",
    "CheckpointsListResponse": ".types",
    "ClientConfig": "._config",
    "ClientForkedError": ".errors",
    "ConfigurationError": ".errors",
    "ConflictError": ".errors",
    "Cursor": ".types",
    "DataValidationError": ".errors",
    "Datum": ".types",
    "DedicatedEndpointConfig": ".types",
    "DeleteCheckpointResponse": ".types",
    "DeleteCheckpointResult": ".types",
    "EncodedTextChunk": ".types",
    "EpochAbortedError": ".errors",
    "ForwardBackwardOutput": ".types",
    "FutureCancelledError": ".errors",
    "FutureExpiredError": ".errors",
    "ImageAssetPointerChunk": ".types",
    "ImageChunk": ".types",
    "InternalServerError": ".errors",
    "LoadWeightsResponse": ".types",
    "LoraConfig": ".types",
    "LossFnOutput": ".types",
    "MissingDependencyError": ".errors",
    "ModelInput": ".types",
    "ModelInputChunk": ".types",
    "NotFoundError": ".errors",
    "NotSentError": ".errors",
    "NotSupportedOnXorlError": ".errors",
    "OptimStepOutput": ".types",
    "OptimStepResponse": ".types",
    "Outcome": ".errors",
    "OutcomeUnknownError": ".errors",
    "PermissionDeniedError": ".errors",
    "QueueState": ".types",
    "QueueStateEvent": "._polling",
    "QueueStateObserver": ".types",
    "RateLimitError": ".errors",
    "RequestFailedError": ".errors",
    "RestClient": ".rest",
    "RetryableException": ".errors",
    "SampleResponse": ".types",
    "SampledSequence": ".types",
    "SamplingClient": ".sampling",
    "SamplingParams": ".types",
    "SaveWeightsForSamplerResponse": ".types",
    "SaveWeightsResponse": ".types",
    "SentAndFailedError": ".errors",
    "ServiceClient": ".service",
    "SessionInfo": ".types",
    "SessionStateError": ".errors",
    "StepIntegrityError": ".errors",
    "StepOutcomeUnknownError": ".errors",
    "StrictBase": ".types",
    "SyncInferenceWeightsResult": ".types",
    "SyncWeightsResponse": ".types",
    "TensorData": ".types",
    "TrainingClient": ".training",
    "TrainingRun": ".types",
    "TrainingRunsPage": ".types",
    "TrainingRunsResponse": ".types",
    "TransportError": ".errors",
    "UnprocessableEntityError": ".errors",
    "UnsupportedError": ".compat.tinker_options",
    "UpdateDedicatedEndpointResponse": ".types",
    "WeightsInfo": ".types",
    "WeightsInfoResponse": ".types",
    "XorlClientError": ".errors",
    "XorlError": ".errors",
    "build_rl_datum": ".rl",
    "compute_skip_observation_gae": ".rl",
    "decode_routed_experts": ".types",
    "exceptions": None,
    "explained_variance": ".rl",
    "group_advantages": ".rl",
    "types": None,
}


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    if module is None:
        value: Any = importlib.import_module(f".{name}", __name__)
    else:
        value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIFuture",
    "APIStatusError",
    "APITimeoutError",
    "AbortGradientEpochOutput",
    "AdamParams",
    "AuthenticationError",
    "BadRequestError",
    "BatchSampleResult",
    "ByteTokenizer",
    "Checkpoint",
    "CheckpointInfo",
    "CheckpointsListResponse",
    "ClientConfig",
    "ClientForkedError",
    "ConfigurationError",
    "ConflictError",
    "Cursor",
    "DataValidationError",
    "Datum",
    "DedicatedEndpointConfig",
    "DeleteCheckpointResponse",
    "DeleteCheckpointResult",
    "EncodedTextChunk",
    "EpochAbortedError",
    "ForwardBackwardOutput",
    "FutureCancelledError",
    "FutureExpiredError",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "InternalServerError",
    "LoadWeightsResponse",
    "LoraConfig",
    "LossFnOutput",
    "MissingDependencyError",
    "ModelInput",
    "ModelInputChunk",
    "NotFoundError",
    "NotSentError",
    "NotSupportedOnXorlError",
    "OptimStepOutput",
    "OptimStepResponse",
    "Outcome",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "QueueState",
    "QueueStateEvent",
    "QueueStateObserver",
    "RateLimitError",
    "RequestFailedError",
    "RestClient",
    "RetryableException",
    "SampleResponse",
    "SampledSequence",
    "SamplingClient",
    "SamplingParams",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsResponse",
    "SentAndFailedError",
    "ServiceClient",
    "SessionInfo",
    "SessionStateError",
    "StepIntegrityError",
    "StepOutcomeUnknownError",
    "StrictBase",
    "SyncInferenceWeightsResult",
    "SyncWeightsResponse",
    "TensorData",
    "TrainingClient",
    "TrainingRun",
    "TrainingRunsPage",
    "TrainingRunsResponse",
    "TransportError",
    "UnprocessableEntityError",
    "UnsupportedError",
    "UpdateDedicatedEndpointResponse",
    "WeightsInfo",
    "WeightsInfoResponse",
    "XorlClientError",
    "XorlError",
    "__version__",
    "build_rl_datum",
    "compute_skip_observation_gae",
    "decode_routed_experts",
    "explained_variance",
    "exceptions",
    "group_advantages",
    "types",
]
