"""xorl-client: the Python SDK for the xorl LLM training server.

Everything users need is importable from here::

    import xorl_client as xc

    with xc.ServiceClient() as service:                 # XORL_BASE_URL / XORL_API_KEY
        tc = service.create_lora_training_client("Qwen/Qwen3-8B", rank=16)
        fb = tc.forward_backward(batch, "cross_entropy")
        op = tc.optim_step(xc.AdamParams(learning_rate=1e-4))
        print(fb.result().loss, op.result().step)

Importing the package never imports numpy, transformers or torch.
"""

from importlib.metadata import PackageNotFoundError, version

from ._config import ClientConfig
from ._polling import QueueStateEvent
from .byte_tokenizer import ByteTokenizer
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
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
    Outcome,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RequestFailedError,
    SentAndFailedError,
    SessionStateError,
    StepIntegrityError,
    StepOutcomeUnknownError,
    TransportError,
    UnprocessableEntityError,
    XorlError,
)
from .futures import APIFuture
from .rest import DeleteCheckpointResult, RestClient
from .rl import build_rl_datum, group_advantages
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

try:
    __version__ = version("xorl-client")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

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
    "ClientForkedError",
    "ConfigurationError",
    "ConflictError",
    "DataValidationError",
    "Datum",
    "DeleteCheckpointResult",
    "EncodedTextChunk",
    "EpochAbortedError",
    "ForwardBackwardOutput",
    "FutureCancelledError",
    "FutureExpiredError",
    "InternalServerError",
    "LoadWeightsResponse",
    "LossFnOutput",
    "MissingDependencyError",
    "ModelInput",
    "NotFoundError",
    "NotSentError",
    "OptimStepOutput",
    "Outcome",
    "OutcomeUnknownError",
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
    "SentAndFailedError",
    "ServiceClient",
    "SessionInfo",
    "SessionStateError",
    "StepIntegrityError",
    "StepOutcomeUnknownError",
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
    "group_advantages",
]
