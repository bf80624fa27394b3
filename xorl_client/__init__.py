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

import logging

from . import exceptions, types
from ._config import ClientConfig
from ._polling import QueueStateEvent
from ._version import __version__
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
from .rl import build_rl_datum, compute_skip_observation_gae, explained_variance, group_advantages
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
