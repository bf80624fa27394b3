"""Every public name and method of the official client exists here with a compatible signature.

The official API is kept below as stub classes whose signatures are the official ones (the
xorl-client 0.1.0 wheel on PyPI, plus the branch additions the compatibility work covers:
``sync_inference_weights(..., quantization)``, ``Datum(..., routed_expert_logits)``,
``SampledSequence.prompt_tokens``, ``LossFnOutput.state_values``, the newer ``SamplingParams``
fields). For each, ``inspect.signature`` of this SDK's callable must have the same parameter
names in the same positional order (keyword-only for the official pydantic models, whose
constructors take keywords), the same defaults unless the difference is listed in
:data:`DEFAULT_DIFFERENCES` (each explained in ``docs/compatibility.md``), and may only add
parameters that are optional.

Calls the xorl server has no route for (``save_full_weights_safetensors``,
``connect_/disconnect_inference_endpoint``, the provider hooks, SGLang's pause/continue) are
here with their official signatures too: they raise ``NotSupportedOnXorlError``
(``tests/unit/test_not_on_xorl.py``).

Left out on purpose: ``ServerCapabilities`` (the official client never fetches it and
``get_server_capabilities`` raises, as there); the official client's internals
(``xorl_client.client.*``, ``xorl_client.resources``, ``ClientHolder``), see
``docs/compatibility.md``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import xorl_client as xc
from xorl_client import exceptions, types

P = inspect.Parameter
EMPTY = P.empty

# -- the official API (signatures only) ----------------------------------------------------------


class ServiceClient:
    def __init__(self, base_url=None, model=None, api_key=None, timeout=1800.0, **kwargs): ...
    def create_lora_training_client(
        self, base_model, rank=32, alpha=None, dropout=0.0, target_modules=None, model_id=None
    ): ...

    create_lora_training_client_async = create_lora_training_client

    def create_training_client(self, base_model, model_id=None): ...

    create_training_client_async = create_training_client

    def create_sampling_client(
        self, base_url, model_path, model=None, api_key=None, timeout=1800.0
    ): ...
    def create_rest_client(self, model_id="default"): ...
    def create_training_client_from_state(
        self,
        checkpoint_path,
        base_model=None,
        rank=32,
        alpha=None,
        dropout=0.0,
        target_modules=None,
    ): ...

    create_training_client_from_state_async = create_training_client_from_state
    create_training_client_from_state_with_optimizer = create_training_client_from_state
    create_training_client_from_state_with_optimizer_async = create_training_client_from_state

    def get_server_capabilities(self): ...
    def shutdown(self): ...


class TrainingClient:
    def forward_backward(self, data, loss_fn="cross_entropy", loss_fn_params=None): ...

    forward = forward_async = forward_backward

    def optim_step(self, adam_params): ...
    def save_weights_for_sampler(self, name): ...

    save_weights_for_sampler_async = save_weights_for_sampler

    def save_state(self, name=None): ...

    save_state_async = save_state

    def load_state(self, path): ...

    load_state_async = load_state_with_optimizer = load_state_with_optimizer_async = load_state

    def unload(self): ...

    unload_async = unload

    def sync_inference_weights(
        self,
        master_address=None,
        master_port=29600,
        group_name="weight_sync_group",
        buffer_size_mb=1024,
        quantization=None,
    ): ...
    def get_tokenizer(self): ...
    def save_weights_and_get_sampling_client(
        self, name=None, inference_base_url="http://localhost:30000", api_format=None
    ): ...

    save_weights_and_get_sampling_client_async = save_weights_and_get_sampling_client

    def list_checkpoints(self): ...

    list_checkpoints_async = list_checkpoints

    def delete_checkpoint(self, checkpoint_id): ...

    delete_checkpoint_async = delete_checkpoint

    def delete_checkpoint_from_xorl_path(self, xorl_path): ...

    delete_checkpoint_from_xorl_path_async = delete_checkpoint_from_xorl_path

    def kill_session(self, save_checkpoint=True): ...

    kill_session_async = kill_session

    def health_check(self): ...
    def save_full_weights_safetensors(self, name, dtype="bfloat16", base_model_path=None): ...

    save_full_weights_safetensors_async = save_full_weights_safetensors

    def add_inference_endpoint(
        self,
        host,
        port,
        world_size=1,
        sync_weights=False,
        master_address=None,
        master_port=29600,
        group_name="weight_sync_group",
        buffer_size_mb=1024,
        pool="default",
    ): ...
    def list_inference_endpoints(self): ...
    def remove_inference_endpoint(self, host, port): ...
    def connect_inference_endpoint(
        self,
        master_address=None,
        master_port=29600,
        group_name="weight_sync_group",
        buffer_size_mb=256,
    ): ...
    def disconnect_inference_endpoint(self): ...
    def sync_weights_to_inference(
        self,
        sync_method="nccl_ep_scatter",
        master_address=None,
        timeout=1800.0,
        quantization=None,
        pools=None,
        group_name=None,
    ): ...
    def update_dedicated_endpoint(
        self,
        name,
        endpoint_id,
        provider_api_key,
        hf_token,
        hf_org="xorl-ai",
        provider_model_id=None,
    ): ...
    def update_serverless_weights(
        self,
        name,
        provider_api_key,
        hf_token,
        provider_base_model,
        hf_repo_prefix="xorl_client-adapter",
        private_repo=True,
        hf_org="xorl-ai",
        wait_for_completion=True,
    ): ...


class SamplingClient:
    def __init__(
        self,
        base_url="http://localhost:6000",
        model_path="",
        model=None,
        api_key=None,
        timeout=1800.0,
        max_retries=3,
        retry_delay=1.0,
        api_format=None,
        http_client_mode=None,
        http_max_connections=None,
        http_max_keepalive_connections=None,
        http_keepalive_expiry=None,
        http2=None,
    ): ...
    def sample(
        self,
        prompt,
        sampling_params=None,
        num_samples=1,
        return_logprobs=True,
        lora_path=None,
        logprob_start_len=None,
    ): ...

    sample_async = sample

    def generate_batch_native(
        self, input_ids_batch, sampling_params, *, return_logprobs=True, lora_path=None
    ): ...

    generate_batch_native_async = generate_batch_native

    def score_prompt_logprobs_batch(
        self, input_ids_batch, logprob_start_lens=None, lora_path=None
    ): ...

    score_prompt_logprobs_batch_async = score_prompt_logprobs_batch

    def flush_cache(self, *, timeout=0.0): ...

    flush_cache_async = flush_cache

    def load_lora_adapter(self, *, lora_name, lora_path, pinned=False, timeout=300.0): ...

    load_lora_adapter_async = load_lora_adapter

    def unload_lora_adapter(self, *, lora_name, flush_before=True, timeout=60.0): ...

    unload_lora_adapter_async = unload_lora_adapter

    def swap_lora_adapter(self, *, current_lora_name, lora_name, lora_path, pinned=False): ...

    swap_lora_adapter_async = swap_lora_adapter

    def pause_generation(self, mode="in_place"): ...

    pause_generation_async = pause_generation

    def continue_generation(self, *, torch_empty_cache=True): ...

    continue_generation_async = continue_generation

    def sample_batch(
        self, prompts, sampling_params=None, num_samples=1, return_logprobs=True, timeout=None
    ): ...

    sample_batch_async = sample_batch

    def close(self): ...
    async def close_async(self): ...


class RestClient:
    def list_checkpoints(self, model_id=None): ...

    list_checkpoints_async = list_checkpoints

    def delete_checkpoint(self, checkpoint_id_or_path, model_id=None): ...

    delete_checkpoint_async = delete_checkpoint

    def get_weights_info(self, xorl_path): ...

    get_weights_info_async = get_weights_info_by_xorl_path = get_weights_info
    get_weights_info_by_xorl_path_async = get_weights_info

    def list_training_runs(self, limit=20, offset=0): ...

    list_training_runs_async = list_training_runs


class APIFuture:
    def result(self, timeout=None): ...
    async def result_async(self, timeout=None): ...
    def done(self): ...
    def cancel(self): ...
    def cancelled(self): ...
    def add_done_callback(self, fn): ...
    def exception(self, timeout=None): ...


class TensorData:
    def __init__(self, data, dtype="float32", shape=None): ...
    def from_list(self, data, dtype="float32"): ...
    def from_numpy(self, array): ...
    def from_torch(self, tensor): ...
    def from_dict(self, d): ...
    def to_dict(self): ...

    to_numpy = to_torch = tolist = to_dict


class ModelInput:
    def from_ints(self, tokens): ...
    def to_ints(self): ...

    empty = to_ints

    def append(self, chunk): ...
    def append_int(self, token): ...
    def model_dump(self, *, mode="python"): ...


class Datum:
    def __init__(
        self, model_input, loss_fn_inputs, routed_experts=None, routed_expert_logits=None
    ): ...
    def to_dict(self): ...


class QueueStateObserver:
    def on_queue_state_change(self, queue_state, queue_state_reason): ...


class ParsedCheckpointXoRLPath:
    def from_xorl_path(self, xorl_path): ...


# Constructors of plain data classes, positional order included.
DATA_CLASSES: dict[str, str] = {
    "AdamParams": "learning_rate=0.0001, beta1=0.9, beta2=0.95, eps=1e-12, weight_decay=0.0, grad_clip_norm=5.0",
    "LoraConfig": "rank=32, alpha=None, dropout=0.0, target_modules=None",
    "SamplingParams": "max_tokens=128, temperature=1.0, top_p=1.0, top_k=-1, stop=None, stop_token_ids=None, return_routed_experts=False, seed=None, sampling_seed=None",
    "SampledSequence": "tokens, stop_reason='stop', logprobs=None, text=None, prompt_tokens=None",
    "SampleResponse": "sequences, meta_info=None, prompt_logprobs=None, topk_prompt_logprobs=None",
    "LossFnOutput": "loss=None, logprobs=None, elementwise_loss=None, state_values=None",
    "OptimStepResponse": "metrics",
    "SaveWeightsResponse": "path",
    "SaveWeightsForSamplerResponse": "path, model_path=None",
    "LoadWeightsResponse": "path",
    "Checkpoint": "checkpoint_id, checkpoint_type, time, path, size_bytes=None",
    "CheckpointsListResponse": "checkpoints",
    "DeleteCheckpointResponse": "success, deleted_path=None, error=None",
    "ParsedCheckpointXoRLPath": "xorl_path, model_id, checkpoint_type, checkpoint_id",
    "Cursor": "offset, limit, total_count",
    "TrainingRun": "training_run_id, base_model, model_owner, is_lora, last_request_time, corrupted=False, lora_rank=None, last_checkpoint=None, last_sampler_checkpoint=None, user_metadata=None",
    "TrainingRunsResponse": "training_runs, cursor",
    "WeightsInfoResponse": "base_model, is_lora=True, lora_rank=None",
    "BatchSampleResult": "completed, failed, cancelled",
    "DedicatedEndpointConfig": "endpoint_id, provider_api_key, hf_token, hf_org='xorl-ai'",
}

# The official pydantic models: keyword constructors, so names and defaults only.
KEYWORD_MODELS: dict[str, str] = {
    "EncodedTextChunk": "tokens, type='encoded_text'",
    "ImageChunk": "data, format, expected_tokens=None, type='image'",
    "ImageAssetPointerChunk": "format, location, expected_tokens=None, type='image_asset_pointer'",
    "ModelInput": "chunks",
    "UntypedAPIFuture": "request_id, model_id=None",
    "TryAgainResponse": "request_id, queue_state, queue_state_reason=None, type='try_again'",
    "RequestFailedResponse": "error, category",
    "FutureRetrieveRequest": "request_id",
    "CreateModelResponse": "model_id, type='create_model'",
    "UnloadModelResponse": "model_id, type=None",
    "ForwardBackwardOutput": "loss_fn_outputs=[], metrics={}, loss_fn_output_type='', info={}",
    "SyncWeightsResponse": "success, message, transfer_time=0.0, total_bytes=0, num_parameters=0, num_buckets=0, endpoints_synced=[], timing_breakdown={}, p2p_rank_summaries=[]",
    "EndpointSyncResult": "host, port, success, message=''",
    "UpdateDedicatedEndpointResponse": "success=False, checkpoint_path='', hf_path='', provider_model_id='', upload_time=0.0, provider_upload_time=0.0, probe_time=0.0, error=None",
    "SamplingParams": "ignore_eos=False, no_stop_trim=False, custom_params=None, return_expert_logits=False, return_routed_experts_file=False, routed_experts_start_len=0, chat_continue_final_message=False, chat_template_kwargs=None, chat_logprob_start_len=None",
    "KillSessionResponse": "success, message, checkpoint_path=None",
    "SaveFullWeightsSafetensorsResponse": "path, dtype, num_shards",
    "CreateSamplingSessionResponse": "success, model_path, lora_name, message=None",
    "InferenceEndpointServerInfo": "model_path=None, served_model_name=None, tp_size=None, enable_lora=None, max_lora_rank=None, version=None",
    "InferenceEndpoint": "host, port, worker_port=None, world_size=1, healthy=True, server_info=None",
    "AddInferenceEndpointResponse": "success, message, endpoint=None, weights_synced=False, sync_message=None",
    "ListInferenceEndpointsResponse": "endpoints=[], count=None",
    "RemoveInferenceEndpointResponse": "success, message",
    "DisconnectResponse": "success, message",
    "ConnectedEndpoint": "host, port, world_size=1",
    "ConnectEndpointResponse": "success, message, connected_endpoints=[]",
    "UpdateServerlessWeightsResponse": "provider_model_id='', hf_repo_url='', checkpoint_path='', status='Complete'",
}

#: Official defaults this SDK changes on purpose (docs/compatibility.md says why), with ours.
DEFAULT_DIFFERENCES: dict[tuple[str, str], Any] = {
    ("ServiceClient.__init__", "timeout"): None,
    ("ServiceClient.create_sampling_client", "timeout"): None,
    ("ServiceClient.create_training_client_from_state", "rank"): None,
    ("ServiceClient.create_training_client_from_state_async", "rank"): None,
    ("ServiceClient.create_training_client_from_state_with_optimizer", "rank"): None,
    ("ServiceClient.create_training_client_from_state_with_optimizer_async", "rank"): None,
    ("SamplingClient.__init__", "base_url"): None,
    ("SamplingClient.__init__", "timeout"): None,
    ("TensorData.from_list", "dtype"): None,
    ("TrainingClient.save_weights_and_get_sampling_client", "inference_base_url"): None,
    ("TrainingClient.save_weights_and_get_sampling_client_async", "inference_base_url"): None,
    ("AdamParams", "grad_clip_norm"): 0.0,
}


def _names(text: str) -> list[str]:
    return text.split()


#: Official names that must exist at the top level (xorl-client 0.1.0 ``__all__``).
TOP_LEVEL = _names(
    "ServiceClient TrainingClient SamplingClient BatchSampleResult RestClient APIFuture types "
    "XorlClientError APIError APIConnectionError APITimeoutError APIStatusError BadRequestError "
    "AuthenticationError NotFoundError InternalServerError StrictBase EncodedTextChunk ImageChunk "
    "ImageAssetPointerChunk ModelInputChunk ModelInput Datum TensorData AdamParams SamplingParams "
    "SampledSequence SampleResponse ForwardBackwardOutput OptimStepResponse SaveWeightsResponse "
    "SaveWeightsForSamplerResponse LoadWeightsResponse LoraConfig UpdateDedicatedEndpointResponse "
    "DedicatedEndpointConfig __version__"
)

TYPES = _names(
    "TensorDtype ModelID LossFnType RequestID TensorData EncodedTextChunk ImageChunk "
    "ImageAssetPointerChunk ModelInputChunk ModelInput Datum AdamParams LoraConfig LossFnOutput "
    "ForwardBackwardOutput OptimStepResponse SaveWeightsResponse SaveWeightsForSamplerResponse "
    "LoadWeightsResponse WeightsInfoResponse CreateModelResponse UnloadModelResponse Checkpoint "
    "CheckpointType CheckpointsListResponse DeleteCheckpointResponse ParsedCheckpointXoRLPath "
    "Cursor TrainingRun TrainingRunsResponse EndpointSyncResult SyncWeightsResponse "
    "UpdateDedicatedEndpointResponse DedicatedEndpointConfig UntypedAPIFuture TryAgainResponse "
    "RequestErrorCategory RequestFailedResponse FutureRetrieveRequest FutureRetrieveResponse "
    "parse_future_retrieve_response SamplingParams SampledSequence SampleResponse StopReason "
    "StrictBase QueueState QueueStateObserver KillSessionResponse SaveFullWeightsSafetensorsResponse "
    "CreateSamplingSessionResponse InferenceEndpointServerInfo InferenceEndpoint "
    "AddInferenceEndpointResponse ListInferenceEndpointsResponse RemoveInferenceEndpointResponse "
    "DisconnectResponse ConnectedEndpoint ConnectEndpointResponse UpdateServerlessWeightsResponse"
)

EXCEPTIONS = _names(
    "XorlClientError APIError APIConnectionError APITimeoutError APIStatusError BadRequestError "
    "AuthenticationError NotFoundError InternalServerError RequestFailedError RetryableException"
)


# -- the comparison ---------------------------------------------------------------------------


def _params(fn: Callable[..., Any]) -> list[P]:
    params = list(inspect.signature(fn).parameters.values())
    return params[1:] if params and params[0].name in ("self", "cls") else params


def _stub_params(spec: str) -> list[P]:
    stub: Any = {}
    exec(f"def stub({spec}): pass", stub)
    return _params(stub["stub"])


def assert_compatible(
    where: str, ours: Callable[..., Any], official: list[P], *, keywords_only: bool = False
) -> None:
    mine = _params(ours)
    by_name = {p.name: p for p in mine}
    takes_kwargs = any(p.kind is P.VAR_KEYWORD for p in mine)
    for index, want in enumerate(official):
        if want.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            continue
        if keywords_only or want.kind is P.KEYWORD_ONLY:
            have = by_name.get(want.name)
            assert have is not None or takes_kwargs, f"{where}: no parameter {want.name!r}"
            if have is None:
                continue
            assert have.kind is not P.POSITIONAL_ONLY, f"{where}: {want.name} is positional-only"
        else:
            assert index < len(mine), f"{where}: missing positional parameter {want.name!r}"
            have = mine[index]
            assert have.name == want.name, f"{where}: position {index} is {have.name!r}"
            assert have.kind is P.POSITIONAL_OR_KEYWORD, f"{where}: {want.name} is not positional"
        if want.default is not EMPTY:
            expected = DEFAULT_DIFFERENCES.get((where, want.name), want.default)
            assert have.default is not EMPTY, f"{where}: {want.name} has no default"
            if isinstance(expected, list | dict):  # a fresh empty container per instance
                assert repr(have.default) == "<factory>", f"{where}: {want.name} default"
            else:
                assert have.default == expected, (
                    f"{where}: {want.name} defaults to {have.default!r}"
                )
    official_names = {p.name for p in official}
    for extra in mine:
        if extra.name in official_names or extra.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            continue
        assert extra.default is not EMPTY or keywords_only, (
            f"{where}: extra {extra.name!r} is required"
        )


STUBS = [ServiceClient, TrainingClient, SamplingClient, RestClient, APIFuture, TensorData,
         ModelInput, Datum, QueueStateObserver, ParsedCheckpointXoRLPath]  # fmt: skip
OURS: dict[str, Any] = {
    "ServiceClient": xc.ServiceClient,
    "TrainingClient": xc.TrainingClient,
    "SamplingClient": xc.SamplingClient,
    "RestClient": xc.RestClient,
    "APIFuture": xc.APIFuture,
    "TensorData": xc.TensorData,
    "ModelInput": xc.ModelInput,
    "Datum": xc.Datum,
    "QueueStateObserver": xc.QueueStateObserver,
    "ParsedCheckpointXoRLPath": types.ParsedCheckpointXoRLPath,
}
METHODS = [
    (stub.__name__, name)
    for stub in STUBS
    for name, value in vars(stub).items()
    if callable(value) and not (name.startswith("__") and name != "__init__")
]


@pytest.mark.parametrize(("cls", "method"), METHODS, ids=[f"{c}.{m}" for c, m in METHODS])
def test_methods_have_the_official_signature(cls: str, method: str) -> None:
    stub = next(s for s in STUBS if s.__name__ == cls)
    ours = getattr(OURS[cls], method, None)
    assert ours is not None, f"{cls}.{method} is missing"
    if method.endswith("_async") or (cls == "SamplingClient" and method == "close_async"):
        assert inspect.iscoroutinefunction(ours), f"{cls}.{method} is not async"
    where = f"{cls}.{method}"
    assert_compatible(where, ours, _params(getattr(stub, method)))


@pytest.mark.parametrize("name", sorted(DATA_CLASSES))
def test_data_class_constructors_are_positionally_compatible(name: str) -> None:
    cls = getattr(xc, name, None) or getattr(types, name, None) or getattr(xc.sampling, name)
    assert_compatible(name, cls, _stub_params(DATA_CLASSES[name]))


@pytest.mark.parametrize("name", sorted(KEYWORD_MODELS))
def test_model_constructors_take_the_official_keywords(name: str) -> None:
    cls = getattr(types, name)
    assert_compatible(name, cls, _stub_params(KEYWORD_MODELS[name]), keywords_only=True)


def test_official_top_level_names_exist() -> None:
    missing = [n for n in TOP_LEVEL if not hasattr(xc, n)]
    assert missing == [] and set(TOP_LEVEL) <= set(xc.__all__)


def test_official_types_module_names_exist() -> None:
    assert [n for n in TYPES if not hasattr(types, n)] == []
    from xorl_client.types.tensor_data import TensorData as FromModule

    assert FromModule is xc.TensorData


def test_official_exceptions_module() -> None:
    assert sorted(exceptions.__all__) == sorted(EXCEPTIONS)
    assert all(isinstance(getattr(exceptions, n), type) for n in EXCEPTIONS)


def test_official_enum_members() -> None:
    assert {m.name for m in xc.QueueState} >= {
        "ACTIVE",
        "PAUSED_RATE_LIMIT",
        "PAUSED_CAPACITY",
        "UNKNOWN",
    }
    assert {m.name for m in types.RequestErrorCategory} == {"Unknown", "Server", "User"}


def test_context_managers() -> None:
    for cls in (xc.ServiceClient, xc.SamplingClient):
        assert hasattr(cls, "__enter__") and hasattr(cls, "__exit__")
    assert hasattr(xc.SamplingClient, "__aenter__") and hasattr(xc.SamplingClient, "__aexit__")
    assert hasattr(xc.APIFuture, "__await__")
