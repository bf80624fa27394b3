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
"""

import logging

from ._config import ClientConfig
from ._polling import QueueStateEvent
from ._version import __version__
from .byte_tokenizer import ByteTokenizer
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DataValidationError,
    FutureCancelledError,
    FutureExpiredError,
    InternalServerError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestFailedError,
    TransportError,
    UnprocessableEntityError,
    XorlError,
)
from .futures import APIFuture
from .rest import DeleteCheckpointResult, RestClient
from .rl import build_rl_datum, compute_skip_observation_gae, explained_variance, group_advantages
from .sampling import BatchSampleResult, SamplingClient
from .service import ServiceClient
from .training import TrainingClient
from .types import (
    AbortGradientEpochOutput,
    AdamParams,
    CheckpointInfo,
    Datum,
    EncodedTextChunk,
    ForwardBackwardOutput,
    LoadWeightsResponse,
    LossFnOutput,
    ModelInput,
    OptimStepOutput,
    QueueState,
    SampledSequence,
    SampleResponse,
    SamplingParams,
    SaveWeightsForSamplerResponse,
    SaveWeightsResponse,
    SessionInfo,
    SyncInferenceWeightsResult,
    TensorData,
    TrainingRun,
    TrainingRunsPage,
    WeightsInfo,
)

# A library never decides where its log records go (the logging HOWTO, "Configuring Logging for
# a Library"): without this, Python's last-resort handler prints WARNING records to stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "APIConnectionError",
    "APIFuture",
    "APIStatusError",
    "APITimeoutError",
    "AbortGradientEpochOutput",
    "AdamParams",
    "BadRequestError",
    "BatchSampleResult",
    "ByteTokenizer",
    "CheckpointInfo",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "DataValidationError",
    "Datum",
    "DeleteCheckpointResult",
    "EncodedTextChunk",
    "ForwardBackwardOutput",
    "FutureCancelledError",
    "FutureExpiredError",
    "InternalServerError",
    "LoadWeightsResponse",
    "LossFnOutput",
    "MissingDependencyError",
    "ModelInput",
    "NotFoundError",
    "OptimStepOutput",
    "PermissionDeniedError",
    "QueueState",
    "QueueStateEvent",
    "RateLimitError",
    "RequestFailedError",
    "RestClient",
    "SampleResponse",
    "SampledSequence",
    "SamplingClient",
    "SamplingParams",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsResponse",
    "ServiceClient",
    "SessionInfo",
    "SyncInferenceWeightsResult",
    "TensorData",
    "TrainingClient",
    "TrainingRun",
    "TrainingRunsPage",
    "TransportError",
    "UnprocessableEntityError",
    "WeightsInfo",
    "XorlError",
    "__version__",
    "build_rl_datum",
    "compute_skip_observation_gae",
    "explained_variance",
    "group_advantages",
]
