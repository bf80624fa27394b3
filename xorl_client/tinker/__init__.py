"""The ``tinker`` namespace on xorl: Tinker's names, each one an xorl-client class.

Code written for Tinker imports ``tinker``; on xorl it can import this module instead::

    import xorl_client.tinker as tinker

or, for a code base that imports ``tinker`` in many modules (the tinker-cookbook), make
``import tinker`` itself resolve here with one line at the top of the entry point::

    import xorl_client.tinker_shim  # noqa: F401  (before anything imports tinker)

or without touching the code: ``xorl-client tinker-run script.py ARGS`` /
``xorl-client tinker-run -m package.module ARGS``.

What each Tinker call becomes on xorl, and what is refused, is in ``docs/tinker.md``.
``__version__`` is the Tinker version whose surface this follows, with xorl-client's version
as its local label (``0.38.0+xorl.<version>``): ``tinker.__version__ >= "0.19.0"``-style checks
pass, and the label says what is really installed. No ``tinker`` distribution is installed, so
``importlib.metadata.version("tinker")`` still raises ``PackageNotFoundError``.
"""

from typing import Final

from xorl_client._version import __version__ as _xorl_version
from xorl_client.futures import APIFuture
from xorl_client.rest import RestClient
from xorl_client.sampling import SamplingClient
from xorl_client.tinker import lib, types
from xorl_client.tinker._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BillingError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestFailedError,
    TinkerError,
    UnprocessableEntityError,
)
from xorl_client.tinker._service import ServiceClient
from xorl_client.tinker.types import (
    AdamParams,
    Checkpoint,
    CheckpointsListResponse,
    Datum,
    EncodedTextChunk,
    ForwardBackwardOutput,
    GetInfoResponse,
    GetServerCapabilitiesResponse,
    ImageAssetPointerChunk,
    ImageChunk,
    LoadWeightsResponse,
    LoraConfig,
    LossFnType,
    ModelInput,
    ModelInputChunk,
    OptimStepResponse,
    ParsedCheckpointTinkerPath,
    RequestErrorCategory,
    SampledSequence,
    SampleResponse,
    SamplingParams,
    SaveWeightsForSamplerResponse,
    SaveWeightsResponse,
    StopReason,
    TensorData,
    TrainingRun,
    WeightsInfoResponse,
)
from xorl_client.training import TrainingClient

#: The Tinker release whose API surface this namespace follows (tinker-api reference).
TINKER_API_VERSION: Final = "0.38.0"
__version__: Final = f"{TINKER_API_VERSION}+xorl.{_xorl_version}"

__all__ = [
    "TINKER_API_VERSION",
    "APIConnectionError",
    "APIError",
    "APIFuture",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AdamParams",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "Checkpoint",
    "CheckpointsListResponse",
    "ConflictError",
    "Datum",
    "EncodedTextChunk",
    "ForwardBackwardOutput",
    "GetInfoResponse",
    "GetServerCapabilitiesResponse",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "InternalServerError",
    "LoadWeightsResponse",
    "LoraConfig",
    "LossFnType",
    "ModelInput",
    "ModelInputChunk",
    "NotFoundError",
    "OptimStepResponse",
    "ParsedCheckpointTinkerPath",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestErrorCategory",
    "RequestFailedError",
    "RestClient",
    "SampleResponse",
    "SampledSequence",
    "SamplingClient",
    "SamplingParams",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsResponse",
    "ServiceClient",
    "StopReason",
    "TensorData",
    "TinkerError",
    "TrainingClient",
    "TrainingRun",
    "UnprocessableEntityError",
    "WeightsInfoResponse",
    "__version__",
    "lib",
    "types",
]
