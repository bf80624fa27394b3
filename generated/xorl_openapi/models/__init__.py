"""Contains all the data models used in inputs/outputs"""

from .abort_gradient_epoch_request import AbortGradientEpochRequest
from .abort_gradient_epoch_response import AbortGradientEpochResponse
from .adam_params import AdamParams
from .add_inference_endpoint_request import AddInferenceEndpointRequest
from .add_inference_endpoint_response import AddInferenceEndpointResponse
from .cache_invalidation_mode import CacheInvalidationMode
from .chat_completion_choice import ChatCompletionChoice
from .chat_completion_logprobs import ChatCompletionLogprobs
from .chat_completion_message import ChatCompletionMessage
from .chat_completion_metadata import ChatCompletionMetadata
from .chat_completion_request import ChatCompletionRequest
from .chat_completion_response import ChatCompletionResponse
from .chat_completion_token_logprob import ChatCompletionTokenLogprob
from .chat_completion_top_logprob import ChatCompletionTopLogprob
from .chat_completion_usage import ChatCompletionUsage
from .chat_error_response import ChatErrorResponse
from .chat_message import ChatMessage
from .chat_template_kwargs import ChatTemplateKwargs
from .checkpoint_info import CheckpointInfo
from .checkpoint_info_checkpoint_type import CheckpointInfoCheckpointType
from .checkpoint_lo_ra_config import CheckpointLoRAConfig
from .checkpoint_optimizer_config import CheckpointOptimizerConfig
from .checkpoint_path_response import CheckpointPathResponse
from .create_model_request import CreateModelRequest
from .create_model_response import CreateModelResponse
from .create_sampling_session_request import CreateSamplingSessionRequest
from .create_sampling_session_response import CreateSamplingSessionResponse
from .create_session_request import CreateSessionRequest
from .create_session_response import CreateSessionResponse
from .cursor import Cursor
from .custom_params import CustomParams
from .datum import Datum
from .datum_input import DatumInput
from .delete_checkpoint_request import DeleteCheckpointRequest
from .delete_checkpoint_response import DeleteCheckpointResponse
from .endpoint_sync_result import EndpointSyncResult
from .engine_state_result import EngineStateResult
from .error_detail import ErrorDetail
from .finish_reason import FinishReason
from .forward_backward_metrics import ForwardBackwardMetrics
from .forward_backward_request import ForwardBackwardRequest
from .forward_backward_response import ForwardBackwardResponse
from .forward_metrics import ForwardMetrics
from .forward_request import ForwardRequest
from .forward_response import ForwardResponse
from .future_retrieve_request import FutureRetrieveRequest
from .generate_meta_info import GenerateMetaInfo
from .generate_output import GenerateOutput
from .generate_output_map import GenerateOutputMap
from .generate_request import GenerateRequest
from .health_check_response import HealthCheckResponse
from .health_check_response_status import HealthCheckResponseStatus
from .healthz_response import HealthzResponse
from .healthz_response_status import HealthzResponseStatus
from .http_validation_error import HTTPValidationError
from .inference_endpoint import InferenceEndpoint
from .inference_endpoint_server_info import InferenceEndpointServerInfo
from .kill_session_request import KillSessionRequest
from .kill_session_response import KillSessionResponse
from .kv_cache_dtype import KvCacheDtype
from .list_checkpoints_request import ListCheckpointsRequest
from .list_checkpoints_response import ListCheckpointsResponse
from .list_inference_endpoints_response import ListInferenceEndpointsResponse
from .lo_ra_config_request import LoRAConfigRequest
from .load_lora_adapter_request import LoadLoraAdapterRequest
from .load_weights_request import LoadWeightsRequest
from .loaded_lora_adapters import LoadedLoraAdapters
from .loaded_sampling_adapters import LoadedSamplingAdapters
from .lora_ref import LoraRef
from .lora_update_response import LoraUpdateResponse
from .loss_fn_inputs import LossFnInputs
from .loss_fn_output import LossFnOutput
from .loss_fn_params import LossFnParams
from .model_input import ModelInput
from .model_input_chunk import ModelInputChunk
from .operation_info import OperationInfo
from .optim_step_metrics import OptimStepMetrics
from .optim_step_request import OptimStepRequest
from .optim_step_response import OptimStepResponse
from .optimizer_config_request import OptimizerConfigRequest
from .optimizer_dtype import OptimizerDtype
from .optimizer_kwargs import OptimizerKwargs
from .optimizer_type import OptimizerType
from .output_tensor import OutputTensor
from .p2p_rank_summary import P2PRankSummary
from .pause_mode import PauseMode
from .quantization_config import QuantizationConfig
from .quantization_spec import QuantizationSpec
from .remove_inference_endpoint_request import RemoveInferenceEndpointRequest
from .remove_inference_endpoint_response import RemoveInferenceEndpointResponse
from .request_failed_response import RequestFailedResponse
from .request_failed_response_category import RequestFailedResponseCategory
from .root_endpoints import RootEndpoints
from .root_response import RootResponse
from .save_weights_for_sampler_request import SaveWeightsForSamplerRequest
from .save_weights_request import SaveWeightsRequest
from .session_activity import SessionActivity
from .session_heartbeat_request import SessionHeartbeatRequest
from .session_heartbeat_response import SessionHeartbeatResponse
from .session_info_response import SessionInfoResponse
from .set_sync_quantization_request import SetSyncQuantizationRequest
from .set_sync_quantization_response import SetSyncQuantizationResponse
from .sg_lang_error_body import SGLangErrorBody
from .sg_lang_error_response import SGLangErrorResponse
from .sg_lang_sampling_params import SGLangSamplingParams
from .sgl_ext import SglExt
from .sleep_response import SleepResponse
from .sync_inference_weights_request import SyncInferenceWeightsRequest
from .sync_inference_weights_response import SyncInferenceWeightsResponse
from .tensor_data import TensorData
from .timing_breakdown import TimingBreakdown
from .token_diagnostics import TokenDiagnostics
from .training_run import TrainingRun
from .training_runs_response import TrainingRunsResponse
from .try_again_response import TryAgainResponse
from .try_again_response_queue_state import TryAgainResponseQueueState
from .unload_lora_adapter_request import UnloadLoraAdapterRequest
from .unload_model_request import UnloadModelRequest
from .unload_model_response import UnloadModelResponse
from .untyped_api_future import UntypedAPIFuture
from .user_metadata import UserMetadata
from .validation_error_context import ValidationErrorContext
from .validation_error_item import ValidationErrorItem
from .wake_up_response import WakeUpResponse
from .weights_info_request import WeightsInfoRequest
from .weights_info_response import WeightsInfoResponse

