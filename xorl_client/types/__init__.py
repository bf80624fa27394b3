"""Public data types: what users build (``Datum``) and what operations return.

The shapes follow Tinker's types so code written for Tinker reads naturally here
(``Datum``, ``ModelInput``, ``TensorData``, ``ForwardBackwardOutput``, ``AdamParams``,
``SamplingParams``, ``SampleResponse``), while ``to_wire()`` produces exactly what the
xorl server expects (``{"model_input": {"input_ids": [...]}, ...}``, see the API notes §8.1).

numpy is optional. Nothing here imports it at import time: arrays are recognised through
``sys.modules`` (an array can only exist if numpy was already imported) and numpy is
imported lazily by :meth:`TensorData.to_numpy`. Array inputs are converted once to Python
lists with ``ndarray.tolist()`` (C speed), so everything downstream - validation, chunking,
JSON encoding - works on plain lists.

Example, an SFT datum in the pre-shifted (Tinker) style::

    >>> d = Datum(
    ...     model_input=[1, 2, 3],
    ...     loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [0, 1, 1]},
    ... )
    >>> d.loss_fn_inputs["target_tokens"].dtype, d.loss_fn_inputs["weights"].dtype
    ('int64', 'float32')
    >>> d.to_wire()
    {'model_input': {'input_ids': [1, 2, 3]}, 'loss_fn_inputs': {'target_tokens': [2, 3, 4], 'weights': [0, 1, 1]}}
"""

from xorl_client.types._base import (
    LossFnType,
    ModelID,
    RequestID,
    StrictBase,
    TensorDtype,
    XorlModel,
)
from xorl_client.types._common import FLOAT32_KEYS, INT64_KEYS, Tokenizer
from xorl_client.types.checkpoints import (
    Checkpoint,
    CheckpointInfo,
    CheckpointsListResponse,
    CheckpointType,
    Cursor,
    DeleteCheckpointResponse,
    DeleteCheckpointResult,
    ParsedCheckpointXoRLPath,
    SessionInfo,
    TrainingRun,
    TrainingRunsPage,
    TrainingRunsResponse,
    WeightsInfo,
    WeightsInfoResponse,
)
from xorl_client.types.datum import Datum
from xorl_client.types.endpoints import (
    AddInferenceEndpointResponse,
    ConnectedEndpoint,
    ConnectEndpointResponse,
    DisconnectResponse,
    InferenceEndpoint,
    InferenceEndpointServerInfo,
    ListInferenceEndpointsResponse,
    RemoveInferenceEndpointResponse,
    SetSyncQuantizationResponse,
)
from xorl_client.types.futures import (
    FutureRetrieveRequest,
    FutureRetrieveResponse,
    QueueState,
    QueueStateObserver,
    RequestErrorCategory,
    RequestFailedResponse,
    TryAgainResponse,
    UntypedAPIFuture,
    parse_future_retrieve_response,
)
from xorl_client.types.lora import LoraConfig
from xorl_client.types.model_input import (
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    ModelInputChunk,
)
from xorl_client.types.optim import AdamParams
from xorl_client.types.provider import (
    DedicatedEndpointConfig,
    UpdateDedicatedEndpointResponse,
    UpdateServerlessWeightsResponse,
)
from xorl_client.types.routing import decode_routed_experts, encode_routed_experts
from xorl_client.types.sampling import SampledSequence, SampleResponse, SamplingParams, StopReason
from xorl_client.types.session_ops import (
    CreateSamplingSessionResponse,
    KillSessionResponse,
    SaveFullWeightsSafetensorsResponse,
)
from xorl_client.types.tensor_data import TensorData
from xorl_client.types.tinker_types import (
    AdamOptimizerConfig,
    AuditLogEntry,
    AuditLogResponse,
    GetInfoResponse,
    GetServerCapabilitiesResponse,
    ModelData,
    ParsedCheckpointTinkerPath,
    SupportedModel,
)
from xorl_client.types.training_outputs import (
    AbortGradientEpochOutput,
    CreateModelResponse,
    ForwardBackwardOutput,
    LoadWeightsResponse,
    LossFnOutput,
    OptimStepOutput,
    OptimStepResponse,
    SaveWeightsForSamplerResponse,
    SaveWeightsResponse,
    UnloadModelResponse,
)
from xorl_client.types.weight_sync import (
    EndpointSyncResult,
    SyncInferenceWeightsResult,
    SyncWeightsResponse,
)

__all__ = [
    "FLOAT32_KEYS",
    "INT64_KEYS",
    "AbortGradientEpochOutput",
    "AdamOptimizerConfig",
    "AdamParams",
    "AddInferenceEndpointResponse",
    "AuditLogEntry",
    "AuditLogResponse",
    "Checkpoint",
    "CheckpointInfo",
    "CheckpointType",
    "CheckpointsListResponse",
    "ConnectEndpointResponse",
    "ConnectedEndpoint",
    "CreateModelResponse",
    "CreateSamplingSessionResponse",
    "Cursor",
    "Datum",
    "DedicatedEndpointConfig",
    "DeleteCheckpointResponse",
    "DeleteCheckpointResult",
    "DisconnectResponse",
    "EncodedTextChunk",
    "EndpointSyncResult",
    "ForwardBackwardOutput",
    "FutureRetrieveRequest",
    "FutureRetrieveResponse",
    "GetInfoResponse",
    "GetServerCapabilitiesResponse",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "InferenceEndpoint",
    "InferenceEndpointServerInfo",
    "KillSessionResponse",
    "ListInferenceEndpointsResponse",
    "LoadWeightsResponse",
    "LoraConfig",
    "LossFnOutput",
    "LossFnType",
    "ModelData",
    "ModelID",
    "ModelInput",
    "ModelInputChunk",
    "OptimStepOutput",
    "OptimStepResponse",
    "ParsedCheckpointTinkerPath",
    "ParsedCheckpointXoRLPath",
    "QueueState",
    "QueueStateObserver",
    "RemoveInferenceEndpointResponse",
    "RequestErrorCategory",
    "RequestFailedResponse",
    "RequestID",
    "SampleResponse",
    "SampledSequence",
    "SamplingParams",
    "SaveFullWeightsSafetensorsResponse",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsResponse",
    "SessionInfo",
    "SetSyncQuantizationResponse",
    "StopReason",
    "StrictBase",
    "SupportedModel",
    "SyncInferenceWeightsResult",
    "SyncWeightsResponse",
    "TensorData",
    "TensorDtype",
    "Tokenizer",
    "TrainingRun",
    "TrainingRunsPage",
    "TrainingRunsResponse",
    "TryAgainResponse",
    "UnloadModelResponse",
    "UntypedAPIFuture",
    "UpdateDedicatedEndpointResponse",
    "UpdateServerlessWeightsResponse",
    "WeightsInfo",
    "WeightsInfoResponse",
    "XorlModel",
    "decode_routed_experts",
    "encode_routed_experts",
    "parse_future_retrieve_response",
]