__all__ = (
    "AbortGradientEpochRequest",
    "AbortGradientEpochResponse",
    "AdamParams",
    "AddInferenceEndpointRequest",
    "AddInferenceEndpointResponse",
    "CacheInvalidationMode",
    "ChatCompletionChoice",
    "ChatCompletionLogprobs",
    "ChatCompletionMessage",
    "ChatCompletionMetadata",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ChatCompletionTokenLogprob",
    "ChatCompletionTopLogprob",
    "ChatCompletionUsage",
    "ChatErrorResponse",
    "ChatMessage",
    "ChatTemplateKwargs",
    "CheckpointInfo",
    "CheckpointInfoCheckpointType",
    "CheckpointLoRAConfig",
    "CheckpointOptimizerConfig",
    "CheckpointPathResponse",
    "CreateModelRequest",
    "CreateModelResponse",
    "CreateSamplingSessionRequest",
    "CreateSamplingSessionResponse",
    "CreateSessionRequest",
    "CreateSessionResponse",
    "Cursor",
    "CustomParams",
    "Datum",
    "DatumInput",
    "DeleteCheckpointRequest",
    "DeleteCheckpointResponse",
    "EndpointSyncResult",
    "EngineStateResult",
    "ErrorDetail",
    "FinishReason",
    "ForwardBackwardMetrics",
    "ForwardBackwardRequest",
    "ForwardBackwardResponse",
    "ForwardMetrics",
    "ForwardRequest",
    "ForwardResponse",
    "FutureRetrieveRequest",
    "GenerateMetaInfo",
    "GenerateOutput",
    "GenerateOutputMap",
    "GenerateRequest",
    "HealthCheckResponse",
    "HealthCheckResponseStatus",
    "HealthzResponse",
    "HealthzResponseStatus",
    "HTTPValidationError",
    "InferenceEndpoint",
    "InferenceEndpointServerInfo",
    "KillSessionRequest",
    "KillSessionResponse",
    "KvCacheDtype",
    "ListCheckpointsRequest",
    "ListCheckpointsResponse",
    "ListInferenceEndpointsResponse",
    "LoadedLoraAdapters",
    "LoadedSamplingAdapters",
    "LoadLoraAdapterRequest",
    "LoadWeightsRequest",
    "LoRAConfigRequest",
    "LoraRef",
    "LoraUpdateResponse",
    "LossFnInputs",
    "LossFnOutput",
    "LossFnParams",
    "ModelInput",
    "ModelInputChunk",
    "OperationInfo",
    "OptimizerConfigRequest",
    "OptimizerDtype",
    "OptimizerKwargs",
    "OptimizerType",
    "OptimStepMetrics",
    "OptimStepRequest",
    "OptimStepResponse",
    "OutputTensor",
    "P2PRankSummary",
    "PauseMode",
    "QuantizationConfig",
    "QuantizationSpec",
    "RemoveInferenceEndpointRequest",
    "RemoveInferenceEndpointResponse",
    "RequestFailedResponse",
    "RequestFailedResponseCategory",
    "RootEndpoints",
    "RootResponse",
    "SaveWeightsForSamplerRequest",
    "SaveWeightsRequest",
    "SessionActivity",
    "SessionHeartbeatRequest",
    "SessionHeartbeatResponse",
    "SessionInfoResponse",
    "SetSyncQuantizationRequest",
    "SetSyncQuantizationResponse",
    "SGLangErrorBody",
    "SGLangErrorResponse",
    "SGLangSamplingParams",
    "SglExt",
    "SleepResponse",
    "SyncInferenceWeightsRequest",
    "SyncInferenceWeightsResponse",
    "TensorData",
    "TimingBreakdown",
    "TokenDiagnostics",
    "TrainingRun",
    "TrainingRunsResponse",
    "TryAgainResponse",
    "TryAgainResponseQueueState",
    "UnloadLoraAdapterRequest",
    "UnloadModelRequest",
    "UnloadModelResponse",
    "UntypedAPIFuture",
    "UserMetadata",
    "ValidationErrorContext",
    "ValidationErrorItem",
    "WakeUpResponse",
    "WeightsInfoRequest",
    "WeightsInfoResponse",
)
